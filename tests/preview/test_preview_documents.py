"""The pure parts of the live preview: forced colour schemes, text and error pages, which
files are watched."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.folder import locate
from newsletter.previewing.documents import error_page, force_scheme, text_page
from newsletter.previewing.watch import watched

PAGE = """<style>
  body { color: #000; }
  @media (max-width: 620px) { .pad { padding: 8px; } }
  @media (prefers-color-scheme: dark) { body { color: #fff; } }
  @media screen and ( prefers-color-scheme : light ) { body { color: #111; } }
</style><p>prefers-color-scheme in text stays</p>"""


def test_dark_scheme_turns_on_the_dark_block_only() -> None:
    """Forcing dark makes the dark block match everywhere and the light one nowhere; every
    other byte stays as the reader gets it."""
    dark = force_scheme(PAGE, "dark")
    assert "@media (min-width: 0px) { body { color: #fff; } }" in dark
    assert "@media screen and (max-width: 0px) { body { color: #111; } }" in dark
    assert "@media (max-width: 620px)" in dark
    assert "<p>prefers-color-scheme in text stays</p>" in dark
    assert (
        dark.replace("(min-width: 0px)", "(prefers-color-scheme: dark)").replace(
            "(max-width: 0px)", "( prefers-color-scheme : light )"
        )
        == PAGE
    )


def test_light_scheme_turns_the_dark_block_off() -> None:
    """Forcing light turns the dark block off, whatever the viewer's own setting."""
    light = force_scheme(PAGE, "light")
    assert "@media (max-width: 0px) { body { color: #fff; } }" in light
    assert "@media screen and (min-width: 0px) { body { color: #111; } }" in light


def test_unknown_scheme_is_refused() -> None:
    """Only light and dark exist."""
    with pytest.raises(ValueError, match="light"):
        force_scheme(PAGE, "sepia")


def test_text_and_error_pages_escape_what_they_show() -> None:
    """Text and error messages are shown literally, never run as markup."""
    text = text_page("Tom & Jerry <script>alert(1)</script>", "A <b>subject</b>", "dark")
    assert "Tom &amp; Jerry &lt;script&gt;" in text and "<script>" not in text
    assert "<title>A &lt;b&gt;subject&lt;/b&gt;</title>" in text
    assert "background:#0d1117" in text
    error = error_page("templates/email.html.j2:3: unexpected '<'")
    assert "templates/email.html.j2:3: unexpected &#x27;&lt;&#x27;" in error
    assert 'role="alert"' in error


def test_watched_covers_config_subscribers_templates_and_sources(folder: Path) -> None:
    """The config, the subscriber file, templates/ and each local source are watched; state,
    locks and editor litter are not."""
    feeds = folder / "feeds"
    feeds.mkdir()
    (feeds / "local.xml").write_text("<rss/>")
    config = folder / "newsletter.yaml"
    config.write_text(
        config.read_text().replace(
            "sources:\n  - folder: articles\n",
            "sources:\n  - folder: articles\n  - feed: feeds/local.xml\n  - feed: https://example.org/feed\n",
        )
    )
    places = watched(locate(folder))
    assert set(places.trees) == {folder / "templates", folder / "articles", feeds}
    assert (
        places.top is not None
        and {"newsletter.yaml", "subscribers.yaml", "templates"} <= places.top
    )
    relevant = places.relevant
    assert relevant(folder / "newsletter.yaml") and relevant(folder / "subscribers.yaml")
    assert relevant(folder / "templates" / "email.html.j2")
    assert relevant(folder / "articles" / "new.md") and relevant(feeds / "local.xml")
    assert not relevant(folder / ".subscribers.yaml.lock")
    assert not relevant(folder / ".newsletter" / "ledger.sqlite3")
    assert not relevant(folder / "README.md")
    assert not relevant(folder / "articles" / ".new.md.swp")
    assert not relevant(folder / "articles" / "new.md~")
    assert not relevant(folder / "articles" / "4913")


def test_broken_config_is_still_watched(folder: Path) -> None:
    """With newsletter.yaml unreadable, its fix is still seen: the page recovers by itself."""
    (folder / "newsletter.yaml").write_text("name: [unclosed\n")
    places = watched(locate(folder))
    assert places.relevant(folder / "newsletter.yaml")
    assert folder / "templates" in places.trees
