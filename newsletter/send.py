"""Send the day's issue: one personal message per active subscriber, recorded in the ledger.

This is where the pipeline meets the world: the subscriber file, the ledger, the lock,
the network and the signals. Everything it calls is pure or behind a Transport.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.delivery.ledger import Ledger, Record, State, ledger_path, unwritable
from newsletter.errors import (
    EmptyIssueError,
    InputError,
    NewsletterError,
    RunAbortedError,
    StateLostError,
    cannot_write,
)

#: From this many recipients on, delivery records are committed by a process of their own
#: (newsletter/delivery/writer.py) instead of on the sending loop; below it, the few
#: commits are not worth starting a Python process for.
WRITER_FROM = 500

# The pipeline is imported when a send starts, so that `newsletter send --help` answers
# at once.
if TYPE_CHECKING:
    from newsletter.config import Config
    from newsletter.delivery.ahead import SignedAhead
    from newsletter.delivery.engine import Engine, Job, Tally
    from newsletter.delivery.smtp_url import SmtpTarget
    from newsletter.delivery.transport import Transport
    from newsletter.folder import Folder
    from newsletter.issue import Issue
    from newsletter.lock import HeldLock
    from newsletter.model import Subscriber
    from newsletter.personal import Personalizer


@dataclass(frozen=True)
class SendRequest:
    date: str | None = None
    dry_run: bool = False
    to: tuple[str, ...] = ()
    smtp_url: str | None = None
    concurrency: int | None = None
    rate: float | None = None
    retry_failed: bool = False
    allow_empty: bool = False
    shard: tuple[int, int] | None = None
    edition: str = "daily"  # or "weekly": the edition for readers with `frequency: weekly`


@dataclass
class SendReport:
    day: date
    number: int
    subject: str
    dry_run: bool
    test: bool
    recipients: int = 0  # messages this run tried to send
    already: int = 0  # delivered by an earlier run
    no_match: int = 0  # their topics match nothing in this issue
    held: int = 0  # failed permanently before; not retried without --retry-failed
    tally: Tally = field(default_factory=lambda: _tally())
    seconds: float = 0.0
    interrupted: bool = False
    abandoned: bool = False  # asked twice: messages in flight were left unrecorded
    connections: int = 0  # SMTP connections the run used
    source_failures: tuple[str, ...] = ()
    target: str = ""
    warnings: list[str] = field(default_factory=list)
    edition: str = "daily"

    @property
    def exit_code(self) -> int:
        bad = self.tally.failed or self.tally.deferred or self.interrupted or self.source_failures
        return 1 if bad else 0


def shard_of(email: str, shard: tuple[int, int] | None) -> bool:
    """Whether `email` belongs to shard K of N: a stable hash, the same on every host."""
    if shard is None:
        return True
    k, n = shard
    return zlib.crc32(email.lower().encode()) % n == k - 1


def _tally() -> Tally:
    from newsletter.delivery.engine import Tally

    return Tally()


def smtp_targets(config: Config, flag: str | None) -> list[SmtpTarget]:
    """Every relay: the one of --smtp-url or NEWSLETTER_SMTP_URL, else `smtp.urls`/`smtp.url`."""
    from newsletter.delivery.smtp_url import parse_smtp_url

    if flag or os.environ.get("NEWSLETTER_SMTP_URL") or len(config.smtp_urls) < 2:
        return [smtp_target(config, flag)]
    password = os.environ.get("NEWSLETTER_SMTP_PASSWORD")
    return [parse_smtp_url(url, password) for url in config.smtp_urls]


def smtp_target(config: Config, flag: str | None) -> SmtpTarget:
    """The SMTP server: --smtp-url, else NEWSLETTER_SMTP_URL, else the config's `smtp.url`."""
    from newsletter.delivery.smtp_url import parse_smtp_url

    url = flag or os.environ.get("NEWSLETTER_SMTP_URL") or config.smtp_url
    if not url:
        raise InputError(
            "no SMTP server: set `smtp: {url: …}` in newsletter.yaml, NEWSLETTER_SMTP_URL, "
            "or pass --smtp-url smtp://HOST:PORT"
        )
    return parse_smtp_url(url, os.environ.get("NEWSLETTER_SMTP_PASSWORD"))


