"""Signup with double opt-in: GET/POST /subscribe and GET/POST /confirm/{token}.

A POST to /subscribe gets the same "check your inbox" page, with the same status, whether
the address is new, pending, active or unsubscribed, and the confirmation goes out after
the answer: no response tells whether an address is on the list. An active reader gets
nothing; a new, pending or unsubscribed address becomes (or stays) `pending` and gets a
confirmation, a few per address per day at most; a client gets a few signups an hour.
A GET of the confirmation link shows a button (mail scanners fetch every link); only the
POST confirms, once: a link replayed after a later unsubscribe changes nothing.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.folder import Folder
from newsletter.model import Status, Subscriber
from newsletter.signup import compose, confirm_token, confirm_url, deliver, read_confirm_token
from newsletter.subscribers.addresses import normalize_address
from newsletter.subscribers.errors import AddressError
from newsletter.subscribers.schema import text_problem
from newsletter.unsubscribe import Tokens, preferences_url, unsubscribe_url
from newsletter.web.changes import WebChanges

__all__ = ["Signup"]

log = logging.getLogger(__name__)
Page = Callable[..., HTMLResponse]
_DAY, _HOUR = 86400.0, 3600.0


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _epoch(text: object) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


class Signup:
    """The signup and confirmation handlers of one served folder."""

    def __init__(
        self,
        folder: Folder,
        config: Config,
        secret: bytes,
        changes: WebChanges,
        page: Page,
        invalid: Callable[[], HTMLResponse],
        unavailable: Callable[[], HTMLResponse],
    ) -> None:
        self.folder = folder
        self.config = config
        self.secret = secret
        self.changes = changes
        self.page = page
        self.invalid = invalid
        self.unavailable = unavailable
        self.tokens = Tokens(secret, config.list_id)
        self.topics = [(s.key, s.title) for s in config.sections]

    def form_page(self, status: int = 200, **values: Any) -> HTMLResponse:
        context: dict[str, Any] = {
            "action": "subscribe",
            "topics": self.topics,
            "expiry_days": f"{self.config.signup.expiry_days:g}",
            "sent": False,
            "error": None,
            **values,
        }
        return self.page("subscribe.html.j2", status, **context)

    async def subscribe(self, request: Request) -> Response:
        if request.method == "GET":
            return self.form_page()
        await request.body()  # size-checked whatever the content type
        async with request.form(max_files=0, max_fields=64) as form:
            fields = {key: [str(v) for v in form.getlist(key)] for key in form}
        unknown = set(fields) - {"email", "name", "topics", "website"}
        if unknown or len(fields.get("email", [])) != 1 or len(fields.get("name", [])) > 1:
            return self.form_page(400, error="The form was not filled in as expected; try again.")
        try:
            email = normalize_address(
                fields["email"][0].strip(), smtputf8=self.config.sending.smtputf8
            )
        except AddressError:
            return self.form_page(400, error="That does not look like an email address.")
        name = (fields.get("name") or [""])[0].strip() or None
        if name is not None and (text_problem(name) or len(name) > 100):
            return self.form_page(400, error="Please write your name on one line.")
        topics = sorted(set(fields.get("topics", [])))
        offered = {key for key, _ in self.topics}
        if any(t not in offered for t in topics):
            return self.form_page(400, error="Please choose topics among those listed.")
        client = request.client.host if request.client else "-"
        sent = self.form_page(200, sent=True)
        if any(fields.get("website", [])):  # only robots fill in the hidden field
            return sent
        try:
            task = await run_in_threadpool(self._signup, email, name, topics, client, request)
        except NewsletterError:
            log.exception("cannot record a signup")
            return self.unavailable()
        self.changes.schedule_fold()
        if task == "limited":
            return self.form_page(
                429, error="Too many signups from your network just now; try again in an hour."
            )
        if task is not None:
            sent.background = BackgroundTask(self._mail, *task)
        return sent

    def _signup(
        self, email: str, name: str | None, topics: list[str], client: str, request: Request
    ) -> tuple[str, str, str | None, dict[str, str]] | str | None:
        """Record the signup; the confirmation to send after the answer, if any."""
        journal = self.changes.journal
        now = time.time()
        limits = self.config.signup
        if (
            journal.mails_since(now - _HOUR, client=client, kind="signup")
            >= limits.per_client_per_hour
        ):
            return "limited"
        journal.mail_claim(f"signup:{secrets.token_hex(8)}", "signup", email, client, now)
        current = self.changes._state(email)
        if current is not None and current.status in (Status.ACTIVE, Status.BOUNCED):
            return None  # nothing to confirm; the answer says the same as for anyone
        if (
            journal.mails_since(now - _DAY, email=email, kind="confirm")
            >= limits.per_address_per_day
        ):
            return None
        when = int(now)
        origin = request.headers.get("origin") or request.headers.get("referer") or ""
        how = f"{self.config.site_url}/subscribe form"
        if origin and not origin.startswith(self.config.site_url):
            how += f" on {origin[:200]}"
        fields = dict(current.fields) if current is not None else {}
        fields.update(signup_at=_iso(when), signup_from=f"{how}, client {client}")
        values: dict[str, object] = {"fields": fields}
        if current is None or current.status is Status.PENDING:
            values.update(status=Status.PENDING.value, name=name, topics=topics)
        if current is None:
            values["email"] = email
        self.changes.journal.record(email, values, create=current is None)
        key = f"confirm:{email}:{when}"
        if not journal.mail_claim(key, "confirm", email, client, now):
            return None
        token = confirm_token(self.secret, self.config.list_id, email, when)
        return key, email, name, {"confirm_url": confirm_url(self.config, token)}

    async def _mail(self, key: str, email: str, name: str | None, links: dict[str, str]) -> None:
        """Send the confirmation (or welcome) claimed under `key`: after the answer, so
        that its time tells nothing."""
        kind = key.partition(":")[0]
        try:
            message = compose(self.config, self.folder.templates_dir, kind, email, name, links)
            delivered, said = await deliver(self.config, message)
        except Exception as error:  # a template or SMTP setting: logged, the page is sent
            log.warning("the %s message to a new reader was not sent: %s", kind, error)
            await run_in_threadpool(self.changes.journal.mail_done, key, "failed")
            return
        await run_in_threadpool(
            self.changes.journal.mail_done, key, "sent" if delivered else "failed"
        )
        if not delivered:
            log.warning("the %s message to a new reader was refused: %s", kind, said)

    # /confirm/{token}

    def _check(self, token: str, current: Subscriber | None, when: int) -> str:
        """ "ok", "expired" or "invalid", for the token's signup and the entry as it stands."""
        if current is None or current.status not in (Status.PENDING, Status.UNSUBSCRIBED):
            return "invalid"
        signed_up = _epoch(current.fields.get("signup_at"))
        consented = _epoch(current.fields.get("consent_at"))
        if signed_up != when or (consented is not None and consented >= when):
            return "invalid"  # another signup's link, or one already used
        if time.time() > when + self.config.signup.expiry_days * _DAY:
            return "expired"
        return "ok"

    async def confirm(self, request: Request) -> Response:
        token = request.path_params["token"]
        if request.method == "POST":
            await request.body()
        found = read_confirm_token(self.secret, self.config.list_id, token)
        if found is None:
            return self.invalid()
        email, when = found
        try:
            current = await self.changes.state(email)
            verdict = self._check(token, current, when)
            if verdict == "expired":
                return self.page(
                    "invalid.html.j2",
                    410,
                    title="This link has expired",
                    message="Confirmation links work for a limited time. Sign up again to get a new one.",
                )
            if verdict != "ok" or current is None:
                return self.invalid()
            if request.method == "GET":
                return self.page("confirm.html.j2", 200, done=False, email=email)
            now = time.time()
            fields = dict(current.fields)
            fields.update(
                consent_at=_iso(now),
                consent_how=f"double opt-in: confirmed at {self.config.site_url}/confirm "
                f"(signed up {fields.get('signup_at', '?')})",
            )
            values: dict[str, object] = {"status": Status.ACTIVE.value, "fields": fields}
            if current.joined is None:
                values["joined"] = datetime.now(self.config.timezone).date().isoformat()
            await self.changes.record(email, values)
        except NewsletterError:
            log.exception("cannot record a confirmation")
            return self.unavailable()
        response = self.page("confirm.html.j2", 200, done=True, email=email)
        key = f"welcome:{email}:{when}"
        if self.config.signup.welcome and await run_in_threadpool(
            self.changes.journal.mail_claim, key, "welcome", email, "-", now
        ):
            personal = self.tokens(email)
            links = {
                "unsubscribe_url": unsubscribe_url(self.config, personal),
                "preferences_url": preferences_url(self.config, personal),
            }
            response.background = BackgroundTask(self._mail, key, email, current.name, links)
        return response
