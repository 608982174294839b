"""Feeds and pages over HTTP: a conditional GET against what the last real send remembered.

The cache in `.newsletter/feeds/` keeps, per feed URL, the body the last real send
used with its ETag and Last-Modified. `fetch` only reads it (so build, preview and
dry runs change no file); `remember` writes it, and only a real send calls it.
A 304 Not Modified answer reuses the remembered body.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_FEED_BYTES",
    "MAX_PAGE_BYTES",
    "FeedCache",
    "FetchError",
    "Fetched",
    "Request",
    "Robots",
    "fetch",
    "remember",
    "request_for",
]

MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_PAGE_BYTES = 5 * 1024 * 1024
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/feed+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.5, */*;q=0.1"
)
ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
PROJECT_URL = "https://pypi.org/project/newsletter/"
_PERMANENT = (301, 308)


class FetchError(Exception):
    """The feed could not be fetched; the message says why and what to try."""


@dataclass(frozen=True)
class Request:
    """How one source is fetched: its time limit, identity, headers and proxy."""

    timeout: float = 20.0
    user_agent: str | None = None  # None: `default_user_agent()`
    headers: tuple[tuple[str, str], ...] = ()
    proxy: str | None = None
    accept: str = ACCEPT
    max_bytes: int = MAX_FEED_BYTES

    def for_pages(self) -> Request:
        """The same identity and settings, asking for HTML pages."""
        return replace(self, accept=ACCEPT_PAGE, max_bytes=MAX_PAGE_BYTES)


def request_for(source: Any, site_url: str | None = None) -> Request:
    """The `Request` of a source's settings; a header read from an unset environment
    variable raises FetchError (the source is skipped rather than fetched without it)."""
    headers = []
    for header in source.headers:
        value = header.value
        if header.env is not None:
            value = os.environ.get(header.env)
            if not value:
                raise FetchError(
                    f"the environment variable {header.env} (for the `{header.name}` header) "
                    "is not set; export it before running newsletter"
                )
        headers.append((header.name, value or ""))
    agent = source.user_agent or default_user_agent(site_url)
    return Request(source.timeout, agent, tuple(headers), source.proxy)


@dataclass(frozen=True)
class Fetched:
    """A feed's body and the validators that came with it."""

    url: str
    body: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200  # 304: the server said the remembered body is still current
    final_url: str | None = None  # where the redirects led, when they led elsewhere
    moved_permanently: bool = False  # every redirect was permanent (301/308)

    @property
    def where(self) -> str:
        """The address the body came from, after redirects."""
        return self.final_url or self.url


class FeedCache:
    """Read access to the bodies and validators remembered by the last real send."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def recall(self, url: str) -> Fetched | None:
        """The remembered copy of `url`, or None when there is none or it is damaged."""
        meta_path, body_path = _paths(self.directory, url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url:
            return None
        if meta.get("sha256") != hashlib.sha256(body).hexdigest():
            return None  # a write was interrupted: fetch the whole feed again
        return Fetched(
            url,
            body,
            _str(meta.get("content_type")),
            _str(meta.get("etag")),
            _str(meta.get("last_modified")),
        )


def fetch(url: str, request: Request, cache: FeedCache | None = None) -> Fetched:
    """GET `url`, conditionally when a copy is remembered; raises FetchError.

    The body is read decompressed and stops at `request.max_bytes` (a gzip bomb is
    cut there) and at `request.timeout` in total (a server dripping bytes slowly is
    cut too), not only per read.
    """
    import httpx  # here, not at the top: only sources over HTTP need it

    known = cache.recall(url) if cache else None
    headers = {"User-Agent": request.user_agent or default_user_agent(), "Accept": request.accept}
    if known and known.etag:
        headers["If-None-Match"] = known.etag
    if known and known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    headers.update(dict(request.headers))
    timeout = request.timeout
    deadline = time.monotonic() + timeout
    try:
        with (
            httpx.Client(
                timeout=timeout, follow_redirects=True, max_redirects=10, proxy=request.proxy
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            hops = response.history
            final = str(response.url) if hops else None
            moved = bool(hops) and all(r.status_code in _PERMANENT for r in hops)
            if response.status_code == 304 and known is not None:
                return replace(known, status=304, final_url=final, moved_permanently=moved)
            if response.status_code != 200:
                raise FetchError(_status_message(response))
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > request.max_bytes:
                    raise FetchError(
                        f"the answer is larger than {request.max_bytes // (1024 * 1024)} MiB "
                        "(decompressed); is the URL right?"
                    )
                if time.monotonic() > deadline:
                    raise FetchError(
                        f"the answer was still coming after {timeout:g} s; the server is too slow "
                        "(try again later, or raise `timeout:` for this source in newsletter.yaml)"
                    )
            return Fetched(
                url,
                bytes(body),
                response.headers.get("content-type"),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
                final_url=final,
                moved_permanently=moved,
            )
    except httpx.TimeoutException:
        raise FetchError(
            f"no answer within {timeout:g} s; the server is slow or down "
            "(try again later, or raise `timeout:` for this source in newsletter.yaml)"
        ) from None
    except httpx.TooManyRedirects:
        raise FetchError(
            "the server redirects in a loop (or more than 10 times); open the URL in a "
            "browser and put the address it ends at in newsletter.yaml"
        ) from None
    except httpx.InvalidURL as error:
        raise FetchError(f"not a valid URL ({error}); fix it in newsletter.yaml") from None
    except httpx.DecodingError:
        raise FetchError(
            "the answer's compression is broken (Content-Encoding); the server is misconfigured"
        ) from None
    except httpx.ProxyError as error:
        raise FetchError(f"the proxy failed: {error}; check `proxy:` for this source") from None
    except (httpx.HTTPError, OSError) as error:
        raise FetchError(
            f"could not fetch it: {error or type(error).__name__}; check the URL"
        ) from None


def _status_message(response: Any) -> str:
    code = response.status_code
    text = f"HTTP {code} {response.reason_phrase}".rstrip()
    wait = _retry_after(response.headers.get("retry-after"))
    if code in (401, 403):
        return (
            f"{text}: the server refuses access; if the address opens in a browser, the site "
            "may refuse unknown programs: set `user_agent:` or `headers:` (a cookie) for this source"
        )
    if code in (404, 410):
        return f"{text}: nothing at this URL; check the address in newsletter.yaml"
    if code == 429 or code >= 500:
        if wait:
            return f"{text}: the server asks to wait {wait}; the next run tries again"
        return f"{text}: the server failed or is busy; the next run tries again"
    return f"{text}: expected 200 OK"


def _retry_after(value: str | None) -> str | None:
    """`Retry-After` as the editor reads it: "120 s" or the date it names."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return f"{int(value)} s"
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return f"until {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


