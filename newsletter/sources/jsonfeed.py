"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) as feedparser-shaped entries.

Pure: takes the document's bytes, returns the feed's title and its entries as the
mappings feedparser gives for RSS and Atom (title, link, id, content, summary,
dates, tags, author), so one reader turns all three into articles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFeed", "NotJsonFeed", "looks_like_json", "parse_json_feed"]


class NotJsonFeed(ValueError):
    """The JSON is not a JSON Feed; the message says what it is instead."""


@dataclass(frozen=True)
class JsonFeed:
    title: str | None
    entries: list[dict[str, Any]]
    language: str | None = None  # the feed's `language` (JSON Feed 1.1)


def looks_like_json(body: bytes, content_type: str | None) -> bool:
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind.endswith("json") or body.lstrip()[:1] in (b"{", b"[")


def parse_json_feed(body: bytes) -> JsonFeed:
    """The title and entries of a JSON Feed; raises NotJsonFeed."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise NotJsonFeed(f"not valid JSON ({error})") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise NotJsonFeed("JSON, but not a JSON Feed (no `version: https://jsonfeed.org/…`)")
    items = data.get("items")
    if not isinstance(items, list):
        raise NotJsonFeed("a JSON Feed without an `items` list")
    title = data.get("title") if isinstance(data.get("title"), str) else None
    language = _text(data.get("language"))
    return JsonFeed(title, [_entry(item) for item in items if isinstance(item, dict)], language)


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if _text(item.get("language")):
        entry["language"] = _text(item.get("language"))
    title = _text(item.get("title"))
    if title:
        entry["title"] = title
        entry["title_detail"] = {"type": "text/plain", "value": title}
    link = _text(item.get("url")) or _text(item.get("external_url"))
    if link:
        entry["link"] = link
    ident = item.get("id")
    if isinstance(ident, str | int) and not isinstance(ident, bool) and str(ident).strip():
        entry["id"] = str(ident).strip()
    html, text = _text(item.get("content_html")), _text(item.get("content_text"))
    if html or text:
        entry["content"] = [
            {"type": "text/html", "value": html} if html else {"type": "text/plain", "value": text}
        ]
    summary = _text(item.get("summary"))
    if summary:
        entry["summary"] = summary
        entry["summary_detail"] = {"type": "text/plain", "value": summary}
    for key, ours in (("date_published", "published_parsed"), ("date_modified", "updated_parsed")):
        when = _date(item.get(key))
        if when:
            entry[ours] = when.timetuple()
    tags = item.get("tags")
    if isinstance(tags, list):
        entry["tags"] = [{"term": t} for t in tags if isinstance(t, str)]
    authors = item.get("authors") or (
        [item["author"]] if isinstance(item.get("author"), dict) else []
    )
    names = [
        str(a["name"]) for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
    ]
    if names:
        entry["author"] = ", ".join(names)
    return entry


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
