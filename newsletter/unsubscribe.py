"""Unsubscribe tokens and the URLs that carry them.

A token is 43 URL-safe characters: HMAC-SHA256(secret, list_id NUL
normalized-address), base64url-encoded without padding. The first 12 characters
(72 bits) are the *lookup id*: the server indexes the subscriber file by it, so
resolving a token costs one dictionary look-up and one constant-time
comparison. The remaining 31 characters (184 bits) are what makes the token
unforgeable. The address never appears in the token, and a
token for one list or one secret is worthless for another.

    >>> token = make_token(b"k" * 32, "daily.example.com", "Ann@Example.com")
    >>> resolve_token(b"k" * 32, "daily.example.com", token, ["ann@example.com"])
    'ann@example.com'

Pure, except `load_secret`, which reads (and at first use creates) the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from newsletter.atomic import create_once
from newsletter.config import Config
from newsletter.errors import ConfigError, Problem

__all__ = [
    "SECRET_ENV",
    "TOKEN_LENGTH",
    "TokenIndex",
    "Tokens",
    "load_secret",
    "lookup_id",
    "mailto",
    "make_token",
    "preferences_url",
    "resolve_token",
    "unsubscribe_url",
]

SECRET_ENV = "NEWSLETTER_SECRET"
TOKEN_LENGTH = 43
LOOKUP_LENGTH = 12
_MIN_SECRET_BYTES = 16
_TOKEN = re.compile(rf"^[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}$")


def load_secret(config: Config, *, create: bool = True) -> bytes:
    """The key that signs tokens.

    `NEWSLETTER_SECRET` (any non-empty string) wins; then the file named by
    `unsubscribe.secret_file` (relative to the newsletter folder, `~` expanded);
    else `.newsletter/secret`, created with 32 random bytes and mode 0600 on first
    use. Changing the secret invalidates every link already sent.

    With `create=False` (previews, dry runs: they change nothing) a missing default
    file is not made; a throwaway key stands in, so links look as they will but differ.
    """
    env = os.environ.get(SECRET_ENV, "")
    if env:
        return env.encode("utf-8")
    if config.unsubscribe.secret_file:
        path = (config.root / Path(config.unsubscribe.secret_file).expanduser()).resolve()
        return _read_secret(path, config)
    path = config.root / ".newsletter" / "secret"
    if not path.exists():
        if not create:
            return secrets.token_bytes(32)
        _create_secret(path)
    return _read_secret(path, config)


def _read_secret(path: Path, config: Config) -> bytes:
    try:
        # Trailing newlines are an editor's, not part of the key.
        secret = path.read_bytes().rstrip(b"\r\n")
    except OSError as error:
        raise ConfigError(
            [Problem(path, None, None, f"cannot read the unsubscribe secret: {error.strerror}")],
            f"Fix unsubscribe.secret_file in {config.path.name}, create the file "
            f"(`head -c 32 /dev/urandom > {path}`), or set {SECRET_ENV}.",
        ) from error
    if len(secret) < _MIN_SECRET_BYTES:
        raise ConfigError(
            [
                Problem(
                    path,
                    None,
                    None,
                    f"the unsubscribe secret is shorter than {_MIN_SECRET_BYTES} bytes",
                )
            ],
            f"Put at least 32 random bytes in it (`head -c 32 /dev/urandom > {path}`).",
        )
    return secret


def _create_secret(path: Path) -> None:
    """Write 32 random bytes to `path` atomically; a concurrent creator's file wins."""
    create_once(path, secrets.token_bytes(32), mode=0o600)


def _normalize(email: str) -> str:
    # The subscriber file's notion of identity: addresses that differ only in case are one.
    return email.strip().casefold()


def make_token(secret: bytes, list_id: str, email: str) -> str:
    """The opaque, URL-safe token of `email` on `list_id`; the same every time."""
    return Tokens(secret, list_id)(email)


class Tokens:
    """The tokens of one secret and list: an HMAC-SHA256 of `list_id`, a NUL and the
    normalized address. The key and the list's prefix are set up once, so each address
    costs one copy and one short update (what a send does per subscriber)."""

    def __init__(self, secret: bytes, list_id: str) -> None:
        self._prefix = hmac.new(secret, f"{list_id}\x00".encode(), hashlib.sha256)

    def __call__(self, email: str) -> str:
        mac = self._prefix.copy()
        mac.update(_normalize(email).encode())
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


def lookup_id(token: str) -> str | None:
    """The token's index key, or None when `token` is not shaped like a token at all."""
    if not _TOKEN.match(token):
        return None
    return token[:LOOKUP_LENGTH]


def resolve_token(secret: bytes, list_id: str, token: str, emails: Iterable[str]) -> str | None:
    """The address among `emails` whose token is `token`, or None.

    Costs one HMAC per address; a server should prefer `TokenIndex`.
    """
    if lookup_id(token) is None:
        return None
    tokens = Tokens(secret, list_id)
    for email in emails:
        if hmac.compare_digest(tokens(email), token):
            return email
    return None


class TokenIndex:
    """Subscriber addresses indexed by lookup id: resolves a token in constant time.

    >>> index = TokenIndex(b"k" * 32, "l.example.com", ["a@example.com", "b@example.com"])
    >>> index.resolve(make_token(b"k" * 32, "l.example.com", "b@example.com"))
    'b@example.com'
    """

    def __init__(self, secret: bytes, list_id: str, emails: Iterable[str]) -> None:
        self._by_lookup: dict[str, list[tuple[str, str]]] = {}
        tokens = Tokens(secret, list_id)
        for email in emails:
            token = tokens(email)
            self._by_lookup.setdefault(token[:LOOKUP_LENGTH], []).append((token, email))

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._by_lookup.values())

    def resolve(self, token: str) -> str | None:
        key = lookup_id(token)
        if key is None:
            return None
        for expected, email in self._by_lookup.get(key, ()):
            if hmac.compare_digest(expected, token):
                return email
        return None


def unsubscribe_url(config: Config, token: str) -> str:
    """The one-click unsubscribe URL (RFC 8058) served by `newsletter serve`."""
    return f"{config.site_url}/unsubscribe/{token}"


def preferences_url(config: Config, token: str) -> str:
    """The page where a reader resubscribes, unsubscribes or picks topics."""
    return f"{config.site_url}/preferences/{token}"


_SUBJECT = "unsubscribe-"  # the subject the mailto: link asks for, the token after it
_IN_MAIL = re.compile(rf"{_SUBJECT}([A-Za-z0-9_-]{{{TOKEN_LENGTH}}})(?![A-Za-z0-9_-])")


def token_in_mail(data: bytes) -> str | None:
    """The token of a mail sent to the `mailto:` of List-Unsubscribe: its subject is
    `unsubscribe-TOKEN` (a client may add "Re:" or encode it); a client that cannot set
    a subject may leave it in the text instead. None when the mail holds none.
    """
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(data)
    found = _IN_MAIL.search(str(message.get("subject", "")))
    if found is None:
        part = message.get_body(preferencelist=("plain",))
        text = part.get_content() if part is not None else ""
        found = _IN_MAIL.search(text if isinstance(text, str) else "")
    return found[1] if found else None


def mailto(config: Config, token: str) -> str | None:
    """The `mailto:` unsubscribe URI, when `unsubscribe.mailto` is configured."""
    if not config.unsubscribe.mailto:
        return None
    return f"mailto:{config.unsubscribe.mailto}?subject={_SUBJECT}{token}"
