"""The issue read the way strict mail clients read it, in headless Chromium: no `<style>`
block, no `<body>` styles, no `overflow-wrap`/`word-break`. It must still fit a phone,
hide its preheader and show every story's title, link, font and image."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from newsletter.previewing.strict import strict_client
from newsletter.screenshot import Browser
from tests.preview.issues import LONG_URL, LONG_WORD, digest, filled, render

WIDTHS = [320, 375, 600]

LAYOUT = r"""
(() => {
  const shown = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.visibility === "hidden" || s.display === "none" || Number(s.opacity) === 0) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const box = (el) => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right}; };
  const pre = document.querySelector(".preheader");
  const fonts = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (own && shown(el)) fonts.push({tag: el.tagName, font: getComputedStyle(el).fontFamily});
  }
  return {
    width: document.documentElement.clientWidth,
    scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    preheaderShown: pre ? shown(pre) : null,
    titles: Array.from(document.querySelectorAll("h3")).map((h) => {
      const a = h.querySelector("a");
      return {text: h.textContent, shown: shown(h), ...box(h), link: a ? a.href : null,
              linkShown: a ? shown(a) : false};
    }),
    images: Array.from(document.images).map((i) => ({src: i.src, width: i.getBoundingClientRect().width,
              right: i.getBoundingClientRect().right, alt: i.getAttribute("alt")})),
    fonts,
  };
})()
"""


def layout(browser: Browser, html: str, width: int) -> dict[str, Any]:
    page = browser.page(width=width)
    page.load(html)
    found: dict[str, Any] = page.evaluate(LAYOUT)
    return found


def test_strict_view_drops_what_clients_drop() -> None:
    """The strict view removes `<style>` blocks, `<body>` styles and the properties Gmail,
    Outlook and Yahoo lack, and keeps every other inline declaration."""
    page = (
        '<html><head><style>p{color:red}</style></head><body style="font-family:serif">'
        '<p style="color:#111;overflow-wrap:anywhere;word-break:break-word;margin:0">x</p></body></html>'
    )
    strict = strict_client(page)
    assert "<style" not in strict and "font-family:serif" not in strict
    assert 'style="color:#111;margin:0"' in strict


@pytest.mark.parametrize("width", WIDTHS)
def test_long_url_and_words_fit_a_strict_client(browser: Browser, folder: Path, width: int) -> None:
    """With a 300-character URL in a summary, a 70-letter word in a title and a long
    source name, the strict view at 320, 375 and 600 px never scrolls sideways, the
    preheader stays hidden, every story's title and link are on screen, and every text
    element carries the issue's font (not the client's default)."""
    assert len(LONG_URL) >= 300
    html = strict_client(filled(render(folder, digest(6, long=True))))
    found = layout(browser, html, width)
    assert found["width"] == width
    assert found["scrollWidth"] <= width, f"{found['scrollWidth']} px wide at {width} px"
    assert found["preheaderShown"] is False
    assert len(found["titles"]) == 6
    for title in found["titles"]:
        assert title["shown"] and title["linkShown"] and title["link"], title
        assert title["left"] >= 0 and title["right"] <= width, title
    assert LONG_WORD in "".join(t["text"] for t in found["titles"])
    default = [f for f in found["fonts"] if "Helvetica" not in f["font"]]
    assert default == [], f"text in the client's default font: {default[:5]}"
    for image in found["images"]:
        assert image["right"] <= width and image["alt"], image


def test_a_long_reader_address_in_the_footer_fits_a_strict_client(
    browser: Browser, folder: Path
) -> None:
    """The reader's own address, filled in per message, gets break points too: a
    70-character address in the footer does not widen the strict view at 320 px."""
    email = "averyveryverylongreadername.with.department@subdomain.example-university.org"
    html = strict_client(filled(render(folder, digest(2)), email=email))
    assert email in html.replace("<wbr>", "")
    assert layout(browser, html, 320)["scrollWidth"] <= 320
    assert layout(browser, html.replace("<wbr>", ""), 320)["scrollWidth"] > 320


def test_the_break_points_are_what_makes_it_fit(browser: Browser, folder: Path) -> None:
    """Without its <wbr> break points the same strict page scrolls sideways at 375 px:
    the fit above comes from the markup, not from CSS a client may drop."""
    html = strict_client(filled(render(folder, digest(6, long=True)))).replace("<wbr>", "")
    assert layout(browser, html, 375)["scrollWidth"] > 375


def test_a_long_address_is_shown_short_and_linked_in_full(folder: Path) -> None:
    """A web address in a summary is a link to the whole address whose text is the host
    and the end of the path, not 300 characters of URL."""
    html = filled(render(folder, digest(3, long=True)))
    href = f'href="{LONG_URL}"'
    assert href in html
    shown = re.search(re.escape(href) + r"[^>]*>(.*?)</a>", html)
    assert shown is not None
    text = shown.group(1).replace("<wbr>", "")
    assert text.startswith("example.org/") and len(text) < 50


def test_thirty_stories_with_images_stay_under_gmails_clip(folder: Path) -> None:
    """A 30-story issue, every story with a lead image, is under 100 KB of HTML (Gmail
    clips at about 102 KB and hides the footer with the unsubscribe link)."""
    rendered = render(folder, digest(30))
    assert rendered.html_bytes < 100_000, rendered.html_bytes
    assert filled(rendered).count('class="lead-image"') == 30


def test_images_carry_size_and_alt_and_are_skipped_when_absent(folder: Path) -> None:
    """A lead image is an <img> with alt, width and height scaled to the 544 px column and
    max-width in its style, never a background; an item without one shows no <img>."""
    html = filled(render(folder, digest(3)))
    tag = re.search(r'<img class="lead-image"[^>]*>', html)
    assert tag is not None
    img = tag.group()
    assert 'alt="Photo for story 0"' in img and 'width="544"' in img and 'height="363"' in img
    assert "max-width: 544px" in img and "background" not in img
    from dataclasses import replace

    bare = digest(3)
    bare = replace(
        bare,
        sections=tuple(
            replace(s, items=tuple(replace(i, image=None) for i in s.items)) for s in bare.sections
        ),
    )
    assert "<img" not in filled(render(folder, bare))


def test_preheader_is_hidden_the_way_clients_need(folder: Path) -> None:
    """The preheader is hidden by every means some client honours (display, mso-hide,
    visibility, zero size and opacity) and padded so no body text leaks into the inbox
    preview."""
    html = filled(render(folder, digest(3)))
    tag = re.search(r'<div class="preheader" style="([^"]*)">(.*?)</div>', html, re.S)
    assert tag is not None
    style = tag.group(1).replace(" ", "")
    for declaration in (
        "display:none",
        "mso-hide:all",
        "visibility:hidden",
        "max-height:0",
        "opacity:0",
        "font-size:0",
    ):
        assert declaration in style
    assert tag.group(2).count("\u200c") >= 30


def test_dark_mode_reaches_clients_without_prefers_color_scheme(folder: Path) -> None:
    """Dark mode is declared (color-scheme meta) and styled for prefers-color-scheme and for
    Outlook.com's rewritten colours ([data-ogsc] text, [data-ogsb] backgrounds)."""
    html = filled(render(folder, digest(3)))
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "prefers-color-scheme: dark" in html
    assert "[data-ogsc] .item-title a" in html and "[data-ogsb] .container" in html


