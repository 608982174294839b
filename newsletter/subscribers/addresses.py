"""Email addresses: syntax check and normalization with email-validator, never DNS.

Pure: no files, no network.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from newsletter.subscribers.errors import AddressError

__all__ = ["address_key", "normalize_address"]

# An ASCII dot-atom local part: email-validator leaves these unchanged when normalizing.
_SIMPLE = re.compile(
    r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@([A-Za-z0-9.-]+)"
)
# Domains email-validator accepted, as written -> as normalized. Checking a domain is most
# of the cost of a check, and a long list repeats a few domains many times.
_DOMAINS: dict[str, str] = {}
_DOMAINS_MAX = 50_000


def normalize_address(address: str, *, smtputf8: bool = False) -> str:
    """The normalized form of `address`, or AddressError saying what is wrong.

    >>> normalize_address("Ada@EXAMPLE.com")
    'Ada@example.com'

    Non-ASCII before the @ needs a relay that speaks SMTPUTF8: pass ``smtputf8=True``.
    """
    simple = _SIMPLE.fullmatch(address)
    if simple is not None and len(simple[1]) <= 64 and len(address) <= 254:
        domain = _DOMAINS.get(simple[2])
        if domain is not None:
            return f"{simple[1]}@{domain}"
    if not isinstance(address, str):
        raise AddressError(f"an email address must be text, not {type(address).__name__}")
    if not address.strip():
        raise AddressError("the email address is empty")
    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=smtputf8)
    except EmailNotValidError as error:
        raise AddressError(_reason(address, str(error), smtputf8)) from None
    normalized: str = result.normalized
    if simple is not None and result.local_part == simple[1] and result.domain.isascii():
        if len(_DOMAINS) >= _DOMAINS_MAX:
            _DOMAINS.clear()
        _DOMAINS[simple[2]] = result.domain
    return normalized


def address_key(normalized: str) -> str:
    """The identity of a normalized address: two subscribers are the same if these match.

    Local parts are case-sensitive by the letter of RFC 5321 but not in practice, so
    ``Ada@example.com`` and ``ada@example.com`` are one reader.
    """
    return normalized.casefold()


def _reason(address: str, message: str, smtputf8: bool) -> str:
    local = address.rpartition("@")[0]
    if not smtputf8 and local and not local.isascii():
        return (
            f"{address!r} has non-ASCII characters before the @, which only relays with "
            "SMTPUTF8 accept; set `sending: {smtputf8: true}` in newsletter.yaml if yours does"
        )
    return f"{address!r} is not a valid email address: {message}"
