"""Varied synthetic articles for the build benchmark: Markdown with front matter,
raw scraped text with page furniture, HTML pages, and near-duplicate copies.

    write_articles(folder / "articles", 1000)
"""

from __future__ import annotations

import random
from pathlib import Path

TOPICS = {
    "cities": "council library tram bus rail housing street residents mayor district park bridge",
    "energy": "solar wind battery grid emissions climate heat pump turbine tariff insulation",
    "technology": "software computer app data chip internet network server browser privacy",
}
COMMON = [
    "the",
    "a",
    "new",
    "plan",
    "said",
    "on",
    "in",
    "for",
    "with",
    "after",
    "report",
    "year",
    "week",
    "local",
    "people",
    "first",
    "more",
    "than",
    "about",
    "would",
    "could",
    "program",
    "team",
    "project",
    "public",
    "service",
    "money",
    "cost",
    "week",
    "month",
]
FURNITURE = [
    "Trending now",
    "Loading latest headlines...",
    "Share this story:",
    "Sign up to our newsletter",
    "Related stories",
    "Advertisement",
    "We use cookies to improve your experience. Accept all",
]


def _sentence(rng: random.Random, words: list[str]) -> str:
    picked = [
        rng.choice(words if rng.random() < 0.4 else COMMON) for _ in range(rng.randint(9, 22))
    ]
    number = f" {rng.randint(2, 900)}" if rng.random() < 0.4 else ""
    return picked[0].capitalize() + " " + " ".join(picked[1:]) + number + "."


def _paragraphs(rng: random.Random, words: list[str]) -> list[str]:
    return [
        " ".join(_sentence(rng, words) for _ in range(rng.randint(2, 5)))
        for _ in range(rng.randint(3, 8))
    ]


def write_articles(folder: Path, count: int, seed: int = 8) -> None:
    """`count` article files in `folder`: a tenth are reworded copies of earlier ones."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, list[str], str]] = []
    for i in range(count):
        topic = rng.choice(list(TOPICS))
        words = TOPICS[topic].split()
        if made and rng.random() < 0.1:
            title, paragraphs, topic = rng.choice(made)
            paragraphs = [p.replace(" the ", " this ", 1) for p in paragraphs]
            title = title.replace(" ", "  ", 1)
        else:
            title = " ".join(
                rng.choice(words + COMMON) for _ in range(rng.randint(6, 11))
            ).capitalize()
            paragraphs = _paragraphs(rng, words)
            made.append((title, paragraphs, topic))
        url = f"https://{topic}.example.org/{i:05d}-{title.lower().split()[0]}"
        kind = rng.random()
        if kind < 0.55:
            body = "\n\n".join(paragraphs)
            text = f"---\ntitle: {title}\nurl: {url}\nsource: Desk {i % 17}\ntags: [{topic}]\n---\n{body}\n"
            (folder / f"a{i:05d}.md").write_text(text, encoding="utf-8")
        elif kind < 0.85:
            furniture = rng.sample(FURNITURE, 3)
            lines = [
                title,
                "",
                furniture[0],
                "",
                *[p + "\n" for p in paragraphs],
                furniture[1],
                "",
                furniture[2],
            ]
            (folder / f"a{i:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
            page = (
                f"<!doctype html><html><head><title>{title}</title>"
                f'<link rel="canonical" href="{url}"></head><body>'
                f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
                f"<article><h1>{title}</h1>\n{body}</article>"
                f"<footer>{rng.choice(FURNITURE)}</footer></body></html>\n"
            )
            (folder / f"a{i:05d}.html").write_text(page, encoding="utf-8")
