"""DKIM canonicalization done by hand: messages of every awkward shape sign so that dkimpy
verifies them, the canonical forms equal dkimpy's own, and tampering still shows."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from pathlib import Path

import dkim as dkimpy
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from dkim.canonicalization import Relaxed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.delivery.client import data_for_wire
from newsletter.dkim import (
    OVERSIGNED_HEADERS,
    SIGNED_HEADERS,
    Signer,
    generate_key,
    relaxed_body,
    select_headers,
    split_message,
)
from newsletter.errors import ConfigError
from tests.test_dkim import ALGORITHMS, config_with, message, verify

NAMES = tuple(n.encode() for n in SIGNED_HEADERS + OVERSIGNED_HEADERS)
KEYS = {algorithm: generate_key(algorithm) for algorithm in ALGORITHMS}

HEAD = (
    b"From: Daily <news@example.com>\r\n"
    b"To: ann@example.org\r\n"
    b"Subject: Daily #12\r\n"
    b"Date: Mon, 03 Jun 2024 07:00:00 +0000\r\n"
    b"Message-ID: <12.ann@example.com>\r\n"
)

#: Message shapes a hand-written parser could get wrong, each as the bytes handed to `sign`.
SHAPES: dict[str, bytes] = {
    "folded headers": (
        b"From: Daily\r\n <news@example.com>\r\n"
        b"Subject: a subject folded\r\n\tover three\r\n   lines\r\n"
        b"List-Unsubscribe: <https://news.example.com/u/1>,\r\n <mailto:leave@example.com>\r\n"
        b"To: ann@example.org\r\n\r\nHello\r\n"
    ),
    "tabs and trailing spaces in headers": (
        b"From:\tDaily <news@example.com>  \t\r\n"
        b"To:   ann@example.org\t\r\n"
        b"Subject:\t Daily \t #12 \r\n"
        b"Date:Mon, 03 Jun 2024 07:00:00 +0000\r\n\r\nHello\r\n"
    ),
    "repeated headers": (
        HEAD + b"To: bob@example.org\r\nSubject: Second subject\r\nFrom: other@example.com\r\n"
        b"\r\nHello\r\n"
    ),
    "signed names absent": b"From: news@example.com\r\n\r\nHello\r\n",
    "trailing whitespace lines": HEAD + b"\r\nHello  \r\n \t \r\n\r\n   \r\n\r\n",
    "lines of only spaces": HEAD + b"\r\nHello\r\n    \r\n\t\r\n  world  \r\n",
    "runs of spaces and tabs": HEAD + b"\r\n\tindented\r\na  \t  b\t\tc\r\n  .dot\r\n",
    "empty body": HEAD + b"\r\n",
    "only empty lines": HEAD + b"\r\n\r\n\r\n\r\n",
    "no empty line": HEAD,
    "no final CRLF": HEAD + b"\r\nHello\r\nworld",
    "utf-8 in header and body": (
        "From: Café Zürich <news@example.com>\r\nSubject: Grüße, ça va? 日本語  \r\n"
        "To: ann@example.org\r\n\r\nCafé  crème\t— déjà vu  \r\n"
    ).encode(),
    "LF line ends": HEAD.replace(b"\r\n", b"\n") + b"\nHello \n\nworld\n\n",
}


@pytest.fixture(scope="module", params=ALGORITHMS)
def keypair(request: pytest.FixtureRequest) -> tuple[str, bytes, str]:
    algorithm: str = request.param
    if algorithm == "ed25519-sha256":
        pytest.importorskip("nacl", reason="dkimpy verifies ed25519 through PyNaCl (dev extra)")
    return algorithm, *KEYS[algorithm]


def received(signed: bytes) -> bytes:
    """The message as the receiving server stores it: what `data_for_wire` puts after DATA,
    with the terminating dot removed and the dot-stuffing undone (RFC 5321 §4.5.2)."""
    data = data_for_wire(signed)[: -len(b".\r\n")]
    data = data.replace(b"\r\n..", b"\r\n.")
    return data[1:] if data.startswith(b"..") else data


def sign(keypair: tuple[str, bytes, str], raw: bytes) -> bytes:
    algorithm, key, _ = keypair
    return Signer("example.com", "s1", key, algorithm).sign(raw)


@pytest.mark.parametrize("shape", SHAPES)
def test_awkward_shapes_verify(keypair: tuple[str, bytes, str], shape: str) -> None:
    """Each shape signs into a message dkimpy verifies, with the original bytes after the
    added header, every line of which is at most 78 characters."""
    raw = SHAPES[shape]
    signed = sign(keypair, raw)
    assert signed.endswith(raw)
    assert verify(signed, keypair[2])
    header = signed[: -len(raw)]
    assert header.endswith(b"\r\n") and not header.startswith(b" ")
    assert all(len(line) <= 78 for line in header.split(b"\r\n"))


@pytest.mark.parametrize("shape", SHAPES)
def test_awkward_shapes_tampered_fail(keypair: tuple[str, bytes, str], shape: str) -> None:
    """In every shape, a line added to the body breaks the signature, and so does a second
    instance of an over-signed header (From; List-Unsubscribe-Post where From is there
    twice already, both signed)."""
    raw = SHAPES[shape]
    signed = sign(keypair, raw)
    newline = b"\n" if shape == "LF line ends" else b"\r\n"
    head, blank, body = signed.partition(newline * 2)
    if blank:
        assert not verify(head + newline * 2 + b"tampered" + newline + body, keypair[2])
    extra = b"From: eve@example.net" if raw.count(b"From:") == 1 else b"List-Unsubscribe-Post: x"
    added = signed.replace(b"From:", extra + newline + b"From:", 1)
    assert not verify(added, keypair[2])


def test_bottom_most_instance_is_signed_first(keypair: tuple[str, bytes, str]) -> None:
    """RFC 6376 §5.4.2: `to`, named once, signs the last To; `subject`, named twice
    (over-signed), signs both Subjects. So the first To may change, nothing else may."""
    signed = sign(keypair, SHAPES["repeated headers"])
    txt = keypair[2]
    assert verify(signed.replace(b"To: ann@", b"To: eve@"), txt)
    assert not verify(signed.replace(b"To: bob@", b"To: eve@"), txt)
    assert not verify(signed.replace(b"Subject: Daily #12", b"Subject: Daily #13"), txt)
    assert not verify(signed.replace(b"Second subject", b"Third subject"), txt)


def test_last_line_without_crlf_is_signed_as_sent(keypair: tuple[str, bytes, str]) -> None:
    """A body whose last line lacks CRLF and ends in WSP is signed as the SMTP client sends
    it, CRLF added: what arrives verifies. (dkimpy reading the bytes without that CRLF would
    keep one trailing space on that line; RFC 6376 §3.4.4 drops WSP at every line end.)"""
    signed = sign(keypair, HEAD + b"\r\nHello\r\nworld \t ")
    assert verify(received(signed), keypair[2])


def test_bare_cr_and_lf_are_signed_as_sent(keypair: tuple[str, bytes, str]) -> None:
    """Bare CRs and LFs, in headers and body, are hashed as the CRLFs the SMTP client turns
    them into, so the message that arrives verifies."""
    raw = b"From: news@example.com\nSubject: a\r\n b\rTo: ann@example.org\r\n\nx \r\ry\n\r"
    signed = sign(keypair, raw)
    assert signed.endswith(raw)
    assert verify(received(signed), keypair[2])


def test_header_lines_stay_short_with_long_names() -> None:
    """The longest domain DNS allows still gives header lines under 998 characters, and
    every line without the d= tag stays within 78; a domain that is no DNS name is refused."""
    key, _ = KEYS["ed25519-sha256"]
    domain = ".".join(["d" * 63] * 3 + ["e" * 61])
    assert len(domain) == 253
    raw = message()
    header = Signer(domain, "s" * 63, key, "ed25519-sha256").sign(raw)[: -len(raw)]
    lines = header.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines)
    assert all(len(line) <= 78 for line in lines if b"d=" not in line)
    for bad in ("example.com; x=1", "exa mple.com", "", "d" * 254):
        with pytest.raises(ValueError, match=r"dkim\.domain .* is not a DNS name"):
            Signer(bad, "s1", key, "ed25519-sha256")
    with pytest.raises(ValueError, match=r"dkim\.selector .* is not a DNS name"):
        Signer("example.com", "s1\r\nX-Evil: 1", key, "ed25519-sha256")


def test_bad_domain_in_config_names_newsletter_yaml(tmp_path: Path) -> None:
    """A dkim.domain that is no DNS name is a ConfigError about newsletter.yaml, found
    before the key file is read."""
    config = config_with(tmp_path, "missing.key")
    assert config.dkim is not None
    config = replace(config, dkim=replace(config.dkim, domain="example.com;"))
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path / "newsletter.yaml"))):
        Signer.from_config(config)


# Canonical forms against dkimpy's `dkim.canonicalization` (the reference implementation).


def dkimpy_headers(head: bytes, names: tuple[bytes, ...]) -> bytes:
    headers, _ = dkimpy.rfc822_parse(head + b"\r\n")
    signed = dkimpy.select_headers(Relaxed.canonicalize_headers(headers), names)
    return b"".join(name + b":" + value for name, value in signed)


@pytest.mark.parametrize(
    "shape", [s for s in SHAPES if s not in ("no final CRLF", "LF line ends", "no empty line")]
)
def test_canonical_forms_equal_dkimpys(shape: str) -> None:
    """On every CRLF shape the relaxed header and body forms are byte for byte dkimpy's."""
    head, body = split_message(SHAPES[shape])
    assert select_headers(head, NAMES) == dkimpy_headers(head, NAMES)
    assert relaxed_body(body) == Relaxed.canonicalize_body(body)


