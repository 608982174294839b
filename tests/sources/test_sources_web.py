"""Sources as people paste them: a page that announces its feed, JSON Feed, article
pages by URL, teaser feeds made whole, and each source's own way of fetching.
All served by a real HTTP server on loopback."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import SmtpServer
from tests.sources.helpers import (
    FeedServer,
    Route,
    article_page,
    letter,
    newsletter,
    rss,
)

DAY = "2026-03-10"
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
HTML = "text/html; charset=utf-8"
DATED = '<meta property="article:published_time" content="2026-03-10T09:00:00Z">'
PARAGRAPHS = [
    "The harbour board voted on Tuesday to rebuild the north pier, closed since the storm of 2024.",
    "Work starts in May and should take eighteen months, the board's engineer told the meeting.",
    "Fishing boats will moor at the south quay while the pier is rebuilt, with free berths.",
]
SOLAR = [
    "Twelve thousand panels now cover the capped landfill west of town, the council said.",
    "The farm feeds the grid from this week and should power four thousand homes a year.",
    "Sheep will graze between the rows to keep the grass down without mowers or sprays.",
]


def build(root: Path) -> tuple[int, dict[str, dict[str, object]], str]:
    run = newsletter(root, "build", "--date", DAY, "--format", "json")
    items = {i["title"]: i for i in json.loads(run.stdout)["items"]} if run.stdout else {}
    return run.code, items, run.stderr


def test_a_page_that_announces_its_feed_is_read_through_it(folder: Path, feeds: FeedServer) -> None:
    """`feed:` given a blog's page: the RSS feed its <link rel="alternate"> announces
    (a relative href) is fetched and read, and build says which feed it chose."""
    head = '<link rel="alternate" type="application/rss+xml" title="Pier news" href="/feed/">'
    feeds.routes["/blog/"] = Route(article_page("Blog", PARAGRAPHS, head=head), content_type=HTML)
    entry = {"title": "North pier to be rebuilt", "link": "https://t.example/pier", "date": NOON}
    feeds.routes["/feed/"] = Route(rss("Harbour Blog", [{**entry, "html": PARAGRAPHS[0]}]))
    letter(folder, [{"feed": feeds.url("/blog/")}])
    code, items, stderr = build(folder)
    assert code == 0, stderr
    assert list(items) == ["North pier to be rebuilt"]
    assert f"Note: feed {feeds.url('/blog/')}: a web page; read the RSS feed it announces" in stderr
    assert f"{feeds.url('/feed/')} “Pier news”" in stderr


def test_a_page_without_a_feed_link_is_one_clear_warning(folder: Path, feeds: FeedServer) -> None:
    """A page announcing no feed is skipped with a warning saying what to do; the
    other sources still make the issue, and build exits 1."""
    feeds.routes["/about"] = Route(article_page("About", PARAGRAPHS), content_type=HTML)
    feeds.routes["/good.xml"] = Route(
        rss(
            "Good",
            [
                {
                    "title": "Solar farm opens",
                    "link": "https://t.example/s",
                    "date": NOON,
                    "html": SOLAR[0],
                }
            ],
        )
    )
    letter(folder, [{"feed": feeds.url("/about")}, {"feed": feeds.url("/good.xml")}])
    code, items, stderr = build(folder)
    assert code == 1
    assert list(items) == ["Solar farm opens"]
    assert (
        f"Warning: skipped feed {feeds.url('/about')}: a web page that announces no feed" in stderr
    )
    assert "use `page:` for one article" in stderr


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Pier &amp; Quay",
    "items": [
        {
            "id": "pier-1",
            "url": "https://t.example/pier",
            "title": "North pier to be rebuilt",
            "content_html": "<p>" + "</p><p>".join(PARAGRAPHS) + "</p>",
            "date_published": "2026-03-10T09:00:00Z",
            "tags": ["Harbour"],
            "authors": [{"name": "Ana Ruiz"}],
        },
        {
            "id": "solar-1",
            "url": "https://t.example/solar",
            "title": "Solar farm feeds the grid",
            "content_text": "\n\n".join(SOLAR),
            "summary": "The landfill solar farm is live.",
            "date_published": "2026-03-10T10:00:00+01:00",
        },
    ],
}


def test_json_feed_is_read_like_rss_and_atom(folder: Path, feeds: FeedServer) -> None:
    """A JSON Feed 1.1 gives items with title, link, own summary, tags, and the
    feed's title as source; a page announcing it (application/feed+json) works too."""
    feeds.routes["/feed.json"] = Route(
        json.dumps(JSON_FEED).encode(), content_type="application/feed+json"
    )
    head = '<link rel="alternate" type="application/feed+json" href="feed.json">'
    feeds.routes["/"] = Route(article_page("Home", PARAGRAPHS, head=head), content_type=HTML)
    letter(folder, [{"feed": feeds.url("/")}])
    code, items, stderr = build(folder)
    assert code == 0, stderr
    assert set(items) == {"North pier to be rebuilt", "Solar farm feeds the grid"}
    solar = items["Solar farm feeds the grid"]
    assert solar["summary"] == "The landfill solar farm is live."
    assert solar["sources"] == [{"name": "Pier &amp; Quay", "url": "https://t.example/solar"}]
    assert "JSON Feed feed it announces" in stderr


