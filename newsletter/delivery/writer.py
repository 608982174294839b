"""Delivery records committed by a process of their own, so that the sending loop never
stops for SQLite or the disk.

Committed on the event loop, each transaction halts every connection for the length of
its fsync; a thread cannot take that wait off the loop, since it needs the GIL back
after each commit and gets it late. A child process runs on another core and batches by
itself: while one transaction syncs, the next records gather in the pipe, and it commits
them all in one.

Each record still waits for its own commit: a connection sends its next message's data
only once the child says the previous record is durable, as with the commit on the loop.

    writer = await LedgerWriter.start(path, day)   # once the child is ready
    await writer.submit(record)     # a future, done once the record is committed
    await writer.close()

The protocol, over the child's stdin and stdout: `ok 0` out once the ledger is open;
in, one line per hand-over, a JSON array of the rows of that turn of the loop; after
each transaction `ok N` out, N the rows committed so far, or `error TEXT` and the child
ends (`lost` when the ledger file was removed or replaced since it was opened).
At the end of its input (the sender finished, or was killed) the child commits the
complete lines it holds and exits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import signal
import sqlite3
import sys
from datetime import date
from pathlib import Path

from newsletter.delivery.ledger import Ledger, Record, identity, lost, row, unwritable
from newsletter.errors import DeliveryError, NewsletterError


class WriterNotStarted(DeliveryError):
    """The child did not start or could not open the ledger; `why` is what it said."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(str(unwritable(path, why)))
        self.why = why


class LedgerWriter:
    """The sending side: hands records to the child and waits for their commit."""

    def __init__(self, process: asyncio.subprocess.Process, path: Path, day: date) -> None:
        self.process = process
        self.path = path
        self.day = day
        self.buffer: list[tuple[object, ...]] = []  # rows not yet written to the pipe
        self.sent = 0  # rows handed over (written, or in `buffer`)
        self.waiting: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()
        self.failure: DeliveryError | None = None
        self.closing = False
        self.reader = asyncio.create_task(self._read_acks())

    @classmethod
    async def start(cls, path: Path, day: date) -> LedgerWriter:
        """The child started, with the ledger open (WriterNotStarted if it cannot be)."""
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-P",  # not the working directory first: a `newsletter.py` there is not this package
                "-m",
                "newsletter.delivery.writer",
                str(path),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
        except OSError as error:  # no interpreter to start
            raise WriterNotStarted(path, str(error)) from error
        assert process.stdout is not None
        ready = await process.stdout.readline()
        if ready != b"ok 0\n":
            if process.returncode is None:
                process.kill()
            await process.wait()
            why = ready[6:].decode("utf-8", "replace").strip() if ready else "it did not start"
            raise WriterNotStarted(path, why)
        return cls(process, path, day)

    def submit(self, record: Record) -> asyncio.Future[None]:
        """A future done once `record` is committed, failed with DeliveryError when it
        cannot be."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if self.failure is not None:
            future.set_exception(self.failure)
            return future
        if not self.buffer:  # the first of this turn of the loop: all go in one write
            loop.call_soon(self._flush)
        self.buffer.append(row(self.day, record))
        self.sent += 1
        self.waiting.append((self.sent, future))
        return future

    def _flush(self) -> None:
        rows, self.buffer = self.buffer, []
        stdin = self.process.stdin
        if self.failure is None and stdin is not None and rows:
            # One array per turn of the loop: a third of the cost of a line per row.
            stdin.write(json.dumps(rows).encode() + b"\n")

    async def _read_acks(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            line = await stdout.readline()
            if line.startswith(b"ok "):
                done = int(line[3:])
                while self.waiting and self.waiting[0][0] <= done:
                    _, future = self.waiting.popleft()
                    if not future.done():
                        future.set_result(None)
                continue
            if line.startswith(b"lost"):
                self._fail("", lost(self.path))
            elif line.startswith(b"error "):
                self._fail(line[6:].decode("utf-8", "replace").strip())
            elif not self.closing or self.waiting:
                code = await self.process.wait()
                self._fail(f"the process writing it ended (exit status {code})")
            return

    def _fail(self, why: str, error: DeliveryError | None = None) -> None:
        if self.failure is None:
            self.failure = error or unwritable(self.path, why)
        while self.waiting:
            _, future = self.waiting.popleft()
            if not future.done():
                future.set_exception(self.failure)

    async def close(self) -> None:
        """Let the child commit what it holds, and wait for it to end."""
        self.closing = True
        self._flush()
        stdin = self.process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.close()
        await self.process.wait()
        await self.reader
        if self.failure is not None:
            raise self.failure


def serve(path: Path, source: int = 0, sink: int = 1) -> int:
    """The child: commit the rows arriving on `source` in as few transactions as it can."""
    # The sender handles Ctrl-C and TERM (it stops taking recipients, then closes the
    # pipe): the child outlives them to commit the last records.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        ledger = Ledger(path)
    except (sqlite3.Error, OSError, NewsletterError) as error:
        _tell(sink, f"error {error}\n".encode())
        return 1
    _tell(sink, b"ok 0\n")  # ready
    opened = identity(path)
    committed, pending = 0, b""
    try:
        while True:
            chunk = os.read(source, 1 << 20)
            *lines, pending = (pending + chunk).split(b"\n")
            if lines:
                rows = [row for line in lines for row in json.loads(line)]
                if identity(path) != opened:  # removed or replaced: nobody would read them
                    _tell(sink, b"lost\n")
                    return 1
                ledger.write_rows(rows)
                committed += len(rows)
                _tell(sink, b"ok %d\n" % committed)
            if not chunk:
                return 0
    except sqlite3.Error as error:
        _tell(sink, f"error {error}\n".encode())
        return 1
    finally:
        ledger.close()


def _tell(sink: int, line: bytes) -> None:
    # A sender killed outright reads no more; what it handed over is committed all the same.
    with contextlib.suppress(OSError):
        os.write(sink, line)


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1])))
