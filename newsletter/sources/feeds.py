"""RSS, Atom and JSON feeds → articles, from a local file, an http(s) URL, or a page
that announces its feed.

The bytes come from a file or from `fetch` (conditional GET); feedparser parses RSS
and Atom (it is never handed a URL, so it fetches nothing itself), `jsonfeed` JSON
Feed. Each entry becomes an Article: id from the GUID (or the link), title as plain
text whatever the feed's markup, text from the content or summary, or from the
entry's own page when the feed carries only teasers (`full_text`).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsletter.config import SourceConfig
from newsletter.content.summarize import teaser
from newsletter.model import Article, Image, SourceFailure
from newsletter.sources.discover import announced_feeds, looks_like_html
from newsletter.sources.feedtext import FieldText, field_text, plain
from newsletter.sources.fetch import (
    MAX_FEED_BYTES,
    FeedCache,
    Fetched,
    FetchError,
    Request,
    Robots,
    fetch,
)
from newsletter.sources.jsonfeed import NotJsonFeed, looks_like_json, parse_json_feed
from newsletter.sources.notes import SourceNote
from newsletter.sources.pages import fetch_page, moved_note

__all__ = ["FeedRead", "feed_articles", "is_teaser_feed", "read_feed"]

# The feed's own summary is kept as the article's summary up to this length;
# a longer one is the article itself, and the digest summarizes it.
SUMMARY_WORDS = 80
# A teaser: an entry whose whole text is this short and was cut ("…", "[…]",
# "Continue reading"). A feed of nothing else is read from its pages.
TEASER_WORDS = 120
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


@dataclass(frozen=True)
class FeedRead:
    """What one feed gave: its articles, its problems, remarks for the editor, and the
    responses to remember (the feed's, and the pages read for full text)."""

    articles: list[Article]
    failures: list[SourceFailure]
    fetched: tuple[Fetched, ...] = ()
    notes: list[SourceNote] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    """An article read from an entry, and whether its text is only a teaser."""

    article: Article
    teaser: bool


def read_feed(
    source: SourceConfig,
    root: Path,
    *,
    now: datetime | None = None,
    cache: FeedCache | None = None,
    request: Request | None = None,
    robots: Robots | None = None,
) -> FeedRead:
    """The articles of one feed source; a feed that fails is reported, never raised.

    `now` is when the feed was read: the day of entries that carry no date. A URL
    that answers with a web page is read through the feed the page announces.
    """
    when = now or datetime.now(UTC)
    request = request or Request(timeout=source.timeout)
    robots = robots or Robots()
    location = source.location
    origin = f"feed {location}" + (f" ({source.name})" if source.name else "")
    fetched: list[Fetched] = []
    notes: list[SourceNote] = []
    try:
        if location.startswith(("http://", "https://")):
            answer = fetch(location, request, cache)
            fetched.append(answer)
            if answer.moved_permanently and answer.final_url:
                notes.append(moved_note(origin, answer.final_url, "feed"))
            if looks_like_html(answer.body, answer.content_type):
                answer = _announced(answer, origin, request, cache, notes)
                fetched.append(answer)
            body, content_type = answer.body, answer.content_type
        else:
            body, content_type = _read_file(root / location), None
        entries, failures = _entries(body, source, origin, when, content_type)
    except FetchError as error:
        return FeedRead([], [SourceFailure(origin, str(error))], (), notes)
    except Exception as error:  # a bug must cost this feed only, never the issue
        reason = f"could not be read ({type(error).__name__}: {error}); please report this"
        return FeedRead([], [SourceFailure(origin, reason)], (), notes)
    articles = [e.article for e in entries]
    if wants_full_text(source, entries):
        articles = _full_text(entries, source, origin, request, cache, robots, notes, fetched)
    return FeedRead(articles, failures, tuple(fetched), notes)


def _announced(
    page: Fetched, origin: str, request: Request, cache: FeedCache | None, notes: list[SourceNote]
) -> Fetched:
    """The feed a web page announces, fetched; the note says which one was chosen."""
    from newsletter.sources.pages import decode_page

    feeds = announced_feeds(decode_page(page), page.where)
    if not feeds:
        raise FetchError(
            'a web page that announces no feed (no <link rel="alternate" '
            'type="application/rss+xml"> or Atom/JSON Feed link); find the site\'s feed '
            "(often /feed or /rss.xml) and put it in `feed:`, or use `page:` for one article"
        )
    chosen = feeds[0]
    answer = fetch(chosen.url, request, cache)
    others = f" (of {len(feeds)} it announces)" if len(feeds) > 1 else ""
    label = f" “{chosen.title}”" if chosen.title else ""
    notes.append(
        SourceNote(
            origin,
            f"a web page; read the {chosen.kind} feed it announces{others}: "
            f"{chosen.url}{label}; put that address in `feed:` to save a fetch",
        )
    )
    if looks_like_html(answer.body, answer.content_type):
        raise FetchError(f"the feed the page announces, {chosen.url}, is a web page too")
    return answer


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


def wants_full_text(source: SourceConfig, entries: list[_Entry]) -> bool:
    """`full_text: true`, or unset and every entry (with a link) a teaser."""
    if source.full_text is not None:
        return source.full_text
    return is_teaser_feed(entries)


def is_teaser_feed(entries: list[_Entry]) -> bool:
    """Every entry that links to a page carries only a short, cut-off excerpt."""
    linked = [e for e in entries if e.article.url]
    return bool(linked) and all(e.teaser for e in linked)


def _full_text(
    entries: list[_Entry],
    source: SourceConfig,
    origin: str,
    request: Request,
    cache: FeedCache | None,
    robots: Robots,
    notes: list[SourceNote],
    fetched: list[Fetched],
) -> list[Article]:
    """Each entry's article read from its page, `source.concurrency` pages at once;
    an entry whose page fails keeps its teaser, with a warning."""
    from newsletter.content.htmltext import HtmlArticle

    def read(entry: _Entry) -> tuple[HtmlArticle, Fetched] | FetchError:
        assert entry.article.url is not None
        try:
            return fetch_page(entry.article.url, request, cache, robots)
        except FetchError as error:
            return error

    linked = [e for e in entries if e.article.url]
    with ThreadPoolExecutor(max_workers=max(1, min(source.concurrency, len(linked) or 1))) as pool:
        pages = dict(zip((id(e) for e in linked), pool.map(read, linked), strict=True))
    out = []
    for entry in entries:
        article, page = entry.article, pages.get(id(entry))
        if isinstance(page, FetchError):
            notes.append(
                SourceNote(
                    origin,
                    f"“{article.title}”: the full text of {article.url} could not be read "
                    f"({page}); the feed's teaser is used",
                    warning=True,
                )
            )
        elif page is not None:
            extracted, answer = page
            fetched.append(answer)
            own = article.summary if not entry.teaser else None
            article = replace(
                article,
                body=extracted.text,
                summary=own or extracted.description,
                author=article.author or extracted.author,
            )
        out.append(article)
    return out


def feed_articles(
    body: bytes,
    source: SourceConfig,
    origin: str,
    now: datetime,
    content_type: str | None = None,
) -> tuple[list[Article], list[SourceFailure]]:
    """Parse a feed's bytes; entries that cannot become articles are reported one by one."""
    entries, failures = _entries(body, source, origin, now, content_type)
    return [e.article for e in entries], failures


def _entries(
    body: bytes,
    source: SourceConfig,
    origin: str,
    now: datetime,
    content_type: str | None = None,
) -> tuple[list[_Entry], list[SourceFailure]]:
    if not body.strip():
        return [], [SourceFailure(origin, "empty: no feed in it")]
    if looks_like_json(body, content_type):
        try:
            parsed_json = parse_json_feed(body)
        except NotJsonFeed as why:
            return [], [SourceFailure(origin, f"not an RSS, Atom or JSON feed: {why}")]
        title, raw_entries = parsed_json.title, parsed_json.entries
        feed_language = parsed_json.language
    else:
        import feedparser

        headers = {"content-type": content_type} if content_type else {}
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
        if not parsed.get("version") and not parsed.entries:
            return [], [SourceFailure(origin, _not_a_feed(body, parsed))]
        title = plain(parsed.feed.get("title"), parsed.feed.get("title_detail"))
        raw_entries = parsed.entries
        feed_language = _str(parsed.feed.get("language")) or _str(
            (parsed.feed.get("title_detail") or {}).get("language")
        )
    name = source.name or plain(title) or _host(source.location)
    entries, failures = [], []
    for number, entry in enumerate(raw_entries, start=1):
        try:
            entries.append(_article(entry, name, source.location, origin, now, feed_language))
        except ValueError as why:
            failures.append(SourceFailure(f"{origin} entry {number}", str(why)))
    return entries, failures


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


def _article(
    entry: Any, name: str, location: str, origin: str, now: datetime, feed_language: str | None
) -> _Entry:
    link = _str(entry.get("link"))
    content = field_text(entry.get("content", [{}])[0]) if entry.get("content") else FieldText()
    summary = field_text(entry.get("summary_detail") or {"value": entry.get("summary")})
    text = content if content.paragraphs else summary
    body = text.paragraphs
    summary_text = " ".join(summary.paragraphs)
    # The feed's own summary, when short and whole; a cut-off excerpt is left to the summarizer.
    own_summary = None
    if summary_text and not summary.cut and len(summary_text.split()) <= SUMMARY_WORDS:
        own_summary = summary_text
    title = plain(entry.get("title"), entry.get("title_detail"))
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
    article = Article(
        id=ident,
        title=title,
        body="\n\n".join(body),
        origin=origin,
        summary=own_summary,
        url=link,
        source=name,
        author=plain(entry.get("author")),
        published=_when(entry) or now,
        tags=_tags(entry),
        image=_entry_image(entry, link or location),
        language=_language(entry, feed_language, f"{title}\n\n" + "\n\n".join(body)),
    )
    words = sum(len(p.split()) for p in body)
    return _Entry(article, teaser=(text.cut or text.read_more) and words <= TEASER_WORDS)


def _language(entry: Any, feed_language: str | None, text: str) -> str | None:
    """The language the entry declares (`xml:lang` of its content, summary or title; a
    JSON Feed item's `language`), else the feed's (`<language>`, `xml:lang`, JSON Feed's
    `language`), else the language of its text. A declared value that is not a language
    tag is passed over."""
    from newsletter.content.langid import detect, normalize_tag

    details = [
        *(entry.get("content") or ()),
        entry.get("summary_detail"),
        entry.get("title_detail"),
    ]
    declared = [_str(entry.get("language"))]
    declared += [_str(d.get("language")) for d in details if isinstance(d, dict)]
    for value in [*declared, feed_language]:
        tag = normalize_tag(value) if value else None
        if tag:
            return tag
    return detect(text)


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
    for key in ("content", "summary_detail"):
        value = entry.get(key)
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


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _host(location: str) -> str:
    return urlsplit(location).hostname or Path(location).stem