def test_page_sources_are_extracted_and_identified_by_their_canonical_url(
    folder: Path, feeds: FeedServer, smtp_server: SmtpServer
) -> None:
    """`page:` and `pages:` fetch each page, extract its main text like an HTML file,
    take its canonical URL as identity and link; after a real send, the next read
    is a conditional GET answered 304."""
    canonical = "https://harbour.example/news/north-pier"
    feeds.routes["/pier?utm_source=x"] = Route(
        article_page("North pier to be rebuilt", PARAGRAPHS, canonical=canonical, head=DATED),
        content_type=HTML,
        etag='"p1"',
    )
    feeds.routes["/solar"] = Route(
        article_page("Solar farm feeds the grid", SOLAR, head=DATED), content_type=HTML
    )
    letter(
        folder,
        [
            {"page": feeds.url("/pier?utm_source=x"), "name": "Harbour"},
            {"pages": [feeds.url("/solar")]},
        ],
    )
    code, items, stderr = build(folder)
    assert code == 0, stderr
    assert set(items) == {"North pier to be rebuilt", "Solar farm feeds the grid"}, items
    pier = items["North pier to be rebuilt"]
    assert pier["article_ids"] == [canonical]
    assert pier["sources"] == [{"name": "Harbour", "url": canonical}]
    assert "eighteen months" in str(pier["summary"])
    assert items["Solar farm feeds the grid"]["sources"][0]["url"] == feeds.url("/solar")
    sent = newsletter(folder, "send", "--date", DAY, "--smtp-url", smtp_server.url)
    assert sent.code == 0, sent.stderr
    feeds.hits.clear()
    build(folder)
    pier_hits = [h for h in feeds.hits if h.path.startswith("/pier")]
    assert [h.status for h in pier_hits] == [304]
    assert pier_hits[0].headers["if-none-match"] == '"p1"'


