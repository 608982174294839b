"""Messages composed a few ahead of the sending loop and DKIM-signed on the other cores.

An rsa-sha256 signature costs about half a millisecond of a core, more than all the rest
of a message together, and `cryptography` lets go of the GIL while it signs. So each
message is composed, canonicalized and hashed on the loop, and a pool of threads, one
per core, makes the signatures (holding the GIL for a few microseconds each, so that
the loop seldom waits for it). When a connection is ready for its next message, the
oldest one is taken, by then usually signed.

    jobs = SignedAhead(jobs, personalizer.sign_later, depth=16, threads=2)
    try:
        await engine.run(jobs)
    finally:
        jobs.close()

Nothing is sent or recorded ahead. A message composed ahead and never taken (the run
was stopped) is dropped, and the next run sends it as if it had never been composed.
A retry composes and signs its message afresh, so its Date is that of its own attempt;
the first attempt's Date is at most `depth` messages old.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

from newsletter.delivery.engine import Job
from newsletter.message import Outgoing


class SignedAhead:
    """The jobs of `jobs`, in order, each carrying a message already composed and being
    signed: `job.compose(now)` returns it (waiting for its signature if need be) the first
    time, and a new message, composed and signed there, on every retry."""

    def __init__(
        self,
        jobs: Iterator[Job],
        sign_later: Callable[[Outgoing], Callable[[], Outgoing]],
        *,
        depth: int,
        threads: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.jobs = jobs
        self.sign_later = sign_later
        self.depth = max(1, depth)
        self.clock = clock
        self.pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="newsletter-dkim")
        self.window: collections.deque[tuple[Job, Future[Outgoing]]] = collections.deque()

    def __iter__(self) -> SignedAhead:
        return self

    def __next__(self) -> Job:
        while len(self.window) < self.depth:
            job = next(self.jobs, None)
            if job is None:
                break
            self.window.append((job, self._start(job)))
        if not self.window:
            raise StopIteration
        job, signing = self.window.popleft()
        return Job(job.email, _First(signing, job.compose, self.sign_later))

    def _start(self, job: Job) -> Future[Outgoing]:
        try:
            signing = self.sign_later(job.compose(self.clock()))
        except Exception as error:  # raised when this job is taken, not before
            failed: Future[Outgoing] = Future()
            failed.set_exception(error)
            return failed
        return self.pool.submit(signing)

    def close(self) -> None:
        """Drop what was composed ahead and let the threads go (a signature already
        under way finishes on its own, in well under a millisecond)."""
        self.window.clear()
        self.pool.shutdown(wait=False, cancel_futures=True)


class _First:
    """A job's `compose`: the message made ahead, then fresh ones for the retries."""

    def __init__(
        self,
        signing: Future[Outgoing],
        compose: Callable[[datetime], Outgoing],
        sign_later: Callable[[Outgoing], Callable[[], Outgoing]],
    ) -> None:
        self.signing: Future[Outgoing] | None = signing
        self.compose = compose
        self.sign_later = sign_later

    def __call__(self, now: datetime) -> Outgoing:
        signing, self.signing = self.signing, None
        if signing is not None:
            return signing.result()
        return self.sign_later(self.compose(now))()
