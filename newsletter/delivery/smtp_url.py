"""SMTP URLs: `smtp://host:port`, `smtp+starttls://user@host:587`, `smtps://user@host:465`.

Pure: the password comes in as an argument (from NEWSLETTER_SMTP_PASSWORD), never from the URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from newsletter.errors import SmtpUrlError

SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    security: str  # "plain" | "starttls" | "tls"
    username: str | None = None
    password: str | None = None

    def __str__(self) -> str:
        scheme = {"plain": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}[self.security]
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


# The password part of `scheme://user:password@host`, found even in a URL that does not parse.
_PASSWORD = re.compile(r"(?<=://)([^/@:]*):[^/]*@")


def masked(url: str) -> str:
    """`url` with any password in it replaced by `***`, fit to be printed."""
    return _PASSWORD.sub(r"\1:***@", url)


def parse_smtp_url(url: str, password: str | None = None) -> SmtpTarget:
    """Parse `url`; raises SmtpUrlError saying what a correct one looks like (with any
    password in the URL masked: an error message ends up in logs)."""
    hint = "use smtp://HOST:PORT, smtp+starttls://USER@HOST:587 or smtps://USER@HOST:465"
    shown = masked(url)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        reason = str(error).replace(url, shown)
        raise SmtpUrlError(f"bad SMTP URL `{shown}`: {reason}; {hint}") from None
    if parts.scheme not in SCHEMES:
        raise SmtpUrlError(f"bad SMTP URL `{shown}`: unknown scheme `{parts.scheme}`; {hint}")
    if not parts.hostname:
        raise SmtpUrlError(f"bad SMTP URL `{shown}`: no host; {hint}")
    if parts.password:
        raise SmtpUrlError(
            f"bad SMTP URL `{shown}`: put the password in NEWSLETTER_SMTP_PASSWORD, not in the URL"
        )
    if parts.path not in ("", "/") or parts.query:
        raise SmtpUrlError(f"bad SMTP URL `{shown}`: unexpected path or query; {hint}")
    security, default_port = SCHEMES[parts.scheme]
    username = unquote(parts.username) if parts.username else None
    return SmtpTarget(parts.hostname, port or default_port, security, username, password)
