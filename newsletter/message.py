"""Rendered issue + subscriber → the exact bytes of one email message.

Headers are written by hand, not by `email.message`, because CPython folds a long
List-Unsubscribe into RFC 2047 encoded-words that receivers ignore. Pure: the clock
and the randomness come in as arguments.
"""

from __future__ import annotations

import binascii
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from email.header import Header
from email.utils import format_datetime, formataddr

from newsletter.config import Config
from newsletter.model import Format, Subscriber
from newsletter.render import OPEN, Personal, RenderedIssue, escape_values, marker

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Links:
    """One subscriber's personal URLs."""

    unsubscribe: str
    preferences: str
    mailto: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """One message ready for the wire: envelope addresses and the exact bytes to send."""

    sender: str
    recipient: str
    message_id: str
    data: bytes
    # True when `data` has CRLF line ends only and no line starting with ".": it can
    # follow the SMTP DATA command as is, without dot-stuffing (RFC 5321 §4.5.2).
    data_safe: bool = False


def data_safe(chunk: bytes) -> bool:
    """Whether `chunk`, starting at a line start, has only CRLF line ends and no line
    beginning with "."."""
    crlf = chunk.count(b"\r\n")
    return (
        chunk.count(b"\n") == crlf
        and chunk.count(b"\r") == crlf
        and not chunk.startswith(b".")
        and b"\n." not in chunk
    )


def clean_phrase(text: str | None) -> str:
    """A display name with control characters (CR, LF, tabs…) turned to spaces."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def encode_header_value(name: str, value: str) -> str:
    """An unstructured header (Subject): ASCII as is, otherwise RFC 2047, folded at 78."""
    value = clean_phrase(value)
    if value.isascii() and len(name) + 2 + len(value) <= 78:
        return value
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, header_name=name).encode(linesep="\r\n")


def fold_list_header(name: str, uris: list[str]) -> str:
    """`<uri>, <uri>` folded only after a comma, never encoded (RFC 2369 §3.2)."""
    line = f"{name}: "
    out = line
    for i, uri in enumerate(uris):
        piece = f"<{uri}>" + ("," if i < len(uris) - 1 else "")
        if i and len(line) + 1 + len(piece) > 78:
            out += "\r\n "
            line = " "
        elif i:
            out += " "
            line += " "
        out += piece
        line += piece
    return out


def _qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends (RFC 2045 §6.7)."""
    normalized = text.replace("\r\n", "\n").encode("utf-8")
    return binascii.b2a_qp(normalized, quotetabs=False, istext=True).replace(b"\n", b"\r\n")


_SHORT_GAP = 256  # characters of fixed lines worth encoding again rather than splitting


class EncodedPersonal:
    """A `Personal` text encoded ahead: `fill(values)` is `_qp(personal.fill(values))`.

    Quoted-printable encodes each line on its own (soft breaks and trailing-space
    escapes never cross a line end), so the lines without holes are encoded once per
    issue and only the few lines with a subscriber's values are encoded per message.
    """

    def __init__(self, personal: Personal) -> None:
        text = "".join(p if i % 2 == 0 else marker(p) for i, p in enumerate(personal.parts))
        text = text.replace("\r\n", "\n")
        pieces: list[bytes | Personal] = []
        if "\r" in text:  # a lone CR changes how the whole text is encoded: no shortcut
            pieces.append(personal)
        else:
            lines = text.split("\n")
            lines = [line + "\n" for line in lines[:-1]] + lines[-1:]
            # Runs of lines with holes or without; a short run without, between two with,
            # joins them: one encoding per message costs less than several.
            runs: list[tuple[bool, list[str]]] = []
            for line in lines:
                holes = OPEN in line
                if runs and runs[-1][0] == holes:
                    runs[-1][1].append(line)
                else:
                    runs.append((holes, [line]))
            merged: list[tuple[bool, list[str]]] = []
            for i, (holes, run) in enumerate(runs):
                short_gap = 0 < i < len(runs) - 1 and sum(map(len, run)) < _SHORT_GAP
                if merged and merged[-1][0] and (holes or short_gap):
                    merged[-1][1].extend(run)
                else:
                    merged.append((holes, run))
            for holes, run in merged:
                joined = "".join(run)
                pieces.append(Personal.parse(joined) if holes else _qp(joined))
        pieces = [p for p in pieces if p]
        self.fixed = [p if isinstance(p, bytes) else b"" for p in pieces]
        self.holes = [(i, p) for i, p in enumerate(pieces) if isinstance(p, Personal)]
        # Every piece starts at a line start, so each can be checked on its own.
        self.fixed_safe = all(data_safe(p) for p in self.fixed)

    def fill(self, values: Mapping[str, str]) -> bytes:
        return self.fill_checked(values)[0]

    def fill_checked(self, values: Mapping[str, str]) -> tuple[bytes, bool]:
        """The encoded text, and whether it is `data_safe`."""
        parts = self.fixed.copy()
        safe = self.fixed_safe
        for i, hole in self.holes:
            parts[i] = piece = _qp(hole.fill(values))
            safe = safe and data_safe(piece)
        return b"".join(parts), safe


