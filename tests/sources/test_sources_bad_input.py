"""Bad input: every unusable file or feed is skipped with a warning naming it and the
reason, and the issue is built from the rest."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsletter.cli.init import create_folder
from tests.sources.helpers import Run, letter, newsletter, write_article

DAY = "2026-03-09"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
CP1252_PAGE = (
    '<html><head><meta charset="windows-1252"><title>Caf\u00e9 reopens</title></head><body>'
    "<article><h1>Caf\u00e9 reopens after the flood</h1>"
    "<p>The caf\u00e9 on the quay reopened on Monday, six months after the river flooded its "
    "kitchen, and the owners said the first week\u2019s takings would go to the flood fund.</p>"
    "<p>Volunteers repainted the walls and a local carpenter rebuilt the counter for free, "
    "using oak from the storm-felled trees in the park.</p></article></body></html>"
)

# file name → (content, the reason the warning must give)
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "photo.txt": (PNG, "photo.txt: binary file, not text"),
    "empty.md": (b"", "empty.md: empty file"),
    "blank.txt": (b"  \n\n \t\n", "blank.txt: empty file"),
    "huge.txt": (
        b"Headline\n\n" + b"word " * (1100 * 1024),
        "huge.txt: too large (5500 KiB; the limit is 5120 KiB)",
    ),
    "head-only.html": (
        b"<html><head><title>Only a title</title></head></html>",
        "head-only.html: no main text found in the HTML page",
    ),
    "empty-body.html": (
        b"<!doctype html><html><head><title>T</title></head><body></body></html>",
        "empty-body.html: no main text found in the HTML page",
    ),
    "title-list.md": (
        b"---\ntitle: [a, b]\npublished: 2026-03-09\n---\nA body.\n",
        "title-list.md: `title` must be text, not list",
    ),
    "tags-number.md": (
        b"---\ntitle: Tags wrong\ntags: 5\npublished: 2026-03-09\n---\nA body.\n",
        "tags-number.md: `tags` must be a list of words",
    ),
    "date-words.md": (
        b"---\ntitle: Date wrong\npublished: next tuesday\n---\nA body.\n",
        "date-words.md: `published: next tuesday` is not a date",
    ),
    "date-number.md": (
        b"---\ntitle: Date wrong\npublished: 12\n---\nA body.\n",
        "date-number.md: `published` must be a date, not int",
    ),
    "unclosed.md": (
        b"---\ntitle: Never closed\n\nA body.\n",
        "unclosed.md: front matter opened with --- but never closed",
    ),
    "bad-yaml.md": (
        b"---\ntitle: Fine\nsummary: [unclosed\n---\nA body.\n",
        "bad-yaml.md:3: front matter is not valid YAML: expected ',' or ']'",
    ),
    "not-a-list.json": (b'{"title": "one"}', "not-a-list.json: expected a list of articles"),
    "broken.json": (b'[{"title": "x",', "broken.json:1: not valid JSON: Expecting property name"),
    "entries.yaml": (
        b"- title: Good entry from a list\n"
        b"  summary: The river path reopens after a winter of repairs to its flood wall.\n"
        b"  published: 2026-03-09\n"
        b"- title: [not, text]\n"
        b"- 42\n",
        "entries.yaml: entry 2: `title` must be text, not list",
    ),
}


@dataclass(frozen=True)
class Built:
    root: Path
    run: Run

    @property
    def titles(self) -> list[str]:
        return [i["title"] for i in json.loads(self.run.stdout)["items"]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """One folder holding every kind of bad input beside good articles, built once."""
    root = tmp_path_factory.mktemp("bad") / "letter"
    create_folder(root)
    letter(root, [{"folder": "articles"}, {"feed": "page.xml", "name": "Not A Feed"}])
    write_article(root, "good.md", "Harbour ferry timetable changes", DAY)
    for name, (content, _) in BAD_FILES.items():
        (root / "articles" / name).write_bytes(content)
    cafe = root / "articles" / "cafe.html"
    cafe.write_bytes(CP1252_PAGE.encode("cp1252"))
    noon = datetime(2026, 3, 9, 12, 0, tzinfo=UTC).timestamp()
    os.utime(cafe, (noon, noon))  # undated: the file's date puts it in the issue
    (root / "page.xml").write_text("<!DOCTYPE html><html><body><p>Our news</p></body></html>")
    with pytest.MonkeyPatch.context() as env:
        for key in [k for k in os.environ if k.startswith("NEWSLETTER_")]:
            env.delenv(key)
        yield Built(root, newsletter(root, "build", "--date", DAY, "--format", "json"))


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_skipped_with_a_warning_naming_it(built: Built, name: str) -> None:
    """Each bad file (each bad entry of a list) gets a warning line with its path and the reason."""
    reason = BAD_FILES[name][1]
    lines = [line for line in built.run.stderr.splitlines() if f"/articles/{name}" in line]
    assert len(lines) == (2 if name == "entries.yaml" else 1), built.run.stderr
    assert all(line.startswith(f"Warning: skipped {built.root / 'articles'}/") for line in lines)
    assert reason in lines[0]


def test_feed_that_is_not_a_feed_is_skipped_with_a_warning(built: Built) -> None:
    """A configured feed that is an HTML page is named, with what to do about it."""
    assert (
        "Warning: skipped feed page.xml (Not A Feed): not an RSS or Atom feed: it is an HTML page "
        "(use the page's RSS/Atom link" in built.run.stderr
    )


def test_the_issue_is_built_from_the_rest(built: Built) -> None:
    """Bad input costs only itself: the good articles, the good entry of a list with a bad
    one, and a page in its declared legacy charset are all in the issue; exit status 1."""
    assert built.run.code == 1
    assert sorted(built.titles) == [
        "Café reopens after the flood",
        "Good entry from a list",
        "Harbour ferry timetable changes",
    ]


def test_front_matter_with_a_valid_date_but_wrong_types_elsewhere_is_not_half_read(
    folder: Path,
) -> None:
    """A file whose front matter is partly wrong is skipped whole, never published with
    its broken fields dropped."""
    letter(folder)
    (folder / "articles" / "mixed.md").write_text(
        "---\ntitle: Looks fine\npublished: 2026-03-09\nauthor: {name: Ana}\n---\nA body.\n"
    )
    run = newsletter(folder, "build", "--date", DAY, "--format", "json")
    assert run.code == 1
    assert json.loads(run.stdout)["items"] == []
    assert "mixed.md: `author` must be text, not dict" in run.stderr
