"""VERP: a personal envelope sender per message, `bounces+TOKEN@domain`, whose TOKEN is
signed, so that a bounce names its reader and issue even when the mail server that
wrote it mangled the rest, and a forged one names nobody.

TOKEN is the issue's date (YYYYMMDD) then 24 base32 letters: the first 120 bits of
HMAC-SHA256(secret, "verp" NUL list_id NUL date NUL normalized-address). Lower case
only, since some servers lower-case local parts; 32 characters, well within the 64 a
local part may have. The address never appears in it.

    >>> verp = Verp(b"k" * 32, "daily.example.com", "bounces@example.com")
    >>> address = verp.address(date(2026, 12, 6), "Ann@Example.com")
    >>> address.startswith("bounces+20261206")
    True
    >>> verp.resolve(tokens_in(address, "bounces@example.com")[0], ["ann@example.com"])
    (datetime.date(2026, 12, 6), 'ann@example.com')

Pure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import date, datetime

__all__ = ["TOKEN_PATTERN", "Verp", "tokens_in"]

TOKEN_PATTERN = r"[0-9]{8}[a-z2-7]{24}"
_TOKEN = re.compile(rf"^{TOKEN_PATTERN}$")


def _normalize(email: str) -> str:
    return email.strip().casefold()


class Verp:
    """The VERP addresses of one secret, list and bounce address."""

    def __init__(self, secret: bytes, list_id: str, bounce_address: str) -> None:
        self._prefix = hmac.new(secret, f"verp\x00{list_id}\x00".encode(), hashlib.sha256)
        self.local, _, self.domain = bounce_address.rpartition("@")
        self._index: dict[str, dict[str, str]] = {}  # date → token → address

    def token(self, day: date, email: str) -> str:
        stamp = f"{day:%Y%m%d}"
        mac = self._prefix.copy()
        mac.update(f"{stamp}\x00{_normalize(email)}".encode())
        return stamp + base64.b32encode(mac.digest()[:15]).decode("ascii").lower()

    def address(self, day: date, email: str) -> str:
        """The envelope sender of the message of `day` to `email`."""
        return f"{self.local}+{self.token(day, email)}@{self.domain}"

    def resolve(self, token: str, emails: Iterable[str]) -> tuple[date, str] | None:
        """The issue date and the address among `emails` that `token` was made for, or
        None when it was made for none of them (forged, truncated, another list's)."""
        token = token.lower()
        if not _TOKEN.match(token):
            return None
        try:
            day = datetime.strptime(token[:8], "%Y%m%d").date()
        except ValueError:
            return None
        index = self._index.get(token[:8])
        if index is None:
            index = self._index[token[:8]] = {self.token(day, e): e for e in emails}
        # A hash look-up, not a comparison loop: a bounce intake is no timing oracle worth
        # the cost of one comparison per reader.
        email = index.get(token)
        return (day, email) if email is not None else None


def tokens_in(text: str, bounce_address: str) -> list[str]:
    """Every VERP token of `bounce_address` written in `text`, in order, without repeats."""
    local, _, domain = bounce_address.rpartition("@")
    pattern = re.compile(
        rf"(?<![A-Za-z0-9._+-]){re.escape(local)}\+({TOKEN_PATTERN})@{re.escape(domain)}",
        re.IGNORECASE,
    )
    return list(dict.fromkeys(m.lower() for m in pattern.findall(text)))
