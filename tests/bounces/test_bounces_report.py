"""Each server's bounce format, as it writes it, read for its kind, code and reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.bounces.report import Kind, read_report
from newsletter.bounces.verp import Verp
from tests.bounces.helpers import ISSUE, fixture

# fixture file → (kind, status code, who wrote it, the reader its token proves)
CASES = {
    "postfix-hard.eml": (Kind.HARD, "5.1.1", "Postfix", "ada@example.com"),
    "postfix-delayed.eml": (Kind.SOFT, "4.7.1", "Postfix", "grace@example.org"),
    "exim-hard.eml": (Kind.HARD, "5.1.1", "Exim", "ken@example.net"),
    "exim-text-soft.eml": (Kind.SOFT, "4.2.2", "Exim", "margaret@example.com"),
    "sendmail-hard.eml": (Kind.HARD, "5.1.1", "Sendmail", "margaret@example.com"),
    "gmail-hard.eml": (Kind.HARD, "5.1.1", "Gmail", "grace@example.org"),
    "microsoft365-hard.eml": (Kind.HARD, "5.1.10", "Microsoft 365", "ken@example.net"),
    "ses-hard.eml": (Kind.HARD, "5.1.1", "Amazon SES", "ada@example.com"),
    "qmail-hard.eml": (Kind.HARD, "5.1.1", "qmail", "ada@example.com"),
    "mailbox-full.eml": (Kind.SOFT, "5.2.2", "Postfix", "ken@example.net"),
    "arf-abuse.eml": (Kind.COMPLAINT, None, "ARF", "margaret@example.com"),
    "auto-reply.eml": (Kind.AUTO_REPLY, None, "", "ada@example.com"),
    "not-a-bounce.eml": (Kind.OTHER, None, "", None),
}
READERS = ["ada@example.com", "grace@example.org", "ken@example.net", "margaret@example.com"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_servers_format_is_read(folder: Path, name: str) -> None:
    """A bounce in the format each server really writes gives the right kind (hard, soft,
    complaint, auto-reply or nothing), the enhanced status code (Exim's 5.0.0 read from
    its Diagnostic-Code), the server that wrote it, and a VERP token that names the reader."""
    from newsletter import unsubscribe
    from newsletter.config import load_config

    kind, code, mta, reader = CASES[name]
    config = load_config(folder / "newsletter.yaml")
    finding = read_report(fixture(folder, name), config.bounce_address)
    assert (finding.kind, finding.status, finding.mta) == (kind, code, mta)
    verp = Verp(unsubscribe.load_secret(config), config.list_id, config.bounce_address)
    tokens = finding.evidence.envelope_tokens + finding.evidence.body_tokens
    proved = {verp.resolve(t, READERS) for t in tokens}
    assert proved == ({(ISSUE, reader)} if reader else set())


def test_verp_token_survives_lower_casing_and_refuses_a_changed_letter() -> None:
    """A server that lower-cases the local part still hands back a token that verifies;
    one letter changed, or the token cut short, verifies for nobody."""
    verp = Verp(b"s" * 32, "l.example.com", "bounces@example.com")
    token = verp.token(ISSUE, "Ann@Example.com")
    assert verp.resolve(token.upper(), ["ann@example.com"]) == (ISSUE, "ann@example.com")
    changed = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert verp.resolve(changed, ["ann@example.com"]) is None
    assert verp.resolve(token[:-2], ["ann@example.com"]) is None
    other = Verp(b"t" * 32, "l.example.com", "bounces@example.com")
    assert other.resolve(token, ["ann@example.com"]) is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff" * 1000,
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: message/delivery-status\r\n\r\n\xff\xfe garbage\r\n--x",
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(10_000))
        + b"--b--\r\n",
        b"Subject: x\r\n\r\n" + b"a" * 5_000_001,
    ],
    ids=["empty", "binary", "broken-report", "ten-thousand-parts", "over-5-MB"],
)
def test_hostile_messages_are_ignored_without_an_exception(data: bytes) -> None:
    """Empty, binary, malformed, huge or 10,000-part messages are read as `other` (or a
    report naming nobody), never an exception."""
    finding = read_report(data, "bounces@news.example.com")
    assert finding.kind in (Kind.OTHER, Kind.HARD, Kind.SOFT)
    assert not finding.evidence.envelope_tokens
