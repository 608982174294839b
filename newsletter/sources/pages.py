"""Web pages by URL → articles: a `page:` source, or the article behind a feed's teaser.

Fetched like feeds (conditional GET, the source's identity and headers, robots.txt
honoured) and read with the same extraction as the HTML files of a folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from newsletter.config import SourceConfig
from newsletter.model import Article, SourceFailure
from newsletter.sources.fetch import FeedCache, Fetched, FetchError, Request, Robots, fetch
from newsletter.sources.notes import SourceNote

__all__ = ["PageRead", "decode_page", "fetch_page", "read_page"]

if TYPE_CHECKING:
    from newsletter.content.htmltext import HtmlArticle

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True)
class PageRead:
    """What one page source gave."""

    articles: list[Article]
    failures: list[SourceFailure]
    notes: list[SourceNote]
    fetched: tuple[Fetched, ...] = ()


def fetch_page(
    url: str, request: Request, cache: FeedCache | None, robots: Robots
) -> tuple[HtmlArticle, Fetched]:
    """The main text of the page at `url`; raises FetchError saying why there is none."""
    from newsletter.content.htmltext import extract_html

    pages = request.for_pages()
    if not robots.allowed(url, pages):
        raise FetchError(
            "the site's robots.txt asks programs not to fetch this page; "
            "use its feed instead, or ask the site for access"
        )
    fetched = fetch(url, pages, cache)
    kind = (fetched.content_type or "text/html").split(";")[0].strip().lower()
    if kind not in ("text/html", "application/xhtml+xml", "text/plain"):
        raise FetchError(f"not a web page but {kind}; give the address of an HTML page")
    extracted = extract_html(decode_page(fetched), url=fetched.where)
    if extracted is None:
        raise FetchError(
            "no article text found in the page (a menu, a login wall or a script-built page?)"
        )
    return extracted, fetched


def decode_page(fetched: Fetched) -> str:
    """The page's text in the charset its answer or its `<meta>` declares, else UTF-8."""
    declared = re.search(r"charset=([^;\s]+)", fetched.content_type or "", re.I)
    names = [declared.group(1).strip("\"'")] if declared else []
    meta = _CHARSET.search(fetched.body[:4096])
    if meta:
        names.append(meta.group(1).decode("ascii"))
    for name in [*names, "utf-8"]:
        try:
            return fetched.body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return fetched.body.decode("utf-8", "replace")


def read_page(
    source: SourceConfig,
    request: Request,
    cache: FeedCache | None,
    robots: Robots,
    now: datetime,
    tz: ZoneInfo,
) -> PageRead:
    """The article of one `page:` source; a page that fails is reported, never raised."""
    origin = f"page {source.location}" + (f" ({source.name})" if source.name else "")
    try:
        extracted, fetched = fetch_page(source.location, request, cache, robots)
    except FetchError as error:
        return PageRead([], [SourceFailure(origin, str(error))], [])
    notes = []
    if fetched.moved_permanently and fetched.final_url:
        notes.append(moved_note(origin, fetched.final_url, "page"))
    url = extracted.url or fetched.where
    published = now
    if extracted.published:
        day = datetime.fromisoformat(extracted.published).date()
        published = datetime.combine(day, time(12, 0), tz)
    title = extracted.title or extracted.paragraphs[0]
    article = Article(
        id=url,
        title=title,
        body=extracted.text,
        origin=origin,
        summary=extracted.description,
        url=url,
        source=source.name or extracted.sitename or (urlsplit(url).hostname or url),
        author=extracted.author,
        published=published,
        tags=tuple(t.lower() for t in extracted.tags),
        image=extracted.image,
        language=extracted.language,
    )
    return PageRead([article], [], notes, (fetched,))


def moved_note(origin: str, to: str, key: str) -> SourceNote:
    return SourceNote(
        origin,
        f"moved permanently to {to}; put that address in `{key}:` in newsletter.yaml",
        warning=True,
    )
