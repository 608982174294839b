"""Source test helpers: a real HTTP feed server on loopback, feed and article writers,
the `newsletter` command run in this process, and readers of what a send delivered."""

from __future__ import annotations

import email
import email.policy
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.sink import free_port


@dataclass
class Route:
    """What the feed server answers for one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)  # more headers to send
    repeat: int = 1  # the body sent this many times (a huge answer without holding it)
    drip: float = 0.0  # seconds between the repeats (a server that sends slowly)


@dataclass(frozen=True)
class Hit:
    """One request the server received, and the status it answered."""

    path: str
    headers: dict[str, str]
    status: int


@dataclass
class FeedServer:
    """A real `http.server` on 127.0.0.1 serving `routes`, recording every request.

    Conditional GET as real servers do it: a matching If-None-Match gets 304.
    """

    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    in_flight: int = 0  # requests being answered now
    peak: int = 0  # the most answered at once

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self.port = free_port()
        self._stop = threading.Event()
        self._count = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(5)


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = server.routes.get(self.path) or server.routes.get(
                self.path.split("?")[0] if "?" in self.path else self.path
            )
            headers = {k.lower(): v for k, v in self.headers.items()}
            if route is None:
                route = Route(b"not found", status=404, content_type="text/plain")
            with server._count:
                server.in_flight += 1
                server.peak = max(server.peak, server.in_flight)
            if route.delay:
                server._stop.wait(route.delay)
            with server._count:
                server.in_flight -= 1
            status = route.status
            if route.etag and headers.get("if-none-match") == route.etag:
                status = 304
            server.hits.append(Hit(self.path, headers, status))
            try:
                self.send_response(status)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                if status == 304:
                    self.end_headers()
                    return
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body) * route.repeat))
                self.end_headers()
                for _ in range(route.repeat):
                    self.wfile.write(route.body)
                    if route.drip:
                        self.wfile.flush()
                        if server._stop.wait(route.drip):
                            return
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: that is what a timeout test wants

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def rss(title: str, items: Iterable[dict[str, Any]]) -> bytes:
    """An RSS 2.0 document; item keys: title, link, guid, date (datetime), html, tags."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://feeds.example.com/</link>",
        "<description>test feed</description>",
    ]
    for item in items:
        parts.append("<item>")
        if "title" in item:
            parts.append(f"<title>{escape(item['title'])}</title>")
        if "link" in item:
            parts.append(f"<link>{escape(item['link'])}</link>")
        if "guid" in item:
            parts.append(f'<guid isPermaLink="false">{escape(item["guid"])}</guid>')
        if "date" in item:
            parts.append(f"<pubDate>{format_datetime(item['date'])}</pubDate>")
        for tag in item.get("tags", ()):
            parts.append(f"<category>{escape(tag)}</category>")
        if "html" in item:
            parts.append(f"<description>{escape(item['html'])}</description>")
        if "author" in item:
            parts.append(f"<author>{escape(item['author'])}</author>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode()


def write_article(
    root: Path,
    name: str,
    title: str,
    published: str | None,
    *,
    url: str | None = None,
    tags: Iterable[str] = (),
    body: str | None = None,
) -> Path:
    """A Markdown article with front matter in `articles/`."""
    meta: dict[str, Any] = {"title": title}
    if url:
        meta["url"] = url
    if published:
        meta["published"] = published
    if tags:
        meta["tags"] = list(tags)
    story = title.lower()
    # Every sentence carries the title's words, so two articles never read as near-duplicates.
    text = body or (
        f"{title}, the desk reports. Word of {story} came on Tuesday evening.\n\n"
        f"Readers asked what {story} means for them; more on {story} next week."
    )
    path = root / "articles" / name
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + text + "\n")
    return path


def letter(root: Path, sources: list[dict[str, Any]] | None = None, **digest: Any) -> Path:
    """Turn the sample folder into a test newsletter: no sample articles, one reader
    without topics, the given sources (default: the articles folder) and digest settings."""
    for path in (root / "articles").iterdir():
        path.unlink()
    path = root / "newsletter.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["sources"] = sources or [{"folder": "articles"}]
    config["digest"] = {**config.get("digest", {}), **digest}
    config["sending"] = {"concurrency": 1, "rate": 0, "retries": 1, "timeout": 5, "backoff": 0.01}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (root / "subscribers.yaml").write_text("subscribers:\n  - email: reader@example.com\n")
    return root


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def newsletter(root: Path, *args: str) -> Run:
    """The `newsletter` command, run in this process against the folder `root`."""
    result = CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def plain_text(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def recorded(root: Path) -> dict[str, str]:
    """Article id → the date of the issue that carried it, from the ledger file."""
    path = root / ".newsletter" / "ledger.sqlite3"
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT id, issue_date FROM articles").fetchall())
    except sqlite3.OperationalError:
        return {}
    finally:
        db.close()


def article_page(
    title: str,
    paragraphs: Iterable[str],
    *,
    canonical: str | None = None,
    head: str = "",
) -> bytes:
    """An HTML article page: navigation, the article, a footer; `head` goes in <head>."""
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>{link}{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        f"<main><article><h1>{escape(title)}</h1>{body}</article></main>"
        "<footer>© Town Hall News</footer></body></html>"
    ).encode()
