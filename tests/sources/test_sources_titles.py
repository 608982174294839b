"""Titles and text as a reader shows them, whatever the feed's markup or escaping."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sources.feed_corpus import all_titles, corpus_files, run
from tests.sources.helpers import FeedServer, Route, letter, newsletter

CORPUS = Path(__file__).parent / "feedparser_corpus"
DAY = "2026-03-10"

# What a feed reader shows for each title of feedparser's own test files.
SHOWN = {
    "wellformed/atom10/entry_title_escaped_markup.xml": "Example Atom",  # type="html"
    "wellformed/atom10/entry_title_inline_markup.xml": "Example Atom",  # type="xhtml"
    "wellformed/atom10/entry_title_text_plain_brackets.xml": "History of the <blink> tag",
    "wellformed/atom10/entry_title_inline_markup_2.xml": "History of the <blink> tag",
    "wellformed/atom/entry_title_base64.xml": "Example Atom",
    "wellformed/atom/entry_title_base64_2.xml": "History of the <blink> tag",
    "wellformed/atom/entry_title_naked_markup.xml": "Example Atom",
    "wellformed/atom10/feed_title_escaped_markup.xml": "Example Atom",
    "wellformed/rss/channel_title_lt.xml": "1 < 2",
}


def test_feedparser_corpus_titles_are_plain_text() -> None:
    """feedparser's own test files (a vendored selection of the title, escaping and
    entity cases) are read without a traceback, and no title keeps markup or an
    entity reference: `type="html"` and XHTML titles lose their tags, escaped
    brackets in text are shown as brackets, once."""
    figures = run(corpus_files(CORPUS))
    assert figures.files == len(list(CORPUS.rglob("*.xml")))
    assert figures.tracebacks == []
    assert figures.markup == []
    assert figures.title_markup == []
    for name, shown in SHOWN.items():
        assert shown in all_titles((CORPUS / name).read_bytes()), name


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Lab &lt;i&gt;Notes&lt;/i&gt; &amp;amp; more</title>
  <id>urn:x-lab</id><updated>2026-03-10T09:00:00Z</updated>
  {entries}
</feed>"""
ENTRY = """<entry><id>urn:x-lab:{n}</id><updated>2026-03-10T09:00:00Z</updated>
  <link href="https://lab.example.org/{n}"/>{title}
  <content type="html">&lt;p&gt;{text}&lt;/p&gt;</content>
</entry>"""
TITLES = {
    '<title type="html">Example &lt;b&gt;Kiln&lt;/b&gt; report</title>': "Example Kiln report",
    '<title type="text">History of the &lt;blink&gt; tag</title>': "History of the <blink> tag",
    '<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Glaze <em>and</em> clay</div></title>': "Glaze and clay",
    '<title type="html">AT&amp;amp;T and the &amp;lt;kiln&amp;gt; tax</title>': "AT&T and the <kiln> tax",
    "<title>Fish &amp; chips, 5 &lt; 6</title>": "Fish & chips, 5 < 6",
}

TEXTS = [
    "The kiln was fired twice this week and the new glaze held at high heat.",
    "Browsers once blinked text on command; the tag is long gone from every engine.",
    "Clay from the river bank needs a week of drying before it can be thrown.",
    "The telephone company raised its levy on kilns used by small potteries.",
    "The canteen served its Friday special to every volunteer at the open day.",
]


def test_titles_in_build_and_both_mail_parts_are_escaped_once(
    folder: Path, feeds: FeedServer
) -> None:
    """Atom titles of every type come out as plain text in `build`, in the plain-text
    part as is, and in the HTML part escaped exactly once (`&lt;blink&gt;`, never
    `&amp;lt;` nor a live tag); the feed's own HTML title names the source plainly."""
    entries = "".join(ENTRY.format(n=n, title=t, text=TEXTS[n]) for n, t in enumerate(TITLES))
    feeds.routes["/lab.atom"] = Route(
        ATOM.format(entries=entries).encode(), content_type="application/atom+xml"
    )
    letter(folder, [{"feed": feeds.url("/lab.atom")}], max_items=20, max_per_section=20)
    run = newsletter(folder, "build", "--date", DAY, "--format", "json")
    assert run.code == 0, run.stderr
    items = json.loads(run.stdout)["items"]
    assert sorted(i["title"] for i in items) == sorted(TITLES.values())
    assert {s["name"] for i in items for s in i["sources"]} == {"Lab Notes & more"}
    text = newsletter(folder, "preview", "--date", DAY, "--format", "text").stdout
    html = newsletter(folder, "preview", "--date", DAY, "--format", "html").stdout
    assert "History of the <blink> tag" in text
    assert "History of the &lt;blink&gt; tag" in html
    assert "AT&amp;T and the &lt;kiln&gt; tax" in html
    assert "&amp;lt;" not in html and "&amp;amp;" not in html
    assert "<blink>" not in html and "<b>Kiln" not in html
