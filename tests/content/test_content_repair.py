"""Repair of damaged characters: mojibake, `?` for NBSP, spaces and quotes."""

from newsletter.content.repair import repair


def test_question_mark_between_words_becomes_a_space() -> None:
    """A `?` glued between two words is a lost non-breaking space."""
    assert repair("Solar power?keeps the?vaccines cold.") == "Solar power keeps the vaccines cold."


def test_real_questions_survive_in_a_damaged_text() -> None:
    """A question mark that ends a question stays, even when the text has NBSP damage."""
    text = "Who pays?\nThe fund?pays for the kits. Will it grow?"
    assert repair(text) == "Who pays?\nThe fund pays for the kits. Will it grow?"


def test_caption_with_damage_becomes_a_clean_credit() -> None:
    """`?` after a sentence mark, inside a credit and after the closing bracket all go."""
    assert repair("Nurses at work.?(PHOTO:?Ana Lima)?") == "Nurses at work. (PHOTO: Ana Lima)"


def test_text_without_damage_keeps_every_question_mark() -> None:
    """Without evidence of damage, no `?` is touched (not even after a bracket)."""
    text = "Is it safe (for now)?\nNobody knows."
    assert repair(text) == text


def test_urls_keep_their_query_strings() -> None:
    """A `?` inside a URL is a query string, not damage."""
    text = "The?report is at https://example.org/view?id=12 today."
    assert repair(text) == "The report is at https://example.org/view?id=12 today."


def test_mojibake_is_fixed() -> None:
    """UTF-8 read as Windows-1252 is turned back into the intended characters."""
    assert (
        repair("The cafÃ© opened vis-Ã\xa0-vis the station")
        == "The café opened vis-à-vis the station"
    )


def test_quotes_become_plain_and_apostrophes_stay_readable() -> None:
    """Curly quotes become ASCII ones; dashes and ellipses are kept."""
    assert repair("“It’s done” — she said…") == '"It\'s done" — she said…'


def test_whitespace_is_normalized_and_paragraph_breaks_kept() -> None:
    """Runs of spaces collapse, lines are stripped, blank lines shrink to one."""
    text = "  One\u00a0 two\t three  \n\n\n\nFour\u200bfive  "
    assert repair(text) == "One two three\n\nFourfive"
