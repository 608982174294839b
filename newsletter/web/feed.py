"""The Atom feed of sent issues (RFC 4287). Pure: takes issues, returns XML bytes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from newsletter.config import Config
from newsletter.web.archive import ArchivedIssue

__all__ = ["FEED_ENTRIES", "atom_feed"]

ATOM = "http://www.w3.org/2005/Atom"
XML = "http://www.w3.org/XML/1998/namespace"
FEED_ENTRIES = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def atom_feed(
    config: Config, issues: Sequence[ArchivedIssue], contents: Mapping[date, str] | None = None
) -> bytes:
    """The feed of the newest `FEED_ENTRIES` issues, with absolute links under site_url;
    `contents` gives each issue's full HTML (its stories), carried as `content type="html"`."""
    site = config.site_url
    newest = list(issues[:FEED_ENTRIES])
    feed = Element("feed", {"xmlns": ATOM, f"{{{XML}}}lang": config.language})
    SubElement(feed, "title").text = config.name
    if config.description:
        SubElement(feed, "subtitle").text = config.description
    SubElement(feed, "id").text = f"{site}/archive/"
    SubElement(feed, "link", rel="self", type="application/atom+xml", href=f"{site}/feed.atom")
    SubElement(feed, "link", rel="alternate", type="text/html", href=f"{site}/archive/")
    SubElement(feed, "updated").text = _stamp(max((i.sent_at for i in newest), default=_EPOCH))
    author = SubElement(feed, "author")
    SubElement(author, "name").text = config.sender.name or config.name
    for issue in newest:
        url = f"{site}/archive/{issue.date.isoformat()}"
        entry = SubElement(feed, "entry")
        SubElement(entry, "title").text = issue.subject
        SubElement(entry, "id").text = url
        SubElement(entry, "link", rel="alternate", type="text/html", href=url)
        SubElement(entry, "published").text = _stamp(issue.sent_at)
        SubElement(entry, "updated").text = _stamp(issue.sent_at)
        if issue.teaser:
            SubElement(entry, "summary", type="text").text = issue.teaser
        content = (contents or {}).get(issue.date)
        if content:
            SubElement(entry, "content", type="html").text = content
    body = tostring(feed, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
