"""Only the items shown with a summary need one: the digest says the same without the rest."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from newsletter.config import load_config
from newsletter.digest import build_digest
from newsletter.model import Article

DAY = date(2026, 3, 9)


def _articles(count: int) -> list[Article]:
    """Stories on a few topics, each told by two sources, some without a body."""
    topics = ["council tram library", "solar battery grid", "software data chip", "oak park"]
    rng = random.Random(4)
    words = [f"word{n}" for n in range(3000)]
    stories = [
        "\n\n".join(
            " ".join(rng.choice(words) for _ in range(rng.randint(8, 20))) + "."
            for _ in range(rng.randint(2, 6))
        )
        for _ in range(count // 2 + 1)
    ]
    out = []
    for i in range(count):
        topic = topics[i % len(topics)]
        body = f"The {topic} story. {stories[i // 2]}"
        out.append(
            Article(
                id=f"https://example.org/{i}",
                title=f"Story {i // 2} on {topic}",
                body="" if i % 11 == 5 else body,
                origin=f"a{i}.md",
                summary="The source's own summary." if i % 7 == 3 else None,
                url=f"https://example.org/{i}",
                source=f"Desk {i % 3}",
                published=datetime(2026, 3, 9, 8, tzinfo=UTC),
            )
        )
    return out


def test_without_more_summaries_only_the_more_summaries_are_empty(folder: Path) -> None:
    """`summarize_more=False` changes nothing but the summary and teaser of the items
    linked as more: same sections, order, titles, sources, reading times and subject."""
    config = load_config(folder / "newsletter.yaml")
    articles = _articles(60)
    full = build_digest(articles, config, DAY, 3)
    lean = build_digest(articles, config, DAY, 3, summarize_more=False)
    assert any(s.more for s in full.sections)
    assert lean.subject == full.subject
    assert [s.items for s in lean.sections] == [s.items for s in full.sections]
    assert all(i.summary for s in lean.sections for i in s.items)
    for lean_section, full_section in zip(lean.sections, full.sections, strict=True):
        assert lean_section.more == tuple(
            replace(item, summary="", teaser="") for item in full_section.more
        )
    assert pickle.loads(pickle.dumps(lean)) == lean