def send_issue(
    folder: Folder,
    request: SendRequest,
    *,
    on_start: Callable[[SendReport], None] = lambda r: None,
    on_result: Callable[[Record], None] = lambda r: None,
    on_wait: Callable[[str], None] = lambda text: None,
) -> SendReport:
    """Send (or with dry_run, only prepare) the issue; returns what happened. `on_wait`
    hears what the run waits for (a server it cannot reach yet, before each retry).

    Everything that can be wrong with the input (config, subscribers, SMTP URL, --to
    addresses, every template for every audience) is found before the first write, so an
    InputError leaves the folder as it was.
    """
    from newsletter.identity import fix_list_id
    from newsletter.issue import load_issue
    from newsletter.lock import run_lock
    from newsletter.personal import Personalizer
    from newsletter.render import Renderer
    from newsletter.subscribers.journal import current, expire_pending, is_expired
    from newsletter.weekly import journal_dir

    issue = load_issue(folder, request.date, edition=request.edition)
    folder = issue.folder  # the edition's: its own ledger, archive and lock
    config = issue.config
    # The list as it stands: the file and every change the web side recorded since.
    # Read as a relay with SMTPUTF8 would take them: an address that needs it fails alone
    # when its message is made, instead of refusing the whole list.
    subscribers = current(folder.subscribers_path, journal_dir(folder), smtputf8=True)
    # Checked in a dry run too, when one is given: the dry run says what the real one would.
    targets = smtp_targets(config, request.smtp_url) if _has_url(config, request) else []
    if not request.dry_run and not targets:
        smtp_target(config, request.smtp_url)  # raises, saying where to set one
    digest = issue.digest
    if not digest.items and not request.allow_empty:
        # A source that could not be read is the likelier cause: say it first.
        unread = "".join(f"{failure}\n" for failure in digest.failures)
        raise EmptyIssueError(
            f"{unread}no articles for {digest.date.isoformat()} in the sources of "
            f"{folder.config_path}; nothing was sent. Add articles, pick another --date, "
            "or pass --allow-empty."
        )
    test_to = _test_recipients(subscribers, request, config.sending.smtputf8)
    # Read-only until every check passed: no unsubscribe key is created yet.
    personalizer = Personalizer(
        config, Renderer(config, issue.folder.templates_dir), digest, readonly=True
    )
    personalizer.check(test_to or [s for s in subscribers if s.active])
    report = SendReport(
        digest.date,
        digest.number,
        digest.subject,
        request.dry_run,
        bool(request.to),
        source_failures=tuple(str(f) for f in digest.failures),
        edition=request.edition,
        warnings=[str(n) for n in issue.notes if n.warning],
        target=", ".join(map(str, targets)) if not request.dry_run else "nowhere (dry run)",
    )
    if request.dry_run:
        # The ledger is only read, to count who would be skipped as the real run would.
        known = Ledger(ledger_path(folder.state_dir, request.shard), readonly=True)
        try:
            return _run(
                issue, personalizer, subscribers, test_to, request, report, None, on_start,
                on_result, known=known,
            )  # fmt: skip
        finally:
            known.close()
    with run_lock(folder.lock_path, "newsletter send") as lock, _set_aside(folder) as reserve:
        try:
            personalizer.keep_secret()
            # From the first real send on, the list id no longer follows `name:` (the
            # one recorded is the one this run's tokens are made with).
            fix_list_id(config)
        except OSError as error:
            raise cannot_write(
                error.filename or folder.state_dir, error, "Nothing was sent."
            ) from error
        if not request.to and any(is_expired(s, config.signup.expiry_days) for s in subscribers):
            dropped = expire_pending(
                folder.subscribers_path,
                journal_dir(folder),
                config.signup.expiry_days,
                datetime.now(UTC),
                lock_path=folder.subscribers_lock_path,
            )
            if dropped:
                report.warnings.append(
                    f"dropped {len(dropped)} signup(s) not confirmed within "
                    f"{config.signup.expiry_days:g} days from {folder.subscribers_path.name}"
                )
        ledger = Ledger(ledger_path(folder.state_dir, request.shard))
        try:
            watch = _Watch(lock, ledger)
            return _run(
                issue, personalizer, subscribers, test_to, request, report, ledger, on_start,
                on_result, targets, watch=watch, reserve=reserve, on_wait=on_wait,
            )  # fmt: skip
        finally:
            ledger.close()


