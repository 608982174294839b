"""The web app of `preview --serve`, on loopback by default.

    GET /             the control page (query: date, subscriber, format, width, scheme)
    GET /issue        the issue alone as that subscriber gets it: the page's iframe
    GET /status       JSON: version, subject, notes, error (the page refreshes from it)
    GET /message.eml  the whole message, to open in a mail client
    GET /events       server-sent events: `hello` on connect, `change` after each edit

Files are read again only after a change; an error (a template's file and line, a
config problem) is shown where the issue would be, never a blank page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from newsletter.errors import NewsletterError
from newsletter.folder import Folder
from newsletter.listen import listening_socket
from newsletter.model import Subscriber
from newsletter.preview import Preview, Previews, load_previews
from newsletter.previewing.documents import SCHEMES, error_page, force_scheme, text_page
from newsletter.previewing.page import render_page
from newsletter.previewing.strict import strict_client
from newsletter.previewing.watch import watch_folder

CLIENTS = ("full", "strict")

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "View", "create_app", "serve"]

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8030
WIDTHS = {600: "Desktop 600", 375: "Phone 375"}
KEEPALIVE_SECONDS = 15.0
POLL_SECONDS = 0.25  # how soon an open event stream notices that the server is stopping


@dataclass(frozen=True)
class View:
    """What the page shows; `format` None means the format the subscriber is sent."""

    day: str | None = None
    subscriber: str | None = None
    format: str | None = None
    width: int = 600
    scheme: str = "light"
    client: str = "full"  # "strict": as Gmail, Outlook and Yahoo show it (see previewing.strict)

    def merged(self, query: Mapping[str, str]) -> View:
        """This view changed by a request's query string; unknown values are ignored."""
        view = self
        if query.get("date"):
            view = replace(view, day=query["date"])
        if query.get("subscriber"):
            view = replace(view, subscriber=query["subscriber"])
        if query.get("format") in ("html", "text"):
            view = replace(view, format=query["format"])
        if query.get("scheme") in SCHEMES:
            view = replace(view, scheme=query["scheme"])
        if query.get("client") in CLIENTS:
            view = replace(view, client=query["client"])
        with contextlib.suppress(KeyError, ValueError):
            view = replace(view, width=max(240, min(2400, int(query["width"]))))
        return view

    def query(self) -> str:
        fields: dict[str, str | int] = {"width": self.width, "scheme": self.scheme}
        if self.client != "full":
            fields["client"] = self.client
        if self.day:
            fields["date"] = self.day
        if self.subscriber:
            fields["subscriber"] = self.subscriber
        if self.format:
            fields["format"] = self.format
        return urlencode(fields)


