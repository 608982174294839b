"""Every article the sources give, as read and cleaned: for `newsletter articles`.

Pure: takes articles, returns text or JSON-ready data; the command reads the sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from newsletter.model import Article

__all__ = ["article_data", "articles_of_day", "articles_text"]


def articles_of_day(articles: Sequence[Article], day: date, tz: ZoneInfo) -> list[Article]:
    """The articles published (or first seen) on `day` in the newsletter's timezone."""
    return [a for a in articles if a.published and a.published.astimezone(tz).date() == day]


def article_data(article: Article) -> dict[str, Any]:
    """One article as plain data (the JSON of `newsletter articles --format json`)."""
    image = article.image
    return {
        "id": article.id,
        "origin": article.origin,
        "title": article.title,
        "url": article.url,
        "author": article.author,
        "source": article.source,
        "language": article.language,
        "published": article.published.isoformat() if article.published else None,
        "tags": list(article.tags),
        "image": (
            {"url": image.url, "alt": image.alt, "width": image.width, "height": image.height}
            if image
            else None
        ),
        "summary": article.summary,
        "body": article.body,
    }


def articles_text(articles: Sequence[Article]) -> str:
    """The articles one after the other: a header of fields, then the body."""
    blocks = []
    for number, article in enumerate(articles, start=1):
        image = article.image
        size = (
            f" {image.width or '?'}x{image.height or '?'}"
            if image and (image.width or image.height)
            else ""
        )
        fields = [
            ("origin", article.origin),
            ("id", article.id),
            ("url", article.url),
            ("author", article.author),
            ("source", article.source),
            ("language", article.language),
            (
                "date",
                article.published.isoformat(timespec="minutes") if article.published else None,
            ),
            ("tags", ", ".join(article.tags) or None),
            (
                "image",
                f"{image.url}{size}" + (f" ({image.alt})" if image.alt else "") if image else None,
            ),
            ("summary", article.summary),
        ]
        head = [f"{number}. {article.title}"]
        head += [f"   {name + ':':<9} {value}" for name, value in fields if value]
        body = article.body or "(no body)"
        blocks.append("\n".join(head) + "\n\n" + body + "\n")
    return "\n".join(blocks)
