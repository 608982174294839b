"""`newsletter bounces process|list`: bounces and complaints back into subscribers.yaml."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from newsletter.cli.context import CliContext, handle_errors, pass_cli
from newsletter.errors import InputError, NewsletterError

if TYPE_CHECKING:
    from newsletter.bounces.intake import Intake

EX_TEMPFAIL = 75  # sysexits.h: the mail server keeps the message and tries again later


@click.group()
def bounces() -> None:
    """Read bounces and complaints back into subscribers.yaml.

    Each message is sent with a personal, signed envelope sender
    (bounces+TOKEN@your-domain); a bounce or abuse report changes a reader only when
    such a token proves whose it is.

    \b
    Example:
        newsletter bounces process --maildir ~/Maildir/bounces
        newsletter bounces list --days 7
    """


@bounces.command()
@click.option("--from-mail", is_flag=True, help="Read one message on stdin (an MTA pipe).")
@click.option(
    "--maildir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Read every message of a Maildir; handled ones move to its .processed folder.",
)
@click.option(
    "--mbox",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read every message of an mbox file (left as it is; read twice, applied once).",
)
@click.option(
    "--imap",
    metavar="URL",
    help="Read a mailbox over IMAPS: imaps://USER@HOST/FOLDER, the password in "
    "NEWSLETTER_IMAP_PASSWORD; handled messages move to --processed.",
)
@click.option(
    "--processed",
    default="Processed",
    show_default=True,
    help="With --imap, the folder handled messages move to.",
)
@pass_cli
def process(
    cli: CliContext,
    from_mail: bool,
    maildir: Path | None,
    mbox: Path | None,
    imap: str | None,
    processed: str,
) -> None:
    """Read bounces (RFC 3464), abuse reports (RFC 5965) and auto-replies; mark readers.

    A hard bounce makes a reader `bounced`; soft bounces are counted
    (bounces.soft_limit within bounces.soft_days, default 3 within 15); a complaint
    makes them `complained`. One line per message on stdout.

    With --from-mail the exit status is 0 for anything handled or ignored, so the
    mail server never loops, and 75 (try later) when the folder cannot be read now.

    \b
    Example:
        newsletter -C /srv/letter bounces process --from-mail < bounce.eml
        newsletter bounces process --maildir /var/mail/bounces
        newsletter bounces process --mbox bounces.mbox
        NEWSLETTER_IMAP_PASSWORD=… newsletter bounces process --imap imaps://bounces@mail.example.com/INBOX
    """
    sources = (
        ("--from-mail", from_mail),
        ("--maildir", maildir),
        ("--mbox", mbox),
        ("--imap", imap),
    )
    if sum(1 for _, on in sources if on) != 1:
        click.echo(
            "Error: give exactly one of --from-mail, --maildir DIR, --mbox FILE, --imap URL",
            err=True,
        )
        raise SystemExit(2)
    if from_mail:
        data = _read_stdin()
        try:
            intake = _open(cli)
        except NewsletterError as error:
            click.echo(
                f"Error: {error}\nThe message was not read; the mail server will offer it again.",
                err=True,
            )
            raise SystemExit(EX_TEMPFAIL) from None
        try:
            click.echo(intake.handle(data, "stdin").line)
        except NewsletterError as error:
            click.echo(f"Error: {error}", err=True)
            raise SystemExit(EX_TEMPFAIL) from None
        finally:
            intake.close()
        return
    _batch(cli, maildir, mbox, imap, processed)


@handle_errors
def _batch(
    cli: CliContext, maildir: Path | None, mbox: Path | None, imap: str | None, processed: str
) -> None:
    from newsletter.bounces.intake import maildir_messages, mbox_messages, move_done

    if maildir is not None and not (maildir / "new").is_dir() and not (maildir / "cur").is_dir():
        raise InputError(f"{maildir} is not a Maildir (no new/ or cur/ in it); nothing was read")
    from newsletter.bounces.imap import ImapMailbox

    mailbox = ImapMailbox(imap, processed) if imap is not None else None
    intake = _open(cli)
    counts: dict[str, int] = {}
    try:
        if mailbox is not None:
            for uid, data in mailbox.messages():
                result = intake.handle(data, f"imap:{mailbox.folder}/{uid}")
                click.echo(result.line)
                counts[result.event.kind] = counts.get(result.event.kind, 0) + 1
                mailbox.done(uid)  # only once its event is recorded and applied
        if maildir is not None:
            for path, data, done in maildir_messages(maildir):
                result = intake.handle(data, str(path))
                click.echo(result.line)
                counts[result.event.kind] = counts.get(result.event.kind, 0) + 1
                move_done(path, done)  # only once its event is recorded and applied
        elif mbox is not None:
            for i, data in enumerate(mbox_messages(mbox)):
                result = intake.handle(data, f"{mbox}#{i + 1}")
                click.echo(result.line)
                counts[result.event.kind] = counts.get(result.event.kind, 0) + 1
    finally:
        intake.close()
        if mailbox is not None:
            mailbox.close()
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no messages"
    cli.say(f"Read {sum(counts.values())} messages: {summary}.")


def _open(cli: CliContext) -> Intake:
    from newsletter.bounces.intake import Intake

    return Intake.open(cli.folder())


def _read_stdin() -> bytes:
    """The message, cut past the size of any bounce; the rest is read and dropped, so the
    mail server piping it is never left writing to a closed pipe."""
    from newsletter.bounces.report import MAX_BYTES

    stream = sys.stdin.buffer
    data = stream.read(MAX_BYTES + 1)
    while stream.read(1 << 20):
        pass
    return data


@bounces.command("list")
@click.option(
    "--days", type=click.IntRange(1), default=30, show_default=True, help="How far back to look."
)
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of lines.")
@pass_cli
@handle_errors
def list_(cli: CliContext, days: int, as_json: bool) -> None:
    """The recent bounce and complaint events, newest first, and what each did.

    \b
    Example:
        newsletter bounces list --days 7
        newsletter bounces list --json | jq '.[] | select(.kind == "hard")'
    """
    from newsletter.bounces.events import EventStore

    folder = cli.folder()
    store = EventStore(folder.ledger_path, readonly=True)
    try:
        events = store.recent(datetime.now(UTC) - timedelta(days=days))
    finally:
        store.close()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "received_at": e.received_at.isoformat(),
                        "kind": e.kind,
                        "email": e.email,
                        "issue_date": e.issue_date.isoformat() if e.issue_date else None,
                        "status": e.status,
                        "mta": e.mta,
                        "reason": e.reason,
                        "outcome": e.outcome,
                        "source": e.source,
                    }
                    for e in events
                ],
                indent=2,
            )
        )
        return
    for e in events:
        issue = f" issue {e.issue_date}" if e.issue_date else ""
        code = f" {e.status}" if e.status else ""
        click.echo(
            f"{e.received_at:%Y-%m-%d %H:%M} {e.kind:10} {e.email or '-'}{issue}{code}: "
            f"{e.outcome}; {e.reason}"
        )
    if not events:
        cli.say(f"No bounce or complaint in the last {days} days.")
