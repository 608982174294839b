"""Message headers as a relay takes them: any subscriber name or address gives header
lines within 998 characters (78 wherever a space allows), read back as written, in time
linear in the values' length; what cannot make a message fails that recipient alone."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.errors import RecipientError
from newsletter.folder import locate
from newsletter.issue import load_issue
from newsletter.message import EncodedPersonal, clean_phrase
from newsletter.model import Subscriber
from newsletter.personal import Personalizer
from newsletter.render import Holes, Renderer

NOW = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def personalizer(tmp_path_factory: pytest.TempPathFactory) -> Personalizer:
    from newsletter.cli.init import create_folder

    root = tmp_path_factory.mktemp("headers") / "letter"
    create_folder(root)
    issue = load_issue(locate(root), None)
    renderer = Renderer(issue.config, root / "templates")
    return Personalizer(issue.config, renderer, issue.digest, for_editor=True)


def compose(personalizer: Personalizer, email: str, name: str | None = None) -> bytes:
    subscriber = Subscriber(email=email, name=name)
    return personalizer.composer_for(subscriber)(NOW).data


def header_lines(data: bytes) -> list[bytes]:
    return data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def display_name(data: bytes) -> tuple[str, str]:
    """The display name and address of To, as a mail reader decodes them.

    RFC 2047 words go through `email.header.decode_header`: the newer parser of
    `policy.default` keeps the space between two encoded-words of one name, which
    RFC 2047 §6.2 says to drop."""
    to = message_from_bytes(data, policy=policy.default)["To"]
    address = to.addresses[0]
    raw = str(message_from_bytes(data, policy=policy.compat32)["To"])
    if "=?" not in raw:
        return address.display_name, address.addr_spec
    words, _, _ = raw.rpartition(" <")
    return str(make_header(decode_header(words))), address.addr_spec


def test_a_very_long_name_is_folded_within_78_characters(personalizer: Personalizer) -> None:
    """A 1,349-character name (as a program, not the subscriber file, may give) makes a
    To header folded at its spaces: no line over 78, and the name reads back whole."""
    name = "Lovelace " * 150
    data = compose(personalizer, "ada@example.com", name)
    lines = header_lines(data)
    start = next(i for i, line in enumerate(lines) if line.startswith(b"To: "))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(b" "))
    assert end - start > 10
    assert max(len(line) for line in lines[start:end]) <= 78
    assert display_name(data) == (clean_phrase(name), "ada@example.com")


names = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\ue000\ue001"),
    max_size=200,
)


@settings(max_examples=60, deadline=None)
@given(names)
def test_any_name_reads_back_from_headers_within_the_line_limit(name: str) -> None:
    """Whatever the subscriber's name (up to the file's limit, any script, quotes, commas,
    angle brackets), every header line keeps within 998 characters and To reads back as
    the cleaned name and the address."""
    data = compose(_shared(), "reader@example.com", name)
    assert max(len(line) for line in header_lines(data)) <= 998
    assert display_name(data) == (clean_phrase(name), "reader@example.com")


_SHARED: list[Personalizer] = []


def _shared() -> Personalizer:
    """One personalizer for every example of the property (hypothesis and function-scoped
    fixtures do not mix)."""
    if not _SHARED:
        from tempfile import mkdtemp

        from newsletter.cli.init import create_folder

        root = Path(mkdtemp()) / "letter"
        create_folder(root)
        issue = load_issue(locate(root), None)
        _SHARED.append(
            Personalizer(issue.config, Renderer(issue.config), issue.digest, for_editor=True)
        )
    return _SHARED[0]


def test_a_header_line_over_998_fails_that_recipient(personalizer: Personalizer) -> None:
    """A name with no space to fold at, too long for any mail line, is the recipient's
    RecipientError naming the limit, not a message the relay refuses as too long."""
    with pytest.raises(RecipientError, match="998"):
        compose(personalizer, "ada@example.com", "L" * 1200)


def test_a_non_ascii_local_part_without_smtputf8_is_the_recipients_error(
    personalizer: Personalizer,
) -> None:
    """Without `sending.smtputf8`, `jörg@example.com` has no form a relay takes: that
    recipient's RecipientError, saying what to set, not a UnicodeEncodeError."""
    with pytest.raises(RecipientError, match="SMTPUTF8"):
        compose(personalizer, "jörg@example.com", "Jörg")


def test_a_non_ascii_domain_is_written_as_idna(personalizer: Personalizer) -> None:
    """`jorg@bücher.example` is written `jorg@xn--bcher-kva.example`, and the message is
    ASCII only, for any relay."""
    message = personalizer.composer_for(Subscriber(email="jorg@bücher.example", name="Jörg"))(NOW)
    assert message.recipient == "jorg@xn--bcher-kva.example"
    assert b"To: =?utf-8?" in message.data and b"<jorg@xn--bcher-kva.example>" in message.data
    assert message.data.isascii()


def _seconds(size: int) -> float:
    """Best of three: encoding a body line that holds a value of `size` characters."""
    holes = Holes()
    encoded = EncodedPersonal(holes.parse(f"Dear {holes.marker('name')},\n"))
    value = "Lovelace " * (size // 9)
    best = float("inf")
    for _ in range(3):
        started = time.process_time()  # CPU time: what other processes do matters less
        encoded.fill({"name": value})
        best = min(best, time.process_time() - started)
    return best


def test_encoding_is_linear_in_the_length_of_a_value() -> None:
    """A value eight times as long takes about eight times as long to encode (up to
    twice that as it outgrows the processor's caches), not sixty-four (the
    quoted-printable encoder copied the rest of a line for every line it cut: 8.9 s to
    compose a message for a 4 MB name)."""
    small, large = _seconds(200_000), _seconds(1_600_000)
    assert large / small < 30, (small, large)
