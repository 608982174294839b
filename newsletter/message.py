"""Rendered issue + subscriber → the exact bytes of one email message.

Headers are written by hand, not by `email.message`, because CPython folds a long
List-Unsubscribe into RFC 2047 encoded-words that receivers ignore. Pure: the clock
and the randomness come in as arguments.
"""

from __future__ import annotations

import binascii
import dataclasses
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from email.header import Header
from email.utils import format_datetime, formataddr

import idna

from newsletter.config import Config
from newsletter.errors import RecipientError
from newsletter.i18n import Strings
from newsletter.model import Format, Subscriber
from newsletter.render import Personal, RenderedIssue

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Links:
    """One subscriber's personal URLs."""

    unsubscribe: str
    preferences: str
    mailto: str | None = None
    return_path: str | None = None  # the envelope sender (VERP), else `bounce_address`


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


_BARE_LINE_END = re.compile(rb"\r\n|\r|\n")


def crlf_line_ends(data: bytes) -> bytes:
    """`data` with every bare CR or LF made a CRLF, as it goes on the wire (RFC 5321 §2.3.8)."""
    crlf = data.count(b"\r\n")
    if data.count(b"\n") == crlf and data.count(b"\r") == crlf:
        return data
    return _BARE_LINE_END.sub(b"\r\n", data)


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


_SPECIALS = re.compile(r'[][\\()<>@,:;".]')  # as email.utils quotes them
_ESCAPES = re.compile(r'[\\"]')

#: The longest line a message may have, without its CRLF (RFC 5322 §2.1.1), and the
#: length header lines are folded to wherever they have a space to fold at.
LINE_MAX = 998
FOLD_AT = 78


def wire_address(address: str) -> str:
    """`address` as it goes in the envelope and the To header.

    A non-ASCII domain becomes its IDNA A-label, which every relay takes, with or without
    SMTPUTF8 (RFC 6531 §3.2). A non-ASCII local part has no ASCII form: such an address
    travels only with SMTPUTF8, and then as it is, domain and all (RFC 6532).
    RecipientError if the domain has no A-label.

    >>> wire_address("jorg@bücher.example")
    'jorg@xn--bcher-kva.example'
    """
    if address.isascii():
        return address
    local, _, domain = address.rpartition("@")
    if local.isascii() and not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise RecipientError(f"the domain of {address} has no IDNA form: {error}") from None
    return f"{local}@{domain}"


def fold(line: str, limit: int = FOLD_AT) -> str:
    """A header line folded at its spaces so that each physical line keeps within `limit`
    where a space allows (RFC 5322 §2.2.3); lines already folded stay so. Linear time.

    Folding turns a space into CRLF and that space, which unfolding undoes: it is safe
    wherever a header has a space, in a quoted name too (RFC 5322 §3.2.4).
    """
    if len(line) <= limit and "\n" not in line:
        return line
    out: list[str] = []
    for physical in line.split("\r\n"):
        words = physical.split(" ")
        current = words[0]
        for word in words[1:]:
            if current.strip() and len(current) + 1 + len(word) > limit:
                out.append(current)
                current = " " + word
            else:
                current += " " + word
        out.append(current)
    return "\r\n".join(out)


def address_line(name: str, email: str) -> str:
    """`Name <address>` for a To or From header, the name cleaned already (`clean_phrase`),
    folded at spaces to fit 78 characters a line where it can.

    Plain ASCII names are written here (`email.utils.formataddr` does the same, several
    times slower); other names become RFC 2047 encoded-words, unless the address
    itself is not ASCII: that message travels only with SMTPUTF8, where header values
    are UTF-8 as they are (RFC 6532).
    """
    if not name:
        return email
    if not name.isascii() and email.isascii():
        quick = formataddr((name, email), "utf-8")
        if len(quick) <= len(email) + 3 + 75:
            return quick
        # Encoded-words of at most 75 characters each, folded between them (RFC 2047 §2).
        words = Header(name, "utf-8", header_name="From").encode(linesep="\r\n")
        return f"{words} <{email}>"
    if _SPECIALS.search(name):
        name = '"' + _ESCAPES.sub(r"\\\g<0>", name) + '"'
    return f"{name} <{email}>"


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


