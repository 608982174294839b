"""Cleaning scraped text: headline, body, metadata, boilerplate left out."""

import re

import pytest
from scraped_articles import AIRLINE, CLINIC, HARBOUR, NO_TITLE, WRAPPED

from newsletter.content.clean import clean_scraped


def _body_and_meta(text: str) -> str:
    return "\n".join(clean_scraped(text).paragraphs)


def test_headline_is_the_first_real_line() -> None:
    """The headline is found above navigation, bylines and captions."""
    assert clean_scraped(HARBOUR).title == "Harbour Bridge Reopens After Two Years of Repairs"
    assert clean_scraped(CLINIC).title == "Rural Clinics Turn to Solar Power as Grid Fails"


def test_navigation_prompts_and_legal_lines_are_dropped() -> None:
    """Site furniture, subscribe prompts, related links and copyright never reach the body."""
    body = _body_and_meta(HARBOUR)
    for junk in ("Trending", "Advertisement", "Read next", "Ferry crews", "newsletter", "©"):
        assert junk not in body


def test_byline_becomes_author_metadata() -> None:
    """'Written by X | Staff Reporter' gives author X and leaves the body."""
    clean = clean_scraped(HARBOUR)
    assert clean.author == "Maria Okafor"
    assert all("Written by" not in p for p in clean.paragraphs)


def test_author_bio_at_the_end_is_dropped() -> None:
    """A name line followed by a paragraph about that person is a bio, not body text."""
    clean = clean_scraped(HARBOUR)
    assert all("covers transport" not in p for p in clean.paragraphs)
    assert clean.paragraphs[-1].startswith("Officials expect traffic")


def test_bio_alone_gives_the_author() -> None:
    """With no byline, the name heading the bio is the author."""
    text = HARBOUR.replace("Written by Maria Okafor | Staff Reporter\n", "")
    assert clean_scraped(text).author == "Maria Okafor"


def test_photo_credit_is_kept_as_metadata() -> None:
    """A caption with a credit leaves the body and is kept in `credits`."""
    clean = clean_scraped(HARBOUR)
    assert clean.credits == (
        "A tram crosses the rebuilt span on its first morning. Photo: City Archive",
    )
    assert all("City Archive" not in p for p in clean.paragraphs)


def test_subheadings_are_kept_out_of_paragraphs() -> None:
    """A short unpunctuated line before a paragraph is a subheading, listed apart."""
    clean = clean_scraped(HARBOUR)
    assert clean.subheadings == ("What changes for commuters",)
    assert "What changes for commuters" not in clean.paragraphs


def test_question_subheadings_are_recognized() -> None:
    """In an article with subheadings, a short question before a paragraph is one too."""
    clean = clean_scraped(CLINIC)
    assert clean.subheadings == (
        "Power for the cold chain",
        "Why did the grid fail so often?",
        "Will the scheme grow?",
    )


def test_questions_in_prose_stay_paragraphs() -> None:
    """Without other subheadings, questions and short quotes are part of the prose."""
    text = (
        "Readers Respond to the Gadget List\n"
        "The magazine asked readers which gadgets it had missed from its list this year.\n"
        "What about the pocket radio?\n"
        "It changed how people heard the news, and it cost almost nothing to run.\n"
        '"I carried mine everywhere."\n'
        "Several readers also named the first portable music players of the eighties."
    )
    clean = clean_scraped(text)
    assert clean.subheadings == ()
    assert "What about the pocket radio?" in clean.paragraphs
    assert '"I carried mine everywhere."' in clean.paragraphs


def test_teaser_bullets_become_highlights() -> None:
    """Bullets before the body restate the story: kept as highlights, not paragraphs."""
    clean = clean_scraped(CLINIC)
    assert clean.highlights == (
        "Four in ten clinics lost power for a day or more last year.",
        "Solar kits now run fridges that keep vaccines cold.",
    )
    assert all("Four in ten" not in p for p in clean.paragraphs)


def test_damaged_byline_and_body_are_repaired() -> None:
    """`?` for NBSP is repaired in the byline and the body; no `?` is left inside words."""
    clean = clean_scraped(CLINIC)
    assert clean.author == "Tomás Reyes"
    assert not any(re.search(r"\w\?\w", p) for p in clean.paragraphs)
    assert clean.paragraphs[0].endswith(
        "Since the panels went up, they have not lost a single dose."
    )