def test_contents_entries_link_to_the_story_on_the_web_edition(folder: Path) -> None:
    """Where a client ignores in-page anchors, each contents entry still opens its story:
    it links to the story's anchor on the web edition, which carries that anchor."""
    rendered = render(folder, digest(4))
    email = filled(rendered)
    web = render(folder, digest(4), web=True).html.fill({})
    entries = re.findall(r'class="toc-entry"[^>]*><a href="([^"]+)"', email)
    assert len(entries) == 4
    for href in entries:
        page, _, anchor = href.partition("#")
        assert page == "https://news.example.com/archive/2026-11-20"
        assert f'id="{anchor}"' in web


def test_a_long_contents_list_gives_way_on_phones(browser: Browser, folder: Path) -> None:
    """A 30-story issue's contents list shows at 600 px and is dropped on a phone, where
    it would push the first story a screen down; a short issue keeps its list there."""
    visible = "getComputedStyle(document.querySelector('.toc').parentElement).display"
    long_issue = filled(render(folder, digest(30, images=False)))
    short_issue = filled(render(folder, digest(4, images=False)))
    for width, html, shown in (
        (600, long_issue, True),
        (375, long_issue, False),
        (375, short_issue, True),
    ):
        page = browser.page(width=width)
        page.load(html)
        assert (page.evaluate(visible) != "none") is shown, (width, shown)
