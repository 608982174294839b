"""What each mail server writes in its bounces, as data: how to tell who wrote one, and
for servers that write no RFC 3464 report, how their plain text says hard or soft.

Adding a server is adding a row. Each row is checked by a fixture in
tests/bounces/fixtures/ written in that server's own format. Pure: tables only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SIGNATURES", "SOFT_CODES", "SOFT_TEXT", "TEXT_BOUNCES", "Signature", "TextBounce"]


@dataclass(frozen=True)
class Signature:
    """`pattern` found in `where` ("from", "subject", "headers" or "text") names `mta`."""

    mta: str
    where: str
    pattern: re.Pattern[str]


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE)


# First match wins: the more specific rows come first.
SIGNATURES: tuple[Signature, ...] = (
    Signature("Amazon SES", "from", _re(r"@amazonses\.com")),
    Signature("Amazon SES", "headers", _re(r"^Reporting-MTA:\s*dns;\s*\S*amazonses\.com")),
    Signature("Microsoft 365", "headers", _re(r"^X-MS-Exchange-Message-Is-Ndr:")),
    Signature("Microsoft 365", "headers", _re(r"^Reporting-MTA:\s*dns;\s*\S*\.outlook\.com")),
    Signature("Microsoft 365", "from", _re(r"postmaster@(outlook|hotmail|\S*onmicrosoft)\.com")),
    Signature("Gmail", "from", _re(r"mailer-daemon@google(mail)?\.com")),
    Signature("Gmail", "headers", _re(r"^Reporting-MTA:\s*dns;\s*googlemail\.com")),
    Signature("Yahoo", "from", _re(r"mailer-daemon@\S*yahoo(dns)?\.(com|net)")),
    Signature("qmail", "text", _re(r"^Hi\. This is the qmail-send program")),
    Signature("Postfix", "headers", _re(r"^X-Postfix-(Queue-ID|Sender):")),
    Signature("Postfix", "text", _re(r"^This is the mail system at host ")),
    Signature("Exim", "headers", _re(r"^X-Failed-Recipients:")),
    Signature("Exim", "text", _re(r"^This message was created automatically by mail delivery")),
    Signature("Sendmail", "text", _re(r"^The original message was received at ")),
    Signature("Sendmail", "text", _re(r"-{5} The following addresses had (permanent )?fatal")),
)


@dataclass(frozen=True)
class TextBounce:
    """A server that says it in words, without a delivery-status part: `detect` tells its
    bounces, `soft` (checked first) a temporary failure, `hard` a permanent one."""

    mta: str
    detect: re.Pattern[str]
    hard: re.Pattern[str]
    soft: re.Pattern[str]


TEXT_BOUNCES: tuple[TextBounce, ...] = (
    TextBounce(
        "qmail",
        _re(r"^Hi\. This is the qmail-send program"),
        _re(r"This is a permanent error|I'm afraid I wasn't able to deliver"),
        _re(r"This is not a permanent error|I'm not going to try again"),
    ),
    TextBounce(
        "Exim",
        _re(r"^This message was created automatically by mail delivery software"),
        _re(r"This is a permanent error|could not be delivered to one or more"),
        _re(r"has not yet been delivered|Delay reason|will continue to try|temporary"),
    ),
    TextBounce(
        "Sendmail",
        _re(r"^The original message was received at "),
        _re(r"permanent fatal errors"),
        _re(r"Warning: could not send message for past|will keep trying"),
    ),
    TextBounce(
        "Yahoo",
        _re(r"Sorry, we were unable to deliver your message to the following address"),
        _re(r"^\s*<[^>]+>:\s*\n?\s*(Remote host said: )?5\d\d"),
        _re(r"^\s*<[^>]+>:\s*\n?\s*(Remote host said: )?4\d\d"),
    ),
)

# Permanent codes that a later message may well get through: counted as soft bounces.
SOFT_CODES: dict[str, str] = {
    "5.2.2": "mailbox full",
    "5.2.3": "message too large for the mailbox",
}
# Words of a diagnostic meaning the same whatever code came with them.
SOFT_TEXT = _re(r"mailbox (is )?full|over quota|quota exceeded|insufficient (system )?storage")
