"""The web side's writes: each change one journal commit, folded into the file in batches.

    changes = WebChanges(folder)
    await changes.record("ann@example.com", {"status": "unsubscribed"})   # durable now
    await changes.state("ann@example.com")      # the Subscriber as it stands, or None

A request never rewrites subscribers.yaml: `record` commits one row and returns; a
background task folds every row recorded so far into the file (one locked rewrite for
many requests, in a process of its own) a moment later, and again while more come in.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
import threading

from starlette.concurrency import run_in_threadpool

from newsletter.errors import NewsletterError
from newsletter.folder import Folder
from newsletter.model import Subscriber
from newsletter.subscribers.addresses import address_key
from newsletter.subscribers.journal import Change, Journal, apply, fold_quietly
from newsletter.unsubscribe import TokenIndex

__all__ = ["FOLD_DELAY", "WebChanges"]

FOLD_DELAY = 0.5  # seconds: the rows of a burst of requests go into one rewrite
log = logging.getLogger(__name__)


class WebChanges:
    """The journal of a served folder, a cached read of its file, and the folding task."""

    def __init__(
        self, folder: Folder, secret: bytes, list_id: str, *, smtputf8: bool = False
    ) -> None:
        self.folder = folder
        self.secret = secret
        self.list_id = list_id
        self.journal = Journal(folder.state_dir)
        self.smtputf8 = smtputf8
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._known: dict[str, Subscriber] = {}
        self._dirty = False
        self._folding: asyncio.Task[None] | None = None
        self._queue: list[tuple[str, dict[str, object], bool, asyncio.Future[None]]] = []
        self._committing = False

    def fold_now(self) -> int:
        """Fold what an earlier server left in the journal (blocking)."""
        if not self.journal.path.exists():
            return 0
        return fold_quietly(
            self.folder.subscribers_path, self.journal, self.folder.subscribers_lock_path
        )

    async def record(self, email: str, values: dict[str, object], *, create: bool = False) -> None:
        """Record the change durably (NewsletterError if it cannot be), then fold it soon.

        The changes of requests that arrive together share one commit (group commit):
        each request still returns only once its own row is on disk."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((email, values, create, done))
        if not self._committing:
            self._committing = True
            asyncio.get_running_loop().create_task(self._commit())
        await done
        self._schedule()

    async def _commit(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    await run_in_threadpool(
                        self.journal.record_many, [(e, v, c) for e, v, c, _ in batch]
                    )
                except (OSError, sqlite3.Error) as error:
                    for *_, done in batch:
                        if not done.done():
                            done.set_exception(_unrecordable(error))
                else:
                    for *_, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._committing = False

    def schedule_fold(self) -> None:
        """Fold soon: for a change recorded without `record` (a signup)."""
        self._schedule()

    def _schedule(self) -> None:
        self._dirty = True
        if self._folding is None or self._folding.done():
            self._folding = asyncio.get_running_loop().create_task(self._fold_soon())

    async def _fold_soon(self) -> None:
        while self._dirty:
            await asyncio.sleep(FOLD_DELAY)
            self._dirty = False
            await self._fold_elsewhere()

    async def _fold_elsewhere(self) -> None:
        """One fold in a process of its own: reading and writing a long list then takes
        none of this interpreter while it answers requests."""
        folder = self.folder
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "newsletter.subscribers.foldjob",
            str(folder.subscribers_path),
            str(folder.state_dir),
            str(folder.subscribers_lock_path),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, errors = await process.communicate()
        except asyncio.CancelledError:
            # The server is stopping: the fold is cut short (its write is atomic, its
            # changes stay in the journal for the next fold).
            process.kill()
            await process.wait()
            raise
        if process.returncode != 0:
            log.warning(
                "changes kept in %s, not yet in %s: %s",
                self.journal.path,
                folder.subscribers_path,
                errors.decode("utf-8", "replace").strip()[-2000:],
            )

    def created_index(self) -> TokenIndex:
        """The tokens of the addresses added by changes not folded into the file yet."""
        emails = [str(c.set.get("email", c.email)) for c in self.journal.pending() if c.create]
        return TokenIndex(self.secret, self.list_id, emails)

    async def state(self, email: str) -> Subscriber | None:
        """The entry of `email` as it stands (file and journal), or None."""
        return await run_in_threadpool(self._state, email)

    def _state(self, email: str) -> Subscriber | None:
        key = address_key(email)
        changes: list[Change] = self.journal.pending(email)  # before the file: see journal
        known = self._current().get(key)
        found = apply([known] if known else [], changes)
        return found[0] if found else None

    def _current(self) -> dict[str, Subscriber]:
        from newsletter.subscribers.parse import load

        path = self.folder.subscribers_path
        with self._lock:
            try:
                info = os.stat(path)
                stamp: tuple[int, int, int] | None = (info.st_ino, info.st_size, info.st_mtime_ns)
            except FileNotFoundError:
                stamp = None
            if stamp != self._stamp:
                try:
                    subscribers = load(path, smtputf8=True) if stamp is not None else ()
                except NewsletterError as error:
                    log.warning("%s cannot be read as it stands: %s", path, error)
                    subscribers = ()
                self._known = {address_key(s.email): s for s in subscribers}
                self._stamp = stamp
            return self._known


def _unrecordable(error: Exception) -> NewsletterError:
    return NewsletterError(f"cannot record the change in the journal: {error}")
