"""The two seed articles in ../shared/seeds become clean items (skipped when absent)."""

import re
from pathlib import Path

import pytest

from newsletter.content.clean import clean_scraped
from newsletter.content.lines import is_boilerplate, is_paragraph_like
from newsletter.content.summarize import summarize

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
CASES = {
    "000_bdce8fb01ad7f446.txt": (
        "International Cooperation Urgently Needed for Strengthening AI Governance",
        "Editah Patrick",
    ),
    "003_cd57b1fc195c4c78.txt": (
        "Can Internet Governance Ensure Multilateralism?",
        "ZHU Rongsheng",
    ),
}
# Lines of furniture and tail that must not survive, by the words they start with.
TAIL_MARKERS = (
    "Most read",
    "Loading",
    "Disclaimer",
    "Share link",
    "Related",
    "Subscribe",
    "Stay on",
)


def _seed(name: str) -> str:
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"seed {path} not present (shared reference material is not checked out)")
    return path.read_text(encoding="utf8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_seed_headline_and_author(name: str) -> None:
    """Each seed gives its headline and its author (from the byline or the bio)."""
    clean = clean_scraped(_seed(name))
    assert (clean.title, clean.author) == CASES[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_seed_body_has_no_boilerplate_and_no_damage(name: str) -> None:
    """Every body paragraph is prose: no furniture, no bio, no `?` inside a word."""
    clean = clean_scraped(_seed(name))
    assert len(clean.paragraphs) >= 8
    for paragraph in clean.paragraphs:
        assert is_paragraph_like(paragraph) and not is_boilerplate(paragraph)
        assert not paragraph.startswith(TAIL_MARKERS)
        assert not re.search(r"\w\?\w|\?\(|\)\?", paragraph)
        assert not re.search(r"\b(?:is a|is an) .*(?:analyst|research associate)\b", paragraph)


@pytest.mark.parametrize("name", sorted(CASES))
def test_seed_summary_is_faithful(name: str) -> None:
    """The summary is 3 body sentences, verbatim, opening on a self-contained sentence."""
    clean = clean_scraped(_seed(name))
    summary = summarize(clean.paragraphs, title=clean.title)
    body = " ".join(clean.paragraphs)
    assert len(summary.sentences) == 3
    assert all(sentence in body for sentence in summary.sentences)
    assert not re.match(r"(?:However|But|This|It|He|She|They)\b", summary.sentences[0])
    assert summary.sentences[0] in clean.paragraphs[0]
    assert 0 < len(summary.teaser) <= 90


def test_damaged_seed_keeps_its_caption_as_credit() -> None:
    """The photo caption of the damaged seed is a clean credit, not body text."""
    clean = clean_scraped(_seed("003_cd57b1fc195c4c78.txt"))
    assert len(clean.credits) == 1
    assert clean.credits[0].endswith("(PHOTO: VCG)")
    assert "?" not in clean.credits[0]


def test_seed_publication_is_recognized() -> None:
    """The publication named by the subscribe prompt and the disclaimer is the source."""
    assert clean_scraped(_seed("000_bdce8fb01ad7f446.txt")).source == "Cryptopolitan"