@pytest.mark.parametrize(
    ("body", "canonical"),
    [
        (b"", b""),
        (b"\r\n", b""),
        (b" \t \r\n\r\n", b""),
        (b"a", b"a\r\n"),
        (b"a \t", b"a\r\n"),
        (b"a\r\n\r\n\r\nb \r\n\r\n", b"a\r\n\r\n\r\nb\r\n"),
        (b" a\t\tb  \r\n", b" a b\r\n"),
    ],
)
def test_relaxed_body_examples(body: bytes, canonical: bytes) -> None:
    """RFC 6376 §3.4.4: an empty body (or only empty lines) is nothing at all, one CRLF
    ends any other, and WSP is one space inside a line and none at its end."""
    assert relaxed_body(body) == canonical


@pytest.mark.parametrize(
    ("head", "canonical"),
    [
        (b"Subject \t:\t a \r\n", b"subject:a\r\n"),  # obsolete WSP before the colon
        (b"SUBJECT:\r\n\t a\r\n  \t b\r\n", b"subject:a b\r\n"),
        (b"Subject\r\nSubject: a\r\nSubject\r\n", b"subject:a\r\n"),  # no colon, no field
        (b"Subject: a\r\nTo: b\r\nSubject: c", b"subject:c\r\nsubject:a\r\n"),
        (b"X-Subject: a\r\nSubject-X: b\r\n", b""),
    ],
)
def test_select_headers_examples(head: bytes, canonical: bytes) -> None:
    """RFC 6376 §3.4.2 and §5.4.2: names in lower case without WSP around the colon,
    folds and WSP runs made one space, the bottom-most field first, only whole names."""
    assert select_headers(head, (b"subject", b"subject")) == canonical


