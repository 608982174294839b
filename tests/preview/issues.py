"""Issues built in memory for the design tests: many stories, images, long tokens."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from newsletter.config import Config, load_config
from newsletter.model import Digest, Image, Item, Section, SourceRef
from newsletter.render import RenderedIssue, Renderer

DAY = date(2026, 11, 20)
LONG_URL = "https://example.org/reports/" + "-".join(["unbroken"] * 40)[:272] + ".pdf"
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung"


def item(n: int, section: str, *, image: bool = True, long: bool = False) -> Item:
    title = f"Story {n}: the council approves plan number {n}"
    summary = f"The council met on Thursday and approved plan {n} after a long debate. " * 2
    if long:
        title = f"{LONG_WORD} {title}"
        summary = f"The full report is at {LONG_URL} for anyone who wants it. {LONG_WORD}."
    return Item(
        title=title,
        summary=summary.strip(),
        teaser=f"Plan {n} approved",
        section=section,
        sources=(
            SourceRef(
                "Averyverylongpublicationnamewithoutspaces" if long else "City Desk",
                f"https://citydesk.example.net/{n}" + ("-x" * 60 if long else ""),
            ),
            SourceRef("Transit Weekly", f"https://transit.example.org/{n}"),
        ),
        url=f"https://citydesk.example.net/{n}",
        reading_minutes=1 + n % 5,
        article_ids=(f"a{n}",),
        image=Image(f"https://img.example.net/{n}.jpg", f"Photo for story {n}", 1200, 800)
        if image
        else None,
    )


def digest(
    stories: int,
    *,
    long: bool = False,
    images: bool = True,
    sections: tuple[str, ...] = ("cities", "energy", "technology"),
) -> Digest:
    per = -(-stories // len(sections))
    built = []
    for k, key in enumerate(sections):
        numbers = range(k * per, min(stories, (k + 1) * per))
        items = tuple(item(n, key, image=images, long=long and n == 0) for n in numbers)
        if items:
            built.append(Section(key, key.title(), items))
    return Digest(DAY, 7, "The Morning Sample", "", tuple(built))


def config(folder: Path, **changes: object) -> Config:
    return replace(load_config(folder / "newsletter.yaml"), **changes)  # type: ignore[arg-type]


def filled(rendered: RenderedIssue, email: str = "ada@example.com") -> str:
    """The HTML as a reader named Ada gets it (links and names filled in, filters on
    them run on the real values)."""
    given = {
        "email": email,
        "name": "Ada Lovelace",
        "first_name": "Ada",
        "greeting": "Hi Ada,",
        "unsubscribe": "https://news.example.com/unsubscribe/t",
        "preferences": "https://news.example.com/preferences/t",
    }
    _, html_values = rendered.values({k: v for k, v in given.items() if k in rendered.keys})
    return rendered.html.fill(html_values)


def render(folder: Path, issue: Digest, **options: object) -> RenderedIssue:
    return Renderer(config(folder)).render(issue, **options)  # type: ignore[arg-type]
