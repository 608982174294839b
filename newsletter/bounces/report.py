"""One message that came back → what it says: a hard or soft bounce, a complaint, an
auto-reply or nothing of ours, with the signed tokens that may prove whose it is.

Reads RFC 3464 delivery status notifications, RFC 5965 (ARF) abuse reports, and the
plain-text bounces of servers that write no report (see `mtas`; flufl.bounce, Mailman's
detectors, finds the rest). Nothing here trusts what it reads: a `Finding` only names
tokens, which `intake` verifies. Pure: bytes in, a Finding out.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message

from newsletter.bounces import mtas
from newsletter.bounces.verp import tokens_in

__all__ = ["MAX_BYTES", "Finding", "Kind", "read_report"]

MAX_BYTES = 5_000_000  # a bounce returns at most the original's headers or a copy of it
MAX_PARTS = 200  # a report has three parts; past this many, a message is not one
_SEARCHED = 2_000_000  # characters of text searched for tokens


class Kind(enum.StrEnum):
    HARD = "hard"  # permanent: the address does not work
    SOFT = "soft"  # temporary: counted, N in a window make it hard
    COMPLAINT = "complaint"  # the reader reported the message as spam
    DELIVERED = "delivered"  # a success notification: resets the soft count
    AUTO_REPLY = "auto-reply"  # out of office and the like: never a bounce
    OTHER = "other"  # not a report of ours: ignored


@dataclass(frozen=True)
class Evidence:
    """The signed tokens a message holds: what may prove whose report it is."""

    envelope_tokens: tuple[str, ...] = ()  # VERP tokens of the address it was sent to
    body_tokens: tuple[str, ...] = ()  # VERP tokens elsewhere (the returned headers)
    unsubscribe_tokens: tuple[str, ...] = ()  # from the returned List-Unsubscribe
    feedback_issue: int | None = None  # the issue number of the returned Feedback-ID


@dataclass(frozen=True)
class Finding:
    kind: Kind
    reason: str  # one line for people: the diagnostic, or why it was ignored
    status: str | None = None  # the enhanced status code, e.g. 5.1.1
    mta: str = ""  # who wrote it, when known
    recipients: tuple[str, ...] = ()  # the addresses it names (not proof of anything)
    evidence: Evidence = Evidence()


# Headers naming the address a message was delivered to: where a bounce's VERP token is.
_ENVELOPE = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"(?<![\d.])([245])\d\d(?![\d.])")
_UNSUBSCRIBE = re.compile(r"(?:/unsubscribe/|unsubscribe-)([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
_FEEDBACK_ID = re.compile(r"^Feedback-ID:\s*(\d+):[^:\s]+:newsletter:", re.IGNORECASE | re.M)
_AUTO_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|vacation|"
    r"abwesen|absence|réponse automatique|respuesta automática|risposta automatica",
    re.IGNORECASE,
)


def read_report(data: bytes, bounce_address: str) -> Finding:
    """What `data`, one whole message, reports; never raises on any input."""
    if len(data) > MAX_BYTES:
        return Finding(Kind.OTHER, f"larger than {MAX_BYTES // 1_000_000} MB: not a bounce")
    try:
        message = message_from_bytes(data)
        parts = list(_walk(message))
        return _read(message, parts, bounce_address)
    except RecursionError:
        return Finding(Kind.OTHER, "MIME nested too deep to be a bounce")
    except (LookupError, ValueError, TypeError, AttributeError, IndexError) as error:
        return Finding(Kind.OTHER, f"unreadable MIME ({type(error).__name__})")


def _walk(message: Message) -> Iterator[Message]:
    for i, part in enumerate(message.walk()):
        if i >= MAX_PARTS:
            raise ValueError("too many parts")
        yield part


def _read(message: Message, parts: list[Message], bounce_address: str) -> Finding:
    text = _text(message, parts)
    envelope = " ".join(str(v) for h in _ENVELOPE for v in message.get_all(h, []))
    envelope_tokens = tuple(tokens_in(envelope, bounce_address))
    body = tuple(t for t in tokens_in(text, bounce_address) if t not in envelope_tokens)
    feedback = _FEEDBACK_ID.search(text)
    proof = Evidence(
        envelope_tokens,
        body,
        tuple(dict.fromkeys(_UNSUBSCRIBE.findall(text))),
        int(feedback[1]) if feedback else None,
    )
    mta = _who(message, text)
    content = message.get_content_type()
    report_type = str(message.get_param("report-type", "") or "").lower()
    if content == "multipart/report" and report_type == "feedback-report":
        return _complaint(parts, mta, proof)
    status_parts = [p for p in parts if p.get_content_type() == "message/delivery-status"]
    if status_parts:
        return _dsn(status_parts[0], mta, proof)
    # A server's own words first: its bounces say Auto-Submitted too (RFC 3834 §5).
    for row in mtas.TEXT_BOUNCES:
        if row.detect.search(text):
            kind = (
                Kind.SOFT if row.soft.search(text) else Kind.HARD if row.hard.search(text) else None
            )
            if kind is not None:
                return _text_bounce(kind, row.mta, text, proof)
    if _auto_reply(message):
        return Finding(Kind.AUTO_REPLY, "an auto-reply, not a bounce", mta=mta, evidence=proof)
    return _flufl(message, mta, text, proof)


def _text(message: Message, parts: list[Message]) -> str:
    """The headers and every text the message holds, decoded, for the token search."""
    out = [str(k) + ": " + str(v) for k, v in message.items()]
    size = 0
    for part in parts:
        if part.get_content_maintype() == "message":  # holds messages: their headers
            payload = part.get_payload()
            subs = payload if isinstance(payload, list) else []
            piece = "\n".join(
                f"{k}: {v}" for sub in subs if isinstance(sub, Message) for k, v in sub.items()
            )
            if isinstance(payload, str):
                piece = payload
        elif part.is_multipart():
            continue
        else:
            decoded = part.get_payload(decode=True)
            charset = part.get_content_charset() or "utf-8"
            try:
                piece = decoded.decode(charset, "replace") if isinstance(decoded, bytes) else ""
            except LookupError:  # a charset Python does not know
                piece = decoded.decode("latin-1") if isinstance(decoded, bytes) else ""
        out.append(piece)
        size += len(piece)
        if size > _SEARCHED:
            break
    return "\n".join(out)[:_SEARCHED]


def _who(message: Message, text: str) -> str:
    sources = {
        "from": str(message.get("From", "")),
        "subject": str(message.get("Subject", "")),
        "headers": text,
        "text": text,
    }
    for row in mtas.SIGNATURES:
        if row.pattern.search(sources[row.where]):
            return row.mta
    return ""


def _auto_reply(message: Message) -> bool:
    submitted = str(message.get("Auto-Submitted", "no")).lower()
    if submitted.startswith("auto-replied") or message.get("X-Autoreply") is not None:
        return True
    if str(message.get("Precedence", "")).lower() == "auto_reply":
        return True
    return bool(_AUTO_SUBJECT.search(str(message.get("Subject", ""))))


def _fields(part: Message) -> list[Message]:
    """The field groups of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    if isinstance(payload, str):  # some parsers leave it as text: read it as header blocks
        blocks = re.split(r"\r?\n\s*\r?\n", payload.strip())
        return [message_from_bytes(b.encode("utf-8", "replace")) for b in blocks if b.strip()]
    return []


