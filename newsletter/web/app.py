"""The web side as a Starlette app: one-click unsubscribe (RFC 8058), preferences, archive, feed.

    app = create_app(locate())          # then run it with uvicorn (see newsletter.web.server)

Routes:
    GET  /unsubscribe/{token}    a confirmation page; a GET never unsubscribes (mail
                                 scanners follow links)
    POST /unsubscribe/{token}    unsubscribes: RFC 8058 one-click or the page's button;
                                 200, no cookie, no redirect, harmless to repeat
    GET  /preferences/{token}    the reader's status, name, topics, format and frequency
    POST /preferences/{token}    action=subscribe|unsubscribe, or action=save with the form
    GET  /subscribe              the signup form;  POST /subscribe  signs up (double opt-in)
    GET  /confirm/{token}        a button;  POST /confirm/{token}  confirms the signup
    GET  /archive/               every sent issue;  GET /archive/YYYY-MM-DD  one issue
    GET  /feed.atom              the Atom feed of issues
    GET  /healthz                "ok", for a proxy or a supervisor
    POST /webhooks/{provider}    bounces and complaints from Mailgun, SendGrid, Postmark,
                                 Amazon SES (newsletter.web.webhooks)

A forged, truncated or foreign token gets the same 404 page as any unknown URL, and the
unsubscribe pages are the same whatever the address's status. (The preferences page
shows the holder of the token their own choices.)

Changes are recorded in the folder's journal before the answer and folded into
subscribers.yaml in batches (see newsletter.web.changes): a request costs the same at
any list size.
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
from newsletter.unsubscribe import load_secret, lookup_id
from newsletter.web import archive, webhooks
from newsletter.web.changes import WebChanges
from newsletter.web.feed import FEED_ENTRIES, atom_feed
from newsletter.web.lookup import TokenLookup
from newsletter.web.middleware import AccessLog, BodyLimit
from newsletter.web.signup import Signup

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 4096
TEMPLATES = Path(__file__).parent / "templates"
PACKAGE_TEMPLATES = Path(__file__).parent.parent / "templates"  # the signup form's
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
    from newsletter.errors import SubscriberFileError
    from newsletter.subscribers.parse import load, read_text, scan_text

    try:  # a file without problems: the quick reader
        return [s.email for s in load(path, smtputf8=True)]
    except SubscriberFileError:
        pass
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
        self.changes = WebChanges(folder, secret, config.list_id, smtputf8=config.sending.smtputf8)
        self.signup = Signup(
            folder, config, secret, self.changes, self.page, self.invalid, self.unavailable
        )
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader([TEMPLATES, PACKAGE_TEMPLATES]),
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
        return await run_in_threadpool(self._resolve, token)

    def _resolve(self, token: str) -> str | None:
        found = self.lookup.resolve(token)
        if found is None and lookup_id(token) is not None:
            # A reader who signed up moments ago is in the journal, not yet in the file.
            found = self.changes.created_index().resolve(token)
        return found

    async def set_status(self, email: str, status: Status) -> None:
        # One journal commit; the file gets it with the next batch. An address removed
        # from the file meanwhile already receives nothing: the fold passes it by.
        await self.changes.record(email, {"status": status.value})

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
        """The reader's choices: status, name, topics and format, each saved on POST.

        action=subscribe|unsubscribe is one button each; action=save stores the form."""
        token = request.path_params["token"]
        saved = None
        form: dict[str, list[str]] = {}
        try:
            if request.method == "POST":
                await request.body()  # size-checked whatever the content type
                async with request.form(max_files=0, max_fields=64) as data:
                    form = {key: [str(v) for v in data.getlist(key)] for key in data}
                action = (form.get("action") or [""])[0]
                if action not in ("subscribe", "unsubscribe", "save"):
                    return PlainTextResponse("action must be subscribe, unsubscribe or save\n", 400)
                saved = str(action)
            email = await self.subscriber(token)
            if email is None:
                return self.invalid()
            if saved == "save":
                values = self._choices(form)
                if isinstance(values, str):
                    return await self._preferences_page(email, token, None, 400, values)
                await self.changes.record(email, values)
            elif saved is not None:
                status = Status.ACTIVE if saved == "subscribe" else Status.UNSUBSCRIBED
                await self.set_status(email, status)
        except NewsletterError:
            log.exception("cannot record a preference")
            return self.unavailable()
        return await self._preferences_page(email, token, saved)

    def _choices(self, form: dict[str, list[str]]) -> dict[str, object] | str:
        """The values of a saved preferences form, or what is wrong with it."""
        from newsletter.subscribers.schema import text_problem

        unknown = set(form) - {"action", "name", "topics", "format", "frequency"}
        single = ("name", "format", "frequency")
        if unknown or any(len(form.get(key, [""])) > 1 for key in single):
            return "The form was not filled in as expected; nothing was changed."
        offered = {s.key for s in self.config.sections}
        topics = sorted(set(form.get("topics", [])))
        if any(t not in offered for t in topics):
            return "Please choose topics among those listed; nothing was changed."
        fmt = (form.get("format") or ["html"])[0]
        if fmt not in ("html", "text"):
            return "The format is HTML or plain text; nothing was changed."
        frequency = (form.get("frequency") or ["daily"])[0]
        if frequency not in ("daily", "weekly"):
            return "The frequency is daily or weekly; nothing was changed."
        name = (form.get("name") or [""])[0].strip()
        if text_problem(name) or len(name) > 100:
            return "Please write your name on one line; nothing was changed."
        return {"name": name or None, "topics": topics, "format": fmt, "frequency": frequency}

    async def _preferences_page(
        self, email: str, token: str, saved: str | None, status: int = 200, error: str = ""
    ) -> HTMLResponse:
        reader = await self.changes.state(email)
        return self.page(
            "preferences.html.j2",
            status,
            _TOKEN_HEADERS,
            saved=saved,
            token=token,
            error=error,
            state=reader.status.value if reader else "unsubscribed",
            reader_name=(reader.name or "") if reader else "",
            chosen=sorted(reader.topics) if reader else [],
            format=reader.format.value if reader else "html",
            frequency=reader.frequency.value if reader else "daily",
            weekly_day=self.config.digest.weekly_day.capitalize(),
            sections=[(s.key, s.title) for s in self.config.sections],
        )

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
    site.changes.fold_now()  # what a server stopped before its last batch left
    with contextlib.suppress(NewsletterError):  # an unreadable list: each request says so
        site.lookup.warm()  # a long list's tokens before the first request, not during it
    routes = [
        Route("/", site.home),
        Route("/healthz", site.health),
        Route("/unsubscribe/{token}", site.unsubscribe, methods=["GET", "POST"]),
        Route("/preferences/{token}", site.preferences, methods=["GET", "POST"]),
        Route("/subscribe", site.signup.subscribe, methods=["GET", "POST"]),
        Route("/confirm/{token}", site.signup.confirm, methods=["GET", "POST"]),
        Route("/archive/", site.archive_index),
        Route("/archive/{day}", site.archive_issue),
        Route("/feed.atom", site.feed),
        *webhooks.routes(folder, config, fetch),
    ]
    app = Starlette(
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
    app.state.changes = site.changes  # `serve` folds what is left when it stops
    return app
