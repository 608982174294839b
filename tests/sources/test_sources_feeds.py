"""RSS and Atom feeds: served by a real HTTP server on loopback, or read from a file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import SmtpServer
from tests.sources.helpers import (
    FeedServer,
    Route,
    letter,
    newsletter,
    plain_text,
    rss,
    write_article,
)

DAY = "2026-03-10"
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

DEPOT = {
    "title": "Council opens a new bus depot by the harbour",
    "link": "https://town.example.com/news/bus-depot?utm_source=rss",
    "guid": "https://town.example.com/?p=42",
    "date": NOON,
    "tags": ["Cities"],
    "author": "desk@town.example.com (Ana Ruiz)",
    "html": (
        "<p>The council opened a <b>new bus depot</b> by the harbour on Tuesday, "
        "with room for sixty electric buses.</p>"
        "<p>The post Council opens a new bus depot appeared first on Town Hall News.</p>"
    ),
}
SOLAR = {
    "title": "Solar farm on the old landfill starts feeding the grid",
    "link": "https://town.example.com/news/solar-landfill",
    "guid": "https://town.example.com/?p=43",
    "date": NOON,
    "tags": ["energy"],
    "html": "<p>Twelve thousand panels now cover the capped landfill west of town.</p>",
}


def items(root: Path) -> dict[str, dict[str, object]]:
    run = newsletter(root, "build", "--date", DAY, "--format", "json")
    assert run.code == 0, run.stderr
    return {i["title"]: i for i in json.loads(run.stdout)["items"]}


def test_rss_feed_over_http_becomes_clean_items(folder: Path, feeds: FeedServer) -> None:
    """Each entry of an RSS feed served over HTTP becomes an item: its title, link,
    feed title as source, categories as section, and its HTML summary as clean text."""
    feeds.routes["/rss.xml"] = Route(rss("Town Hall News", [DEPOT, SOLAR]))
    letter(folder, [{"feed": feeds.url("/rss.xml")}])
    got = items(folder)
    assert set(got) == {DEPOT["title"], SOLAR["title"]}
    depot = got[DEPOT["title"]]
    assert depot["sources"] == [{"name": "Town Hall News", "url": DEPOT["link"]}]
    assert depot["section"] == "cities"
    assert depot["article_ids"] == [DEPOT["guid"]]
    assert depot["summary"] == (
        "The council opened a new bus depot by the harbour on Tuesday, "
        "with room for sixty electric buses."
    )
    assert got[SOLAR["title"]]["section"] == "energy"


def test_atom_feed_from_a_local_file(folder: Path) -> None:
    """An Atom file in the folder is read like a feed: entry id, HTML content as the
    body, the source `name` from the config, the `updated` date placing it in its day."""
    (folder / "feeds").mkdir()
    (folder / "feeds" / "lab.atom").write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Lab Notes</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2026-03-10T09:00:00Z</updated>
  <entry>
    <title type="html">Why &lt;em&gt;offline-first&lt;/em&gt; apps feel faster</title>
    <id>tag:lab.example.org,2026:offline</id>
    <link href="https://lab.example.org/offline"/>
    <updated>2026-03-10T09:00:00Z</updated>
    <author><name>Jo Park</name></author>
    <content type="html">&lt;p&gt;Offline-first software keeps working when the network does not.&lt;/p&gt;
      &lt;p&gt;Every action is applied locally first, then synchronised.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Yesterday's story</title><id>tag:lab.example.org,2026:old</id>
    <updated>2026-03-09T09:00:00Z</updated>
    <summary>Not in the issue of the tenth: it belongs to the ninth.</summary>
  </entry>
</feed>
""",
        encoding="utf-8",
    )
    letter(folder, [{"feed": "feeds/lab.atom", "name": "The Lab"}])
    got = items(folder)
    assert list(got) == ["Why offline-first apps feel faster"]
    item = got["Why offline-first apps feel faster"]
    assert item["article_ids"] == ["tag:lab.example.org,2026:offline"]
    assert item["sources"] == [{"name": "The Lab", "url": "https://lab.example.org/offline"}]
    assert "Offline-first software keeps working" in str(item["summary"])


def test_bare_guids_of_two_feeds_do_not_collide(folder: Path, feeds: FeedServer) -> None:
    """A GUID like "1" is unique only within its feed: two feeds using it give two articles."""
    first = {**DEPOT, "guid": "1"}
    second = {**SOLAR, "guid": "1"}
    feeds.routes["/a.xml"] = Route(rss("A", [first]))
    feeds.routes["/b.xml"] = Route(rss("B", [second]))
    letter(folder, [{"feed": feeds.url("/a.xml")}, {"feed": feeds.url("/b.xml")}])
    got = items(folder)
    assert set(got) == {DEPOT["title"], SOLAR["title"]}
    assert got[DEPOT["title"]]["article_ids"] == [feeds.url("/a.xml") + "#1"]


