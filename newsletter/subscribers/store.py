"""The subscriber file on disk: one lock serializes every writer, writes are atomic.

A reader never takes the lock: a write replaces the file in one rename, so a reader sees
the old file or the new one, never half of each.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from newsletter.errors import LockedError, cannot_write

LOCK_TIMEOUT = 30.0  # seconds; an edit holds the lock for well under one


def default_lock_path(path: Path) -> Path:
    """`.subscribers.yaml.lock` beside `subscribers.yaml` (as `Folder.subscribers_lock_path`)."""
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def locked(
    path: Path, lock_path: Path | None = None, *, timeout: float = LOCK_TIMEOUT
) -> Iterator[None]:
    """Hold the writers' lock of `path` for the body of the `with`."""
    where = lock_path or default_lock_path(path)
    lock = FileLock(str(where), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:  # an OSError too: first
        raise LockedError(
            f"{path}: another process has been editing it for {timeout:g} s (lock file "
            f"{where}); try again, or delete the lock file if no newsletter command is running"
        ) from None
    except OSError as error:
        raise cannot_write(where, error, "Nothing was changed.") from error
    try:
        yield
    finally:
        lock.release()


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text`: temp file beside it, fsync, rename; mode kept.

    A symlinked file stays a symlink: the file it points to is replaced.
    """
    target = path.resolve()
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise cannot_write(target, error, "The file was not changed.") from error
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(error, OSError):
            raise cannot_write(target, error, "The file was not changed.") from error
        raise
    _fsync_dir(target.parent)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
