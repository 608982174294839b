"""Provider webhooks: bounces and complaints reported by the sending service itself.

    POST /webhooks/mailgun    HMAC-SHA256 of timestamp+token with the signing key
                              (NEWSLETTER_MAILGUN_SIGNING_KEY)
    POST /webhooks/sendgrid   ECDSA P-256 over timestamp+body, the key SendGrid shows
                              (NEWSLETTER_SENDGRID_PUBLIC_KEY, base64 DER)
    POST /webhooks/postmark   HTTP basic auth (NEWSLETTER_POSTMARK_WEBHOOK_PASSWORD; user
                              NEWSLETTER_POSTMARK_WEBHOOK_USER, default "postmark")
    POST /webhooks/ses        Amazon SNS: the message signature checked against a
                              certificate fetched only from sns.<region>.amazonaws.com,
                              the topic NEWSLETTER_SES_TOPIC_ARN, subscriptions confirmed

A provider whose variable is unset is not served (404). Unsigned requests get 401,
forged or stale ones (past the timestamp window) 403, and nothing changes. Each event
is applied once (`bounces.intake`), keyed by the provider's event id: a replay inside
the window is answered 200 and does nothing again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from newsletter.bounces.events import Event
from newsletter.bounces.report import Kind
from newsletter.config import Config
from newsletter.errors import NewsletterError
from newsletter.folder import Folder

__all__ = ["MAX_BODY_BYTES", "PREFIX", "Fetch", "routes"]

PREFIX = "/webhooks/"
MAX_BODY_BYTES = 1_000_000  # SendGrid batches events; a megabyte holds thousands
WINDOW = 300  # seconds a signed timestamp stays good (Mailgun, SendGrid)
SNS_WINDOW = 3600  # SNS retries for about an hour
log = logging.getLogger(__name__)

Fetch = Callable[[str], bytes]
"""Gets a URL's body: the SNS signing certificate, the subscription confirmation."""

_SNS_URL = re.compile(r"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")