LINE = st.text(
    st.sampled_from([" ", "\t", "a", "Z", ".", ":", "=", "é", "€", "\x00", "\x7f"]), max_size=12
)
BODY = st.lists(LINE, max_size=8).map(lambda lines: "".join(f"{x}\r\n" for x in lines).encode())
VALUE = st.lists(LINE, min_size=1, max_size=3).map(
    # The pieces after the first are continuation lines: each starts with WSP.
    lambda pieces: "\r\n".join(
        [pieces[0]] + [p if p[:1] in (" ", "\t") else " " + p for p in pieces[1:]]
    ).encode()
)


def header_blocks(*names: str) -> st.SearchStrategy[bytes]:
    """Header blocks of up to eight fields named from `names` in any letter case."""
    name = st.sampled_from(names).flatmap(
        lambda n: st.lists(st.booleans(), min_size=len(n), max_size=len(n)).map(
            lambda upper: "".join(c.upper() if u else c for c, u in zip(n, upper, strict=True))
        )
    )
    return st.lists(st.tuples(name, VALUE), max_size=8).map(
        lambda fields: b"".join(n.encode() + b":" + value + b"\r\n" for n, value in fields)
    )


HEADERS = header_blocks("from", "to", "subject", "reply-to", "x-other", "list-unsubscribe")
# dkimpy's verifier fails a message with more From fields than h= names, on purpose
# (a From added above the signed ones): the message to sign has its one From already.
HEADERS_BUT_FROM = header_blocks("to", "subject", "reply-to", "x-other", "list-unsubscribe")


# A last line without CRLF: the two agree unless it ends in WSP
# (test_last_line_without_crlf_is_signed_as_sent).
LAST_LINE = st.just(b"") | LINE.map(lambda line: (line.rstrip(" \t") + "x").encode())


@settings(max_examples=300, deadline=None)
@given(head=HEADERS, body=BODY, last=LAST_LINE)
def test_random_canonical_forms_equal_dkimpys(head: bytes, body: bytes, last: bytes) -> None:
    """Random header blocks (folds, tabs, repeats, 8-bit) and bodies canonicalize exactly as
    dkimpy canonicalizes them."""
    assert select_headers(head, NAMES) == dkimpy_headers(head, NAMES)
    assert relaxed_body(body + last) == Relaxed.canonicalize_body(body + last)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head=HEADERS_BUT_FROM, body=BODY | st.binary(max_size=40))
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_random_messages_verify(algorithm: str, head: bytes, body: bytes) -> None:
    """Random headers and bodies (also arbitrary bytes: bare CRs and LFs, dots, NULs) sign
    so that dkimpy verifies the message as it arrives, and an added body line fails."""
    if algorithm == "ed25519-sha256":
        pytest.importorskip("nacl", reason="dkimpy verifies ed25519 through PyNaCl (dev extra)")
    key, txt = KEYS[algorithm]
    raw = b"From: news@example.com\r\n" + head + b"\r\n" + body
    signed = Signer("example.com", "s1", key, algorithm).sign(raw)
    arrived = received(signed)
    assert verify(arrived, txt)
    assert not verify(arrived + b"tampered\r\n", txt)


def test_signature_header_is_canonical_input() -> None:
    """The b= value is the signature over the signed headers and the DKIM-Signature itself
    with b= empty (RFC 6376 §3.7): recomputed here from dkimpy's canonical forms."""
    key, _ = KEYS["ed25519-sha256"]
    signer = Signer("example.com", "s1", key, "ed25519-sha256")
    raw = message()
    signed = signer.sign(raw)
    header = signed[: -len(raw)]
    headers, _ = dkimpy.rfc822_parse(header + raw)
    (name, value), rest = headers[0], headers[1:]
    without_b = re.sub(rb"b=[^;]*$", b"b=", value)
    data = dkimpy_headers(b"".join(n + b":" + v for n, v in rest), NAMES)
    data += b"dkim-signature:" + Relaxed.canonicalize_headers([(name, without_b)])[0][1][:-2]
    b_value = re.search(rb"b=([^;]*)$", value)
    assert b_value is not None
    signature = base64.b64decode(b"".join(b_value.group(1).split()))
    public_key = signer.public_key
    assert isinstance(public_key, ed25519.Ed25519PublicKey)
    public_key.verify(signature, hashlib.sha256(data).digest())  # raises if it does not match