def _has_url(config: Config, request: SendRequest) -> bool:
    return bool(
        request.smtp_url
        or os.environ.get("NEWSLETTER_SMTP_URL")
        or config.smtp_url
        or config.smtp_urls
    )


def _test_recipients(
    subscribers: tuple[Subscriber, ...], request: SendRequest, smtputf8: bool
) -> list[Subscriber]:
    """The --to addresses as subscribers (the subscriber's own entry when listed), checked
    before anything is written."""
    if not request.to:
        return []
    from newsletter.model import Subscriber
    from newsletter.subscribers import normalize_address

    known = {s.email.lower(): s for s in subscribers}
    picked = []
    for address in request.to:
        email = normalize_address(address, smtputf8=smtputf8)
        picked.append(known.get(email.lower(), Subscriber(email=email)))
    return picked


@dataclass
class _Watch:
    """Whether the state of a running send is still where it was: a send whose lock or
    ledger was removed (`rm -r .newsletter`) stops before it sends more."""

    lock: HeldLock
    ledger: Ledger
    error: StateLostError | None = None

    def check(self) -> None:
        if self.error is None:
            try:
                self.lock.check()
                self.ledger.check()
            except StateLostError as error:
                self.error = error
        if self.error is not None:
            raise self.error


#: How often a running send looks at its lock and ledger between commits, in seconds.
WATCH_EVERY = 0.5


def _run(
    issue: Issue,
    personalizer: Personalizer,
    subscribers: tuple[Subscriber, ...],
    test_to: list[Subscriber],
    request: SendRequest,
    report: SendReport,
    ledger: Ledger | None,
    on_start: Callable[[SendReport], None],
    on_result: Callable[[Record], None],
    targets: list[SmtpTarget] | None = None,
    known: Ledger | None = None,
    watch: _Watch | None = None,
    reserve: Path | None = None,
    on_wait: Callable[[str], None] = lambda text: None,
) -> SendReport:
    import asyncio

    from newsletter.delivery.engine import Engine, GroupCommitter
    from newsletter.delivery.pipelined import PipelinedTransport
    from newsletter.delivery.transport import NullTransport
    from newsletter.issue import record_issue

    config, digest = issue.config, issue.digest
    skipped: list[str] = []
    recipients = test_to or _recipients(
        subscribers, request, report, ledger or known, digest.date, personalizer, skipped
    )
    report.recipients = len(recipients)
    publish = ledger is not None and not request.to
    if ledger is not None and not request.to:
        try:
            record_issue(issue, ledger, datetime.now(UTC))
            # Recorded so that `status` does not count them as pending.
            why = "their topics match nothing in this issue"
            now = datetime.now(UTC)
            if skipped:
                records = [Record(e, State.SKIPPED, 0, None, why, None, now) for e in skipped]
                ledger.record(digest.date, records)
        except sqlite3.Error as error:
            raise _state_fault(ledger.path, error) from error
    report.warnings = [*digest.warnings, *report.warnings, *personalizer.warnings]
    on_start(report)
    if not recipients:
        return report
    concurrency = min(request.concurrency or config.sending.concurrency, len(recipients))
    report.connections = concurrency
    transports: list[Transport]
    if not targets:
        transports = [NullTransport() for _ in range(concurrency)]
    else:
        # Several relays: the connections take them in turn, each falling back on the next.
        relays = targets
        transports = [
            PipelinedTransport(
                relays[i % len(relays) :] + relays[: i % len(relays)], config.sending.timeout
            )
            for i in range(concurrency)
        ]
    record_to = ledger if ledger is not None and not request.to else None

    def commit(records: list[Record]) -> None:
        assert record_to is not None
        if watch is not None:
            watch.check()  # before the data of the next messages goes out
        try:
            record_to.record(digest.date, records)
        except sqlite3.Error as error:
            raise unwritable(record_to.path, error) from error

    def published(record: Record) -> None:
        # The archive page goes up with the first delivery, not before: an issue that
        # reached nobody is not published.
        nonlocal publish
        if publish and record.state is State.DELIVERED:
            publish = False
            try:
                _archive(issue, personalizer)
            except OSError as error:
                report.warnings.append(
                    f"the archive page could not be written ({cannot_write(error.filename, error)})"
                )
        on_result(record)

    rate = request.rate if request.rate is not None else config.sending.rate
    engine = Engine(
        transports,
        rate=rate,
        retries=config.sending.retries,
        backoff_base=config.sending.backoff,
        recorder=GroupCommitter(commit) if record_to else None,
        on_result=published,
        on_wait=on_wait,
    )
    # A long run commits from a process of its own (see newsletter/delivery/writer.py).
    writer_for = record_to.path if record_to and len(recipients) >= WRITER_FROM else None
    jobs = _jobs(personalizer, recipients, concurrency, rate)
    started = time.monotonic()
    run_id = None
    if record_to and ledger:
        try:
            run_id = ledger.start_run(digest.date, datetime.now(UTC))
        except sqlite3.Error as error:
            raise _state_fault(ledger.path, error) from error
    outcome = "aborted"
    try:
        report.tally = asyncio.run(_drive(engine, jobs, report, writer_for, digest.date, watch))
        outcome = "interrupted" if report.interrupted else "finished"
    except RunAbortedError as error:
        raise RunAbortedError(
            f"{error}\nThe run stopped: nobody was marked failed, and every delivery so far is "
            "recorded. Check the SMTP settings (--smtp-url, NEWSLETTER_SMTP_URL or smtp.url in "
            "newsletter.yaml; the password in NEWSLETTER_SMTP_PASSWORD), then run "
            f"`newsletter send --date {digest.date}` again."
        ) from None
    finally:
        jobs.close()  # with DKIM ahead, the signing threads go too
        report.seconds = time.monotonic() - started
        report.abandoned = engine.abandoned
        if run_id is not None and ledger is not None:
            failed = _end_run(ledger, run_id, outcome, reserve)
            # Never in the way of the error that ended the run (a full disk fails both).
            if failed is not None and sys.exc_info()[1] is None:
                raise unwritable(ledger.path, failed) from failed
    return report


