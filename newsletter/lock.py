"""One send at a time per newsletter folder: an OS file lock, plus who holds it."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from newsletter.errors import LockedError


def holder(path: Path) -> dict[str, Any] | None:
    """Who holds the lock at `path`: a live process on this host (or one on another host,
    which cannot be checked); None if nobody does. Reads only; creates nothing."""
    try:
        data = json.loads(path.with_suffix(".holder").read_text())
        pid = int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("host") == socket.gethostname():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None  # killed outright: the OS freed the lock, the note stayed
        except PermissionError:
            pass
    return data


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
