"""Sources → articles: read every configured source, never letting one failure stop the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.config import Config
from newsletter.folder import Folder
from newsletter.model import Article, SourceFailure
from newsletter.sources.fetch import FeedCache, Fetched, remember
from newsletter.sources.files import read_folder
from newsletter.sources.text import clean_article

if TYPE_CHECKING:
    from newsletter.sources.feeds import FeedRead

__all__ = ["Gathered", "feed_cache_dir", "gather", "remember_feeds"]


@dataclass(frozen=True)
class Gathered:
    """What the sources gave: the articles, what could not be read, and the feed
    responses a real send remembers for the next conditional GET."""

    articles: tuple[Article, ...]
    failures: tuple[SourceFailure, ...]
    fetched: tuple[Fetched, ...] = ()


def gather(config: Config, now: datetime | None = None) -> Gathered:
    """Every article of every source, cleaned; failures collected, not raised.

    Writes nothing: feeds are fetched conditionally against the cache of the last
    real send, which `remember_feeds` updates. Feeds are fetched in parallel.
    `now` is the day of feed entries that carry no date.
    """
    when = now or datetime.now(config.timezone)
    feeds = [s for s in config.sources if s.kind == "feed"]
    read: dict[int, FeedRead] = {}
    if feeds:
        from concurrent.futures import ThreadPoolExecutor

        from newsletter.sources.feeds import read_feed

        cache = FeedCache(feed_cache_dir(config))
        with ThreadPoolExecutor(max_workers=min(8, len(feeds))) as pool:
            futures = {
                i: pool.submit(read_feed, s, config.root, now=when, cache=cache)
                for i, s in enumerate(config.sources)
                if s.kind == "feed"
            }
            read = {i: f.result() for i, f in futures.items()}
    articles: list[Article] = []
    failures: list[SourceFailure] = []
    fetched: list[Fetched] = []
    for i, source in enumerate(config.sources):
        if source.kind == "folder":
            found, failed = read_folder(config.root / source.location, config.timezone)
        else:
            feed = read[i]
            found, failed = feed.articles, feed.failures
            if feed.fetched is not None:
                fetched.append(feed.fetched)
        # The one place every format passes: no control character gets further.
        articles.extend(clean_article(a) for a in found)
        failures.extend(failed)
    return Gathered(tuple(articles), tuple(failures), tuple(fetched))


def feed_cache_dir(config: Config) -> Path:
    """Where a real send keeps each feed's last body and validators."""
    return Folder(config.root, config.path).state_dir / "feeds"


def remember_feeds(config: Config, fetched: Iterable[Fetched]) -> None:
    """Keep the feed responses for the next conditional GET (a real send only)."""
    remember(feed_cache_dir(config), fetched)
