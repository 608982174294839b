"""Address checking and normalization: email-validator's verdict, offline."""

from __future__ import annotations

import contextlib

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.errors import InputError
from newsletter.subscribers import AddressError, normalize_address
from newsletter.subscribers.addresses import address_key

ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
LABELS = [
    "example", "EXAMPLE", "ex-ample", "-bad", "bad-", "a" * 63, "a" * 64, "123", "localhost",
    "test", "invalid", "local", "xn--mnchen-3ya", "münchen", "com", "org", "c0m", "_x", "",
]  # fmt: skip


@pytest.mark.parametrize(
    ("address", "normalized"),
    [
        ("Ada@EXAMPLE.com", "Ada@example.com"),
        ("a.b+tag@example.org", "a.b+tag@example.org"),
        ("x@münchen.de", "x@münchen.de"),
        ("x@xn--mnchen-3ya.de", "x@münchen.de"),
    ],
)
def test_normalized_form(address: str, normalized: str) -> None:
    """Domains are lower-cased and IDNA-decoded; the local part keeps its case."""
    assert normalize_address(address) == normalized


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("", "empty"),
        ("ada", "@-sign"),
        ("ada@localhost", "period"),
        ("ada@example.test", "special-use"),
        ("Ada <ada@example.com>", "display name"),
        ("a@example.com\r\nBcc: b@example.com", "invalid characters"),
        ("jörg@example.com", "SMTPUTF8"),
    ],
)
def test_refused_with_a_reason(address: str, words: str) -> None:
    """An address email-validator refuses raises AddressError, an InputError, saying why."""
    with pytest.raises(AddressError) as caught:
        normalize_address(address)
    assert words in str(caught.value)
    assert isinstance(caught.value, InputError)


def test_smtputf8_accepts_non_ascii_local_part() -> None:
    """With SMTPUTF8 a non-ASCII local part is a valid address."""
    assert normalize_address("jörg@example.com", smtputf8=True) == "jörg@example.com"


def test_key_is_case_insensitive() -> None:
    """Two spellings differing only in case are one reader."""
    assert address_key(normalize_address("Ada@Example.com")) == address_key(
        normalize_address("ada@example.COM")
    )


@settings(max_examples=150, deadline=None)
@given(
    local=st.text(alphabet=ATEXT + '.é "@', min_size=0, max_size=70),
    labels=st.lists(st.sampled_from(LABELS), min_size=1, max_size=4),
)
def test_fast_path_agrees_with_email_validator(local: str, labels: list[str]) -> None:
    """Whatever the address, the result equals email-validator's own, even once its domain
    has been seen before (the cached path)."""
    domain = ".".join(labels)
    with contextlib.suppress(AddressError):
        normalize_address(f"warm@{domain}")
    address = f"{local}@{domain}"
    try:
        expected: str | None = validate_email(
            address, check_deliverability=False, allow_smtputf8=False
        ).normalized
    except EmailNotValidError:
        expected = None
    try:
        got: str | None = normalize_address(address)
    except AddressError:
        got = None
    assert got == expected


@settings(max_examples=100, deadline=None)
@given(st.emails())
def test_normalizing_is_idempotent(address: str) -> None:
    """A normalized address normalizes to itself, so the stored form is stable."""
    try:
        once = normalize_address(address)
    except AddressError:
        return
    assert normalize_address(once) == once
