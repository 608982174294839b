"""Files made once and whole: a reader sees the whole file or none, and a second maker
never replaces the first one's."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def create_once(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write `data` to `path` durably unless `path` exists; a concurrent creator's file wins.

    The bytes go to a temporary file first, are fsynced, then linked into place: link()
    never replaces, so whoever links first is the one every later run reads.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
