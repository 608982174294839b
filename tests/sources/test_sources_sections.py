"""Sections, limits and the subject line, as the editor sees them in `build` and `preview`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.sources.helpers import letter, newsletter, write_article

DAY = "2026-03-09"


def build(root: Path, day: str = DAY) -> dict[str, Any]:
    run = newsletter(root, "build", "--date", day, "--format", "json")
    assert run.code == 0, run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def sections(data: dict[str, Any]) -> dict[str, tuple[list[str], list[str]]]:
    """Section key → (titles summarized, titles linked as more)."""
    return {s["key"]: (s["items"], [m["title"] for m in s["more"]]) for s in data["sections"]}


def test_sections_come_from_tags_then_keywords_then_the_default(folder: Path) -> None:
    """A tag naming a section wins over keywords; otherwise the section whose keywords the
    text mentions most; an article matching nothing goes to News."""
    letter(folder)
    write_article(
        folder,
        "tagged.md",
        "Battery at the tram depot",
        DAY,
        tags=["energy"],
        body="The tram depot council residents street bus rail: a battery now stores power.",
    )
    write_article(
        folder,
        "keywords.md",
        "Library extends its opening hours",
        DAY,
        body="The council said the library will open later, and residents welcomed it.",
    )
    write_article(
        folder,
        "nothing.md",
        "A very old oak tree is measured",
        DAY,
        body="Foresters measured the old oak in the park and found it older than thought.",
    )
    got = sections(build(folder))
    assert got == {
        "energy": (["Battery at the tram depot"], []),
        "cities": (["Library extends its opening hours"], []),
        "news": (["A very old oak tree is measured"], []),
    }


def test_section_limit_links_the_rest_as_more(folder: Path) -> None:
    """Past `max_per_section`, a section's stories are linked as "more", not summarized."""
    letter(folder, max_per_section=2, max_items=10)
    titles = [
        "Alder Street gets new trees",
        "Harbour ferry timetable changes",
        "Night buses return",
    ]
    for n, title in enumerate(titles):
        write_article(
            folder, f"{n}.md", title, DAY, tags=["cities"], url=f"https://city.example.com/{n}"
        )
    data = build(folder)
    assert sections(data) == {"cities": (titles[:2], titles[2:])}
    assert data["sections"][0]["more"][0]["url"] == "https://city.example.com/2"


def test_issue_limit_links_the_rest_as_more_in_their_own_section(folder: Path) -> None:
    """Past `max_items`, stories are linked as "more" in their section; a story whose
    section has no summarized story left is still linked, never dropped."""
    letter(folder, max_items=2, max_per_section=5)
    write_article(folder, "a.md", "Alder Street gets new trees", DAY, tags=["cities"])
    write_article(folder, "b.md", "Harbour ferry timetable changes", DAY, tags=["cities"])
    write_article(
        folder,
        "z.md",
        "Zinc batteries for the grid",
        DAY,
        tags=["energy"],
        url="https://energy.example.com/zinc",
    )
    data = build(folder)
    assert [i["title"] for i in data["items"]] == [
        "Alder Street gets new trees",
        "Harbour ferry timetable changes",
    ]
    assert sections(data)["energy"] == ([], ["Zinc batteries for the grid"])
    text = newsletter(folder, "preview", "--date", DAY, "--format", "text").stdout
    assert "Zinc batteries for the grid: https://energy.example.com/zinc" in text
    html = newsletter(folder, "preview", "--date", DAY, "--format", "html").stdout
    assert '<a href="https://energy.example.com/zinc"' in html
    assert "Zinc batteries for the grid</a>" in html


def test_subject_override_for_one_date(folder: Path) -> None:
    """`digest.subjects` sets the subject of the issue of that date only."""
    letter(folder, subjects={DAY: "Special edition: the tram vote"})
    write_article(folder, "mon.md", "Harbour ferry timetable changes", DAY)
    write_article(folder, "tue.md", "Council approves new cycle lanes", "2026-03-10")
    assert build(folder)["subject"] == "Special edition: the tram vote"
    assert build(folder, "2026-03-10")["subject"] == (
        "The Morning Sample #1: Council approves new cycle lanes"
    )


def test_subject_names_the_lead_story_and_how_many_more(folder: Path) -> None:
    """Without an override, the subject carries the lead story and the count of the rest."""
    letter(folder)
    write_article(folder, "a.md", "Alder Street gets new trees", DAY)
    write_article(folder, "b.md", "Battery storage comes to the bus depot", DAY)
    subject = build(folder)["subject"]
    assert subject.startswith("The Morning Sample #1: ")
    assert subject.endswith("(+1 more)")