def test_entry_without_date_belongs_to_the_day_it_is_read(folder: Path, feeds: FeedServer) -> None:
    """An entry with no date is in today's issue (the day it was read), not in yesterday's."""
    undated = {k: v for k, v in SOLAR.items() if k != "date"}
    feeds.routes["/rss.xml"] = Route(rss("Town Hall News", [undated]))
    letter(folder, [{"feed": feeds.url("/rss.xml")}])
    today = newsletter(folder, "build", "--date", "today", "--format", "json")
    yesterday = newsletter(folder, "build", "--date", "yesterday", "--format", "json")
    assert [i["title"] for i in json.loads(today.stdout)["items"]] == [SOLAR["title"]]
    assert json.loads(yesterday.stdout)["items"] == []


def test_second_fetch_is_conditional_and_gets_304(
    folder: Path, feeds: FeedServer, smtp_server: SmtpServer
) -> None:
    """After a real send remembered the feed's ETag, the next read sends If-None-Match,
    gets 304 Not Modified, and builds the same items from the remembered body."""
    feeds.routes["/rss.xml"] = Route(
        rss("Town Hall News", [DEPOT, SOLAR]),
        etag='"v1"',
        last_modified="Tue, 10 Mar 2026 08:00:00 GMT",
    )
    letter(folder, [{"feed": feeds.url("/rss.xml")}])
    sent = newsletter(folder, "send", "--date", DAY, "--smtp-url", smtp_server.url)
    assert sent.code == 0, sent.stderr
    assert "if-none-match" not in feeds.hits[0].headers
    got = items(folder)
    second = feeds.hits[-1]
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == "Tue, 10 Mar 2026 08:00:00 GMT"
    assert second.status == 304
    assert set(got) == {DEPOT["title"], SOLAR["title"]}


def test_build_preview_and_dry_run_remember_no_feed(folder: Path, feeds: FeedServer) -> None:
    """Build, preview and a dry run write no feed cache: each fetch is unconditional
    and the folder gains no state directory."""
    feeds.routes["/rss.xml"] = Route(rss("Town Hall News", [DEPOT]), etag='"v1"')
    letter(folder, [{"feed": feeds.url("/rss.xml")}])
    assert newsletter(folder, "build", "--date", DAY).code == 0
    assert newsletter(folder, "preview", "--date", DAY, "--format", "text").code == 0
    assert newsletter(folder, "send", "--date", DAY, "--dry-run").code == 0
    assert len(feeds.hits) == 3
    assert all("if-none-match" not in hit.headers for hit in feeds.hits)
    assert not (folder / ".newsletter").exists()


def test_test_send_remembers_no_feed(
    folder: Path, feeds: FeedServer, smtp_server: SmtpServer
) -> None:
    """A test send (--to) is not the issue going out: it leaves no feed validators behind."""
    feeds.routes["/rss.xml"] = Route(rss("Town Hall News", [DEPOT]), etag='"v1"')
    letter(folder, [{"feed": feeds.url("/rss.xml")}])
    run = newsletter(
        folder, "send", "--date", DAY, "--to", "me@example.com", "--smtp-url", smtp_server.url
    )
    assert run.code == 0, run.stderr
    assert newsletter(folder, "build", "--date", DAY).code == 0
    assert all("if-none-match" not in hit.headers for hit in feeds.hits)


