"""Domain values that flow through the pipeline: Article → Item → Digest, and Subscriber.

Pure: frozen dataclasses only, no I/O.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Image:
    """An item's lead image: linked from where it is published, never embedded."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Article:
    """One incoming article after cleaning, before it joins a digest."""

    id: str  # stable identity: canonical URL, feed GUID, or a content hash
    title: str
    body: str  # cleaned text, paragraphs separated by blank lines
    origin: str  # the file path or feed URL it came from
    summary: str | None = None  # the article's own summary, if it has one
    url: str | None = None
    source: str | None = None  # publication name
    author: str | None = None
    published: datetime | None = None  # timezone-aware when known
    tags: tuple[str, ...] = ()
    image: Image | None = None  # the lead image, when the source names one
    language: str | None = None  # BCP 47 tag, e.g. "en", "fr", "zh"


@dataclass(frozen=True)
class SourceRef:
    """Where an item's story was published."""

    name: str
    url: str | None


@dataclass(frozen=True)
class Item:
    """One story of the issue: possibly several articles merged as near-duplicates."""

    title: str
    summary: str
    teaser: str
    section: str
    sources: tuple[SourceRef, ...]
    url: str | None
    reading_minutes: int
    article_ids: tuple[str, ...]
    tags: tuple[str, ...] = ()
    image: Image | None = None

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(s.url for s in self.sources if s.url)


@dataclass(frozen=True)
class Section:
    key: str  # the topic name subscribers choose in `topics`
    title: str
    items: tuple[Item, ...]
    more: tuple[Item, ...] = ()  # over the per-section limit: linked, not summarized


@dataclass(frozen=True)
class SourceFailure:
    """A source or file that could not be read; shown to the editor, never to readers."""

    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass(frozen=True)
class Digest:
    """The day's issue, before rendering."""

    date: date
    number: int
    name: str
    subject: str
    sections: tuple[Section, ...]
    failures: tuple[SourceFailure, ...] = ()
    warnings: tuple[str, ...] = ()  # for the editor: what was left out of the issue, and why

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for s in self.sections for i in s.items)

    def for_topics(self, topics: frozenset[str]) -> Digest:
        """The digest restricted to `topics` (empty means every section)."""
        if not topics:
            return self
        kept = tuple(s for s in self.sections if s.key in topics)
        return dataclasses.replace(self, sections=kept)


class Status(enum.StrEnum):
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"  # reported a message as spam: unsubscribed, and why
    PENDING = "pending"  # signed up, not confirmed yet: receives nothing but the confirmation


class Format(enum.StrEnum):
    HTML = "html"
    TEXT = "text"


class Frequency(enum.StrEnum):
    DAILY = "daily"  # every issue
    WEEKLY = "weekly"  # only the weekly edition, on `digest.weekly_day`


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Subscriber:
    """One reader. `email` is stored normalized; `fields` holds custom keys for templates."""

    email: str
    name: str | None = None
    status: Status = Status.ACTIVE
    topics: frozenset[str] = frozenset()
    format: Format = Format.HTML
    joined: date | None = None
    fields: Mapping[str, Any] = field(default_factory=_frozen)
    frequency: Frequency = Frequency.DAILY

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE
