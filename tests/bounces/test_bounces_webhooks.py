"""Provider webhooks on a real uvicorn, hit by a real HTTP client, signed with keys the
test makes: what is signed changes the reader; unsigned, forged, stale and replayed
requests change nothing."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from newsletter.folder import locate
from newsletter.web import create_app
from newsletter.web.server import bound_socket, make_server
from tests.bounces.helpers import status_of

CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:newsletter-bounces"


@contextlib.contextmanager
def served(folder: Path, fetched: dict[str, bytes] | None = None) -> Iterator[httpx.Client]:
    """The folder's app under a real uvicorn; `fetched` answers the URLs the SNS
    webhook fetches (its certificate, the subscription confirmation) and records them."""
    answers = fetched if fetched is not None else {}
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return answers.get(url, b"<ConfirmSubscriptionResponse/>")

    server = make_server(create_app(locate(folder), fetch=fetch), log=False)
    sock = bound_socket("127.0.0.1", 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            thread.join(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with httpx.Client(base_url=url, timeout=10) as client:
            client.asked = asked  # type: ignore[attr-defined]
            yield client
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _mailgun(
    key: str, event: dict[str, object], *, age: float = 0, token: str = "t" * 50
) -> dict[str, object]:
    stamp = str(int(time.time() - age))
    signature = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": stamp, "token": token, "signature": signature},
        "event-data": event,
    }


def test_mailgun_signed_bounce_applies_and_the_rest_is_refused(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Mailgun permanent failure signed with the signing key makes the reader bounced;
    unsigned (401), forged or stale (403) ones change nothing; the same signed request
    again is answered 200 and applied no second time."""
    monkeypatch.setenv("NEWSLETTER_MAILGUN_SIGNING_KEY", "key-mailgun-test")
    failed = {
        "event": "failed",
        "severity": "permanent",
        "recipient": "ada@example.com",
        "delivery-status": {"code": 550, "message": "5.1.1 no such user"},
    }
    before = (folder / "subscribers.yaml").read_text()
    with served(folder) as client:
        assert client.post("/webhooks/mailgun", json={"event-data": failed}).status_code == 401
        forged = _mailgun("another-key", failed)
        assert client.post("/webhooks/mailgun", json=forged).status_code == 403
        stale = _mailgun("key-mailgun-test", failed, age=3600)
        assert client.post("/webhooks/mailgun", json=stale).status_code == 403
        assert (folder / "subscribers.yaml").read_text() == before
        good = _mailgun("key-mailgun-test", failed)
        answer = client.post("/webhooks/mailgun", json=good)
        assert answer.status_code == 200 and answer.json()["events"] == ["bounced"]
        assert status_of(folder, "ada@example.com") == "bounced"
        again = client.post("/webhooks/mailgun", json=good)
        assert again.status_code == 200
        stranger = _mailgun(
            "key-mailgun-test", failed | {"recipient": "x@example.org"}, token="u" * 50
        )
        assert client.post("/webhooks/mailgun", json=stranger).json()["events"] == [
            "refused: not a reader"
        ]


def test_sendgrid_events_signed_with_ecdsa(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SendGrid spam report signed with the account's ECDSA key makes the reader
    complained; a body changed after signing is 403, a request without the signature
    headers 401."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    monkeypatch.setenv("NEWSLETTER_SENDGRID_PUBLIC_KEY", base64.b64encode(public).decode())
    body = json.dumps(
        [
            {
                "email": "ken@example.net",
                "event": "spamreport",
                "timestamp": int(time.time()),
                "sg_event_id": "sg-1",
            }
        ]
    ).encode()
    stamp = str(int(time.time()))
    signature = base64.b64encode(key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256())))
    headers = {
        "X-Twilio-Email-Event-Webhook-Signature": signature.decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
        "Content-Type": "application/json",
    }
    with served(folder) as client:
        assert client.post("/webhooks/sendgrid", content=body).status_code == 401
        changed = body.replace(b"ken@example.net", b"ada@example.com")
        assert (
            client.post("/webhooks/sendgrid", content=changed, headers=headers).status_code == 403
        )
        assert status_of(folder, "ada@example.com") == "active"
        answer = client.post("/webhooks/sendgrid", content=body, headers=headers)
        assert answer.status_code == 200, answer.text
    assert status_of(folder, "ken@example.net") == "complained"


