"""Sentence splitting: pysbd's sentences, found in the text without one pattern per sentence."""

import random

import pytest

from newsletter.content.sentences import _segment, _segmenter, sentences_of, split_sentences

TRICKY = [
    "",
    "Hi. Hi. Hi.",
    "A. B. A. B.",
    "Mr. Smith went. Mr. Smith went.\n\nMr. Smith went.",
    'He said "Go."  Then left.\t\u00a0Then   went.',
    "U.S. officials said so. The U.S. said so.",
    "1. one\n2. two\n3. three",
    "Wait... what?! Yes!!! No.",
    " leading space. trailing space. ",
    "e.g. this i.e. that. Also etc. and so on.",
    "The price was $3.50. It rose to $4.00 today.",
    "Line one.\nLine two.\rLine three.\u2028Four.",
    "Dr. Lee met Prof. Ng at 9 a.m. on Jan. 5. They spoke.\u3000Then left.",
]


def _paragraphs(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    words = [
        "Mr.",
        "Dr.",
        "a.",
        "b.",
        "U.S.",
        "I.",
        "the",
        "cat",
        "sat.",
        "on",
        "mat!",
        "why?",
        "3.14",
        "e.g.",
        "i.e.",
        "etc.",
        "...",
        '"',
        "'",
        "(",
        ")",
        "Jan.",
        "Feb.",
        "St.",
        "No.",
        "5",
        "Ltd.",
        "Inc.",
        "p.m.",
        "A.B.C.",
        "?",
        "!",
        ".",
    ]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(count)]


@pytest.mark.parametrize("text", TRICKY)
def test_segment_returns_what_pysbd_segment_returns(text: str) -> None:
    """The sentence spans found with `str.find` are pysbd's own, whitespace included:
    repeated sentences, runs of spaces, tabs, NBSP and odd line breaks alike."""
    assert _segment(text) == list(_segmenter().segment(text))


def test_segment_matches_pysbd_on_abbreviation_heavy_text() -> None:
    """Random paragraphs full of initials, abbreviations and quotes split as pysbd splits them."""
    for text in _paragraphs(seed=2, count=300):
        assert _segment(text) == list(_segmenter().segment(text)), text


def test_split_sentences_strips_and_drops_empty() -> None:
    """Each sentence is stripped; blank input gives none."""
    assert split_sentences("   ") == []
    assert split_sentences("Mr. Lee arrived at 9 a.m. on Monday.  He left. ") == [
        "Mr. Lee arrived at 9 a.m. on Monday.",
        "He left.",
    ]


def test_clear_boundaries_are_split_without_pysbd() -> None:
    """A paragraph without a possible abbreviation is split at its sentence marks."""
    assert sentences_of("Rain fell. Roads closed! Why? Nobody knows.") == [
        "Rain fell.",
        "Roads closed!",
        "Why?",
        "Nobody knows.",
    ]