#: Disk space a send sets aside beside its ledger, given back to record how the run ended
#: if the disk fills up during it: the run then reads "aborted", not "killed".
RESERVE_BYTES = 64 * 1024


@contextlib.contextmanager
def _set_aside(folder: Folder) -> Iterator[Path]:
    """Reserve the space in the state folder for the run's end; a disk too full even for
    that stops the send before it starts."""
    path = folder.state_dir / "send.reserve"
    try:
        with path.open("wb") as f:
            f.write(bytes(RESERVE_BYTES))
            f.flush()
            os.fsync(f.fileno())
    except OSError as error:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        raise cannot_write(path, error, "Nothing was sent.") from error
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _end_run(
    ledger: Ledger, run_id: int, outcome: str, reserve: Path | None
) -> sqlite3.Error | None:
    """Record the end of the run, with the reserved space given back if it takes that;
    the error if it still cannot be recorded."""
    failed: sqlite3.Error | None = None
    for attempt in range(2):
        try:
            ledger.end_run(run_id, datetime.now(UTC), outcome)
            failed = None
            break
        except sqlite3.Error as error:
            failed = error
            if reserve is None or attempt:
                break
            with contextlib.suppress(OSError):
                reserve.unlink()
    return failed


def _state_fault(path: Path, error: sqlite3.Error) -> NewsletterError:
    from newsletter.delivery.ledger import damaged, is_damage

    if is_damage(error):
        return damaged(path, error)
    return cannot_write(path, error, "Nothing was sent.")


def _jobs(
    personalizer: Personalizer, recipients: list[Subscriber], concurrency: int, rate: float
) -> Generator[Job, None, None] | SignedAhead:
    """A job per recipient. With an RSA DKIM key, threads sign a few messages ahead of
    the loop on every core: an RSA signature costs more than all the rest of a message.
    (An Ed25519 one costs less than handing it to a thread: signed on the loop.)"""
    from newsletter.delivery.ahead import SignedAhead
    from newsletter.delivery.engine import Job

    signer = personalizer.signer
    if signer is None or not signer.algorithm.startswith("rsa-"):
        return (Job(s.email, personalizer.composer_for(s)) for s in recipients)
    unsigned = (Job(s.email, personalizer.composer_for(s, signed=False)) for s in recipients)
    depth = 2 * concurrency
    if rate > 0:  # never more than a second's worth ahead of its Date
        depth = max(1, min(depth, int(rate)))
    return SignedAhead(unsigned, personalizer.sign_later, depth=depth, threads=os.cpu_count() or 1)