def test_robots_txt_is_honoured_for_pages(folder: Path, feeds: FeedServer) -> None:
    """A page the site's robots.txt disallows is not fetched: one warning names the
    page and what to do."""
    feeds.routes["/robots.txt"] = Route(
        b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    feeds.routes["/private/pier"] = Route(article_page("Pier", PARAGRAPHS), content_type=HTML)
    letter(folder, [{"page": feeds.url("/private/pier")}])
    code, _, stderr = build(folder)
    assert code == 1
    assert "robots.txt asks programs not to fetch this page" in stderr
    assert not [h for h in feeds.hits if h.path == "/private/pier"]


def teaser_feed(feeds: FeedServer, missing: bool = False) -> None:
    """A feed of teasers, each "… [Continue reading]", and the two article pages."""
    entries = [
        {
            "title": "North pier to be rebuilt",
            "link": feeds.url("/a/pier"),
            "date": NOON,
            "html": "<p>The harbour board voted on Tuesday to rebuild the north … "
            '<a href="/a/pier">[Continue reading]</a></p>',
        },
        {
            "title": "Solar farm feeds the grid",
            "link": feeds.url("/a/solar"),
            "date": NOON,
            "html": "<p>Twelve thousand panels now cover the capped landfill […]</p>",
        },
    ]
    feeds.routes["/teasers.xml"] = Route(rss("Teasers", entries))
    feeds.routes["/a/pier"] = Route(article_page("North pier", PARAGRAPHS), content_type=HTML)
    if not missing:
        feeds.routes["/a/solar"] = Route(article_page("Solar", SOLAR), content_type=HTML)


def test_a_teaser_feed_is_made_whole_from_its_pages(folder: Path, feeds: FeedServer) -> None:
    """When every entry is a short excerpt cut with "…", "[…]" or "Continue reading",
    each entry's page is fetched and its main text becomes the item's text."""
    teaser_feed(feeds)
    letter(folder, [{"feed": feeds.url("/teasers.xml")}])
    code, items, stderr = build(folder)
    assert code == 0, stderr
    assert "eighteen months" in str(items["North pier to be rebuilt"]["summary"])
    assert "four thousand homes" in str(items["Solar farm feeds the grid"]["summary"])
    assert {h.path for h in feeds.hits} >= {"/a/pier", "/a/solar"}


def test_full_text_false_keeps_the_teasers(folder: Path, feeds: FeedServer) -> None:
    """`full_text: false` reads the feed as it is: no article page is fetched."""
    teaser_feed(feeds)
    letter(folder, [{"feed": feeds.url("/teasers.xml"), "full_text": False}])
    code, items, _ = build(folder)
    assert code == 0
    assert "eighteen months" not in str(items["North pier to be rebuilt"]["summary"])
    assert not [h for h in feeds.hits if h.path.startswith("/a/")]


def test_a_failed_page_falls_back_to_the_teaser_with_a_warning(
    folder: Path, feeds: FeedServer
) -> None:
    """An entry whose page cannot be fetched keeps its teaser, with a warning naming
    the entry and the reason; the others are made whole, and nothing is skipped."""
    teaser_feed(feeds, missing=True)
    letter(folder, [{"feed": feeds.url("/teasers.xml")}])
    code, items, stderr = build(folder)
    assert code == 0, stderr
    assert "eighteen months" in str(items["North pier to be rebuilt"]["summary"])
    assert "Twelve thousand panels" in str(items["Solar farm feeds the grid"]["summary"])
    assert "Warning: feed" in stderr and "“Solar farm feeds the grid”" in stderr
    assert "HTTP 404" in stderr and "the feed's teaser is used" in stderr


@pytest.mark.parametrize("limit", [1, 3])
def test_full_text_pages_are_fetched_at_most_concurrency_at_once(
    folder: Path, feeds: FeedServer, limit: int
) -> None:
    """`concurrency: N` bounds the article pages fetched at once for one source: with
    three slow pages, 1 fetches them one by one, 3 all together."""
    entries = []
    ferry = [
        "The winter ferry timetable adds a late crossing to the island on Fridays and Saturdays.",
        "Season tickets cost the same as last year, and children under twelve travel free.",
        "The operator said the older boat will be refitted in February for its last seasons.",
    ]
    for n, text in enumerate([PARAGRAPHS, SOLAR, ferry]):
        feeds.routes[f"/a/{n}"] = Route(
            article_page(f"Story {n}", text), content_type=HTML, delay=0.3
        )
        entries.append(
            {
                "title": f"Story {n}",
                "link": feeds.url(f"/a/{n}"),
                "date": NOON,
                "html": f"<p>{text[0][:40]} …</p>",
            }
        )
    feeds.routes["/t.xml"] = Route(rss("T", entries))
    letter(folder, [{"feed": feeds.url("/t.xml"), "concurrency": limit}])
    code, items, stderr = build(folder)
    assert code == 0, stderr
    assert len(items) == 3
    assert feeds.peak == limit


def test_a_full_feed_is_not_fetched_page_by_page(folder: Path, feeds: FeedServer) -> None:
    """A feed carrying whole articles is not a teaser feed: no page is fetched."""
    entry = {
        "title": "North pier",
        "link": feeds.url("/a/pier"),
        "date": NOON,
        "html": "".join(f"<p>{p}</p>" for p in PARAGRAPHS),
    }
    feeds.routes["/full.xml"] = Route(rss("Full", [entry]))
    letter(folder, [{"feed": feeds.url("/full.xml")}])
    build(folder)
    assert [h.path for h in feeds.hits] == ["/full.xml"]


def test_default_user_agent_names_the_program_and_the_newsletter(
    folder: Path, feeds: FeedServer
) -> None:
    """Without settings, a request names the program, its project URL and the
    newsletter's site, so a site owner knows who fetches."""
    feeds.routes["/rss.xml"] = Route(rss("T", []))
    letter(folder, [{"feed": feeds.url("/rss.xml")}])
    build(folder)
    agent = feeds.hits[0].headers["user-agent"]
    assert agent.startswith("newsletter/") and "+https://" in agent
    site = __import__("yaml").safe_load((folder / "newsletter.yaml").read_text())["site_url"]
    assert site.rstrip("/") in agent


def test_per_source_user_agent_headers_and_cookie_from_the_environment(
    folder: Path, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`user_agent:`, `headers:` and `cookie:` are sent; a value named by `env:` is
    read from the environment, never from the file."""
    monkeypatch.setenv("HARBOUR_KEY", "k-123")
    monkeypatch.setenv("HARBOUR_COOKIE", "session=abc")
    feeds.routes["/rss.xml"] = Route(rss("T", []))
    letter(
        folder,
        [
            {
                "feed": feeds.url("/rss.xml"),
                "user_agent": "Mozilla/5.0 (compatible; HarbourLetter)",
                "headers": {"X-Api-Key": {"env": "HARBOUR_KEY"}, "Accept-Language": "fr"},
                "cookie": {"env": "HARBOUR_COOKIE"},
            }
        ],
    )
    code, _, stderr = build(folder)
    assert code == 0, stderr
    headers = feeds.hits[0].headers
    assert headers["user-agent"] == "Mozilla/5.0 (compatible; HarbourLetter)"
    assert headers["x-api-key"] == "k-123"
    assert headers["accept-language"] == "fr"
    assert headers["cookie"] == "session=abc"
    assert "k-123" not in (folder / "newsletter.yaml").read_text()


def test_an_unset_environment_variable_skips_the_source(
    folder: Path, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A header whose environment variable is unset skips the source with a warning
    naming the variable; nothing is fetched without it."""
    monkeypatch.delenv("HARBOUR_COOKIE", raising=False)
    feeds.routes["/rss.xml"] = Route(rss("T", []))
    letter(folder, [{"feed": feeds.url("/rss.xml"), "cookie": {"env": "HARBOUR_COOKIE"}}])
    code, _, stderr = build(folder)
    assert code == 1
    assert "the environment variable HARBOUR_COOKIE (for the `Cookie` header) is not set" in stderr
    assert feeds.hits == []


def test_proxy_carries_the_request(folder: Path, feeds: FeedServer) -> None:
    """With `proxy:`, the request goes to the proxy (the loopback server answers as
    one, for an absolute URL of a host that does not exist)."""
    entry = {
        "title": "Via the proxy",
        "link": "https://t.example/p",
        "date": NOON,
        "html": SOLAR[0],
    }
    feeds.routes["http://feeds.invalid/rss.xml"] = Route(rss("Proxied", [entry]))
    letter(folder, [{"feed": "http://feeds.invalid/rss.xml", "proxy": feeds.url("")}])
    code, items, stderr = build(folder)
    assert code == 0, stderr
    assert list(items) == ["Via the proxy"]


def test_a_permanent_redirect_is_reported_to_update_the_source(
    folder: Path, feeds: FeedServer
) -> None:
    """A feed moved with 301 is read at its new address, and build warns to update
    `feed:` (without skipping anything)."""
    feeds.routes["/old.xml"] = Route(status=301, headers={"Location": "/new.xml"})
    entry = {"title": "Moved", "link": "https://t.example/m", "date": NOON, "html": SOLAR[0]}
    feeds.routes["/new.xml"] = Route(rss("New", [entry]))
    letter(folder, [{"feed": feeds.url("/old.xml")}])
    code, items, stderr = build(folder)
    assert code == 0, stderr
    assert list(items) == ["Moved"]
    assert (
        f"Warning: feed {feeds.url('/old.xml')}: moved permanently to {feeds.url('/new.xml')}"
        in stderr
    )


def test_send_reports_a_moved_source_among_its_warnings(
    folder: Path, feeds: FeedServer, smtp_server: SmtpServer
) -> None:
    """A real send lists the permanent redirect in its summary's warnings, and still
    delivers and exits 0: the source was read."""
    feeds.routes["/old.xml"] = Route(status=308, headers={"Location": "/new.xml"})
    entry = {"title": "Moved", "link": "https://t.example/m", "date": NOON, "html": SOLAR[0]}
    feeds.routes["/new.xml"] = Route(rss("New", [entry]))
    letter(folder, [{"feed": feeds.url("/old.xml")}])
    run = newsletter(folder, "send", "--date", DAY, "--smtp-url", smtp_server.url)
    assert run.code == 0, run.stderr
    assert f"moved permanently to {feeds.url('/new.xml')}" in run.stdout + run.stderr
    assert len(smtp_server.messages) == 1


BAD = {
    "403": (
        Route(b"no", status=403, content_type="text/plain"),
        "HTTP 403 Forbidden: the server refuses access; if the address opens in a browser, "
        "the site may refuse unknown programs: set `user_agent:`",
    ),
    "429": (
        Route(b"slow down", status=429, content_type="text/plain", headers={"Retry-After": "120"}),
        "HTTP 429 Too Many Requests: the server asks to wait 120 s; the next run tries again",
    ),
    "loop": (
        Route(status=302, headers={"Location": "/bad"}),
        "the server redirects in a loop (or more than 10 times)",
    ),
    "50 MB": (
        Route(b"<rss>" + b" " * (1024 * 1024), repeat=50),
        "the answer is larger than 10 MiB (decompressed); is the URL right?",
    ),
    "drip": (Route(b"<", repeat=40, drip=0.1), "the answer was still coming after 1 s"),
    "gzip bomb": (
        Route(b"", headers={"Content-Encoding": "gzip"}),  # the bomb is made in the test
        "the answer is larger than 10 MiB (decompressed)",
    ),
    "html error page": (
        Route(b"<html><body><h1>Oops</h1><p>Server error</p></body></html>", content_type=HTML),
        "a web page that announces no feed",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_answers_are_one_warning_and_the_issue_goes_out(
    folder: Path, feeds: FeedServer, case: str
) -> None:
    """403, 429 with Retry-After, a redirect loop, a 50 MB answer, a slow drip, a gzip
    bomb, an HTML error page: each is one warning naming the source and what to do,
    and the other source still makes the issue (exit 1)."""
    route, reason = BAD[case]
    if case == "gzip bomb":  # 16 KiB on the wire, 16 MiB unpacked: made here, not at import
        route = Route(gzip.compress(b"\0" * (16 * 1024 * 1024)), headers=route.headers)
    feeds.routes["/bad"] = route
    entry = {
        "title": "Solar farm opens",
        "link": "https://t.example/s",
        "date": NOON,
        "html": SOLAR[0],
    }
    feeds.routes["/good.xml"] = Route(rss("Good", [entry]))
    letter(
        folder,
        [
            {"feed": feeds.url("/bad"), "timeout": 1 if case == "drip" else 10},
            {"feed": feeds.url("/good.xml")},
        ],
    )
    code, items, stderr = build(folder)
    assert code == 1
    assert list(items) == ["Solar farm opens"]
    warnings = [line for line in stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1, stderr
    assert warnings[0].startswith(f"Warning: skipped feed {feeds.url('/bad')}: {reason}"), stderr


CONFIG_ERRORS = {
    "proxy": ({"feed": "https://x.example/f", "proxy": "ftp://p"}, "is not a proxy URL"),
    "env": (
        {"feed": "https://x.example/f", "headers": {"X-Key": {"env": "1 bad"}}},
        "is not an environment variable name",
    ),
    "header name": (
        {"feed": "https://x.example/f", "headers": {"Bad Name": "v"}},
        "is not an HTTP header name",
    ),
    "two kinds": (
        {"feed": "https://x.example/f", "page": "https://x.example/p"},
        "each source needs exactly one of",
    ),
    "page not url": ({"page": "example.org/p"}, "is not an http(s) URL"),
    "full_text on page": (
        {"page": "https://x.example/p", "full_text": True},
        "`full_text` applies to feeds",
    ),
    "folder option": ({"folder": "articles", "proxy": "http://p:1"}, "apply to feeds and pages"),
    "empty pages": ({"pages": []}, "expected a list of page URLs"),
    "cookie written in the file": (
        {"feed": "https://x.example/f", "cookie": "session=abc"},
        "`Cookie` is a secret: never write it in newsletter.yaml",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_ERRORS))
def test_bad_source_settings_are_config_errors(folder: Path, case: str) -> None:
    """A wrong source setting is an `Error:` naming newsletter.yaml and its line, exit 2."""
    source, message = CONFIG_ERRORS[case]
    letter(folder, [source])
    run = newsletter(folder, "build", "--date", DAY)
    assert run.code == 2
    assert "newsletter.yaml:" in run.stderr and message in run.stderr, run.stderr