class Robots:
    """robots.txt of each host, read once per run, with the program's identity."""

    def __init__(self) -> None:
        self._rules: dict[str, Any] = {}
        self._hosts: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def allowed(self, url: str, request: Request) -> bool:
        """Whether robots.txt lets this program fetch `url`. An absent robots.txt (4xx)
        allows everything; one that cannot be read (5xx, no answer) allows nothing."""
        from urllib.parse import urlsplit
        from urllib.robotparser import RobotFileParser

        parts = urlsplit(url)
        home = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            lock = self._hosts.setdefault(home, threading.Lock())
        with lock:  # one fetch of a host's robots.txt, while other hosts go on
            rules = self._rules.get(home)
            if rules is None:
                rules = RobotFileParser()
                try:
                    found = fetch(
                        f"{home}/robots.txt",
                        replace(request, accept="text/plain", max_bytes=512 * 1024),
                    )
                    rules.parse(found.body.decode("utf-8", "replace").splitlines())
                except FetchError as error:
                    # A missing robots.txt (4xx) allows everything, one that fails nothing.
                    rules.parse([] if "HTTP 4" in str(error) else ["User-agent: *", "Disallow: /"])
                self._rules[home] = rules
        agent = (request.user_agent or default_user_agent()).split("/")[0]
        return bool(rules.can_fetch(agent, url))


def remember(directory: Path, fetched: Iterable[Fetched]) -> None:
    """Keep each body and its validators for the next conditional GET.

    Best effort: the cache only saves bandwidth, so failing to write it never stops a send.
    """
    for item in fetched:
        if item.status == 304 or not (item.etag or item.last_modified):
            continue
        meta_path, body_path = _paths(directory, item.url)
        meta = {
            "url": item.url,
            "etag": item.etag,
            "last_modified": item.last_modified,
            "content_type": item.content_type,
            "sha256": hashlib.sha256(item.body).hexdigest(),
            "remembered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            directory.mkdir(parents=True, exist_ok=True)
            _write_atomic(body_path, item.body)
            _write_atomic(meta_path, json.dumps(meta, indent=2).encode())
        except OSError:
            continue


def _paths(directory: Path, url: str) -> tuple[Path, Path]:
    key = hashlib.sha256(url.encode()).hexdigest()[:24]
    return directory / f"{key}.json", directory / f"{key}.body"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def default_user_agent(site_url: str | None = None) -> str:
    """`newsletter/VERSION (+PROJECT-URL; SITE-URL)`: names the program, where to read
    about it, and the newsletter that fetches, so a site owner knows whom to ask."""
    # Here, not at the top: importlib.metadata is slow to import, and only HTTP needs it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        name = f"newsletter/{version('newsletter')}"
    except PackageNotFoundError:
        name = "newsletter"
    about = f"+{PROJECT_URL}" + (f"; {site_url}" if site_url else "")
    return f"{name} ({about})"


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
