"""`newsletter send`: parse options, call `send_issue`, print the report, pick the exit code."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

from newsletter import stopping
from newsletter.cli.context import CliContext, handle_errors, pass_cli
from newsletter.errors import InputError

# The sending side (the ledger and sqlite3 with it) is imported when a send runs, so
# `newsletter send --help` answers without it.
if TYPE_CHECKING:
    from newsletter.delivery.ledger import Record
    from newsletter.folder import Folder
    from newsletter.send import SendReport


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        k, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise InputError(f"--shard {value!r}: use K/N, e.g. --shard 2/4") from None
    if not 1 <= k <= n:
        raise InputError(f"--shard {value!r}: K must be between 1 and N")
    return k, n


class Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self.last = 0.0

    def start(self, report: SendReport) -> None:
        self.total = report.recipients

    def step(self, record: Record) -> None:
        self.done += 1
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and self.done < self.total):
            return
        self.last = now
        width = 30
        filled = int(width * self.done / max(1, self.total))
        rate = self.done / max(1e-6, now - self.started)
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\r[{bar}] {self.done}/{self.total}  {rate:,.0f} msg/s", err=True, nl=False)
        if self.done >= self.total:
            click.echo("", err=True)


@click.command()
@click.option(
    "--date", "day", metavar="D", help="The issue's date: YYYY-MM-DD, today (default) or yesterday."
)
@click.option(
    "-n",
    "--dry-run",
    is_flag=True,
    help="Build and render every message; send nothing, change nothing.",
)
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="ADDR",
    help="Send a test copy to ADDR only (repeatable; need not be a subscriber).",
)
@click.option(
    "--smtp-url",
    metavar="URL",
    help="smtp://HOST:PORT, smtp+starttls://USER@HOST:587 or smtps://… (env: NEWSLETTER_SMTP_URL).",
)
@click.option("--concurrency", type=click.IntRange(1, 256), help="SMTP connections used at once.")
@click.option(
    "--rate", type=click.FloatRange(0), help="At most N messages per second (0: no limit)."
)
@click.option(
    "--retry-failed", is_flag=True, help="Also retry recipients refused permanently (5xx) before."
)
@click.option("--allow-empty", is_flag=True, help="Send even when no article is in the issue.")
@click.option(
    "--shard", metavar="K/N", help="Send only to shard K of N of the list (its own ledger)."
)
@click.option(
    "--edition",
    type=click.Choice(["daily", "weekly"]),
    help="Only this edition (default: the daily one, and on digest.weekly_day the weekly "
    "one too, each to its readers).",
)
@pass_cli
@handle_errors
def send(
    cli: CliContext,
    day: str | None,
    dry_run: bool,
    to: tuple[str, ...],
    smtp_url: str | None,
    concurrency: int | None,
    rate: float | None,
    retry_failed: bool,
    allow_empty: bool,
    shard: str | None,
    edition: str | None,
) -> None:
    """Send the day's issue to every active subscriber, one personal message each.

    Readers with `frequency: weekly` get the weekly edition instead, on the config's
    `digest.weekly_day`: that day, a send sends both editions, each to its readers.
    Safe to run again: recipients already delivered are skipped, so a second run
    sends only what the first could not. Ctrl-C stops cleanly; run again to resume.

    \b
    Example:
        newsletter send --dry-run
        newsletter send --to me@example.com
        newsletter send --edition weekly --to me@example.com
        NEWSLETTER_SMTP_URL=smtp://127.0.0.1:2525 newsletter send --date today
    """
    import dataclasses

    from newsletter.send import SendRequest, send_issue

    request = SendRequest(
        date=day,
        dry_run=dry_run,
        to=to,
        smtp_url=smtp_url,
        concurrency=concurrency,
        rate=rate,
        retry_failed=retry_failed,
        allow_empty=allow_empty,
        shard=_shard(shard),
    )
    folder = cli.folder()
    editions = [edition] if edition else _editions(folder, day, bool(to))
    worst = 0
    for one in editions:
        progress = Progress(not cli.quiet)
        # Until the sending loop takes SIGTERM over, and once it gave it back.
        stopping.note = "nothing was sent. Run `newsletter send` again"

        def started(report: SendReport, progress: Progress = progress) -> None:
            stopping.note = ""  # from here on, messages go out
            progress.start(report)

        try:
            report = send_issue(
                folder,
                dataclasses.replace(request, edition=one),
                on_start=started,
                on_result=progress.step,
                on_wait=lambda text: cli.say(f"Waiting: {text}"),
            )
        except KeyboardInterrupt:  # Ctrl-C outside the sending loop, which handles its own
            done = (
                f"every delivery made ({progress.done}) is recorded"
                if progress.done
                else "no message was sent"
            )
            click.echo(f"Interrupted: {done}. Run `newsletter send` again.", err=True)
            raise SystemExit(1) from None
        finally:
            stopping.note = ""
        for line in summary_lines(report):
            cli.say(line)
        worst = max(worst, report.exit_code)
        if report.interrupted:
            break
    if worst:
        raise SystemExit(worst)


def _editions(folder: Folder, day: str | None, test: bool) -> list[str]:
    """The daily edition, and the weekly one too on the weekly day (not for a test send)."""
    from datetime import datetime

    from newsletter.config import load_config
    from newsletter.issue import resolve_date
    from newsletter.weekly import is_weekly_day

    config = load_config(folder.config_path)
    when = resolve_date(day, datetime.now(config.timezone))
    return ["daily", "weekly"] if not test and is_weekly_day(config, when) else ["daily"]


def summary_lines(report: SendReport) -> list[str]:
    from newsletter.delivery.ledger import State

    t = report.tally
    what = "Would send" if report.dry_run else ("Test send" if report.test else "Sent")
    kind = "weekly edition" if report.edition == "weekly" else "issue"
    head = f"{what} {kind} {report.number} of {report.day.isoformat()}: “{report.subject}”"
    lines = [head]
    if report.dry_run:
        lines.append(f"  would send: {report.recipients} (rendered and checked, nothing sent)")
    else:
        lines.append(f"  sent:     {t.delivered}  via {report.target}")
    if report.already:
        lines.append(f"  skipped:  {report.already} already delivered by an earlier run")
    if report.no_match:
        lines.append(f"  skipped:  {report.no_match} whose topics match nothing in this issue")
    if report.held:
        lines.append(f"  held:     {report.held} refused permanently before (use --retry-failed)")
    if t.deferred:
        lines.append(f"  deferred: {t.deferred} (temporary failures; the next run retries them)")
    if t.failed:
        lines.append(f"  failed:   {t.failed}")
    for record in t.failures[:20]:
        code = record.code if record.code is not None else "---"
        kind = "deferred" if record.state is State.DEFERRED else "failed"
        lines.append(f"    {record.email}: {kind} {code} {record.response}")
    if len(t.failures) > 20:
        lines.append(
            f"    … and {len(t.failures) - 20} more: see `newsletter status --date {report.day}`"
        )
    failed = [r for r in t.failures if r.state is State.FAILED]
    if any(r.message_id is not None for r in failed):
        lines.append(
            "  Refused permanently: not retried unless you pass --retry-failed. Correct the "
            "address in subscribers.yaml, or set its `status: bounced`."
        )
    if any(r.message_id is None for r in failed):  # no message could be made for them
        then = "before sending" if report.dry_run else "then run again with --retry-failed"
        lines.append(
            f"  Not sent: fix what the reason says (subscribers.yaml or the templates), {then}."
        )
    for warning in report.warnings:
        lines.append(f"  warning:  {warning}")
    for failure in report.source_failures:
        lines.append(f"  source problem: {failure}")
    if not report.dry_run:
        lines.append(f"  time:     {report.seconds:.1f} s")
    again = f"Run `newsletter send --date {report.day}` again to send the rest."
    if report.abandoned:
        lines.append(
            f"Stopped at once: the messages on their way (up to {report.connections}, one per "
            "connection) were not recorded, so any of them the server took will be sent again. "
            + again
        )
    elif report.interrupted:
        lines.append(f"Interrupted: every delivery so far is recorded. {again}")
    elif not report.dry_run and not report.test and report.recipients == 0:
        if report.held:
            lines.append(
                f"Nothing sent: the {report.held} not yet served were refused permanently "
                "before. Correct them, or pass --retry-failed to try them again."
            )
        elif report.already:
            lines.append("Nothing left to send: every active subscriber already has this issue.")
    return lines
