"""The message body encoder: a text with per-subscriber holes, encoded ahead as
quoted-printable, must decode to exactly the filled text, keep every physical line within
RFC 2045's 76 characters, and never need dot-stuffing when it says it does not."""

from __future__ import annotations

import binascii

from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.message import EncodedPersonal, data_safe
from newsletter.render import Holes

HOLES = Holes()
marker, parse = HOLES.marker, HOLES.parse

KEYS = ("email", "name", "unsubscribe")

# Text that stresses the encoder: dots and spaces at line starts and ends, "=", tabs,
# non-ASCII, long runs without spaces, and the holes themselves.
fragments = st.one_of(
    st.sampled_from(
        [".", "..", " ", "\t", "=", "=3D", "\n", "\n.", ". \n", "é", "—", "😀", '<a href="x">']
    ),
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\ue000\ue001"),
        max_size=30,
    ),
    st.text(alphabet="abc.=", min_size=60, max_size=200),
    st.sampled_from([marker(k) for k in KEYS]),
)
values = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\ue000\ue001"),
    max_size=120,
) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789./:_-.", min_size=60, max_size=160)


def decode(encoded: bytes) -> str:
    return binascii.a2b_qp(encoded).decode("utf-8").replace("\r\n", "\n")


@settings(max_examples=400, deadline=None)
@given(st.lists(fragments, max_size=25), st.fixed_dictionaries({k: values for k in KEYS}))
def test_encoded_text_decodes_to_the_filled_text(
    pieces: list[str], filling: dict[str, str]
) -> None:
    """Whatever the template and the values, decoding gives back the filled text, lines
    stay within 76 characters, and a piece said to be safe has CRLF line ends only and
    no line starting with "." (so it can follow DATA without dot-stuffing)."""
    personal = parse("".join(pieces))
    encoded, safe = EncodedPersonal(personal).fill_checked(filling, {})
    assert decode(encoded) == personal.fill(filling)
    assert all(len(line) <= 76 for line in encoded.split(b"\r\n"))
    if safe:
        assert data_safe(encoded)


def test_a_long_link_is_cut_by_soft_breaks_that_keep_it_whole() -> None:
    """A link longer than a line is split only by soft breaks: decoded, the link is intact,
    and no physical line of the message exceeds 76 characters."""
    link = "https://news.example.com/unsubscribe/" + "a1b2.c3d4_" * 12
    personal = parse(f'<p><a href="{marker("unsubscribe")}">Leave</a> at any time.</p>\n')
    encoded, safe = EncodedPersonal(personal).fill_checked({"unsubscribe": link}, {})
    assert decode(encoded) == f'<p><a href="{link}">Leave</a> at any time.</p>\n'
    assert link.encode() not in encoded  # it had to be cut
    assert max(len(line) for line in encoded.split(b"\r\n")) <= 76
    assert safe and b"\r\n." not in encoded
