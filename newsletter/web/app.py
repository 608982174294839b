"""The web side as a Starlette app: one-click unsubscribe (RFC 8058), preferences, archive, feed.

    app = create_app(locate())          # then run it with uvicorn (see newsletter.web.server)

Routes:
    GET  /unsubscribe/{token}    a confirmation page; a GET never unsubscribes (mail
                                 scanners follow links)
    POST /unsubscribe/{token}    unsubscribes: RFC 8058 one-click or the page's button;
                                 200, no cookie, no redirect, harmless to repeat
    GET  /preferences/{token}    resubscribe or unsubscribe
    POST /preferences/{token}    action=subscribe|unsubscribe
    GET  /archive/               every sent issue;  GET /archive/YYYY-MM-DD  one issue
    GET  /feed.atom              the Atom feed of issues
    GET  /healthz                "ok", for a proxy or a supervisor
    POST /webhooks/{provider}    bounces and complaints from Mailgun, SendGrid, Postmark,
                                 Amazon SES (newsletter.web.webhooks)

A forged, truncated or foreign token gets the same 404 page as any unknown URL, and a
valid token gets the same pages whatever the address's status: no response tells
whether an address is subscribed.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from newsletter.config import Config, load_config
from newsletter.errors import NewsletterError
from newsletter.folder import Folder
from newsletter.model import Status
from newsletter.unsubscribe import load_secret
from newsletter.web import archive, webhooks
from newsletter.web.feed import FEED_ENTRIES, atom_feed
from newsletter.web.lookup import TokenLookup
from newsletter.web.middleware import AccessLog, BodyLimit

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 4096
TEMPLATES = Path(__file__).parent / "templates"
log = logging.getLogger(__name__)

# Pages of our own: no script, no framing, forms only to ourselves, no Referer carrying a token.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_TOKEN_HEADERS = {**_PAGE_HEADERS, "Cache-Control": "no-store"}
# Archived issues are the email's HTML: remote images and inline styles, never scripts.
_ISSUE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
        "font-src https:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=300",
}


def _read_emails(path: Path) -> list[str]:
    """Every address in the file, including entries with a problem elsewhere in them:
    a typo in one entry must not stop anyone from unsubscribing."""
    from newsletter.subscribers.parse import read_text, scan_text

    scan = scan_text(read_text(path), path)
    if scan.problems:
        log.warning("%s has %d problem(s); unsubscribes still work", path, len(scan.problems))
    emails = []
    for entry in scan.checked.entries:
        if entry.subscriber is not None:
            emails.append(entry.subscriber.email)
        elif entry.key is not None:
            emails.append(entry.key)
    return emails


class _Site:
    """The handlers, sharing the folder, its config, the token lookup and the templates."""

    def __init__(self, folder: Folder, config: Config, secret: bytes) -> None:
        self.folder = folder
        self.config = config
        self.lookup = TokenLookup(folder.subscribers_path, secret, config.list_id, _read_emails)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    # pages

    def page(
        self, template: str, status: int = 200, headers: dict[str, str] | None = None, **values: Any
    ) -> HTMLResponse:
        context = {
            "name": self.config.name,
            "language": self.config.language,
            "description": self.config.description,
            **values,
        }
        html = self.templates.get_template(template).render(context)
        return HTMLResponse(html, status, headers=headers or _PAGE_HEADERS)

    def invalid(self) -> HTMLResponse:
        return self.page(
            "invalid.html.j2",
            404,
            _TOKEN_HEADERS,
            title="This link does not work",
            message=(
                "It may have been copied incompletely, or it is no longer active. "
                "If you still receive this newsletter, use the link at the bottom of "
                "the latest issue."
            ),
        )

    def unavailable(self) -> HTMLResponse:
        response = self.page(
            "invalid.html.j2",
            503,
            _TOKEN_HEADERS,
            title="Please try again in a minute",
            message="Your request could not be recorded just now. Nothing was changed.",
        )
        response.headers["Retry-After"] = "60"
        return response

    async def http_error(self, request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        if status == 404:
            return self.invalid()
        return PlainTextResponse(f"{error}\n", status, headers=_PAGE_HEADERS)

    # token pages

    async def subscriber(self, token: str) -> str | None:
        return await run_in_threadpool(self.lookup.resolve, token)

    async def set_status(self, email: str, status: Status) -> None:
        from newsletter.subscribers import UnknownSubscriberError, set_status

        # An address removed from the file meanwhile already receives nothing.
        with contextlib.suppress(UnknownSubscriberError):
            await run_in_threadpool(
                set_status,
                self.folder.subscribers_path,
                email,
                status,
                lock_path=self.folder.subscribers_lock_path,
            )

    async def unsubscribe(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            if request.method == "POST":
                # Read (and so size-check) the body; any POST here means "unsubscribe":
                # RFC 8058 clients send List-Unsubscribe=One-Click, the page's button too.
                await request.body()
            email = await self.subscriber(token)
            if email is None:
                return self.invalid()
            if request.method == "POST":
                await self.set_status(email, Status.UNSUBSCRIBED)
        except NewsletterError:
            log.exception("cannot record an unsubscribe")
            return self.unavailable()
        done = request.method == "POST"
        return self.page("unsubscribe.html.j2", 200, _TOKEN_HEADERS, done=done, token=token)

    async def preferences(self, request: Request) -> Response:
        token = request.path_params["token"]
        saved = None
        try:
            if request.method == "POST":
                await request.body()  # size-checked whatever the content type
                async with request.form(max_files=0, max_fields=8) as form:
                    action = form.get("action")
                if action not in ("subscribe", "unsubscribe"):
                    return PlainTextResponse("action must be subscribe or unsubscribe\n", 400)
                saved = str(action)
            email = await self.subscriber(token)
            if email is None:
                return self.invalid()
            if saved is not None:
                status = Status.ACTIVE if saved == "subscribe" else Status.UNSUBSCRIBED
                await self.set_status(email, status)
        except NewsletterError:
            log.exception("cannot record a preference")
            return self.unavailable()
        return self.page("preferences.html.j2", 200, _TOKEN_HEADERS, saved=saved, token=token)

    # archive

    async def home(self, request: Request) -> Response:
        return RedirectResponse("archive/", 302)

    async def health(self, request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def archive_index(self, request: Request) -> Response:
        issues = await run_in_threadpool(archive.list_issues, self.folder.archive_dir)
        headers = {**_PAGE_HEADERS, "Cache-Control": "public, max-age=300"}
        return self.page("archive.html.j2", 200, headers, issues=issues)

    async def archive_issue(self, request: Request) -> Response:
        day = archive.parse_day(request.path_params["day"])
        page = None
        if day is not None:
            page = await run_in_threadpool(archive.issue_page, self.folder.archive_dir, day)
        if page is None:
            raise HTTPException(404)
        return Response(page, 200, headers=_ISSUE_HEADERS, media_type="text/html; charset=utf-8")

    def _contents(self, issues: list[archive.ArchivedIssue]) -> dict[date, str]:
        return {i.date: archive.issue_stories(self.folder.archive_dir, i.date) for i in issues}

    async def feed(self, request: Request) -> Response:
        issues = await run_in_threadpool(archive.list_issues, self.folder.archive_dir)
        contents = await run_in_threadpool(self._contents, issues[:FEED_ENTRIES])
        return Response(
            atom_feed(self.config, issues, contents),
            200,
            headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
            media_type="application/atom+xml; charset=utf-8",
        )


def create_app(folder: Folder, *, fetch: webhooks.Fetch | None = None) -> Starlette:
    """The web app of `folder`. Reads newsletter.yaml and the unsubscribe secret now
    (ConfigError if either is wrong); the subscriber file and archive per request.
    `fetch` is how the webhooks reach the network (see `newsletter.web.webhooks`)."""
    config = load_config(folder.config_path)
    site = _Site(folder, config, load_secret(config))
    routes = [
        Route("/", site.home),
        Route("/healthz", site.health),
        Route("/unsubscribe/{token}", site.unsubscribe, methods=["GET", "POST"]),
        Route("/preferences/{token}", site.preferences, methods=["GET", "POST"]),
        Route("/archive/", site.archive_index),
        Route("/archive/{day}", site.archive_issue),
        Route("/feed.atom", site.feed),
        *webhooks.routes(folder, config, fetch),
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(AccessLog),
            Middleware(
                BodyLimit,
                max_bytes=MAX_BODY_BYTES,
                larger={webhooks.PREFIX: webhooks.MAX_BODY_BYTES},
            ),
        ],
        exception_handlers={HTTPException: site.http_error},
    )