_PLAIN = re.compile(rb"[\x21-\x3c\x3e-\x7e]+")
"""Printable ASCII with no "=" and no space: its own quoted-printable form."""


def _wrap(logical: bytes, soft: bool) -> bytes:
    """One quoted-printable line (escapes done, no line breaks) cut into physical lines
    of at most 76 characters, each ending in CRLF; with `soft`, the last one too ends in
    a soft break, so whatever follows continues the same decoded line.

    No escape is cut in two, and no physical line starts with "." (it is written "=2E"),
    so the result never needs dot-stuffing (RFC 5321 §4.5.2)."""
    lines = []
    start = 0  # an index, not a slice of what is left: linear in the line's length
    limit = 75 if soft else 76
    while True:
        head = b""
        if logical[start : start + 1] == b".":
            head, start = b"=2E", start + 1
        if len(head) + len(logical) - start <= limit:
            break
        cut = start + 75 - len(head)
        if logical[cut - 1 : cut] == b"=":  # hex digits are never "=": an escape starts here
            cut -= 1
        elif logical[cut - 2 : cut - 1] == b"=":
            cut -= 2
        lines.append(head + logical[start:cut] + b"=")
        start = cut
    rest = head + logical[start:]
    lines.append(rest + b"=" if soft else rest)
    return b"\r\n".join(lines) + b"\r\n"


def _escape(line: str) -> bytes:
    """The quoted-printable escapes of one line (no line end in it), without line breaks."""
    encoded = binascii.b2a_qp(line.encode("utf-8"), quotetabs=False, istext=True)
    return encoded.replace(b"=\n", b"")


def _encode(text: str, soft: bool) -> bytes:
    """Lines of text (LF line ends, no CR) as quoted-printable with CRLF line ends. With
    `soft`, the last line ends in a soft break (see `_wrap`); without, it ends as the text
    does (a CRLF only where the text had a line end)."""
    *whole, last = text.split("\n")
    out = [_wrap(_escape(line), soft=False) for line in whole]
    if last:
        out.append(_wrap(_escape(last), soft=True) if soft else _wrap(_escape(last), False)[:-2])
    return b"".join(out)


def _soft(text: str) -> bytes:
    """`text` as a piece of a quoted-printable line that ends in a soft break."""
    raw = text.encode("utf-8")
    if _PLAIN.fullmatch(raw):  # an address, a link, a name in one word
        return raw + b"=\r\n" if len(raw) <= 75 and raw[0] != 0x2E else _wrap(raw, soft=True)
    return _encode(text.replace("\r\n", "\n").replace("\r", "\n"), soft=True)


