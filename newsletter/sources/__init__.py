"""Sources → articles: read every configured source, never letting one failure stop the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from newsletter.config import Config
from newsletter.model import Article, SourceFailure
from newsletter.sources.files import read_folder


@dataclass(frozen=True)
class Gathered:
    """What the sources gave: the articles, and what could not be read."""

    articles: tuple[Article, ...]
    failures: tuple[SourceFailure, ...]


def gather(config: Config) -> Gathered:
    """Every article of every source, cleaned; failures collected, not raised."""
    articles: list[Article] = []
    failures: list[SourceFailure] = []
    for source in config.sources:
        if source.kind == "folder":
            found, failed = read_folder(config.root / source.location, config.timezone)
        else:
            from newsletter.sources.feeds import read_feed

            found, failed = read_feed(source, config.root)
        articles.extend(found)
        failures.extend(failed)
    return Gathered(tuple(articles), tuple(failures))


def of_day(articles: tuple[Article, ...], day: date, config: Config) -> tuple[Article, ...]:
    """The articles whose publication day, in the newsletter's timezone, is `day`."""
    return tuple(
        a
        for a in articles
        if a.published is not None and a.published.astimezone(config.timezone).date() == day
    )
