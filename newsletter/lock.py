"""One send at a time per newsletter folder: an OS file lock, plus who holds it."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from newsletter.errors import LockedError


@contextmanager
def run_lock(path: Path, what: str) -> Iterator[None]:
    """Hold the folder's lock for the block; raise LockedError naming the holder if taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    info = path.with_suffix(".holder")
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = json.loads(info.read_text())
            who = (
                f"pid {holder['pid']} on {holder['host']}, {holder['what']} since {holder['since']}"
            )
        except (OSError, ValueError, KeyError):
            who = "another process"
        raise LockedError(
            f"{path.parent.parent} is busy: {who} holds {path}. Wait for it to finish "
            "(or stop it); a run killed outright frees the lock by itself."
        ) from None
    try:
        info.write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "what": what,
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
        yield
    finally:
        info.unlink(missing_ok=True)
        lock.release()
