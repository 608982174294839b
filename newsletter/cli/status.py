"""`newsletter status`: what the ledger says about an issue."""

from __future__ import annotations

import json
from datetime import datetime

import click

from newsletter.cli.context import CliContext, edition_option, handle_errors, pass_cli


@click.command()
@click.option("--date", "day", metavar="D", help="YYYY-MM-DD, today (default) or yesterday.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--shard", metavar="K/N", help="Read the ledger of shard K of N.")
@edition_option
@pass_cli
@handle_errors
def status(
    cli: CliContext, day: str | None, as_json: bool, shard: str | None, edition: str
) -> None:
    """What was sent, failed, or is pending for an issue, and what came back: bounced,
    soft-bounced and complaints (read by `newsletter bounces process`).

    Exit status 1 when anything is failed or pending, so scripts can alert.

    \b
    Example:
        newsletter status --date yesterday
        newsletter status --json | jq .counts
        newsletter status --edition weekly
    """
    from newsletter.cli.send import _shard
    from newsletter.config import load_config
    from newsletter.delivery.ledger import Ledger, State, ledger_path
    from newsletter.issue import resolve_date
    from newsletter.subscribers.journal import current
    from newsletter.weekly import edition_folder, journal_dir, reads

    folder = edition_folder(cli.folder(), edition)
    config = load_config(folder.config_path)
    the_day = resolve_date(day, datetime.now(config.timezone))
    ledger = Ledger(ledger_path(folder.state_dir, _shard(shard)), readonly=True)
    try:
        st = ledger.status(the_day)
    finally:
        ledger.close()
    from newsletter.send import shard_of

    wanted = _shard(shard)
    active = {
        s.email
        for s in current(
            folder.subscribers_path, journal_dir(folder), smtputf8=config.sending.smtputf8
        )
        if s.active and shard_of(s.email, wanted) and reads(s, edition)
    }
    ledger = Ledger(ledger_path(folder.state_dir, wanted), readonly=True)
    try:
        delivered_to = ledger.emails_in(the_day, [State.DELIVERED])
        skipped_to = ledger.emails_in(the_day, [State.SKIPPED])
    finally:
        ledger.close()
    from newsletter.lock import holder

    # Only the active are owed the issue: a failure of someone since marked bounced or
    # unsubscribed is settled, and no longer makes the issue incomplete.
    failures = [r for r in st.failures if r.email in active]
    dropped = len(st.failures) - len(failures)
    pending = len(active - delivered_to - skipped_to - {r.email for r in failures})
    last_run = st.outcome
    if st.runs and st.ended_at is None:
        # Unfinished: still running if the lock's holder lives, else killed outright.
        running = holder(folder.lock_path)
        last_run = f"running (pid {running['pid']})" if running else "killed"
    counts = {
        "delivered": st.counts.get("delivered", 0),
        "deferred": sum(r.state is State.DEFERRED for r in failures),
        "failed": sum(r.state is State.FAILED for r in failures),
        "pending": pending,
        "skipped": st.counts.get("skipped", 0),
        "dropped": dropped,
    }
    from newsletter.bounces.events import EventStore

    events = EventStore(folder.ledger_path, readonly=True)
    try:
        came_back = events.counts_for_issue(the_day)
    finally:
        events.close()
    bounces = {
        "bounced": came_back.get("hard", 0),
        "soft_bounced": came_back.get("soft", 0),
        "complained": came_back.get("complaint", 0),
    }
    data: dict[str, object] = {
        "date": the_day.isoformat(),
        "number": st.number,
        "subject": st.subject,
        "counts": counts,
        "bounces": bounces,
        "failures": [
            {
                "email": r.email,
                "state": r.state.value,
                "code": r.code,
                "response": r.response,
                "attempts": r.attempts,
            }
            for r in failures
        ],
        "started_at": st.started_at,
        "ended_at": st.ended_at,
        "runs": st.runs,
        "last_run": last_run,
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        c = counts
        if st.number is None:
            click.echo(f"Issue of {the_day}: not sent yet ({pending} active subscribers pending).")
        else:
            click.echo(f"Issue {st.number} of {the_day}: {st.subject}")
            click.echo(
                f"  delivered {c['delivered']}, deferred {c['deferred']}, "
                f"failed {c['failed']}, pending {c['pending']}"
                + (f", skipped {c['skipped']} (no topic of theirs)" if c["skipped"] else "")
                + (f", dropped {c['dropped']} (no longer subscribed)" if c["dropped"] else "")
            )
        if any(bounces.values()):
            click.echo(
                f"  came back: bounced {bounces['bounced']}, soft-bounced "
                f"{bounces['soft_bounced']}, complaints {bounces['complained']} "
                "(`newsletter bounces list` shows each)"
            )
        if st.runs:
            click.echo(f"  runs: {st.runs}, the first started {st.started_at}")
            if st.ended_at:
                click.echo(f"  last run: {last_run}, ended {st.ended_at}")
            else:
                click.echo(f"  last run: {last_run}, started {st.last_started_at}, did not end")
        for r in failures:
            click.echo(
                f"  {r.state.value:8} {r.email}: {r.code or '---'} {r.response} "
                f"(attempts: {r.attempts})"
            )
    if counts["deferred"] or counts["failed"] or counts["pending"]:
        raise SystemExit(1)