class Composer:
    """Builds one message per subscriber from a rendered issue; per-issue work is done once."""

    def __init__(self, config: Config, rendered: RenderedIssue) -> None:
        self.config = config
        self.rendered = rendered
        sender = config.sender
        self.from_header = formataddr(
            (clean_phrase(sender.name or config.name), sender.address), "utf-8"
        )
        self.subject_header = encode_header_value("Subject", rendered.subject)
        label = clean_phrase(config.name).replace('"', "'")
        self.list_id = f'"{label}" <{config.list_id}>' if label.isascii() else f"<{config.list_id}>"
        self.feedback_id = f"{config.list_id.split('.')[0]}:digest:newsletter:{sender.domain}"
        static = [
            f"From: {self.from_header}",
            f"Subject: {self.subject_header}",
            "MIME-Version: 1.0",
            f"List-Id: {self.list_id}",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "Auto-Submitted: auto-generated",
            f"Feedback-ID: {self.feedback_id}",
        ]
        if config.reply_to:
            static.append(f"Reply-To: {config.reply_to}")
        self.static_headers = "\r\n".join(static)
        self.keys = rendered.text.keys | rendered.html.keys
        self.html_keys = rendered.html.keys
        self.text = EncodedPersonal(rendered.text)
        self.html = EncodedPersonal(rendered.html)
        # Both parts are quoted-printable, where "=_" never occurs: one boundary serves
        # every message of the issue.
        self.boundary = f"=_{secrets.token_hex(12)}"
        self._second: tuple[int, tzinfo | None] = (-1, None)
        self._date = self._stamp = ""

    def values(self, subscriber: Subscriber, links: Links) -> dict[str, str]:
        name = clean_phrase(subscriber.name)
        values = {
            "email": subscriber.email,
            "name": name,
            "first_name": name.split(" ")[0] if name else "",
            "greeting": f"Hi {name.split(' ')[0]}," if name else "Hello,",
            "unsubscribe": links.unsubscribe,
            "preferences": links.preferences,
        }
        for key, value in subscriber.fields.items():
            values[f"fields.{key}"] = clean_phrase(str(value))
        return values

    def compose(
        self,
        subscriber: Subscriber,
        links: Links,
        now: datetime,
        sign: Callable[[bytes], bytes] | None = None,
    ) -> Outgoing:
        values = self.values(subscriber, links)
        missing = self.keys - values.keys()
        for key in missing:
            values[key] = ""
        second = (int(now.timestamp()), now.tzinfo)
        if second != self._second:  # the Date header and the Message-ID prefix, once a second
            self._second, self._date, self._stamp = (
                second,
                format_datetime(now),
                f"{now:%Y%m%d%H%M%S}",
            )
        message_id = f"<{self._stamp}.{secrets.token_hex(8)}@{self.config.sender.domain}>"
        to = formataddr((clean_phrase(subscriber.name), subscriber.email), "utf-8")
        uris = [links.unsubscribe] + ([links.mailto] if links.mailto else [])
        head = [
            self.static_headers,
            f"To: {to}",
            f"Date: {self._date}",
            f"Message-ID: {message_id}",
            fold_list_header("List-Unsubscribe", uris),
        ]
        text, safe = self.text.fill_checked(values)
        if subscriber.format is Format.TEXT:
            head += [
                'Content-Type: text/plain; charset="utf-8"',
                "Content-Transfer-Encoding: quoted-printable",
            ]
            body = text
        else:
            page, html_safe = self.html.fill_checked(
                escape_values({k: values[k] for k in self.html_keys})
            )
            safe = safe and html_safe
            head.append(f'Content-Type: multipart/alternative; boundary="{self.boundary}"')
            b = self.boundary.encode()
            part_head = b'; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
            body = b"".join(
                [
                    b"This is a multi-part message in MIME format.\r\n\r\n--" + b + b"\r\n",
                    b"Content-Type: text/plain" + part_head + text,
                    b"\r\n--" + b + b"\r\n",
                    b"Content-Type: text/html" + part_head + page,
                    b"\r\n--" + b + b"--\r\n",
                ]
            )
        # Non-ASCII in a header survives only where the relay speaks SMTPUTF8 (RFC 6532).
        charset = "utf-8" if self.config.sending.smtputf8 else "ascii"
        header = "\r\n".join(head).encode(charset) + b"\r\n\r\n"
        data = header + body
        safe = safe and data_safe(header) and data.endswith(b"\r\n")
        if sign is not None:
            signed = sign(data)
            added = signed[: len(signed) - len(data)]
            safe = safe and signed.endswith(data) and data_safe(added)
            data = signed
        return Outgoing(self.config.sender.address, subscriber.email, message_id, data, safe)
