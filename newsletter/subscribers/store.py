"""The subscriber file on disk: one lock serializes every writer, writes are atomic.

A reader never takes the lock: a write replaces the file in one rename, so a reader sees
the old file or the new one, never half of each.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from newsletter.errors import LockedError, cannot_write

LOCK_TIMEOUT = 30.0  # seconds; an edit holds the lock for well under one


def default_lock_path(path: Path) -> Path:
    """`.subscribers.yaml.lock` beside `subscribers.yaml` (as `Folder.subscribers_lock_path`)."""
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def locked(
    path: Path, lock_path: Path | None = None, *, timeout: float = LOCK_TIMEOUT
) -> Iterator[None]:
    """Hold the writers' lock of `path` for the body of the `with`.

    The lock file exists only while someone holds it, so a command that changed nothing
    leaves no file behind. That is safe because a holder removes the file before it lets
    go, and a waiter that then gets the lock of a removed file tries again.
    """
    where = lock_path or default_lock_path(path)
    fd = _acquire(path, where, timeout)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            where.unlink()
        os.close(fd)  # closing lets go of the flock


def _acquire(path: Path, where: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(where, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise cannot_write(where, error, "Nothing was changed.") from error
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockedError(
                            f"{path}: another process has been editing it for {timeout:g} s "
                            f"(lock file {where}); try again, or delete the lock file if no "
                            "newsletter command is running"
                        ) from None
                    time.sleep(0.005)
            try:
                same = os.stat(where).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            return fd
        os.close(fd)  # the holder before us removed this file: take the new one


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
