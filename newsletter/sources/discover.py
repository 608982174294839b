"""Feed autodiscovery: the feeds a web page announces in its `<head>`.

Pure: takes the page's text and its address, returns the announced feeds in the
page's order; never fetches anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

__all__ = ["FEED_TYPES", "Announced", "announced_feeds", "looks_like_html"]

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",  # JSON Feed 1.0's type, still common
    "application/rdf+xml": "RSS",
    "text/xml": "RSS",
    "application/xml": "RSS",
}
# Preferred first: a page announcing both RSS and Atom gets its first RSS or Atom one.
_RANK = {"RSS": 0, "Atom": 0, "JSON Feed": 1}


@dataclass(frozen=True)
class Announced:
    """One `<link rel="alternate">` feed of a page."""

    url: str
    kind: str  # RSS, Atom, JSON Feed
    title: str | None = None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.base: str | None = None
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "body":
            self.in_body = True
        elif tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        elif tag in ("link", "a") and "alternate" in values.get("rel", "").lower().split():
            # An <a rel=alternate> in the body counts too, as feed readers do; <link> first.
            values["_tag"] = tag
            self.links.append(values)

    handle_startendtag = handle_starttag


def announced_feeds(html: str, page_url: str) -> list[Announced]:
    """The feeds the page announces, best first, with absolute URLs."""
    parser = _Links()
    try:
        parser.feed(html[: 512 * 1024])
        parser.close()
    except AssertionError:  # HTMLParser on badly broken markup
        pass
    base = urljoin(page_url, parser.base) if parser.base else page_url
    found: list[tuple[int, int, Announced]] = []
    seen: set[str] = set()
    for order, link in enumerate(parser.links):
        kind = FEED_TYPES.get(link.get("type", "").split(";")[0].strip().lower())
        href = link.get("href", "").strip()
        if kind is None or not href:
            continue
        url = urljoin(base, href)
        if url in seen or not url.startswith(("http://", "https://")):
            continue
        seen.add(url)
        rank = _RANK[kind] + (2 if link["_tag"] == "a" else 0)
        found.append((rank, order, Announced(url, kind, link.get("title") or None)))
    return [a for _, _, a in sorted(found, key=lambda f: (f[0], f[1]))]


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """Whether an answer is a web page rather than a feed."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        head = body[:1024].lstrip().lower()
        return not head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf"))
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head