class Live:
    """What the server keeps between requests: the change count and the issue read at it."""

    def __init__(self, folder: Folder) -> None:
        self.folder = folder
        self.version = 0
        self._lock = threading.Lock()  # Personalizer caches are not thread-safe
        self._cache: dict[str, tuple[int, Previews]] = {}
        self._listeners: set[asyncio.Queue[dict[str, Any]]] = set()
        # Set by `serve`: true once Ctrl-C was pressed, so open event streams end cleanly.
        self.closing: Callable[[], bool] = lambda: False
        # Set by `serve`: called once the page is served and edits are watched.
        self.started: Callable[[], None] = lambda: None

    def previews(self, day: str | None) -> Previews:
        """The issue of `day` as the files are now (read again only after a change)."""
        key = day or f"today {date.today()}"
        cached = self._cache.get(key)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        version = self.version
        previews = load_previews(self.folder, day)
        self._cache[key] = (version, previews)
        return previews

    def show(self, view: View, message: bool = False) -> Shown:
        """Everything about `view` (with `message`, its bytes too), or the error that stops it."""
        with self._lock:
            try:
                previews = self.previews(view.day)
                preview = previews.of(view.subscriber)
                shown = _shown(previews, preview, view)
                return replace(shown, message=preview.message().data) if message else shown
            except NewsletterError as error:
                return Shown(view, error=str(error), status=422)
            except Exception as error:  # a bug must still show on the page
                log.exception("preview failed")
                return Shown(view, error=f"{type(error).__name__}: {error}", status=500)

    def changed(self, paths: list[str]) -> None:
        """Called by the watcher: forget what was read and tell every open page."""
        self.version += 1
        self._cache.clear()
        event = {"version": self.version, "paths": paths}
        for queue in self._listeners:
            queue.put_nowait(event)

    def listen(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._listeners.add(queue)
        return queue

    def unlisten(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._listeners.discard(queue)


@dataclass(frozen=True)
class Shown:
    """One rendering of a view: the document for the iframe and what the page says around it."""

    view: View
    document: str = ""
    subject: str = ""
    name: str = "newsletter"
    day: str = ""
    fmt: str = "html"
    email: str = ""
    notes: tuple[str, ...] = ()
    subscribers: tuple[Subscriber, ...] = ()
    message: bytes = b""
    error: str = ""
    status: int = 200


def _shown(previews: Previews, preview: Preview, view: View) -> Shown:
    fmt = view.format or preview.reads
    rendered, _ = preview.personalizer.audience(preview.subscriber)
    if fmt == "html":
        html = preview.html()
        document = force_scheme(
            strict_client(html) if view.client == "strict" else html, view.scheme
        )
    else:
        document = text_page(preview.text(), rendered.subject, view.scheme)
    failures = [f"skipped {failure}" for failure in preview.issue.digest.failures]
    notes = [*preview.notes(), *preview.personalizer.warnings, *failures]
    if fmt == "html" and preview.reads == "text":
        notes.append(
            "this is the HTML that HTML readers get; switch to Text to see this reader's copy"
        )
    subscribers = previews.subscribers
    if preview.subscriber not in subscribers:
        subscribers = (preview.subscriber, *subscribers)
    return Shown(
        view,
        document=document,
        subject=rendered.subject,
        name=preview.issue.config.name,
        day=preview.issue.digest.date.isoformat(),
        fmt=fmt,
        email=preview.subscriber.email,
        notes=tuple(dict.fromkeys(notes)),
        subscribers=subscribers,
    )


def _label(s: Subscriber) -> str:
    who = f"{s.name} <{s.email}>" if s.name else s.email
    topics = ", ".join(sorted(s.topics)) if s.topics else "every section"
    status = "" if s.active else f" · {s.status.value}"
    return f"{who} · {topics} · {s.format.value}{status}"


def page_values(shown: Shown, version: int) -> dict[str, Any]:
    view = shown.view
    widths = dict(WIDTHS)
    widths.setdefault(view.width, f"{view.width} px")
    return {
        "name": shown.name,
        "subject": shown.subject,
        "day": shown.day or (view.day or ""),
        "subscribers": [{"email": s.email, "label": _label(s)} for s in shown.subscribers],
        "chosen": shown.email or view.subscriber or "",
        "fmt": shown.fmt,
        "width": view.width,
        "widths": sorted(widths.items(), reverse=True),
        "scheme": view.scheme,
        "client": view.client,
        "error": shown.error,
        "notes": shown.notes,
        "query": view.query(),
        "version": version,
        "date_option": f" --date {view.day}" if view.day else "",
        "subscriber_option": f" --subscriber {view.subscriber}" if view.subscriber else "",
        "format_option": f" --format {view.format}" if view.format else "",
    }


def create_app(folder: Folder, defaults: View | None = None, *, watch: bool = True) -> Starlette:
    """The preview app for `folder`; with `watch`, open pages reload after every edit."""
    live = Live(folder)
    start = defaults or View()

    def view_of(request: Request) -> View:
        return start.merged(request.query_params)

    async def page(request: Request) -> Response:
        view = view_of(request)
        shown = await asyncio.to_thread(live.show, view)
        return HTMLResponse(render_page(page_values(shown, live.version)), headers=_NO_STORE)

    async def issue(request: Request) -> Response:
        shown = await asyncio.to_thread(live.show, view_of(request))
        if shown.error:
            return HTMLResponse(
                error_page(shown.error), status_code=shown.status, headers=_NO_STORE
            )
        return HTMLResponse(shown.document, headers=_NO_STORE)

    async def status(request: Request) -> Response:
        shown = await asyncio.to_thread(live.show, view_of(request))
        body = {
            "version": live.version,
            "subject": shown.subject,
            "notes": list(shown.notes),
            "error": shown.error or None,
        }
        return JSONResponse(body, headers=_NO_STORE)

    async def message(request: Request) -> Response:
        shown = await asyncio.to_thread(live.show, view_of(request), True)
        if shown.error:
            return Response(shown.error + "\n", status_code=shown.status, media_type="text/plain")
        headers = {"Content-Disposition": 'inline; filename="message.eml"', **_NO_STORE}
        return Response(shown.message, media_type="message/rfc822", headers=headers)

    async def events(request: Request) -> Response:
        queue = live.listen()

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 1000\n" + _event("hello", {"version": live.version})
                quiet = 0.0
                while not live.closing():
                    try:
                        event = await asyncio.wait_for(queue.get(), POLL_SECONDS)
                    except TimeoutError:
                        quiet += POLL_SECONDS
                        if quiet >= KEEPALIVE_SECONDS:
                            quiet = 0.0
                            yield ": keep-alive\n\n"
                        continue
                    quiet = 0.0
                    yield _event("change", event)
            finally:
                live.unlisten(queue)

        headers = {"X-Accel-Buffering": "no", **_NO_STORE}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not watch:
            live.started()
            yield
            return
        stop, ready = asyncio.Event(), asyncio.Event()
        watcher = asyncio.create_task(watch_folder(folder, live.changed, stop, ready))
        # Requests wait in the listen queue until the watches are in place.
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait([waiting, watcher], timeout=10, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        live.started()
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(watcher, 5)

    routes = [
        Route("/", page),
        Route("/issue", issue),
        Route("/status", status),
        Route("/message.eml", message),
        Route("/events", events),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.live = live
    return app


_NO_STORE = {"Cache-Control": "no-store"}


def _event(name: str, data: Mapping[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def serve(
    folder: Folder,
    view: View,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the preview server until Ctrl-C; `on_ready(url)` once it listens."""
    import uvicorn

    sock = listening_socket(host, port)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    url = f"http://{shown_host}:{sock.getsockname()[1]}/"
    app = create_app(folder, view)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=3
    )
    server = uvicorn.Server(config)
    app.state.live.closing = lambda: server.should_exit
    if on_ready is not None:
        # Said once the page is live, when Ctrl-C is already uvicorn's to handle.
        app.state.live.started = lambda: on_ready(url)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
