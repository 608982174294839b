"""RSS and Atom feeds → articles, from a local file or an http(s) URL.

The bytes come from a file or from `fetch` (conditional GET); feedparser parses
them (it is never handed a URL, so it fetches nothing itself). Each entry becomes an
Article: id from the GUID (or the link), text from the HTML content or summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser

from newsletter.config import SourceConfig
from newsletter.content.lines import is_boilerplate
from newsletter.content.repair import repair
from newsletter.content.summarize import teaser
from newsletter.model import Article, Image, SourceFailure
from newsletter.sources.fetch import MAX_FEED_BYTES, FeedCache, Fetched, FetchError, fetch

__all__ = ["FeedRead", "feed_articles", "read_feed"]

# The feed's own summary is kept as the article's summary up to this length;
# a longer one is the article itself, and the digest summarizes it.
SUMMARY_WORDS = 80
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
# "Continue reading …" / "Read more »" closing a teaser, after a sentence or on its own line.
_READ_MORE = re.compile(
    r"(?:^|(?<=[.!?…\]]))\s*(?:continue reading|read more|read the full (?:story|article))\b.{0,120}$",
    re.I,
)
# "[…]", "[...]" or "…" at the very end: the feed cut the text short.
_CUT = re.compile(r"\s*(?:\[(?:…|\.\.\.)\]|…|\.\.\.)\s*$")
_WHOLE = re.compile(r"^(.*[.!?][\"'”’)]*)\s+\S.*$")  # up to the last sentence end


@dataclass(frozen=True)
class FeedRead:
    """What one feed gave: its articles, its problems, and the response to remember."""

    articles: list[Article]
    failures: list[SourceFailure]
    fetched: Fetched | None = None


def read_feed(
    source: SourceConfig,
    root: Path,
    *,
    now: datetime | None = None,
    cache: FeedCache | None = None,
) -> FeedRead:
    """The articles of one feed source; a feed that fails is reported, never raised.

    `now` is when the feed was read: the day of entries that carry no date.
    """
    when = now or datetime.now(UTC)
    location = source.location
    origin = f"feed {location}" + (f" ({source.name})" if source.name else "")
    fetched = None
    try:
        if location.startswith(("http://", "https://")):
            fetched = fetch(location, timeout=source.timeout, cache=cache)
            body, content_type = fetched.body, fetched.content_type
        else:
            body, content_type = _read_file(root / location), None
        articles, failures = feed_articles(body, source, origin, when, content_type)
    except FetchError as error:
        return FeedRead([], [SourceFailure(origin, str(error))])
    except Exception as error:  # a bug must cost this feed only, never the issue
        reason = f"could not be read ({type(error).__name__}: {error}); please report this"
        return FeedRead([], [SourceFailure(origin, reason)])
    return FeedRead(articles, failures, fetched)


def _read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FEED_BYTES:
            raise FetchError(f"too large ({size // 1024} KiB); is this really a feed?")
        return path.read_bytes()
    except FileNotFoundError:
        raise FetchError(f"no such file {path}; fix `feed:` in newsletter.yaml") from None
    except IsADirectoryError:
        raise FetchError(f"{path} is a folder; use `folder:` for a folder of articles") from None
    except OSError as error:
        raise FetchError(f"cannot read {path}: {error.strerror}") from None


def feed_articles(
    body: bytes,
    source: SourceConfig,
    origin: str,
    now: datetime,
    content_type: str | None = None,
) -> tuple[list[Article], list[SourceFailure]]:
    """Parse a feed's bytes; entries that cannot become articles are reported one by one."""
    if not body.strip():
        return [], [SourceFailure(origin, "empty: no feed in it")]
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    if not parsed.get("version") and not parsed.entries:
        return [], [SourceFailure(origin, _not_a_feed(body, parsed))]
    feed = parsed.feed
    name = source.name or _plain(feed.get("title")) or _host(source.location)
    articles, failures = [], []
    for number, entry in enumerate(parsed.entries, start=1):
        try:
            articles.append(_article(entry, name, source.location, origin, now))
        except ValueError as why:
            failures.append(SourceFailure(f"{origin} entry {number}", str(why)))
    return articles, failures


