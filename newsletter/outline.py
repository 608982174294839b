"""A digest as JSON data or as a plain outline for the terminal. Pure."""

from __future__ import annotations

import textwrap
from typing import Any

from newsletter.model import Digest, Item


def item_data(item: Item) -> dict[str, Any]:
    return {
        "title": item.title,
        "summary": item.summary,
        "teaser": item.teaser,
        "section": item.section,
        "sources": [{"name": s.name, "url": s.url} for s in item.sources],
        "links": list(item.links),
        "url": item.url,
        "reading_minutes": item.reading_minutes,
        "tags": list(item.tags),
        "article_ids": list(item.article_ids),
        "image": (
            {
                "url": item.image.url,
                "alt": item.image.alt,
                "width": item.image.width,
                "height": item.image.height,
            }
            if item.image
            else None
        ),
    }


def digest_data(digest: Digest) -> dict[str, Any]:
    return {
        "date": digest.date.isoformat(),
        "number": digest.number,
        "name": digest.name,
        "subject": digest.subject,
        "items": [item_data(i) for i in digest.items],
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "items": [i.title for i in s.items],
                "more": [item_data(i) for i in s.more],
            }
            for s in digest.sections
        ],
        "problems": [{"origin": f.origin, "reason": f.reason} for f in digest.failures],
    }


def digest_outline(digest: Digest) -> str:
    lines = [
        f"{digest.name} #{digest.number}, {digest.date.isoformat()}",
        f"Subject: {digest.subject}",
        "",
    ]
    if not digest.items:
        lines.append("(no articles for this date)")
    for section in digest.sections:
        lines += [f"## {section.title}", ""]
        for item in section.items:
            about = [
                ", ".join(s.name for s in item.sources if s.name),
                f"{item.reading_minutes} min",
            ]
            lines.append(f"* {item.title}  [{'; '.join(a for a in about if a)}]")
            lines += textwrap.wrap(item.summary, 76, initial_indent="  ", subsequent_indent="  ")
            lines += [f"  {link}" for link in item.links]
            lines.append("")
        for item in section.more:
            lines.append(f"  more: {item.title} {item.url or ''}".rstrip())
    for failure in digest.failures:
        lines.append(f"! source problem: {failure}")
    return "\n".join(lines).rstrip() + "\n"
