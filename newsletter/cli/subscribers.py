"""`newsletter subscribers …`: list, edit and check subscribers.yaml.

Each command calls one library function and prints its result: data on stdout,
chatter on stderr. Exit 0 when done, 2 when the input was wrong and nothing changed.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from newsletter.cli.context import CliContext, handle_errors, pass_cli
from newsletter.errors import InputError
from newsletter.folder import Folder
from newsletter.model import Format, Status, Subscriber

STATUSES = [s.value for s in Status]
FORMATS = [f.value for f in Format]

_smtputf8_option = click.option(
    "--smtputf8",
    is_flag=True,
    help="Accept non-ASCII before the @ (the relay must support SMTPUTF8); "
    "also on when newsletter.yaml sets sending: {smtputf8: true}.",
)


@click.group()
def subscribers() -> None:
    """List, edit and check subscribers.yaml.

    Edits keep every comment, blank line and quote of the file as you wrote it, and
    wait for each other: run them from scripts, cron or several shells at once.

    \b
    Example:
        newsletter subscribers add ada@example.com --name "Ada Lovelace" --topic science
        newsletter subscribers validate
    """


@subscribers.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of columns.")
@pass_cli
@handle_errors
def list_(cli: CliContext, status: str | None, as_json: bool) -> None:
    """Print the subscribers, one per line: email, status, format, topics, name.

    \b
    Example:
        newsletter subscribers list --status active
        newsletter subscribers list --json | jq -r '.[].email'
    """
    from newsletter.subscribers.journal import current

    folder = cli.folder()
    everyone = current(_path(folder), folder.state_dir, smtputf8=_smtputf8(folder, False))
    chosen = [s for s in everyone if status is None or s.status.value == status]
    if as_json:
        click.echo(json.dumps([_as_json(s) for s in chosen], ensure_ascii=False, indent=2))
    else:
        rows = [
            [s.email, s.status.value, s.format.value, ",".join(sorted(s.topics)) or "*"]
            for s in chosen
        ]
        widths = [max((len(r[i]) for r in rows), default=0) for i in range(4)]
        for s, columns in zip(chosen, rows, strict=True):
            line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
            click.echo(f"{line}  {s.name}" if s.name else line.rstrip())
    cli.say(f"{len(chosen)} of {len(everyone)} subscribers")


@subscribers.command()
@click.argument("email")
@click.option("--name", help="The reader's name, as greetings and the To: header show it.")
@click.option(
    "--topic",
    "topics",
    multiple=True,
    metavar="T",
    help="A section key to receive; repeat for more (default: every section).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="html",
    show_default=True,
    help="text: a plain-text-only message.",
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="KEY=VALUE",
    help="A custom field for templates (subscriber.fields.KEY); repeat for more.",
)
@click.option(
    "--joined",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="When they joined (default: today).",
)
@_smtputf8_option
@pass_cli
@handle_errors
def add(
    cli: CliContext,
    email: str,
    name: str | None,
    topics: tuple[str, ...],
    fmt: str,
    fields: tuple[str, ...],
    joined: datetime | None,
    smtputf8: bool,
) -> None:
    """Add an active subscriber at the end of the list.

    An address already in the file (whatever its status) is refused with exit 2:
    `resubscribe` brings back someone who left.

    \b
    Example:
        newsletter subscribers add ada@example.com --name "Ada Lovelace" \\
            --topic science --topic tech --format text --field city=London
    """
    from newsletter.subscribers import add as add_subscriber

    folder = cli.folder()
    _fold_first(folder)
    added = add_subscriber(
        _path(folder),
        email,
        name=name,
        topics=topics,
        format=Format(fmt),
        fields=_parse_fields(fields),
        joined=joined.date() if joined else date.today(),
        lock_path=folder.subscribers_lock_path,
        smtputf8=_smtputf8(folder, smtputf8),
    )
    cli.say(f"Added {added.email}.")


@subscribers.command()
@click.argument("email")
@pass_cli
@handle_errors
def remove(cli: CliContext, email: str) -> None:
    """Delete a subscriber's entry from the file.

    Prefer `unsubscribe`: it keeps the record that this person asked to leave, so a
    later import cannot add them back by mistake.

    \b
    Example:
        newsletter subscribers remove ada@example.com
    """
    from newsletter.subscribers import UnknownSubscriberError
    from newsletter.subscribers import remove as remove_subscriber

    folder = cli.folder()
    _fold_first(folder)
    path = _path(folder)
    if not remove_subscriber(path, email, lock_path=folder.subscribers_lock_path):
        raise UnknownSubscriberError(
            f"{email} is not in {path}; `newsletter subscribers list` shows who is"
        )
    cli.say(f"Removed {email}.")


@subscribers.command()
@click.argument("email", required=False)
@click.option(
    "--from-mail",
    is_flag=True,
    help="Read a mail sent to unsubscribe.mailto on standard input and unsubscribe the "
    "reader it names (for the mail server to pipe each such mail into).",
)
@pass_cli
@handle_errors
def unsubscribe(cli: CliContext, email: str | None, from_mail: bool) -> None:
    """Mark a subscriber unsubscribed: they get nothing more until resubscribed.

    With --from-mail, the reader is the one whose token the mail's subject carries
    (List-Unsubscribe's mailto: link asks for `unsubscribe-TOKEN`). A mail that names
    nobody changes nothing and still exits 0, so that the mail server does not bounce
    it back to whoever sent it.

    \b
    Example:
        newsletter subscribers unsubscribe ada@example.com
        newsletter -C /srv/letter subscribers unsubscribe --from-mail < mail.eml
    \b
    Postfix, in /etc/aliases (then run newaliases):
        unsubscribe: "|/usr/local/bin/newsletter -C /srv/letter subscribers unsubscribe --from-mail"
    """
    if from_mail == (email is not None):
        raise click.UsageError("give either an EMAIL or --from-mail, not both or neither")
    if email is None:
        email = _from_mail(cli, sys.stdin.buffer.read())
        if email is None:
            return
    _set_status(cli, email, Status.UNSUBSCRIBED)


def _from_mail(cli: CliContext, data: bytes) -> str | None:
    """The subscriber a mail to the unsubscribe address names, or None (said on stderr)."""
    from newsletter import unsubscribe
    from newsletter.config import load_config
    from newsletter.subscribers import load

    folder = cli.folder()
    config = load_config(folder.config_path)  # the secret and the list's id sign the tokens
    token = unsubscribe.token_in_mail(data)
    if token is None:
        click.echo("No unsubscribe-TOKEN in the mail's subject or text: nothing changed.", err=True)
        return None
    secret = unsubscribe.load_secret(config, create=False)
    everyone = load(_path(folder), smtputf8=config.sending.smtputf8)
    email = unsubscribe.resolve_token(secret, config.list_id, token, (s.email for s in everyone))
    if email is None:
        click.echo(
            f"The token in the mail names nobody in {_path(folder)} (removed since, or a link "
            "of another list or secret): nothing changed.",
            err=True,
        )
    return email


@subscribers.command()
@click.argument("email")
@pass_cli
@handle_errors
def resubscribe(cli: CliContext, email: str) -> None:
    """Make an unsubscribed or bounced subscriber active again.

    \b
    Example:
        newsletter subscribers resubscribe ada@example.com
    """
    _set_status(cli, email, Status.ACTIVE)


def _set_status(cli: CliContext, email: str, status: Status) -> None:
    from newsletter.subscribers import set_status

    folder = cli.folder()
    _fold_first(folder)
    changed = set_status(_path(folder), email, status, lock_path=folder.subscribers_lock_path)
    word = "active" if status is Status.ACTIVE else status.value
    cli.say(f"{email} is now {word}." if changed else f"{email} was already {word}.")


@subscribers.command("import")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some are not.")
@click.option("-n", "--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option(
    "--map",
    "map_",
    metavar="VALUE=COLUMN,...",
    help="Which of the file's columns hold email, name, first_name, last_name, status, "
    "topics, format, joined, consent_at or fields.NAME; other columns are ignored.",
)
@_smtputf8_option
@pass_cli
@handle_errors
def import_(
    cli: CliContext,
    csv_file: Path,
    skip_invalid: bool,
    dry_run: bool,
    map_: str | None,
    smtputf8: bool,
) -> None:
    """Add and update subscribers from a CSV file with a header row.

    Columns: email (required), name, status, topics (separated by spaces, commas or
    semicolons), format, joined, and fields.NAME for custom fields; an empty cell
    changes nothing. Rows of known addresses update them, but never reactivate an
    unsubscribed or bounced reader.
    The exports of Mailchimp, Substack, Buttondown, listmonk and Ghost are read as they
    are: their unsubscribed, cleaned and blocklisted rows come in unsubscribed or
    bounced, and their signup times as each reader's consent record.
    If any row is invalid, nothing is imported (exit 2) unless --skip-invalid.

    \b
    Example:
        newsletter subscribers import readers.csv --dry-run
        newsletter subscribers import mailchimp_unsubscribed.csv
        newsletter subscribers import list.csv --map email=E-mail,name=Name
    """
    from newsletter.subscribers.csvio import parse_map
    from newsletter.subscribers.imports import import_csv

    mapping = None
    if map_ is not None:
        try:
            mapping = parse_map(map_)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--map") from None
    folder = cli.folder()
    if not dry_run:
        _fold_first(folder)
    report = import_csv(
        _path(folder),
        csv_file,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        lock_path=folder.subscribers_lock_path,
        smtputf8=_smtputf8(folder, smtputf8),
        mapping=mapping,
    )
    for problem in report.invalid:
        click.echo(f"{problem} (invalid, not imported)", err=True)
    for kept in report.kept:
        cli.say(f"{kept}: kept as it is; `subscribers resubscribe` reactivates")
    prefix = "Would import" if dry_run else "Imported"
    if report.invalid and not skip_invalid:
        raise InputError(
            f"{len(report.invalid)} invalid row(s) in {csv_file}; nothing was imported. "
            "Fix them, or pass --skip-invalid to import the other rows."
        )
    cli.say(f"{prefix}: {report.summary()}.")


@subscribers.command()
@click.option("--csv", "as_csv", is_flag=True, help="CSV (the columns `import` reads).")
@pass_cli
@handle_errors
def export(cli: CliContext, as_csv: bool) -> None:
    """Print every subscriber as YAML (normalized, no comments) or CSV, to stdout.

    \b
    Example:
        newsletter subscribers export --csv > readers.csv
    """
    from newsletter.subscribers.csvio import write_csv
    from newsletter.subscribers.emit import dump
    from newsletter.subscribers.journal import current

    folder = cli.folder()
    everyone = current(_path(folder), folder.state_dir, smtputf8=_smtputf8(folder, False))
    click.echo(write_csv(everyone) if as_csv else dump(everyone), nl=False)


@subscribers.command()
@click.option(
    "--fix",
    is_flag=True,
    help="Write the web side's recorded changes into the file and drop signups not "
    "confirmed in time (signup.expiry_days).",
)
@_smtputf8_option
@pass_cli
@handle_errors
def validate(cli: CliContext, smtputf8: bool, fix: bool) -> None:
    """Check subscribers.yaml and print every problem as FILE:LINE:COL: message.

    Exit 0 with a count when the file is fine, 2 when it has problems. Pending signups
    older than the confirmation link's life are reported; --fix drops them.

    \b
    Example:
        newsletter subscribers validate
        newsletter subscribers validate --fix
    """
    from newsletter.subscribers import validate as check
    from newsletter.subscribers.journal import current, expire_pending

    folder = cli.folder()
    path = _path(folder)
    allow = _smtputf8(folder, smtputf8)
    problems = check(path, smtputf8=allow)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise InputError(f"{len(problems)} problem(s) in {path}; fix them and validate again")
    expiry = _expiry_days(folder)
    dropped = expire_pending(
        folder.subscribers_path,
        folder.state_dir,
        expiry,
        datetime.now(UTC),
        lock_path=folder.subscribers_lock_path,
        dry_run=not fix,
        smtputf8=allow,
    )
    for email in dropped:
        verb = "dropped" if fix else "expired (pending)"
        click.echo(f"{path}: {email}: {verb}, not confirmed within {expiry:g} days")
    everyone = current(path, folder.state_dir, smtputf8=allow)
    counts = {s: sum(1 for x in everyone if x.status is s) for s in Status}
    # active, unsubscribed and bounced always; pending and complained when someone has it.
    shown = [(s, n) for i, (s, n) in enumerate(counts.items()) if n or i < 3]
    detail = ", ".join(f"{n} {s.value}" for s, n in shown)
    click.echo(f"{path}: {len(everyone)} subscribers ({detail}); no problems")
    if dropped and not fix:
        cli.say("`newsletter subscribers validate --fix` drops the expired signups.")


def _fold_first(folder: Folder) -> None:
    """Write the changes the web side recorded into the file before editing it, so that
    this edit comes after them (and wins)."""
    from newsletter.subscribers.journal import Journal, fold

    journal = Journal.existing(folder.state_dir)
    if journal is not None:
        try:
            fold(folder.subscribers_path, journal, lock_path=folder.subscribers_lock_path)
        finally:
            journal.close()


def _path(folder: Folder) -> Path:
    """subscribers.yaml, relative to the current directory when inside it (shorter messages)."""
    path = folder.subscribers_path
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _expiry_days(folder: Folder) -> float:
    from newsletter.config import SignupSettings, load_config
    from newsletter.errors import ConfigError

    try:
        return load_config(folder.config_path).signup.expiry_days
    except ConfigError:
        return SignupSettings().expiry_days


def _smtputf8(folder: Folder, flag: bool) -> bool:
    if flag:
        return True
    from newsletter.config import load_config
    from newsletter.errors import ConfigError

    try:
        return load_config(folder.config_path).sending.smtputf8
    except ConfigError:  # `send` and `build` report a broken config; the list stands alone
        return False


def _parse_fields(pairs: tuple[str, ...]) -> dict[str, Any]:
    fields = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InputError(f"--field {pair!r}: write KEY=VALUE, such as --field city=London")
        fields[key.strip()] = value
    return fields


def _as_json(s: Subscriber) -> dict[str, Any]:
    from newsletter.subscribers.emit import iso

    return {
        "email": s.email,
        "name": s.name,
        "status": s.status.value,
        "topics": sorted(s.topics),
        "format": s.format.value,
        "frequency": s.frequency.value,
        "joined": s.joined.isoformat() if s.joined else None,
        "fields": {k: iso(v) for k, v in s.fields.items()},
    }
