"""Token → subscriber address, over a subscriber file that people and commands edit at any time.

The file is re-read whenever its size, mtime or inode changes (every writer replaces
it atomically, so a change always shows), and the token index is rebuilt then.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from newsletter.unsubscribe import TokenIndex

__all__ = ["TokenLookup"]

_Stamp = tuple[int, int, int]


class TokenLookup:
    """Resolves tokens against the current subscriber file.

    `read_emails` returns the file's addresses; it is called only when the file changed.
    """

    def __init__(
        self,
        path: Path,
        secret: bytes,
        list_id: str,
        read_emails: Callable[[Path], Iterable[str]],
    ) -> None:
        self.path = path
        self._secret = secret
        self._list_id = list_id
        self._read_emails = read_emails
        self._lock = threading.Lock()
        self._stamp: _Stamp | None = None
        self._index = TokenIndex(secret, list_id, ())

    def resolve(self, token: str) -> str | None:
        """The address `token` belongs to, or None. Blocking: call it from a worker thread."""
        return self._current().resolve(token)

    def _current(self) -> TokenIndex:
        with self._lock:
            stamp = self._stat()
            if stamp != self._stamp:
                emails = self._read_emails(self.path) if stamp is not None else ()
                self._index = TokenIndex(self._secret, self._list_id, emails)
                # Stat taken before reading: a write during the read triggers another reload.
                self._stamp = stamp
            return self._index

    def _stat(self) -> _Stamp | None:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)
