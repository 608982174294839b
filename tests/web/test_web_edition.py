"""The web archive page and the feed as a public edition: what `newsletter send` leaves in
the archive, served by the real app, read by Chromium and by feedparser."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from served import serving

from newsletter.folder import locate
from newsletter.screenshot import Browser
from tests.conftest import SmtpServer, need_tool, run_cli

DAY = "2026-11-20"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser(need_tool("chromium", "chromium")) as b:
        yield b


@pytest.fixture
def sent(folder: Path, smtp_server: SmtpServer) -> Path:
    """The sample folder after a real `newsletter send` of DAY's issue to a loopback server."""
    stamp = time.mktime(datetime.fromisoformat(f"{DAY}T09:00:00").timetuple())
    for path in (folder / "articles").iterdir():
        os.utime(path, (stamp, stamp))
    result = run_cli("-C", str(folder), "send", "--date", DAY, "--smtp-url", smtp_server.url)
    assert result.returncode == 0, result.stderr.decode()
    assert smtp_server.messages
    return folder


PAGE = r"""
(() => ({
  text: document.body.innerText,
  title: document.title,
  lang: document.documentElement.lang,
  meta: Object.fromEntries(Array.from(document.querySelectorAll("meta[property], meta[name]"))
          .map((m) => [m.getAttribute("property") || m.getAttribute("name"), m.content])),
  links: Array.from(document.links).map((a) => ({text: a.textContent.trim(), href: a.href})),
  ids: Array.from(document.querySelectorAll("[id]")).map((e) => e.id),
  scrollWidth: document.documentElement.scrollWidth,
}))()
"""


def test_archive_page_is_a_public_edition(sent: Path, browser: Browser) -> None:
    """The archived page has no greeting and no personal footer (no unsubscribe or
    preferences link, no subscriber address), offers a subscribe link, carries title,
    description and og: tags, and anchors every story the email's contents list names."""
    with serving(locate(sent)) as site, site.client() as client:
        page = browser.page(width=375)
        page.goto(f"{site.url}/archive/{DAY}")
        found = page.evaluate(PAGE)
        archived = client.get(f"/archive/{DAY}").text
    text = found["text"]
    assert "Hi " not in text and "Hello," not in text
    assert "Unsubscribe" not in text and "Manage preferences" not in text
    assert "@example" not in text and "You receive" not in text
    hrefs = [link["href"] for link in found["links"]]
    assert not any("/unsubscribe/" in h or "/preferences/" in h for h in hrefs)
    assert any(link["text"] == "Subscribe" for link in found["links"])
    meta = found["meta"]
    assert found["title"] == meta["og:title"] and found["title"].startswith("The Morning Sample #")
    assert meta["og:description"] and meta["description"] == meta["og:description"]
    assert meta["og:url"] == f"https://news.example.com/archive/{DAY}"
    assert found["scrollWidth"] <= 375
    email = sent_html(sent)
    anchors = re.findall(r'class="toc-entry"[^>]*><a href="[^"#]*#([^"]+)"', email)
    assert anchors and set(anchors) <= set(found["ids"])
    assert "Hi Ada" not in archived


def sent_html(folder: Path) -> str:
    result = run_cli(
        "-C",
        str(folder),
        "preview",
        "--date",
        DAY,
        "--subscriber",
        "ada@example.com",
        "--format",
        "html",
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def test_feed_entries_carry_the_whole_issue(sent: Path) -> None:
    """Each feed entry carries the issue's stories as HTML content (every story title,
    not a teaser), which feedparser reads as text/html; the page's personal parts are
    not in it."""
    with serving(locate(sent)) as site, site.client() as client:
        body = client.get("/feed.atom").content
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    entry = feed.entries[0]
    assert entry.link == f"https://news.example.com/archive/{DAY}"
    content = entry.content[0]
    assert content.type == "text/html"
    for title in (
        "Tram extension to the university gets the green light",
        "Community solar scheme puts panels on forty school roofs",
        "Why more teams are building offline-first apps",
    ):
        assert title in content.value.replace("<wbr>", "").replace("<wbr />", "")
    assert len(content.value) > 2000
    assert "unsubscribe" not in content.value.lower()