FAILURES = {
    "server error": (
        Route(b"oops", status=500, content_type="text/plain"),
        "HTTP 500 Internal Server Error",
    ),
    "missing": (Route(b"gone", status=404, content_type="text/plain"), "HTTP 404 Not Found"),
    "timeout": (Route(rss("Slow", [SOLAR]), delay=3), "no answer within 0.5 s"),
    "html page": (
        Route(b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>", content_type="text/html"),
        "a web page that announces no feed",
    ),
    "json": (
        Route(b'{"items": []}', content_type="application/json"),
        "not an RSS, Atom or JSON feed: JSON, but not a JSON Feed",
    ),
    "empty body": (Route(b""), "empty: no feed in it"),
    "garbage": (
        Route(b"\x89PNG\r\n\x1a\n\x00\x00binary", content_type="image/png"),
        "not an RSS or Atom feed",
    ),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failing_feed_is_reported_and_the_issue_built_from_the_rest(
    folder: Path, feeds: FeedServer, case: str
) -> None:
    """A feed that fails (HTTP error, timeout, not a feed) does not stop the issue:
    build prints the rest, warns naming the feed and the reason, and exits 1."""
    route, reason = FAILURES[case]
    wait = 0.5 if case == "timeout" else 10
    feeds.routes["/good.xml"] = Route(rss("Town Hall News", [DEPOT]))
    feeds.routes["/bad.xml"] = route
    letter(
        folder,
        [
            # Short only where the timeout is the failure: a busy machine answers late.
            {"feed": feeds.url("/bad.xml"), "name": "Broken Wire", "timeout": wait},
            {"feed": feeds.url("/good.xml")},
        ],
    )
    run = newsletter(folder, "build", "--date", DAY, "--format", "json")
    assert run.code == 1
    assert [i["title"] for i in json.loads(run.stdout)["items"]] == [DEPOT["title"]]
    warning = f"Warning: skipped feed {feeds.url('/bad.xml')} (Broken Wire): {reason}"
    assert warning in run.stderr, run.stderr


def test_send_with_a_failing_feed_delivers_and_exits_1(
    folder: Path, feeds: FeedServer, smtp_server: SmtpServer
) -> None:
    """A real send with one broken feed still delivers the issue built from the others,
    names the broken feed in its summary, and exits 1 so cron notices."""
    feeds.routes["/good.xml"] = Route(rss("Town Hall News", [DEPOT]))
    feeds.routes["/bad.xml"] = Route(b"oops", status=503, content_type="text/plain")
    letter(folder, [{"feed": feeds.url("/good.xml")}, {"feed": feeds.url("/bad.xml")}])
    run = newsletter(folder, "send", "--date", DAY, "--smtp-url", smtp_server.url)
    assert run.code == 1
    assert (
        f"source problem: feed {feeds.url('/bad.xml')}: HTTP 503 Service Unavailable" in run.stderr
    )
    assert len(smtp_server.messages) == 1
    assert DEPOT["title"] in plain_text(smtp_server.messages[0].data)


def test_feed_and_folder_copies_of_one_article_are_one_item(
    folder: Path, feeds: FeedServer
) -> None:
    """The same article in a feed and in the folder (same link, tracking parameters aside)
    is one item listing both sources."""
    feeds.routes["/rss.xml"] = Route(rss("Town Hall News", [DEPOT]))
    letter(folder, [{"folder": "articles"}, {"feed": feeds.url("/rss.xml")}])
    write_article(
        folder,
        "depot.md",
        DEPOT["title"],
        DAY,
        url="https://town.example.com/news/bus-depot",
        body="The council opened a new bus depot by the harbour on Tuesday, with room for sixty electric buses.",
    )
    got = items(folder)
    assert list(got) == [DEPOT["title"]]


WORDPRESS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Harbour Blog</title><link>https://harbour.example.com</link>
<item>
  <title>Residents study the harbour plan</title>
  <link>https://harbour.example.com/plan</link>
  <guid isPermaLink="false">https://harbour.example.com/?p=7</guid>
  <pubDate>Tue, 10 Mar 2026 09:00:00 +0000</pubDate>
  <description><![CDATA[Residents read the plan carefully before the meeting. The council [&#8230;]]]></description>
  <content:encoded><![CDATA[<p>Residents read the plan carefully before the meeting.</p>
<p>The council will vote on it next month. <a href="https://harbour.example.com/plan">Continue reading <span>Residents study the harbour plan</span> &rarr;</a></p>
<p>The post <a href="https://harbour.example.com/plan">Residents study the harbour plan</a> appeared first on <a href="https://harbour.example.com">Harbour Blog</a>.</p>]]></content:encoded>
</item>
<item>
  <title>Ferry every twenty minutes from May</title>
  <link>https://harbour.example.com/ferry</link>
  <pubDate>Tue, 10 Mar 2026 10:00:00 +0000</pubDate>
  <description><![CDATA[<p>The ferry will run every twenty minutes from May. Timetables at the pier show the new [&#8230;]</p>]]></description>
</item>
</channel></rss>
"""


def test_feed_text_loses_teaser_furniture_but_not_its_sentences(
    folder: Path, feeds: FeedServer
) -> None:
    """Full content is preferred to the excerpt; "Continue reading" links and "The post …
    appeared first on …" lines go; a cut-off excerpt keeps only its whole sentences."""
    feeds.routes["/feed/"] = Route(WORDPRESS.encode())
    letter(folder, [{"feed": feeds.url("/feed/")}])
    got = items(folder)
    assert got["Residents study the harbour plan"]["summary"] == (
        "Residents read the plan carefully before the meeting. The council will vote on it next month."
    )
    assert got["Ferry every twenty minutes from May"]["summary"] == (
        "The ferry will run every twenty minutes from May."
    )