def _one_line(value: object, limit: int = 300) -> str:
    return " ".join(str(value or "").split())[:limit]


def _code(status: str, diagnostic: str) -> str | None:
    """The enhanced status code, the more specific one of the Diagnostic-Code when the
    Status field says only x.0.0 (Exim writes 5.0.0 and the real code after it)."""
    found = _STATUS.search(status)
    said = _STATUS.search(diagnostic)
    if found is None and said is None:
        smtp = _SMTP_CODE.search(diagnostic)
        return f"{smtp[1]}.0.0" if smtp else None
    if found is None:
        return said[0] if said else None
    if said is not None and (found[2], found[3]) == ("0", "0") and said[1] == found[1]:
        return said[0]
    return found[0]


def _kind_of(code: str | None, diagnostic: str) -> Kind:
    if code is None:
        return Kind.SOFT if mtas.SOFT_TEXT.search(diagnostic) else Kind.HARD
    if code.startswith("2"):
        return Kind.DELIVERED
    if code.startswith("4") or code in mtas.SOFT_CODES or mtas.SOFT_TEXT.search(diagnostic):
        return Kind.SOFT
    return Kind.HARD


_RANK = {Kind.HARD: 3, Kind.SOFT: 2, Kind.DELIVERED: 1}


def _dsn(part: Message, mta: str, proof: Evidence) -> Finding:
    groups = _fields(part)
    best: tuple[int, Kind, str | None, str] | None = None
    recipients = []
    for group in groups[1:] or groups:
        action = str(group.get("Action", "")).strip().lower()
        # "smtp; 550 …": the diagnostic type (RFC 3464 §2.3.6) says nothing to people.
        diagnostic = re.sub(r"^[A-Za-z-]+;\s*", "", _one_line(group.get("Diagnostic-Code", "")))
        recipient = _address(group.get("Final-Recipient") or group.get("Original-Recipient"))
        if recipient:
            recipients.append(recipient)
        code = _code(str(group.get("Status", "")), diagnostic)
        if action in ("delivered", "relayed", "expanded"):
            kind = Kind.DELIVERED
        elif action == "delayed":
            kind = Kind.SOFT
        elif action == "failed" or code is not None:
            kind = _kind_of(code, diagnostic)
        else:
            continue
        if best is None or _RANK[kind] > best[0]:
            best = (_RANK[kind], kind, code, diagnostic)
    if best is None:
        return Finding(Kind.OTHER, "a delivery report that reports no recipient", mta=mta)
    _, kind, code, diagnostic = best
    if kind is Kind.SOFT and code in mtas.SOFT_CODES and not diagnostic:
        diagnostic = mtas.SOFT_CODES[code]
    return Finding(
        kind,
        diagnostic or ("delivery delayed" if kind is Kind.SOFT else "delivery failed"),
        code,
        mta or "RFC 3464",
        tuple(recipients),
        proof,
    )


