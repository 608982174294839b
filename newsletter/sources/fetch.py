"""Feeds over HTTP: a conditional GET against what the last real send remembered.

The cache in `.newsletter/feeds/` keeps, per feed URL, the body the last real send
used with its ETag and Last-Modified. `fetch` only reads it (so build, preview and
dry runs change no file); `remember` writes it, and only a real send calls it.
A 304 Not Modified answer reuses the remembered body.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["MAX_FEED_BYTES", "FeedCache", "FetchError", "Fetched", "fetch", "remember"]

MAX_FEED_BYTES = 10 * 1024 * 1024
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


class FetchError(Exception):
    """The feed could not be fetched; the message says why and what to try."""


@dataclass(frozen=True)
class Fetched:
    """A feed's body and the validators that came with it."""

    url: str
    body: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200  # 304: the server said the remembered body is still current


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


def fetch(url: str, *, timeout: float, cache: FeedCache | None) -> Fetched:
    """GET `url`, conditionally when a copy is remembered; raises FetchError."""
    import httpx  # here, not at the top: only feeds over HTTP need it

    known = cache.recall(url) if cache else None
    headers = {"User-Agent": _user_agent(), "Accept": ACCEPT}
    if known and known.etag:
        headers["If-None-Match"] = known.etag
    if known and known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    deadline = time.monotonic() + timeout
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304 and known is not None:
                return replace(known, status=304)
            if response.status_code != 200:
                raise FetchError(_status_message(response))
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise FetchError(
                        f"the feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MiB; "
                        "is the URL right?"
                    )
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("total time exceeded")
            return Fetched(
                url,
                bytes(body),
                response.headers.get("content-type"),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
            )
    except httpx.TimeoutException:
        raise FetchError(
            f"no answer within {timeout:g} s; the server is slow or down "
            "(try again later, or raise `timeout:` for this source in newsletter.yaml)"
        ) from None
    except httpx.InvalidURL as error:
        raise FetchError(f"not a valid URL ({error}); fix `feed:` in newsletter.yaml") from None
    except httpx.HTTPError as error:
        raise FetchError(
            f"could not fetch it: {error or type(error).__name__}; check the URL"
        ) from None


def _status_message(response: Any) -> str:
    code = response.status_code
    text = f"HTTP {code} {response.reason_phrase}".rstrip()
    if code in (401, 403):
        return f"{text}: the server refuses access; check the URL or whether the feed is public"
    if code in (404, 410):
        return f"{text}: no feed at this URL; check the address in newsletter.yaml"
    if code == 429 or code >= 500:
        return f"{text}: the server failed or is busy; the next run tries again"
    return f"{text}: expected 200 OK with the feed"


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


def _user_agent() -> str:
    # Here, not at the top: importlib.metadata is slow to import, and only HTTP needs it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"newsletter/{version('newsletter')}"
    except PackageNotFoundError:
        return "newsletter"


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
