"""Double opt-in: the confirmation link's token, the confirmation and welcome messages, the form.

A confirmation token is `ADDRESS.WHEN.MAC`: the address (base64url), the signup's time
(seconds since the epoch, base 36) and an HMAC-SHA256 of both with the list's identity,
under the unsubscribe secret. It is personal, works for one signup only (a new signup
gives a new time), for one list only, and not after `signup.expiry_days`.

    token = confirm_token(secret, config.list_id, "ann@example.com", 1767052800)
    read_confirm_token(secret, config.list_id, token)   # ("ann@example.com", 1767052800)

Pure, except `deliver`, which speaks SMTP.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import jinja2
from markupsafe import Markup

from newsletter.config import Config
from newsletter.message import Outgoing, address_line, clean_phrase, wire_address
from newsletter.render import template_loader

__all__ = [
    "compose",
    "confirm_token",
    "confirm_url",
    "deliver",
    "form_html",
    "read_confirm_token",
]

_MAC_CHARS = 32  # 192 bits of the HMAC


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, list_id: str, email: str, when: int) -> str:
    message = f"confirm\x00{list_id}\x00{email}\x00{when}".encode()
    return _b64(hmac.new(secret, message, hashlib.sha256).digest())[:_MAC_CHARS]


def confirm_token(secret: bytes, list_id: str, email: str, when: int) -> str:
    """The token of the signup of `email` at `when` (epoch seconds) on `list_id`."""
    return f"{_b64(email.encode())}.{_base36(when)}.{_mac(secret, list_id, email, when)}"


def read_confirm_token(secret: bytes, list_id: str, token: str) -> tuple[str, int] | None:
    """The (address, signup time) a token was made for, or None if it is not one of ours.

    Expiry is the caller's to check (it needs the clock and the config)."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 600:
        return None
    try:
        email = _unb64(parts[0]).decode("utf-8")
        when = int(parts[1], 36)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if when < 0 or not hmac.compare_digest(_mac(secret, list_id, email, when), parts[2]):
        return None
    return email, when


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def confirm_url(config: Config, token: str) -> str:
    return f"{config.site_url}/confirm/{token}"


def _templates(templates_dir: Path | None) -> jinja2.Environment:
    return jinja2.Environment(
        loader=template_loader(templates_dir),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def compose(
    config: Config,
    templates_dir: Path | None,
    kind: str,
    email: str,
    name: str | None,
    links: dict[str, str],
) -> Outgoing:
    """The `kind` message ("confirm" or "welcome") to `email`, from its templates
    (`KIND.subject.txt.j2`, `KIND.txt.j2`, `KIND.html.j2`; the folder's first), signed
    with the config's DKIM key when there is one."""
    env = _templates(templates_dir)
    context = {
        "newsletter": {
            "name": config.name,
            "description": config.description,
            "site_url": config.site_url,
            "postal_address": config.postal_address,
        },
        "email": email,
        "subscriber_name": name or "",
        "expiry_days": f"{config.signup.expiry_days:g}",
        **links,
    }
    subject = env.get_template(f"{kind}.subject.txt.j2").render(context).strip()
    text = env.get_template(f"{kind}.txt.j2").render(context)
    html = env.get_template(f"{kind}.html.j2").render(context)
    # The envelope and To as an issue's: a non-ASCII domain as its IDNA form.
    recipient = wire_address(email)
    message = EmailMessage()
    message["From"] = address_line(clean_phrase(config.sender.name), config.sender.address)
    message["To"] = recipient
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(datetime.now(UTC))
    message_id = f"<{kind}.{secrets.token_hex(12)}@{config.sender.domain}>"
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    if config.reply_to:
        message["Reply-To"] = config.reply_to
    message.set_content(text)
    message.add_alternative(str(Markup(html)), subtype="html")
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    from newsletter.dkim import Signer

    signer = Signer.from_config(config)
    if signer is not None:
        data = signer.sign(data)
    return Outgoing(config.sender.address, recipient, message_id, data)


async def deliver(config: Config, message: Outgoing, attempts: int = 3) -> tuple[bool, str]:
    """Send `message` over the config's SMTP server (NEWSLETTER_SMTP_URL first); retries a
    temporary failure. (delivered, what the server said)."""
    import asyncio

    from newsletter.delivery.pipelined import PipelinedTransport
    from newsletter.delivery.retry import Verdict
    from newsletter.send import smtp_targets

    transport = PipelinedTransport(smtp_targets(config, None), config.sending.timeout)
    said = ""
    try:
        for attempt in range(attempts):
            outcome = await transport.send(message)
            said = f"{outcome.code} {outcome.text}".strip()
            if outcome.verdict is Verdict.DELIVERED:
                return True, said
            if outcome.verdict is not Verdict.TRANSIENT:
                return False, said
            await asyncio.sleep(config.sending.backoff * 2**attempt)
    finally:
        await transport.close()
    return False, said


def form_html(config: Config) -> str:
    """The signup form to paste into a web page: posts to SITE/subscribe."""
    env = _templates(None)
    topics = [(s.key, s.title) for s in config.sections]
    return env.get_template("signup_form.html.j2").render(
        action=f"{config.site_url}/subscribe", topics=topics, name=config.name, page=False
    )


def now() -> int:
    return int(time.time())