def _not_a_feed(body: bytes, parsed: Any) -> str:
    head = body[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return (
            "not an RSS or Atom feed: it is an HTML page "
            "(use the page's RSS/Atom link, often /feed or /rss.xml)"
        )
    if head.startswith((b"{", b"[")):
        return "not an RSS or Atom feed: it looks like JSON"
    problem = parsed.get("bozo_exception")
    detail = f" ({problem})" if problem else ""
    return f"not an RSS or Atom feed{detail}"


def _article(entry: Any, name: str, location: str, origin: str, now: datetime) -> Article:
    link = _str(entry.get("link"))
    content, _ = _text_of(entry.get("content", [{}])[0]) if entry.get("content") else ([], False)
    summary, cut = _text_of(entry.get("summary_detail") or {"value": entry.get("summary")})
    body = content or summary
    summary_text = " ".join(summary)
    # The feed's own summary, when short and whole; a cut-off excerpt is left to the summarizer.
    own_summary = None
    if summary_text and not cut and len(summary_text.split()) <= SUMMARY_WORDS:
        own_summary = summary_text
    title = _plain(entry.get("title"), entry.get("title_detail"))
    if not title:
        if not body:
            raise ValueError("no title and no text")
        title = teaser(body[0])
    if not body and not link:
        raise ValueError(f"“{title}” has no text and no link")
    guid = _str(entry.get("id"))
    if guid and not _SCHEME.match(guid):
        guid = f"{location}#{guid}"  # a bare GUID like "42" is unique only within its feed
    ident = guid or link
    if not ident:
        from newsletter.sources.files import content_id

        ident = content_id(title, "\n\n".join(body))
    return Article(
        id=ident,
        title=title,
        body="\n\n".join(body),
        origin=origin,
        summary=own_summary,
        url=link,
        source=name,
        author=_plain(entry.get("author")),
        published=_when(entry) or now,
        tags=_tags(entry),
        image=_entry_image(entry, link or location),
    )


def _entry_image(entry: Any, base: str) -> Image | None:
    """The entry's lead image: `media:content` or `media:thumbnail` of an image, else an
    image enclosure, else the first image of its HTML; never a tracking pixel."""
    from newsletter.content.images import image_of, lead_image

    candidates = [*(entry.get("media_content") or ()), *(entry.get("media_thumbnail") or ())]
    candidates += [e for e in entry.get("enclosures") or () if isinstance(e, dict)]
    for media in candidates:
        kind = str(media.get("type") or media.get("medium") or "image")
        if not kind.startswith("image"):
            continue
        found = image_of(
            media.get("url") or media.get("href"),
            width=media.get("width"),
            height=media.get("height"),
            base=base,
        )
        if found:
            return found
    for field in ("content", "summary_detail"):
        value = entry.get(field)
        detail = value[0] if isinstance(value, list) and value else value
        html = detail.get("value") if isinstance(detail, dict) else None
        if isinstance(html, str) and "<img" in html:
            found = lead_image(f"<article>{html}</article>", base)
            if found:
                return found
    return None


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                year, month, day, hour, minute, second = value[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _tags(entry: Any) -> tuple[str, ...]:
    tags: dict[str, None] = {}
    for tag in entry.get("tags") or ():
        term = _str(tag.get("term")) or _str(tag.get("label"))
        if term and len(term) <= 40:
            tags.setdefault(term.strip().lower(), None)
    return tuple(tags)


def _text_of(detail: Any) -> tuple[list[str], bool]:
    """Paragraphs of a feed text field, HTML or plain, without boilerplate lines;
    and whether the feed cut the text short ("[…]")."""
    value = _str(detail.get("value")) if detail else None
    if not value:
        return [], False
    kind = str(detail.get("type") or "text/html")
    paragraphs = html_paragraphs(value) if "html" in kind else value.split("\n\n")
    out = []
    for paragraph in paragraphs:
        line = _READ_MORE.sub("", " ".join(repair(paragraph).split())).rstrip()
        if line and not is_boilerplate(line) and not _is_feed_footer(line):
            out.append(line)
    cut = bool(out) and bool(_CUT.search(out[-1]))
    if cut:  # keep whole sentences only: a summary must not end mid-thought
        last = _CUT.sub("", out[-1])
        whole = _WHOLE.match(last)
        if whole:
            out[-1] = whole.group(1)
        elif len(out) > 1:
            out.pop()
        else:
            out[-1] = last + " …"
    return out, cut


def _is_feed_footer(line: str) -> bool:
    # WordPress and friends end every item with "The post X appeared first on Y."
    return bool(re.match(r"^the post .{1,300} appeared first on .{1,120}\.?$", line, re.I))


class _Paragraphs(HTMLParser):
    BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "ul",
            "ol",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "pre",
            "tr",
            "table",
            "section",
            "article",
            "header",
            "footer",
            "figure",
            "figcaption",
            "hr",
            "dd",
            "dt",
        ]
    )
    SKIP = frozenset(("script", "style", "template", "noscript"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)


def html_paragraphs(html: str) -> list[str]:
    """The text of an HTML fragment, one string per block (paragraph, list item, heading)."""
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.paragraphs


def _plain(value: object, detail: object = None) -> str | None:
    text = _str(value)
    if text is None:
        return None
    kind = str(detail.get("type") or "") if isinstance(detail, dict) else ""
    if "html" in kind or "<" in text:
        text = " ".join(html_paragraphs(text))
    return " ".join(repair(text).split()) or None


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _host(location: str) -> str:
    return urlsplit(location).hostname or Path(location).stem