def test_postmark_basic_auth(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Postmark HardBounce with the webhook's credentials makes the reader bounced;
    without credentials 401, with wrong ones 403."""
    monkeypatch.setenv("NEWSLETTER_POSTMARK_WEBHOOK_PASSWORD", "pm-secret")
    record = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "ID": 42,
        "Email": "grace@example.org",
        "Description": "The server was unable to deliver",
    }
    with served(folder) as client:
        assert client.post("/webhooks/postmark", json=record).status_code == 401
        wrong = client.post("/webhooks/postmark", json=record, auth=("postmark", "guess"))
        assert wrong.status_code == 403
        assert status_of(folder, "grace@example.org") == "active"
        good = client.post("/webhooks/postmark", json=record, auth=("postmark", "pm-secret"))
        assert good.status_code == 200
    assert status_of(folder, "grace@example.org") == "bounced"


def _sns_key() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


def _sns(key: rsa.RSAPrivateKey, kind: str, **fields: str) -> dict[str, str]:
    message = {
        "Type": kind,
        "MessageId": fields.pop("MessageId", "m-1"),
        "TopicArn": TOPIC,
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "SignatureVersion": "2",
        "SigningCertURL": CERT_URL,
        **fields,
    }
    names = (
        ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        if kind == "Notification"
        else ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    )
    canonical = "".join(f"{n}\n{message[n]}\n" for n in names if n in message)
    signature = key.sign(canonical.encode(), padding.PKCS1v15(), hashes.SHA256())
    message["Signature"] = base64.b64encode(signature).decode()
    return message


def test_ses_through_sns(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SES through SNS: the subscription confirmation is answered by fetching its
    SubscribeURL; a signed Permanent bounce makes the reader bounced; a signature made
    with another key, a certificate from a host that is not SNS's, or another topic is
    403, and the foreign certificate URL is never fetched."""
    monkeypatch.setenv("NEWSLETTER_SES_TOPIC_ARN", TOPIC)
    key, pem = _sns_key()
    subscribe = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc"
    bounce = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [
                {
                    "emailAddress": "margaret@example.com",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
        },
        "mail": {"source": "bounces@news.example.com"},
    }
    with served(folder, {CERT_URL: pem}) as client:
        confirm = _sns(
            key, "SubscriptionConfirmation", Message="confirm", SubscribeURL=subscribe, Token="abc"
        )
        assert client.post("/webhooks/ses", json=confirm).status_code == 200
        assert subscribe in client.asked  # type: ignore[attr-defined]
        other, _ = _sns_key()
        forged = _sns(other, "Notification", Message=json.dumps(bounce), MessageId="m-2")
        assert client.post("/webhooks/ses", json=forged).status_code == 403
        foreign = _sns(
            key,
            "Notification",
            Message=json.dumps(bounce),
            MessageId="m-3",
            SigningCertURL="https://evil.example.com/cert.pem",
        )
        assert client.post("/webhooks/ses", json=foreign).status_code == 403
        assert "https://evil.example.com/cert.pem" not in client.asked  # type: ignore[attr-defined]
        wrong_topic = _sns(key, "Notification", Message=json.dumps(bounce), TopicArn="arn:x")
        assert client.post("/webhooks/ses", json=wrong_topic).status_code == 403
        assert status_of(folder, "margaret@example.com") == "active"
        good = _sns(key, "Notification", Message=json.dumps(bounce), MessageId="m-4")
        answer = client.post("/webhooks/ses", json=good)
        assert answer.status_code == 200 and answer.json()["events"] == ["bounced"]
    assert status_of(folder, "margaret@example.com") == "bounced"


def test_unconfigured_and_huge_webhooks(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider with no key set is not served (404); a body over a megabyte is refused
    with 413 before it is read; neither changes anything."""
    monkeypatch.setenv("NEWSLETTER_POSTMARK_WEBHOOK_PASSWORD", "pm-secret")
    with served(folder) as client:
        assert client.post("/webhooks/mailgun", json={}).status_code == 404
        huge = b"[" + b"0," * 600_000 + b"0]"
        answer = client.post("/webhooks/postmark", content=huge, auth=("postmark", "pm-secret"))
        assert answer.status_code == 413


def test_an_unreadable_subscriber_file_asks_the_provider_to_retry(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signed event that cannot be applied now (subscribers.yaml broken) is answered
    503, so the provider delivers it again later, and the file is left as it is."""
    monkeypatch.setenv("NEWSLETTER_MAILGUN_SIGNING_KEY", "key-mailgun-test")
    (folder / "subscribers.yaml").write_text("subscribers: [\n")
    event = {"event": "failed", "severity": "permanent", "recipient": "ada@example.com"}
    with served(folder) as client:
        answer = client.post("/webhooks/mailgun", json=_mailgun("key-mailgun-test", event))
        assert answer.status_code == 503
    assert (folder / "subscribers.yaml").read_text() == "subscribers: [\n"
