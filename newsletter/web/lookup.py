"""Token → subscriber address, over a subscriber file that people and commands edit at any time.

The file is re-read whenever its size, mtime or inode changes (every writer replaces
it atomically, so a change always shows), and the token index is rebuilt then. While a
rebuild runs, a token the old index knows is answered from it at once (an address
stays valid across an edit; one removed meanwhile is passed by when its change is
written); only a token it does not know waits for the new index, so an address added
by hand works at once. A long list is so re-read without holding every request up.
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
        self._lock = threading.Lock()  # guards the index and its stamp
        self._rebuild = threading.Lock()  # one rebuild at a time
        self._refreshing = False
        self._stamp: _Stamp | None = None
        self._index = TokenIndex(secret, list_id, ())

    def resolve(self, token: str) -> str | None:
        """The address `token` belongs to, or None. Blocking: call it from a worker thread."""
        with self._lock:
            stale = self._index if self._stamp is not None and self._stat() != self._stamp else None
        if stale is not None:
            found = stale.resolve(token)
            if found is not None:
                self._refresh_later()
                return found
        return self._current().resolve(token)

    def warm(self) -> None:
        """Build the index now (blocking), so that the first requests do not wait for it."""
        self._current()

    def _refresh_later(self) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True

        def refresh() -> None:
            try:
                self._current()
            finally:
                self._refreshing = False

        threading.Thread(target=refresh, name="token-index", daemon=True).start()

    def _current(self) -> TokenIndex:
        with self._rebuild:
            with self._lock:
                stamp = self._stat()
                if stamp == self._stamp:
                    return self._index
            emails = self._read_emails(self.path) if stamp is not None else ()
            index = TokenIndex(self._secret, self._list_id, emails)
            with self._lock:
                self._index = index
                # Stat taken before reading: a write during the read triggers another reload.
                self._stamp = stamp
                return index

    def _stat(self) -> _Stamp | None:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)
