"""Extractive summaries: lead-biased, non-redundant, verbatim, and safe to open with."""

import pytest

from newsletter.content.summarize import Summary, split_sentences, summarize, teaser

ARTICLE = [
    "The regional rail operator will replace its entire diesel fleet with battery trains by 2030, "
    "its chief executive announced on Thursday.",
    "The plan covers 140 trains on eleven lines, most of them in rural valleys where overhead "
    "wires were judged too costly to build.",
    "However, unions warned that maintenance depots would need years of retraining.",
    "It also means closing two fuel depots.",
    "The battery trains will recharge at terminal stations during their turnaround time, which "
    "the operator says is long enough on every line but one.",
    "Passenger groups welcomed the announcement but asked for more frequent services on the "
    "valley lines.",
]


def test_summary_takes_verbatim_sentences_in_article_order() -> None:
    """Every summary sentence is a sentence of the article, in the article's order."""
    summary = summarize(ARTICLE, sentences=3)
    text = " ".join(ARTICLE)
    positions = [text.index(s) for s in summary.sentences]
    assert len(summary.sentences) == 3
    assert positions == sorted(positions)


def test_summary_length_is_configurable() -> None:
    """`sentences` sets how many sentences are picked (2 to 4 in practice)."""
    for n in (2, 3, 4):
        assert len(summarize(ARTICLE, sentences=n).sentences) == n


def test_summary_leads_with_the_lead() -> None:
    """News puts the substance first: the opening sentence is in the summary."""
    assert summarize(ARTICLE, sentences=2).sentences[0] == ARTICLE[0]


def test_summary_never_opens_on_a_dangling_sentence() -> None:
    """A 'However,'/'It also' sentence never opens the summary when another can."""
    rest = ARTICLE[2:]
    summary = summarize(rest, sentences=2)
    assert not summary.sentences[0].startswith(("However", "It "))


def test_dangling_sentence_opens_only_when_nothing_else_is_left() -> None:
    """With only dangling sentences, the summary still says something."""
    summary = summarize(["However, the plan was dropped after the vote."], sentences=2)
    assert summary.sentences == ("However, the plan was dropped after the vote.",)


def test_redundant_sentences_are_not_both_picked() -> None:
    """Two near-identical sentences do not both fill the summary."""
    repeated = [
        ARTICLE[0],
        "The regional rail operator will replace its whole diesel fleet with battery trains by "
        "2030, the chief executive announced on Thursday.",
        *ARTICLE[1:],
    ]
    summary = summarize(repeated, sentences=2)
    assert summary.sentences[1] != repeated[1]


def test_subheadings_and_fragments_are_skipped() -> None:
    """Short unpunctuated lines and tiny sentences do not become summary sentences."""
    paragraphs = ["What the plan means", ARTICLE[0], "Read on.", ARTICLE[1], ARTICLE[4]]
    summary = summarize(paragraphs, sentences=3)
    assert "What the plan means" not in summary.sentences
    assert "Read on." not in summary.sentences


def test_summary_is_deterministic() -> None:
    """The same input gives the same summary every time."""
    assert summarize(ARTICLE, title="Battery trains") == summarize(ARTICLE, title="Battery trains")


def test_empty_input_gives_an_empty_summary() -> None:
    """No text, no sentences, no teaser, no crash."""
    assert summarize([]) == Summary((), "")
    assert summarize(["", "   "]).text == ""


def test_text_joins_sentences_with_spaces() -> None:
    """`text` is the sentences joined by single spaces."""
    summary = summarize(ARTICLE, sentences=2)
    assert summary.text == " ".join(summary.sentences)


def test_summary_teaser_fits_one_line() -> None:
    """The teaser comes from the opening sentence and fits in 90 characters."""
    summary = summarize(ARTICLE)
    assert len(summary.teaser) <= 90
    assert summary.teaser.rstrip("…") in summary.sentences[0]


@pytest.mark.parametrize("limit", [20, 40, 90])
def test_teaser_respects_the_limit_and_cuts_on_a_boundary(limit: int) -> None:
    """A long text is cut at a clause or word boundary, never mid-word, within `limit`."""
    text = ARTICLE[1]
    result = teaser(text, limit=limit)
    assert len(result) <= limit
    assert result.endswith("…")
    assert text.startswith(result[:-1])
    assert text[len(result) - 1] in " ,"


def test_teaser_keeps_a_short_first_sentence_whole() -> None:
    """When the first sentence fits, the teaser is that sentence without an ellipsis."""
    text = "Battery trains are coming to the valleys. " + ARTICLE[1]
    assert teaser(text) == "Battery trains are coming to the valleys."


def test_split_sentences_handles_abbreviations() -> None:
    """Abbreviations and decimals do not end sentences."""
    text = "Dr. Amal Haddad paid $4.5m for the U.S. rights. The deal closed on Friday."
    assert split_sentences(text) == [
        "Dr. Amal Haddad paid $4.5m for the U.S. rights.",
        "The deal closed on Friday.",
    ]
