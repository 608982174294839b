"""A mailbox over IMAPS that collects bounces: each message read, then moved to a folder.

    for uid, data in mailbox.messages(): ...; mailbox.done(uid)

URL: `imaps://USER@HOST[:PORT]/FOLDER` (FOLDER default INBOX), the password from
NEWSLETTER_IMAP_PASSWORD. Messages are fetched with BODY.PEEK (left unread) and moved
to the processed folder only once handled: never deleted, and one killed midway is
read again on the next run (its event applied once all the same).
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import re
import ssl
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from newsletter.bounces.report import MAX_BYTES
from newsletter.errors import DeliveryError, InputError

__all__ = ["PASSWORD_ENV", "ImapMailbox"]

PASSWORD_ENV = "NEWSLETTER_IMAP_PASSWORD"
_UIDS = re.compile(rb"\d+")


class ImapMailbox:
    def __init__(self, url: str, processed: str = "Processed", timeout: float = 30) -> None:
        parts = urlsplit(url)
        if parts.scheme != "imaps" or not parts.hostname or not parts.username:
            raise InputError(
                f"--imap {url!r}: give imaps://USER@HOST[:PORT]/FOLDER (IMAP over TLS only)"
            )
        password = os.environ.get(PASSWORD_ENV)
        if not password:
            raise InputError(f"--imap needs the mailbox password in {PASSWORD_ENV}")
        self.folder = unquote(parts.path.lstrip("/")) or "INBOX"
        self.processed = processed
        where = f"{parts.hostname}:{parts.port or 993}"
        try:
            self.imap = imaplib.IMAP4_SSL(
                parts.hostname,
                parts.port or 993,
                ssl_context=ssl.create_default_context(),
                timeout=timeout,
            )
        except (OSError, imaplib.IMAP4.error) as error:
            raise DeliveryError(f"cannot reach the IMAP server {where}: {error}") from None
        try:
            self.imap.login(unquote(parts.username), password)
            status, _ = self.imap.select(_quote(self.folder))
            if status != "OK":
                raise DeliveryError(f"{where} has no folder {self.folder!r}")
            self.imap.create(_quote(processed))  # "already exists" is fine
        except imaplib.IMAP4.error as error:
            self.close()
            raise DeliveryError(f"the IMAP server {where} refused: {error}") from None
        self.can_move = "MOVE" in self.imap.capabilities

    def messages(self) -> Iterator[tuple[str, bytes]]:
        """(uid, the message's first bytes) of every message in the folder."""
        _, found = self.imap.uid("SEARCH", "ALL")
        for number in _UIDS.findall(found[0] or b""):
            uid = number.decode("ascii")
            _, fetched = self.imap.uid("FETCH", uid, f"(BODY.PEEK[]<0.{MAX_BYTES + 1}>)")
            data = next((p[1] for p in fetched if isinstance(p, tuple)), None)
            if isinstance(data, bytes):
                yield uid, data

    def done(self, uid: str) -> None:
        """Move the message out of the folder, into the processed one."""
        if self.can_move:
            self.imap.uid("MOVE", uid, _quote(self.processed))
            return
        status, _ = self.imap.uid("COPY", uid, _quote(self.processed))
        if status == "OK":  # only a copied message is taken out of the folder
            self.imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            self.imap.expunge()

    def close(self) -> None:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.imap.logout()


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
