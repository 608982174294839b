"""Sources → articles: read every configured source, never letting one failure stop the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.config import Config, SourceConfig
from newsletter.folder import Folder
from newsletter.model import Article, SourceFailure
from newsletter.sources.fetch import FeedCache, Fetched, FetchError, Robots, remember, request_for
from newsletter.sources.files import read_folder
from newsletter.sources.notes import SourceNote
from newsletter.sources.text import clean_article

if TYPE_CHECKING:
    from newsletter.sources.feeds import FeedRead
    from newsletter.sources.pages import PageRead

__all__ = ["Gathered", "SourceNote", "feed_cache_dir", "gather", "remember_feeds"]


@dataclass(frozen=True)
class Gathered:
    """What the sources gave: the articles, what could not be read, remarks for the
    editor, and the responses a real send remembers for the next conditional GET."""

    articles: tuple[Article, ...]
    failures: tuple[SourceFailure, ...]
    fetched: tuple[Fetched, ...] = ()
    notes: tuple[SourceNote, ...] = ()


def gather(config: Config, now: datetime | None = None) -> Gathered:
    """Every article of every source, cleaned; failures collected, not raised.

    Writes nothing: feeds and pages are fetched conditionally against the cache of
    the last real send, which `remember_feeds` updates. Sources over the network are
    read in parallel. `now` is the day of feed entries that carry no date.
    """
    when = now or datetime.now(config.timezone)
    remote = [i for i, s in enumerate(config.sources) if s.kind in ("feed", "page")]
    read: dict[int, FeedRead | PageRead] = {}
    if remote:
        from concurrent.futures import ThreadPoolExecutor

        cache = FeedCache(feed_cache_dir(config))
        robots = Robots()
        with ThreadPoolExecutor(max_workers=min(8, len(remote))) as pool:
            futures = {
                i: pool.submit(_read_remote, config.sources[i], config, when, cache, robots)
                for i in remote
            }
            read = {i: f.result() for i, f in futures.items()}
    articles: list[Article] = []
    failures: list[SourceFailure] = []
    fetched: list[Fetched] = []
    notes: list[SourceNote] = []
    for i, source in enumerate(config.sources):
        if source.kind == "folder":
            found, failed = read_folder(config.root / source.location, config.timezone)
        else:
            got = read[i]
            found, failed = got.articles, got.failures
            fetched.extend(got.fetched)
            notes.extend(got.notes)
        # The one place every format passes: no control character gets further.
        articles.extend(clean_article(_with_language(a)) for a in found)
        failures.extend(failed)
    return Gathered(tuple(articles), tuple(failures), tuple(fetched), tuple(notes))


def _read_remote(
    source: SourceConfig, config: Config, now: datetime, cache: FeedCache, robots: Robots
) -> FeedRead | PageRead:
    from newsletter.sources.feeds import FeedRead, read_feed
    from newsletter.sources.pages import PageRead, read_page

    kind = "page" if source.kind == "page" else "feed"
    origin = f"{kind} {source.location}" + (f" ({source.name})" if source.name else "")
    try:
        request = request_for(source, config.site_url)
    except FetchError as error:
        failure = [SourceFailure(origin, str(error))]
        return PageRead([], failure, []) if kind == "page" else FeedRead([], failure)
    if kind == "page":
        return read_page(source, request, cache, robots, now, config.timezone)
    return read_feed(source, config.root, now=now, cache=cache, request=request, robots=robots)


def _with_language(article: Article) -> Article:
    """A feed's article with the language its text is written in, when it has none."""
    if article.language:
        return article
    from newsletter.content.langid import detect

    text = f"{article.title}\n{article.body or article.summary or ''}"
    return replace(article, language=detect(text))


def feed_cache_dir(config: Config) -> Path:
    """Where a real send keeps each feed's last body and validators."""
    return Folder(config.root, config.path).state_dir / "feeds"


def remember_feeds(config: Config, fetched: Iterable[Fetched]) -> None:
    """Keep the feed and page responses for the next conditional GET (a real send only)."""
    remember(feed_cache_dir(config), fetched)
