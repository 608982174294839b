"""The sending loop: a pool of workers, each with one reused connection, a shared rate limit,
retries with backoff, and group-committed ledger records.

A worker sends the data of its next message only after the previous one's record is
durable, so a crash can double at most the messages in flight (one per connection). The
next message's envelope (MAIL, RCPT, DATA) goes out while that record is being
committed: the commit's wait and the server's answers overlap.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from newsletter.delivery.ledger import Record, State
from newsletter.delivery.retry import THROTTLE_CODES, Outcome, Verdict, backoff
from newsletter.delivery.transport import Transport
from newsletter.errors import RecipientError, RunAbortedError
from newsletter.message import Outgoing


@dataclass(frozen=True)
class Job:
    """One recipient; `compose` builds the message at send time (the Date header is now)."""

    email: str
    compose: Callable[[datetime], Outgoing]


@dataclass
class Tally:
    delivered: int = 0
    deferred: int = 0
    failed: int = 0
    failures: list[Record] = field(default_factory=list)


class TokenBucket:
    """At most `rate` messages a second on average, bursts of up to one second's worth.

    Throttling answers halve the rate (`throttled`), successes win it back slowly
    (`eased`). With no rate (0), only the throttled workers' own backoff slows the run.
    """

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = 1.0  # no burst at the start: N messages take (N - 1) / rate seconds
        self.clock = clock
        self.last = clock()
        self.slowdown = 1.0  # raised by throttling replies, eased by successes
        self.last_throttle = -1e9
        self.lock = asyncio.Lock()

    async def take(self) -> None:
        if self.rate <= 0:
            return
        async with self.lock:
            while True:
                now = self.clock()
                rate = self.rate / self.slowdown
                self.tokens = min(self.capacity, self.tokens + (now - self.last) * rate)
                self.last = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / rate)

    def throttled(self) -> None:
        """A "slow down" answer: halve the pace, at most once per half second, since the
        answers of messages already on their way say the same thing again."""
        now = self.clock()
        if now - self.last_throttle < 0.5:
            return
        self.last_throttle = now
        self.slowdown = min(self.slowdown * 2, 64.0)

    def eased(self) -> None:
        if self.slowdown > 1.0:
            self.slowdown = max(1.0, self.slowdown * 0.98)


class Recorder(Protocol):
    """Where delivery records go: `submit` returns a future done once the record is durable
    (or failed with the reason it cannot be)."""

    def submit(self, record: Record) -> asyncio.Future[None]: ...


class GroupCommitter:
    """Collects records from every worker and writes whatever is pending in one transaction,
    on the event loop (`newsletter.delivery.writer` does it from a process of its own)."""

    def __init__(self, write: Callable[[list[Record]], None]) -> None:
        self.write = write
        self.pending: list[tuple[Record, asyncio.Future[None]]] = []
        self.flushing: asyncio.Task[None] | None = None

    def submit(self, record: Record) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append((record, future))
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.create_task(self._flush())
        return future

    async def _flush(self) -> None:
        # The commit runs on the event loop itself: handing it to a thread cost more
        # (the thread fights the loop for the GIL, and each batch crosses threads twice)
        # than the loop loses while SQLite syncs; the workers wait for it either way.
        await asyncio.sleep(0)  # first let the workers whose answers are in submit too
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                self.write([r for r, _ in batch])
            except Exception as error:
                # Nothing can be recorded: every waiting worker learns it, none hangs.
                batch, self.pending = batch + self.pending, []
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                return
            for _, future in batch:
                if not future.done():  # its worker may have been cancelled meanwhile
                    future.set_result(None)


class Engine:
    def __init__(
        self,
        transports: list[Transport],
        *,
        rate: float,
        retries: int,
        backoff_base: float,
        recorder: Recorder | None,
        on_result: Callable[[Record], None] = lambda r: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_wait: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.transports = transports
        self.bucket = TokenBucket(rate)
        self.retries = retries
        self.backoff_base = backoff_base
        self.recorder = recorder
        self.on_result = on_result
        self.on_wait = on_wait  # told, once per attempt, while the server cannot be reached
        self.said = 0  # the last attempt on_wait was told about
        self.clock = clock
        self.tally = Tally()
        self.stop = asyncio.Event()
        self.fatal: str | None = None
        self.abandoned = False
        self.accepted = 0  # messages the server accepted, recorded or not yet
        self.rng = random.Random()
        self.workers: list[asyncio.Task[None]] = []

    async def run(self, jobs: Iterator[Job]) -> Tally:
        """Send every job; returns the tally, or raises RunAbortedError (or what the ledger
        raised) once the workers are done. After `stop`, jobs not started stay untouched."""
        self.workers = [asyncio.create_task(self._worker(t, jobs)) for t in self.transports]
        try:
            results = await asyncio.gather(*self.workers, return_exceptions=True)
        finally:
            for worker in self.workers:
                worker.cancel()
            closing = asyncio.gather(*(t.close() for t in self.transports), return_exceptions=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing, 1.0 if self.abandoned else None)
        for result in results:
            if isinstance(result, Exception):
                raise result
        if self.fatal:
            raise RunAbortedError(self.fatal)
        return self.tally

    def abandon(self) -> None:
        """Stop at once: messages in flight are left unrecorded (the next run sends them)."""
        self.abandoned = True
        self.stop.set()
        for worker in self.workers:
            worker.cancel()

    async def _worker(self, transport: Transport, jobs: Iterator[Job]) -> None:
        committed: asyncio.Future[None] | None = None  # the previous record's commit
        in_hand: collections.deque[Job] = collections.deque()  # taken by the transport
        # The commits of recipients whose message could not be made: nothing waits for
        # them but the end of the worker.
        unmade: list[asyncio.Future[None]] = []

        def take() -> Outgoing | None:
            while (job := None if self.stop.is_set() else next(jobs, None)) is not None:
                try:
                    message = job.compose(self.clock())
                except RecipientError as error:
                    self._unmade(job, 0, error, unmade)
                    continue
                in_hand.append(job)
                return message
            return None

        def delivered(message: Outgoing, outcome: Outcome) -> asyncio.Future[None] | None:
            nonlocal committed
            committed = self._keep(self._delivered(in_hand.popleft(), 1, outcome, message))
            return committed

        try:
            while not self.stop.is_set():
                if self.bucket.rate <= 0:
                    # No rate limit: message after message, no task switch while all goes well.
                    failed = await transport.stream(take, delivered, committed)
                    if failed is None:  # no more jobs, or the run was stopped
                        break
                    record = await self._deliver(transport, in_hand.popleft(), committed, failed)
                    # Taken behind the failed one and not sent: each on its own now.
                    while record is not None and in_hand:
                        committed = self._keep(record)
                        record = await self._deliver(transport, in_hand.popleft(), committed)
                else:
                    job = next(jobs, None)
                    if job is None:
                        break
                    record = await self._deliver(transport, job, committed)
                if record is None:  # the run was stopped before this job was tried
                    break
                committed = self._keep(record)
            if committed is not None:
                await committed
            for commit in unmade:
                await commit
        except BaseException:
            # The ledger cannot be written: the other workers finish what they carry and
            # take nothing new.
            self.stop.set()
            for pending in [committed, *unmade]:
                if pending is not None and pending.done() and not pending.cancelled():
                    pending.exception()  # raised here or by the transport: retrieved
            raise

    def _keep(self, record: Record) -> asyncio.Future[None] | None:
        """Hand `record` to the ledger; the future of its commit (None without a ledger)."""
        if self.recorder is None:
            self._done(record)
            return None
        commit = self.recorder.submit(record)
        commit.add_done_callback(functools.partial(self._committed, record))
        return commit

    def _committed(self, record: Record, commit: asyncio.Future[None]) -> None:
        if not commit.cancelled() and commit.exception() is None:
            self._done(record)

    def _done(self, record: Record) -> None:
        """`record` is durable (or there is no ledger): count it and report it."""
        self._count(record)
        self.on_result(record)

    async def _deliver(
        self,
        transport: Transport,
        job: Job,
        committed: asyncio.Future[None] | None,
        tried: tuple[Outgoing, Outcome] | None = None,
    ) -> Record | None:
        """Try `job` until it is delivered, refused for good, or out of retries.

        None when the job was not tried (the run stopped first) or the run was aborted:
        either way nothing is recorded and the next run sends it. The transport sends the
        message's data only once `committed` (the previous record's commit) is done.
        `tried`: the message of a first attempt already made, and its outcome.
        """
        attempts = 0
        message: Outgoing | None = None
        outcome: Outcome | None = None
        unreachable_since: int | None = None  # `accepted` when the server became unreachable
        while True:
            if tried is not None:
                (message, outcome), tried = tried, None
                attempts += 1
            else:
                if self.stop.is_set() and outcome is None:
                    return None
                await self.bucket.take()
                if self.stop.is_set() and outcome is None:
                    return None
                attempts += 1
                try:
                    message = job.compose(self.clock())
                except RecipientError as error:
                    return self._failed_to_make(job, attempts, error)
                outcome = await transport.send(message, committed)
            if outcome.verdict is Verdict.DELIVERED:
                return self._delivered(job, attempts, outcome, message)
            if outcome.verdict is Verdict.FATAL:
                return self._abort(outcome.text)
            if self.fatal is not None:
                return None
            if outcome.verdict is Verdict.PERMANENT:
                return self._record(job, State.FAILED, attempts, outcome, message)
            # Transient: slow the whole pool down, wait, try again (a fresh connection if needed).
            if outcome.code in THROTTLE_CODES:
                self.bucket.throttled()
            if not outcome.unreachable:
                unreachable_since = None
            elif unreachable_since is None:
                unreachable_since = self.accepted
            if attempts > self.retries:
                if unreachable_since == self.accepted:
                    # No session could be opened since the last message the server
                    # accepted: it is down or the address is wrong. Stop instead of
                    # deferring everybody.
                    return self._abort(f"cannot reach the SMTP server: {outcome.text}")
                return self._record(job, State.DEFERRED, attempts, outcome, message)
            if not self.stop.is_set():
                delay = backoff(attempts, self.backoff_base, rng=self.rng)
                if outcome.unreachable and attempts > self.said:
                    self.said = attempts
                    self.on_wait(
                        f"cannot reach the SMTP server ({outcome.text}); trying again in "
                        f"{delay:.1f} s (attempt {attempts + 1} of {self.retries + 1})"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), delay)
            if self.fatal is not None:
                return None
            if self.stop.is_set():
                return self._record(job, State.DEFERRED, attempts, outcome, message)

    def _failed_to_make(self, job: Job, attempts: int, error: RecipientError) -> Record:
        """The record of a recipient whose message cannot be made: failed, with the reason."""
        return Record(job.email, State.FAILED, attempts, None, str(error)[:500], None, self.clock())

    def _unmade(
        self, job: Job, attempts: int, error: RecipientError, commits: list[asyncio.Future[None]]
    ) -> None:
        """Record a recipient whose message cannot be made, and go on with the next."""
        commit = self._keep(self._failed_to_make(job, attempts, error))
        if commit is not None:
            commits.append(commit)

    def _delivered(self, job: Job, attempts: int, outcome: Outcome, message: Outgoing) -> Record:
        """The server accepted `message`: counted as accepted, the pace eased, the record."""
        self.accepted += 1
        self.bucket.eased()
        return self._record(job, State.DELIVERED, attempts, outcome, message)

    def _abort(self, reason: str) -> Record | None:
        """Stop the whole run; the reason becomes its one error message."""
        if self.fatal is None:
            self.fatal = reason
        self.stop.set()
        return None

    def _record(
        self, job: Job, state: State, attempts: int, outcome: Outcome, message: Outgoing
    ) -> Record:
        return Record(
            job.email,
            state,
            attempts,
            outcome.code,
            outcome.text[:500],
            message.message_id,
            self.clock(),
        )

    def _count(self, record: Record) -> None:
        if record.state is State.DELIVERED:
            self.tally.delivered += 1
        elif record.state is State.DEFERRED:
            self.tally.deferred += 1
            self.tally.failures.append(record)
        else:
            self.tally.failed += 1
            self.tally.failures.append(record)