class EncodedPersonal:
    """A `Personal` text encoded ahead: `fill(values)` decodes to `personal.fill(values)`.

    Quoted-printable encodes each line on its own, and a soft line break ("=" at the end
    of a physical line) may go anywhere: so everything but the subscriber's values is
    encoded once per issue, and a line with holes becomes pieces that end in soft
    breaks, the fixed text between the holes encoded ahead and each value on its own.
    Per message, only the values are encoded (a few short strings).
    """

    def __init__(self, personal: Personal) -> None:
        literals = [p.replace("\r\n", "\n") for p in personal.parts[0::2]]
        pieces: list[bytes | str] = []  # bytes: encoded ahead; str: the key of a hole
        if any("\r" in p for p in literals):  # a lone CR changes how the whole text is encoded
            self.whole: Personal | None = personal
            self.fixed: list[bytes] = []
            self.holes: list[tuple[int, str]] = []
            self.fixed_safe = False
            return
        self.whole = None
        # The text as lines, each a list alternating literal and hole key, starting and
        # ending with a literal (the last one holding the line's end). The parts are used
        # as they are, never joined and parsed again: only the template's holes are holes.
        lines: list[list[str]] = [[""]]
        for i, part in enumerate(personal.parts):
            if i % 2:
                lines[-1] += [part, ""]
                continue
            first, *rest = literals[i // 2].split("\n")  # not splitlines(): only LF ends a line
            lines[-1][-1] += first
            for chunk in rest:
                lines[-1][-1] += "\n"
                lines.append([chunk])
        fixed: list[str] = []  # lines without holes, encoded together

        def flush() -> None:
            if fixed:
                pieces.append(_encode("".join(fixed), soft=False))
                fixed.clear()

        for parts in lines:
            if len(parts) == 1:
                fixed.append(parts[0])
                continue
            flush()
            pieces += [part if i % 2 else _soft(part) for i, part in enumerate(parts[:-1])]
            fixed.append(parts[-1])  # the rest of the line, its line end included
        flush()
        self.fixed = [p if isinstance(p, bytes) else b"" for p in pieces]
        self.holes = [(i, p) for i, p in enumerate(pieces) if isinstance(p, str)]
        # Every piece starts at the start of a physical line, so each is checked alone.
        self.fixed_safe = all(data_safe(p) for p in self.fixed)

    def fill(self, values: Mapping[str, str]) -> bytes:
        return self.fill_checked(values, {})[0]

    def fill_checked(
        self, values: Mapping[str, str], encoded: dict[str, bytes]
    ) -> tuple[bytes, bool]:
        """The encoded text, and whether it is `data_safe`. `encoded` caches the values
        already encoded for this message (the same address or link in both parts)."""
        if self.whole is not None:
            whole = _qp(self.whole.fill(values))
            return whole, data_safe(whole)
        parts = self.fixed.copy()
        for i, key in self.holes:
            value = values[key]
            piece = encoded.get(value)
            if piece is None:
                piece = encoded[value] = _soft(value)
            parts[i] = piece
        # Values are encoded by `_soft`, whose pieces never need dot-stuffing.
        return b"".join(parts), self.fixed_safe


def feedback_id(config: Config, number: int) -> str:
    """Gmail's feedback-loop header, `ISSUE:LIST:newsletter:SENDERID`: the issue number
    first, so that the complaints Postmaster Tools reports are told apart by issue."""
    label = config.list_id.split(".")[0]
    return f"{number}:{label}:newsletter:{config.sender_id or default_sender_id(config)}"


def default_sender_id(config: Config) -> str:
    """The sender's domain, as a 5-15 character id (Gmail's rule for the last field)."""
    labels = config.sender.domain.lower().split(".")
    labels = labels[:-1] if len(labels) > 1 else labels  # the top-level domain says nothing
    label = re.sub(r"[^a-z0-9-]+", "-", "-".join(labels)).strip("-")
    if len(label) > 15:
        label = re.sub(r"[^a-z0-9-]+", "-", labels[-1])[:15]
    return label if len(label) >= 5 else f"{label}-news"


class Composer:
    """Builds one message per subscriber from a rendered issue; per-issue work is done once."""

    def __init__(self, config: Config, rendered: RenderedIssue) -> None:
        self.config = config
        self.rendered = rendered
        sender = config.sender
        self.from_header = address_line(clean_phrase(sender.name or config.name), sender.address)
        self.subject_header = encode_header_value("Subject", rendered.subject)
        label = clean_phrase(config.name).replace('"', "'")
        self.list_id = f'"{label}" <{config.list_id}>' if label.isascii() else f"<{config.list_id}>"
        self.feedback_id = feedback_id(config, rendered.digest.number)
        static = [
            fold(f"From: {self.from_header}"),
            f"Subject: {self.subject_header}",
            "MIME-Version: 1.0",
            fold(f"List-Id: {self.list_id}"),
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "Auto-Submitted: auto-generated",
            f"Feedback-ID: {self.feedback_id}",
        ]
        if config.reply_to:
            static.append(fold(f"Reply-To: {config.reply_to}"))
        self.static_headers = "\r\n".join(static)
        self.static_safe = data_safe(self.static_headers.encode() + b"\r\n")
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
            "greeting": Strings.of(self.rendered.language).greeting(
                name.split(" ")[0] if name else ""
            ),
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
        """The message of `subscriber` dated `now`; `sign` gives the header lines to put
        before the message's bytes (its DKIM-Signature).

        RecipientError when this one message cannot be made (an address no relay can
        take, a line over the limit): the recipient fails, the others go on."""
        values, html_values = self.rendered.values(self.values(subscriber, links))
        second = (int(now.timestamp()), now.tzinfo)
        if second != self._second:  # the Date header and the Message-ID prefix, once a second
            self._second, self._date, self._stamp = (
                second,
                format_datetime(now),
                f"{now:%Y%m%d%H%M%S}",
            )
        message_id = f"<{self._stamp}.{secrets.token_hex(8)}@{self.config.sender.domain}>"
        recipient = wire_address(subscriber.email)
        to = fold(f"To: {address_line(values['name'], recipient)}")
        uris = [links.unsubscribe] + ([links.mailto] if links.mailto else [])
        head = [
            self.static_headers,
            to,
            f"Date: {self._date}",
            f"Message-ID: {message_id}",
            fold_list_header("List-Unsubscribe", uris),
        ]
        encoded: dict[str, bytes] = {}
        text, safe = self.text.fill_checked(values, encoded)
        if subscriber.format is Format.TEXT:
            head += [
                'Content-Type: text/plain; charset="utf-8"',
                "Content-Transfer-Encoding: quoted-printable",
            ]
            body = [text]
        else:
            page, html_safe = self.html.fill_checked(html_values, encoded)
            safe = safe and html_safe
            head.append(f'Content-Type: multipart/alternative; boundary="{self.boundary}"')
            b = self.boundary.encode()
            part_head = b'; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
            body = [
                b"This is a multi-part message in MIME format.\r\n\r\n--" + b + b"\r\n",
                b"Content-Type: text/plain" + part_head,
                text,
                b"\r\n--" + b + b"\r\n",
                b"Content-Type: text/html" + part_head,
                page,
                b"\r\n--" + b + b"--\r\n",
            ]
        header_text = "\r\n".join(head)
        if not header_text.isascii() and not self.config.sending.smtputf8:
            # Only an address with a non-ASCII local part brings raw UTF-8 here.
            raise RecipientError(
                f"{subscriber.email} has non-ASCII characters before the @, which only relays "
                "with SMTPUTF8 take; set `sending: {smtputf8: true}` in newsletter.yaml if "
                "yours does"
            )
        _check_lines(header_text, subscriber.email)
        # Non-ASCII in a header survives only where the relay speaks SMTPUTF8 (RFC 6532).
        header = header_text.encode("utf-8") + b"\r\n\r\n"
        data = b"".join([header, *body])
        # Header lines start with a name or a folding space, never "."; the per-message
        # values are the only ones that could bring a bare CR or LF.
        personal = to + message_id + "".join(uris)
        safe = safe and self.static_safe and "\r" not in personal and "\n" not in personal
        safe = safe and data.endswith(b"\r\n")
        envelope = links.return_path or self.config.bounce_address
        message = Outgoing(envelope, recipient, message_id, data, safe)
        return message if sign is None else with_header(message, sign(data))


def _check_lines(header: str, email: str) -> None:
    """RecipientError if a header line is longer than a mail line may be: a relay would
    refuse the message (as "500 Line too long"), whatever the address."""
    if len(header) <= LINE_MAX:
        return
    longest = max(len(line.encode()) for line in header.split("\r\n"))
    if longest > LINE_MAX:
        raise RecipientError(
            f"the message to {email} would have a header line of {longest:,} characters, "
            f"over the {LINE_MAX} a mail line may have; shorten the value it holds"
        )


def with_header(message: Outgoing, header: bytes) -> Outgoing:
    """`message` with `header` (whole header lines ending in CRLF, as a DKIM-Signature)
    put before it; still `data_safe` if it was and the added lines are."""
    safe = message.data_safe and header.endswith(b"\r\n") and data_safe(header)
    return dataclasses.replace(message, data=header + message.data, data_safe=safe)