def fetch_url(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read(65536)
        return data


class Refused(Exception):
    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status
        self.why = why


@dataclass(frozen=True)
class Report:
    """One provider event, read: what it says about which address."""

    id: str
    kind: Kind
    email: str
    status: str | None = None
    reason: str = ""


def routes(folder: Folder, config: Config, fetch: Fetch | None = None) -> list[Route]:
    """The webhook routes of `folder`; `fetch` reaches the network (SNS certificates)."""
    hooks = _Hooks(folder, config, fetch or fetch_url)
    return [Route(f"{PREFIX}{{provider}}", hooks.receive, methods=["POST"])]


class _Hooks:
    def __init__(self, folder: Folder, config: Config, fetch: Fetch) -> None:
        self.folder, self.config, self.fetch = folder, config, fetch
        self.certificates: dict[str, Any] = {}
        self.readers: dict[str, Callable[[Request, bytes], Awaitable[list[Report]]]] = {
            "mailgun": self.mailgun,
            "sendgrid": self.sendgrid,
            "postmark": self.postmark,
            "ses": self.ses,
        }

    async def receive(self, request: Request) -> Response:
        provider = request.path_params["provider"]
        reader = self.readers.get(provider)
        if reader is None or not _configured(provider):
            return JSONResponse({"error": "no such webhook"}, 404)
        body = await request.body()
        try:
            reports = await reader(request, body)
        except Refused as refused:
            log.warning("webhook %s refused: %s", provider, refused.why)
            return JSONResponse({"error": refused.why}, refused.status)
        try:
            outcomes = await run_in_threadpool(self.apply, provider, reports)
        except NewsletterError as error:  # the subscriber file unreadable now: retry later
            log.error("webhook %s not applied: %s", provider, error)
            return JSONResponse({"error": "try again later"}, 503)
        return JSONResponse({"ok": True, "events": outcomes})

    def apply(self, provider: str, reports: list[Report]) -> list[str]:
        from newsletter.bounces.intake import Intake

        intake = Intake(self.folder, self.config)
        try:
            out = []
            for r in reports:
                event = Event(
                    f"{provider}:{r.id}",
                    intake.now,
                    f"webhook:{provider}",
                    r.kind.value,
                    r.email.strip().casefold(),
                    None,
                    r.status,
                    provider,
                    r.reason[:300],
                    "",
                )
                out.append(intake.handle_event(event).event.outcome)
            return out
        finally:
            intake.close()

    # Mailgun: {"signature": {timestamp, token, signature}, "event-data": {...}}

    async def mailgun(self, request: Request, body: bytes) -> list[Report]:
        payload = _json(body)
        signature = payload.get("signature") if isinstance(payload, dict) else None
        if not isinstance(signature, dict) or not signature.get("signature"):
            raise Refused(401, "unsigned")
        stamp, token = str(signature.get("timestamp", "")), str(signature.get("token", ""))
        key = os.environ["NEWSLETTER_MAILGUN_SIGNING_KEY"].encode()
        expected = hmac.new(key, (stamp + token).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, str(signature["signature"])):
            raise Refused(403, "the signature does not verify")
        _fresh(stamp, WINDOW)
        data = payload.get("event-data")
        if not isinstance(data, dict):
            return []
        event, severity = str(data.get("event", "")), str(data.get("severity", ""))
        found = data.get("delivery-status")
        status: dict[str, Any] = found if isinstance(found, dict) else {}
        kind = {
            ("failed", "permanent"): Kind.HARD,
            ("failed", "temporary"): Kind.SOFT,
            ("complained", ""): Kind.COMPLAINT,
            ("delivered", ""): Kind.DELIVERED,
        }.get((event, severity if event == "failed" else ""))
        if kind is None or not data.get("recipient"):
            return []
        code = status.get("enhanced-code") or status.get("code")
        reason = str(status.get("description") or status.get("message") or event)
        return [Report(token, kind, str(data["recipient"]), _str(code), reason)]

    # SendGrid: a JSON array of events, signed with ECDSA over timestamp + body

    async def sendgrid(self, request: Request, body: bytes) -> list[Report]:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        signature = request.headers.get("x-twilio-email-event-webhook-signature")
        stamp = request.headers.get("x-twilio-email-event-webhook-timestamp")
        if not signature or not stamp:
            raise Refused(401, "unsigned")
        try:
            key = serialization.load_der_public_key(
                base64.b64decode(os.environ["NEWSLETTER_SENDGRID_PUBLIC_KEY"])
            )
            assert isinstance(key, ec.EllipticCurvePublicKey)
            key.verify(
                base64.b64decode(signature), stamp.encode() + body, ec.ECDSA(hashes.SHA256())
            )
        except (InvalidSignature, binascii.Error, ValueError) as error:
            raise Refused(403, "the signature does not verify") from error
        _fresh(stamp, WINDOW)
        events = _json(body)
        out = []
        for e in events if isinstance(events, list) else []:
            if not isinstance(e, dict) or not e.get("email") or not e.get("sg_event_id"):
                continue
            name = str(e.get("event", ""))
            kind = {
                "bounce": Kind.SOFT if e.get("type") == "blocked" else Kind.HARD,
                "deferred": Kind.SOFT,
                "spamreport": Kind.COMPLAINT,
                "delivered": Kind.DELIVERED,
            }.get(name)
            if kind is not None:
                reason = str(e.get("reason") or e.get("response") or name)
                out.append(
                    Report(
                        str(e["sg_event_id"]), kind, str(e["email"]), _str(e.get("status")), reason
                    )
                )
        return out

    # Postmark: basic auth on the webhook URL; one record per request

    async def postmark(self, request: Request, body: bytes) -> list[Report]:
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("basic "):
            raise Refused(401, "no credentials")
        try:
            given = base64.b64decode(auth[6:]).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise Refused(401, "unreadable credentials") from error
        user = os.environ.get("NEWSLETTER_POSTMARK_WEBHOOK_USER", "postmark")
        expected = f"{user}:{os.environ['NEWSLETTER_POSTMARK_WEBHOOK_PASSWORD']}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise Refused(403, "wrong credentials")
        record = _json(body)
        if not isinstance(record, dict):
            return []
        kind_of = {"HardBounce": Kind.HARD, "BadEmailAddress": Kind.HARD}
        kind_of |= {t: Kind.SOFT for t in ("SoftBounce", "Transient", "DnsError", "Blocked")}
        record_type = str(record.get("RecordType", ""))
        if record_type == "Bounce":
            kind = kind_of.get(str(record.get("Type", "")))
        else:
            kind = {"SpamComplaint": Kind.COMPLAINT, "Delivery": Kind.DELIVERED}.get(record_type)
        email = record.get("Email") or record.get("Recipient")
        if kind is None or not email:
            return []
        ident = str(record.get("ID") or record.get("MessageID") or hashlib.sha256(body).hexdigest())
        reason = str(record.get("Description") or record.get("Details") or record_type)
        return [Report(f"{record_type}:{ident}", kind, str(email), None, reason)]

    # Amazon SES through SNS

    async def ses(self, request: Request, body: bytes) -> list[Report]:
        message = _json(body)
        if not isinstance(message, dict) or not message.get("Signature"):
            raise Refused(401, "unsigned")
        if message.get("TopicArn") != os.environ["NEWSLETTER_SES_TOPIC_ARN"]:
            raise Refused(403, "not the configured topic")
        await run_in_threadpool(self._verify_sns, message)
        _fresh_iso(str(message.get("Timestamp", "")), SNS_WINDOW)
        kind = message.get("Type")
        if kind == "SubscriptionConfirmation":
            url = str(message.get("SubscribeURL", ""))
            if not _SNS_URL.match(url):
                raise Refused(403, "the subscription URL is not Amazon SNS's")
            await run_in_threadpool(self.fetch, url)
            log.info("confirmed the SNS subscription to %s", message.get("TopicArn"))
            return []
        if kind != "Notification":
            return []
        notification = _json(str(message.get("Message", "")).encode())
        return _ses_reports(notification, str(message.get("MessageId", "")))

    def _verify_sns(self, message: dict[str, Any]) -> None:
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        url = str(message.get("SigningCertURL") or message.get("SigningCertUrl") or "")
        if not _SNS_URL.match(url) or not url.endswith(".pem"):
            raise Refused(403, "the certificate is not Amazon SNS's")
        certificate = self.certificates.get(url)
        if certificate is None:
            try:
                certificate = x509.load_pem_x509_certificate(self.fetch(url))
            except (OSError, ValueError) as error:
                raise Refused(403, f"cannot read the signing certificate: {error}") from error
            self.certificates[url] = certificate
        fields = {
            "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
        }.get(
            str(message.get("Type")),
            ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
        )
        canonical = "".join(
            f"{name}\n{message[name]}\n" for name in fields if message.get(name) is not None
        )
        algorithm = (
            hashes.SHA256() if str(message.get("SignatureVersion")) == "2" else hashes.SHA1()
        )
        key = certificate.public_key()
        try:
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(
                base64.b64decode(str(message["Signature"])),
                canonical.encode(),
                padding.PKCS1v15(),
                algorithm,
            )
        except (InvalidSignature, binascii.Error, AssertionError) as error:
            raise Refused(403, "the signature does not verify") from error


def _ses_reports(notification: Any, message_id: str) -> list[Report]:
    if not isinstance(notification, dict):
        return []
    kind_name = str(notification.get("notificationType") or notification.get("eventType") or "")
    out = []
    if kind_name == "Bounce" and isinstance(notification.get("bounce"), dict):
        bounce = notification["bounce"]
        kind = Kind.HARD if bounce.get("bounceType") == "Permanent" else Kind.SOFT
        for r in bounce.get("bouncedRecipients") or []:
            if isinstance(r, dict) and r.get("emailAddress"):
                reason = str(r.get("diagnosticCode") or bounce.get("bounceSubType") or "bounce")
                out.append(
                    Report(message_id, kind, str(r["emailAddress"]), _str(r.get("status")), reason)
                )
    elif kind_name == "Complaint" and isinstance(notification.get("complaint"), dict):
        complaint = notification["complaint"]
        for r in complaint.get("complainedRecipients") or []:
            if isinstance(r, dict) and r.get("emailAddress"):
                why = str(complaint.get("complaintFeedbackType") or "abuse")
                out.append(Report(message_id, Kind.COMPLAINT, str(r["emailAddress"]), None, why))
    elif kind_name == "Delivery" and isinstance(notification.get("delivery"), dict):
        for email in notification["delivery"].get("recipients") or []:
            out.append(Report(message_id, Kind.DELIVERED, str(email), None, "delivered"))
    # One SNS message may name several recipients: one event each.
    return [
        Report(f"{r.id}:{i}" if len(out) > 1 else r.id, r.kind, r.email, r.status, r.reason)
        for i, r in enumerate(out)
    ]


def _configured(provider: str) -> bool:
    variable = {
        "mailgun": "NEWSLETTER_MAILGUN_SIGNING_KEY",
        "sendgrid": "NEWSLETTER_SENDGRID_PUBLIC_KEY",
        "postmark": "NEWSLETTER_POSTMARK_WEBHOOK_PASSWORD",
        "ses": "NEWSLETTER_SES_TOPIC_ARN",
    }[provider]
    return bool(os.environ.get(variable))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise Refused(400, "the body is not JSON") from error


def _str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _fresh(stamp: str, window: int) -> None:
    try:
        when = float(stamp)
    except ValueError as error:
        raise Refused(403, "no timestamp") from error
    if abs(time.time() - when) > window:
        raise Refused(403, "stale: outside the timestamp window (a replay?)")


def _fresh_iso(stamp: str, window: int) -> None:
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError as error:
        raise Refused(403, "no timestamp") from error
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    _fresh(str(when.timestamp()), window)