def _address(value: object) -> str:
    text = str(value or "")
    return text.partition(";")[2].strip().strip("<>") if ";" in text else text.strip("<> ")


def _complaint(parts: list[Message], mta: str, proof: Evidence) -> Finding:
    reports = [p for p in parts if p.get_content_type() == "message/feedback-report"]
    fields = {
        k.lower(): str(v) for g in (_fields(reports[0]) if reports else []) for k, v in g.items()
    }
    feedback = fields.get("feedback-type", "").strip().lower()
    recipients = tuple(a.strip("<> ") for a in [fields.get("original-rcpt-to", "")] if a.strip())
    if feedback in ("abuse", "fraud", "virus", "other", ""):
        return Finding(
            Kind.COMPLAINT,
            f"feedback report: {feedback or 'abuse'}"
            + (f" from {_one_line(fields['user-agent'], 60)}" if "user-agent" in fields else ""),
            None,
            mta or "ARF",
            recipients,
            proof,
        )
    return Finding(Kind.OTHER, f"feedback report of type {feedback}: not a complaint", mta=mta)


def _text_bounce(
    kind: Kind, mta: str, text: str, proof: Evidence, recipients: tuple[str, ...] = ()
) -> Finding:
    codes = [m[0] for m in _STATUS.finditer(text) if m[1] in "45"]
    code = codes[0] if codes else None
    lines = [ln.strip() for ln in text.splitlines() if _SMTP_CODE.search(ln)]
    reason = _one_line(lines[0] if lines else f"{mta} bounce")
    return Finding(kind, reason, code, mta, recipients, proof)


def _flufl(message: Message, mta: str, text: str, proof: Evidence) -> Finding:
    """A server no row knows: Mailman's detectors find the failed addresses, if any."""
    from flufl.bounce import all_failures

    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a third-party detector on hostile input: never a traceback
        return Finding(Kind.OTHER, "not a bounce", mta=mta)
    if not temporary and not permanent:
        return Finding(Kind.OTHER, "not a bounce", mta=mta)
    kind = Kind.HARD if permanent else Kind.SOFT
    found = sorted(a.decode("utf-8", "replace") for a in (permanent or temporary))
    return _text_bounce(kind, mta or "flufl.bounce", text, proof, tuple(found))
