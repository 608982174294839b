"""Which URLs may become links in the email and the archive: http, https and mailto.

Anything else (`javascript:`, `data:`, `vbscript:`, `file:`, a relative path) runs code,
embeds content or leads nowhere from a mail client, so it is never written as a link.
Pure.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["LINK_SCHEMES", "is_image_url", "is_link", "scheme_of"]

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# What browsers drop before reading a URL (the WHATWG URL standard, basic URL parser): so
# "java\tscript:" and " javascript:" are javascript: to them, and to this check.
_DROPPED = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def scheme_of(url: str) -> str | None:
    """The scheme of `url` in lower case, as a browser reads it; None when it has none."""
    cleaned = _DROPPED.sub("", url).strip("".join(map(chr, range(0x21))))
    scheme, colon, _ = cleaned.partition(":")
    if not colon or not _SCHEME.fullmatch(scheme):
        return None
    return scheme.lower()


def is_link(url: str) -> bool:
    """Whether `url` may be written as a link: an http(s) URL with a host, or a mailto.

    >>> is_link("https://example.org/a"), is_link("JavaScript:alert(1)")
    (True, False)
    """
    scheme = scheme_of(url)
    if scheme in ("http", "https"):
        return bool(urlsplit(url.strip()).netloc)
    return scheme == "mailto" and url.strip()[len("mailto:") :] != ""


def is_image_url(url: str) -> bool:
    """Whether `url` may be the source of an image: http or https with a host."""
    return scheme_of(url) in ("http", "https") and is_link(url)