def test_source_comes_from_first_published_line() -> None:
    """'This article first appeared on X' names the publication and leaves the body."""
    clean = clean_scraped(CLINIC)
    assert clean.source == "Coastal Times"
    assert all("first appeared" not in p for p in clean.paragraphs)


def test_source_from_copyright_line() -> None:
    """'© 2024 X. All rights reserved.' names the publication."""
    assert clean_scraped(HARBOUR).source == "Harbour Gazette"


def test_one_line_author_note_is_dropped() -> None:
    """'The author is a …' at the end is a bio, and so is 'Name is a … correspondent'."""
    assert all("The author is" not in p for p in clean_scraped(CLINIC).paragraphs)
    text = CLINIC.replace(
        "The author is a health correspondent based in the southern provinces.",
        "Tomás Reyes is a health correspondent based in the southern provinces.",
    )
    assert all("correspondent" not in p for p in clean_scraped(text).paragraphs)


def test_hard_wrapped_lines_are_joined() -> None:
    """Lines broken mid-sentence are joined back into one paragraph."""
    clean = clean_scraped(WRAPPED)
    assert clean.title == "Deep-Sea Survey Finds Coral Beds Far From Shore"
    assert clean.paragraphs[0] == (
        "Researchers aboard a survey ship have mapped coral beds more than two hundred "
        "kilometres from the nearest coast, at depths where few expected reef-building "
        "species to live."
    )
    assert len(clean.paragraphs) == 3


def test_related_headlines_after_the_body_are_dropped() -> None:
    """A 'More from …' block and its headlines after the last paragraph are not body."""
    body = _body_and_meta(WRAPPED)
    assert "moon" not in body and "Share" not in body and "Home |" not in body


def test_text_starting_with_prose_has_no_title() -> None:
    """When the first line is a paragraph, the title is empty and the paragraph is kept."""
    clean = clean_scraped(NO_TITLE)
    assert clean.title == ""
    assert len(clean.paragraphs) == 2


def test_body_property_joins_paragraphs_with_blank_lines() -> None:
    """`body` is the paragraphs separated by blank lines."""
    clean = clean_scraped(NO_TITLE)
    assert clean.body == "\n\n".join(clean.paragraphs)


@pytest.mark.parametrize("text", ["", "   \n\n ", "?", "Most read\nShare"])
def test_empty_or_furniture_only_text_gives_nothing(text: str) -> None:
    """Text with no article in it gives no paragraphs and no crash."""
    assert clean_scraped(text).paragraphs == ()


def test_headline_found_below_cookie_banner_section_label_and_dates() -> None:
    """A cookie banner, a one-word section label and datelines are not the headline."""
    clean = clean_scraped(AIRLINE)
    assert clean.title == "Airline Cuts Winter Flights as Fuel Costs Climb"
    assert not any(
        p.startswith(("Published", "Updated", "We use cookies")) for p in clean.paragraphs
    )


def test_caption_after_a_caption_marker_is_a_credit() -> None:
    """The line after a bare "Image caption," is the caption: kept in credits only."""
    clean = clean_scraped(AIRLINE)
    assert clean.credits == ("Passengers queue at the check-in desks on Monday",)


def test_inline_prompts_inside_the_body_are_dropped() -> None:
    """'Advertisement', 'Read more: …' and 'Click here …' between paragraphs leave the body."""
    clean = clean_scraped(AIRLINE)
    assert len(clean.paragraphs) == 4
    assert not any(
        p.startswith(("Advertisement", "Read more", "Click here")) for p in clean.paragraphs
    )


def test_publication_after_the_byline_name_is_the_source() -> None:
    """'By X, Publication' names the source when no other line does; a role is no source."""
    assert clean_scraped(
        CLINIC.replace("This article first appeared on Coastal Times.\n", "")
    ).source == ("Coastal Times")
    assert (
        clean_scraped(HARBOUR.replace("© 2024 Harbour Gazette. All rights reserved.", "")).source
        is None
    )
