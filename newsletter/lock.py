"""One send at a time per newsletter folder: an OS file lock, plus who holds it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from newsletter.errors import InputError, LockedError, StateLostError, cannot_write


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


class HeldLock:
    """The lock of a running send, which can tell whether it is still the folder's lock:
    `rm -r .newsletter` removes the file under a run, and the next send would lock a new one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity = _identity(path)

    def check(self) -> None:
        """Raise StateLostError if the lock file was removed or replaced since it was taken."""
        if _identity(self.path) != self.identity:
            raise StateLostError(
                f"the lock file {self.path} was removed while this send was running (was "
                f"{self.path.parent} deleted?). The run stopped so that no other send runs "
                "beside it; if the ledger went too, what it delivered is no longer on record "
                "and the next send sends the issue to everyone again."
            )


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


@contextmanager
def run_lock(path: Path, what: str) -> Iterator[HeldLock]:
    """Hold the folder's lock for the block; raise LockedError naming the holder if taken.

    Two locks are held: the newsletter folder itself (a directory survives `rm -r
    .newsletter`, so no second send can start beside this one) and the lock file in the
    state folder, whose holder note `newsletter status` reads.
    """
    folder_lock = _lock_folder(path)
    try:
        if path.parent.exists() and not path.parent.is_dir():
            raise InputError(
                f"{path.parent} is a file, but it is where sends keep their state (the ledger, "
                "the lock, the archive); nothing was sent. Move the file away, then send again."
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise cannot_write(path.parent, error, "Nothing was sent.") from error
        with _lock_file(path, what) as held:
            yield held
    finally:
        os.close(folder_lock)


def _lock_folder(path: Path) -> int:
    folder = path.parent.parent
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise _busy(path) from None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _busy(path: Path) -> LockedError:
    try:
        holder = json.loads(path.with_suffix(".holder").read_text())
        who = f"pid {holder['pid']} on {holder['host']}, {holder['what']} since {holder['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        who = "another process"
    return LockedError(
        f"{path.parent.parent} is busy: {who} holds {path}. Wait for it to finish "
        "(or stop it); a run killed outright frees the lock by itself."
    )


@contextmanager
def _lock_file(path: Path, what: str) -> Iterator[HeldLock]:
    info = path.with_suffix(".holder")
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise _busy(path) from None
    except OSError as error:
        raise cannot_write(path, error, "Nothing was sent.") from error
    try:
        note = json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "what": what,
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        try:
            info.write_text(note)
        except OSError as error:
            raise cannot_write(info, error, "Nothing was sent.") from error
        yield HeldLock(path)
    finally:
        with contextlib.suppress(OSError):
            info.unlink(missing_ok=True)
        lock.release()
