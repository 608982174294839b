"""The issue as readers' browsers show it, measured in headless Chromium at phone and desktop
widths, light and dark: no sideways scrolling, alt text, contrast, a visible unsubscribe link."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.folder import locate
from newsletter.preview import make_preview
from newsletter.previewing.documents import text_page
from newsletter.screenshot import Browser
from tests.preview.measure import Measures, measure

WIDTHS = [375, 600]
SCHEMES = ["light", "dark"]


def sample_html(folder: Path, address: str | None = None) -> str:
    return make_preview(locate(folder), None, address).html()


def check_reader_view(found: Measures, width: int) -> None:
    assert found.viewport == width
    assert found.scroll_width <= width, (
        f"page is {found.scroll_width} px wide in a {width} px viewport"
    )
    assert found.images_without_alt() == []
    assert found.texts, "no text measured"
    low = found.low_contrast(4.5)
    assert low == [], f"text below 4.5:1: {low}"
    assert found.visible_unsubscribe(), f"no visible unsubscribe link: {found.unsubscribe}"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_sample_issue_fits_reads_and_unsubscribes(
    browser: Browser, folder: Path, width: int, scheme: str
) -> None:
    """At phone and desktop width, light and dark, the sample issue never scrolls sideways,
    every image has alt text, all text meets 4.5:1 against its background, and the
    unsubscribe link is on screen with a real size."""
    page = browser.page(width=width, dark=scheme == "dark")
    found = measure(page, sample_html(folder))
    assert found.dark is (scheme == "dark")
    check_reader_view(found, width)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_topic_subscribers_copy_passes_too(browser: Browser, folder: Path, scheme: str) -> None:
    """A subscriber with topics gets a shorter issue that still fits a phone, reads clearly
    and keeps its unsubscribe link."""
    page = browser.page(width=375, dark=scheme == "dark")
    found = measure(page, sample_html(folder, "grace@example.org"))
    check_reader_view(found, 375)


def test_long_words_and_addresses_wrap_on_a_phone(browser: Browser, folder: Path) -> None:
    """An unbreakable title, source name or URL wraps instead of widening the page past 375 px."""
    long = (
        "https://example.org/reports/2026/council/"
        + "a-very-long-unbroken-address-" * 4
        + "end.pdf"
    )
    (folder / "articles" / "long-words.md").write_text(
        "---\n"
        "title: Pneumonoultramicroscopicsilicovolcanoconiosis-and-antidisestablishmentarianism council\n"
        "url: https://example.org/" + "long-path-" * 12 + "\n"
        "source: " + "Averyverylongpublicationname" * 3 + "\n"
        "tags: [cities]\n"
        "---\n"
        f"The council published its housing report at {long} today. Residents may read it.\n"
    )
    html = sample_html(folder)
    assert "Pneumonoultramicroscopicsilicovolcanoconiosis" in html.replace("<wbr>", "")
    found = measure(browser.page(width=375), html)
    assert found.scroll_width <= 375, f"page is {found.scroll_width} px wide"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_text_copy_page_fits_and_reads(browser: Browser, folder: Path, scheme: str) -> None:
    """The plain-text copy as the preview shows it wraps at phone width and meets 4.5:1."""
    text = make_preview(locate(folder), None, "ken@example.net").text()
    page = browser.page(width=375, dark=scheme == "dark")
    found = measure(page, text_page(text, "issue", scheme))
    assert found.scroll_width <= 375
    assert found.low_contrast(4.5) == []


def test_text_copy_keeps_its_lines_at_desktop_width(browser: Browser, folder: Path) -> None:
    """At 600 px the text part's 72-column lines show line for line, as a text mail client
    shows them (only longer lines, such as a long URL, wrap)."""
    whole = make_preview(locate(folder), None, "ken@example.net").text()
    text = "\n".join(line for line in whole.splitlines() if len(line) <= 72)
    assert sum(len(line) == 72 for line in text.splitlines()) > 0
    height = "document.querySelector('pre').getBoundingClientRect().height"
    page = browser.page(width=600)
    page.load(text_page(text, "issue"))
    at_600 = page.evaluate(height)
    page.resize(1600, 900)
    assert page.evaluate(height) == at_600


BAD_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0;background:#ffffff">
<table width="700"><tr><td><p style="color:#aaaaaa">Pale grey words on white</p></td></tr></table>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">
<p style="color:#ffffff;background:rgba(0,0,0,0.75)">White on three-quarter black over white</p>
<p><a href="https://example.com/u/1" style="display:none">Unsubscribe</a></p>
</body></html>"""


def test_the_measures_catch_each_fault(browser: Browser) -> None:
    """The checks are not vacuous: a page that is too wide, has an image without alt, pale
    text and a hidden unsubscribe link fails each of them."""
    found = measure(browser.page(width=375), BAD_PAGE)
    assert found.scroll_width >= 700
    assert len(found.images_without_alt()) == 1
    pale = {t["text"]: t["ratio"] for t in found.low_contrast(4.5)}
    assert list(pale) == ["Pale grey words on white"]
    assert 2.2 < pale["Pale grey words on white"] < 2.4  # #aaa on #fff is 2.32:1
    blended = [t for t in found.texts if t["text"].startswith("White on three-quarter")]
    assert blended and blended[0]["background"] == "rgb(64, 64, 64)"
    assert found.unsubscribe and found.visible_unsubscribe() == []
