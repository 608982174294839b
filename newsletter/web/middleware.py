"""ASGI middleware of the web side: a request-body limit and an access log without tokens."""

from __future__ import annotations

import logging
import re
import time

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog", "BodyLimit", "redact"]

access_log = logging.getLogger("newsletter.web.access")
_TOKEN_PATH = re.compile(r"^(/(?:unsubscribe|preferences|confirm)/)([^/?]{0,6})[^/?]*")


def redact(path: str) -> str:
    """The path with tokens cut to their first characters: a log line must not let its
    reader unsubscribe anyone.

    >>> redact("/unsubscribe/AbCdEfGhIjKlMnOp")
    '/unsubscribe/AbCdEf…'
    """
    return _TOKEN_PATH.sub(r"\1\2…", path)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Answers 413 to a request whose body exceeds `max_bytes`, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}  # path prefix -> its own limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = next((n for p, n in self.larger.items() if path.startswith(p)), self.max_bytes)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = PlainTextResponse(
            f"Request body too large (limit {limit} bytes).\n",
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class AccessLog:
    """One line per request: client, method, redacted path, status, bytes, milliseconds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        size = 0

        async def logged_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            client = scope.get("client")
            host = client[0] if client else "-"
            path = redact(scope.get("path", ""))
            elapsed = (time.perf_counter() - start) * 1000
            access_log.info(
                '%s "%s %s HTTP/%s" %d %dB %.1fms',
                host,
                scope.get("method", "-"),
                path,
                scope.get("http_version", "1.1"),
                status,
                size,
                elapsed,
            )
