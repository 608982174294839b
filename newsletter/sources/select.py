"""Which articles belong to the issue of a date: identity, carry-over, and what was sent.

Pure: takes the gathered articles and the `History` of earlier sends, returns data;
the caller reads the ledger (`newsletter.issue`) and records a real send.

The rules, for the issue of date D:

- An issue already sent for D is that issue again, article for article, from the
  snapshots recorded when it was first sent (a resumed send rebuilds the same issue
  whatever changed in the sources since).
- Otherwise D takes every gathered article that no earlier issue carried and whose
  day (its publication date in the newsletter's timezone, or the day it was first
  seen when it has none) is no later than D and no earlier than the first issue ever
  sent. Articles that arrive after their day's issue went out, and the articles of
  skipped days, so go into the next issue; nothing is lost.
- The first issue ever (no issue sent before D) takes only the articles of D itself.
- An article is known by its identity keys: its id (feed GUID, front-matter `id`,
  URL, or a content hash) and its link, normalized. Two copies sharing a key are the
  same article: they land in the same single issue, on the earlier copy's day.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from newsletter.model import Article, Digest

if TYPE_CHECKING:
    from newsletter.delivery.ledger import ArticleRow

__all__ = [
    "History",
    "from_snapshot",
    "history_keys",
    "identity_keys",
    "issued",
    "rows",
    "select",
    "url_key",
]


@dataclass(frozen=True)
class History:
    """What earlier real sends recorded."""

    sent: frozenset[date] = frozenset()  # dates whose issue was sent
    carried: Mapping[str, date] = field(default_factory=dict)  # identity key → its issue
    snapshots: tuple[Article, ...] = ()  # the articles of the requested date's issue, if sent
    number: int = 1  # the issue number of the requested date


def select(
    articles: Sequence[Article], day: date, history: History, tz: ZoneInfo, now: datetime
) -> tuple[Article, ...]:
    """The articles of the issue of `day`; `now` stands in for an undated article's day."""
    if day in history.sent:
        return history.snapshots
    earlier = [d for d in history.sent if d < day]
    first = min(earlier) if earlier else day

    def day_of(article: Article) -> date:
        return (article.published or now).astimezone(tz).date()

    earliest: dict[str, date] = {}
    for article in articles:
        when = day_of(article)
        for key in identity_keys(article):
            earliest[key] = min(earliest.get(key, when), when)
    chosen = []
    for article in articles:
        keys = identity_keys(article)
        if any(k in history.carried for k in keys):
            continue
        if first <= min(earliest[k] for k in keys) <= day:
            chosen.append(article)
    return tuple(chosen)


def issued(digest: Digest, articles: Iterable[Article]) -> tuple[Article, ...]:
    """The articles the digest carries, summarized or linked as more; one per id."""
    ids = {i for s in digest.sections for item in (*s.items, *s.more) for i in item.article_ids}
    seen: set[str] = set()
    out = []
    for article in articles:
        if article.id in ids and article.id not in seen:
            seen.add(article.id)
            out.append(article)
    return tuple(out)


def identity_keys(article: Article) -> frozenset[str]:
    """The keys an article is known by: its id, and its link (or id) as a normalized URL."""
    keys = {article.id}
    for value in (article.url, article.id):
        if value and urlsplit(value).scheme in ("http", "https"):
            keys.add(url_key(value))
    return frozenset(keys)


def url_key(url: str) -> str:
    """A URL as an identity: http and https alike, host in lower case, no fragment,
    no `utm_*` tracking parameters, no trailing slash."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_")
    ]
    path = parts.path.rstrip("/")
    return urlunsplit(("https", parts.netloc.lower(), path, urlencode(query), ""))


def rows(articles: Iterable[Article]) -> list[ArticleRow]:
    """What the ledger records of an issue's articles."""
    from newsletter.delivery.ledger import ArticleRow

    out = []
    for article in articles:
        url = article.url or (
            article.id if urlsplit(article.id).scheme in ("http", "https") else None
        )
        out.append(ArticleRow(article.id, url_key(url) if url else None, _snapshot(article)))
    return out


def history_keys(recorded: Iterable[tuple[str, str | None, date]]) -> dict[str, date]:
    """Identity key → issue date, from the ledger's (id, url key, date) rows."""
    carried: dict[str, date] = {}
    for ident, url, day in recorded:
        for key in (
            ident,
            url,
            url_key(ident) if urlsplit(ident).scheme in ("http", "https") else None,
        ):
            if key and key not in carried:
                carried[key] = day
    return carried


def _snapshot(article: Article) -> str:
    data = asdict(article)
    data["published"] = article.published.isoformat() if article.published else None
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def from_snapshot(text: str) -> Article:
    """The article an issue recorded, as it was when the issue was first sent."""
    data = json.loads(text)
    values: dict[str, Any] = {}
    for f in fields(Article):
        if f.name not in data:
            continue
        value = data[f.name]
        values[f.name] = tuple(value) if isinstance(value, list) else value
    if values.get("published"):
        values["published"] = datetime.fromisoformat(values["published"])
    return Article(**values)