async def _drive(
    engine: Engine,
    jobs: Iterator[Job],
    report: SendReport,
    writer_for: Path | None,
    day: date,
    watch: _Watch | None = None,
) -> Tally:
    import asyncio

    from newsletter.delivery.writer import LedgerWriter, WriterNotStarted

    loop = asyncio.get_running_loop()

    def stop() -> None:
        if report.interrupted:  # asked twice: do not wait for the messages in flight
            engine.abandon()
            return
        report.interrupted = True
        engine.stop.set()

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        loop.add_signal_handler(sig, stop)
    # Until the writer process is up (a Python start), records are committed on the loop;
    # if it cannot start, they go on being so.
    starting = asyncio.create_task(LedgerWriter.start(writer_for, day)) if writer_for else None

    def switch(task: asyncio.Task[LedgerWriter]) -> None:
        if not task.cancelled() and task.exception() is None:
            engine.recorder = task.result()

    if starting is not None:
        starting.add_done_callback(switch)

    async def watching(watch: _Watch) -> None:
        # Between commits too: a run waiting on a slow server notices as well.
        while True:
            await asyncio.sleep(WATCH_EVERY)
            try:
                watch.check()
            except StateLostError:
                engine.stop.set()
                return

    watcher = asyncio.create_task(watching(watch)) if watch is not None else None
    try:
        tally = await engine.run(jobs)
        if watch is not None:
            watch.check()
        return tally
    finally:
        if watcher is not None:
            watcher.cancel()
        writer = None
        if starting is not None:
            try:
                writer = await starting
            except WriterNotStarted as error:  # nothing went to it: all committed here
                report.warnings.append(
                    "the ledger's writer process did not start, so this run committed its "
                    f"records itself, which is slower on a disk that syncs slowly ({error.why})"
                )
        if writer is not None:
            await writer.close()  # every record handed over is committed before the end
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)  # the command's own again (newsletter/stopping.py)


def _recipients(
    subscribers: tuple[Subscriber, ...],
    request: SendRequest,
    report: SendReport,
    ledger: Ledger | None,
    day: date,
    personalizer: Personalizer,
    skipped: list[str],
) -> list[Subscriber]:
    delivered = ledger.emails_in(day, [State.DELIVERED]) if ledger else set()
    held = set() if request.retry_failed or not ledger else ledger.emails_in(day, [State.FAILED])
    from newsletter.weekly import reads

    out = []
    for subscriber in subscribers:
        if not subscriber.active or not shard_of(subscriber.email, request.shard):
            continue
        if not reads(subscriber, request.edition):
            continue
        if subscriber.email in delivered:
            report.already += 1
        elif subscriber.email in held:
            report.held += 1
        elif not personalizer.has_content(subscriber):
            report.no_match += 1
            skipped.append(subscriber.email)
        else:
            out.append(subscriber)
    return out


def _archive(issue: Issue, personalizer: Personalizer) -> None:
    """The web version ("view in browser") and its metadata, for `newsletter serve`."""
    folder, digest = issue.folder, issue.digest
    folder.archive_dir.mkdir(parents=True, exist_ok=True)
    page = personalizer.web_version()
    stem = folder.archive_dir / digest.date.isoformat()
    _write_atomic(stem.with_suffix(".html"), page)
    meta = {
        "date": digest.date.isoformat(),
        "number": digest.number,
        "subject": digest.subject,
        "teaser": digest.items[0].teaser if digest.items else "",
        # The first delivery's time, kept by a resumed run that rewrites the page.
        "sent_at": _sent_at(stem.with_suffix(".json"))
        or datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _write_atomic(stem.with_suffix(".json"), json.dumps(meta, indent=2))


def _sent_at(path: Path) -> str | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("sent_at")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
