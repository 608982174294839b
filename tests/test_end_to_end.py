"""The whole job: a newsletter folder → `newsletter send` → one valid message per active subscriber."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.unsubscribe import load_secret, make_token
from tests.conftest import SmtpServer, run_cli

ACTIVE = {"ada@example.com", "grace@example.org", "ken@example.net", "margaret@example.com"}


def parse(raw: bytes) -> EmailMessage:
    """Parse with the strict policy and fail on any header defect."""
    message = email.message_from_bytes(raw, policy=email.policy.strict)
    assert isinstance(message, EmailMessage)
    for name, value in message.items():
        assert not getattr(value, "defects", ()), f"{name}: {value.defects}"
    return message


def raw_header(raw: bytes, name: str) -> bytes:
    """The header exactly as on the wire, folding included."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    match = re.search(rb"^" + name.encode() + rb": (.*?)\r\n(?![ \t])", head + b"\r\n", re.M | re.S)
    assert match, f"no {name} header"
    return match.group(1)


def plain_text(raw: bytes) -> str:
    """The decoded text/plain part, with plain newlines."""
    part = parse(raw).get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


@pytest.fixture
def sent(folder: Path, smtp_server: SmtpServer) -> SmtpServer:
    result = run_cli("-C", str(folder), "send", "--date", "today", "--smtp-url", smtp_server.url)
    assert result.returncode == 0, result.stderr.decode()
    return smtp_server


def test_one_message_per_active_subscriber(sent: SmtpServer) -> None:
    """Every active subscriber gets exactly one message, addressed to them alone; the unsubscribed get none."""
    recipients = [m.rcpt_tos for m in sent.messages]
    assert all(len(r) == 1 for r in recipients)
    assert sorted(r[0] for r in recipients) == sorted(ACTIVE)
    for received in sent.messages:
        message = parse(received.data)
        assert message["To"].addresses[0].addr_spec == received.rcpt_tos[0]
        assert len(message["To"].addresses) == 1


def test_headers_of_a_correct_newsletter_message(sent: SmtpServer) -> None:
    """Each message carries every header a bulk sender needs, once, with a unique Message-ID."""
    ids = set()
    for received in sent.messages:
        message = parse(received.data)
        for name in (
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "List-Id",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "Auto-Submitted",
            "MIME-Version",
        ):
            assert len(message.get_all(name, [])) == 1, name
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Auto-Submitted"] == "auto-generated"
        assert re.fullmatch(r"<[^<>@\s]+@news\.example\.com>", message["Message-ID"])
        assert message["From"].addresses[0].addr_spec == "digest@news.example.com"
        assert not message["Subject"].isupper()
        ids.add(message["Message-ID"])
        assert all(len(line) <= 998 for line in received.data.split(b"\r\n"))
        assert b"\n" not in received.data.replace(b"\r\n", b"")
    assert len(ids) == len(sent.messages)


def test_list_unsubscribe_arrives_byte_for_byte(folder: Path, sent: SmtpServer) -> None:
    """List-Unsubscribe is the personal https URL and mailto, never RFC 2047-encoded, folded only after a comma."""
    config = load_config(folder / "newsletter.yaml")
    secret = load_secret(config)
    for received in sent.messages:
        address = received.rcpt_tos[0]
        token = make_token(secret, config.list_id, address)
        expected = (
            f"<https://news.example.com/unsubscribe/{token}>,\r\n"
            f" <mailto:unsubscribe@news.example.com?subject=unsubscribe-{token}>"
        ).encode()
        assert raw_header(received.data, "List-Unsubscribe") == expected
        assert address.encode() not in raw_header(received.data, "List-Unsubscribe")


def test_structure_text_first_quoted_printable(sent: SmtpServer) -> None:
    """HTML readers get multipart/alternative with text/plain first; text-format readers get text/plain only."""
    for received in sent.messages:
        message = parse(received.data)
        parts = [p for p in message.walk() if not p.is_multipart()]
        for part in parts:
            assert part["Content-Transfer-Encoding"] == "quoted-printable"
            assert part.get_content_charset() == "utf-8"
        if received.rcpt_tos[0] == "ken@example.net":
            assert message.get_content_type() == "text/plain"
        else:
            assert message.get_content_type() == "multipart/alternative"
            assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]


def test_topics_choose_the_sections(sent: SmtpServer) -> None:
    """A subscriber with topics gets only those sections; one without topics gets every section."""
    bodies = {r.rcpt_tos[0]: plain_text(r.data) for r in sent.messages}
    assert "Technology\n==========" in bodies["grace@example.org"]
    assert "Towns and cities" not in bodies["grace@example.org"]
    assert (
        "Towns and cities" in bodies["ada@example.com"]
        and "Technology" in bodies["ada@example.com"]
    )
    assert "Technology\n==" not in bodies["margaret@example.com"]


def test_personal_values_are_filled_and_escaped(sent: SmtpServer) -> None:
    """Each copy greets its reader and names their address in the footer; no template hole is left."""
    for received in sent.messages:
        message = parse(received.data)
        for part in message.walk():
            if not part.is_multipart():
                assert "\ue000" not in part.get_content()
        plain = plain_text(received.data)
        assert received.rcpt_tos[0] in plain
        first = {
            "ada@example.com": "Ada",
            "grace@example.org": "Grace",
            "ken@example.net": "Ken",
            "margaret@example.com": "Margaret",
        }[received.rcpt_tos[0]]
        assert f"Hi {first}," in plain


def test_second_send_sends_nothing(folder: Path, sent: SmtpServer) -> None:
    """Running send again for the same issue delivers nothing new and says so."""
    again = run_cli("-C", str(folder), "send", "--smtp-url", sent.url)
    assert again.returncode == 0
    assert len(sent.messages) == len(ACTIVE)
    assert b"already delivered" in again.stderr


def test_test_send_goes_only_to_the_given_address(folder: Path, smtp_server: SmtpServer) -> None:
    """`send --to` delivers one copy to any address and leaves the subscribers' issue unsent."""
    result = run_cli(
        "-C", str(folder), "send", "--to", "editor@example.net", "--smtp-url", smtp_server.url
    )
    assert result.returncode == 0, result.stderr.decode()
    assert [m.rcpt_tos for m in smtp_server.messages] == [["editor@example.net"]]
    real = run_cli("-C", str(folder), "send", "--smtp-url", smtp_server.url)
    assert real.returncode == 0
    assert len(smtp_server.messages) == 1 + len(ACTIVE)


def test_dry_run_sends_nothing(folder: Path, smtp_server: SmtpServer) -> None:
    """A dry run renders every message, says how many it would send, and sends none."""
    result = run_cli("-C", str(folder), "send", "--dry-run", "--smtp-url", smtp_server.url)
    assert result.returncode == 0, result.stderr.decode()
    assert smtp_server.messages == []
    assert b"would send: 4" in result.stderr
    assert not (folder / ".newsletter" / "ledger.sqlite3").exists()


def test_preview_eml_is_a_valid_message(folder: Path) -> None:
    """`preview --format eml` prints one message the strict parser accepts."""
    result = run_cli("-C", str(folder), "preview", "--format", "eml")
    assert result.returncode == 0, result.stderr.decode()
    message = parse(result.stdout)
    assert message.get_content_type() == "multipart/alternative"


def test_build_json_lists_items(folder: Path) -> None:
    """`build --format json` gives items with title, summary, sources, links and section; near-duplicates merge."""
    import json

    result = run_cli("-C", str(folder), "build", "--date", "today", "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    for item in data["items"]:
        assert {"title", "summary", "sources", "links", "section"} <= item.keys()
        assert item["summary"]
    tram = [i for i in data["items"] if "tram" in i["title"].lower()]
    assert len(tram) == 1
    assert {s["name"] for s in tram[0]["sources"]} == {"Transit Weekly", "City Desk"}


def test_list_unsubscribe_survives_a_long_domain(folder: Path, smtp_server: SmtpServer) -> None:
    """With a long site domain and unsubscribe address, List-Unsubscribe still arrives unencoded,
    folded only after its comma, every line within 998 octets, and parses back to the same URIs."""
    long_host = "unsubscribe-and-archive." + "very-long-subdomain-label." * 3 + "example.com"
    config = folder / "newsletter.yaml"
    config.write_text(
        config.read_text()
        .replace(
            "site_url: https://news.example.com", f"site_url: https://{long_host}/letters/morning"
        )
        .replace(
            "mailto: unsubscribe@news.example.com", f"mailto: leave-the-morning-sample@{long_host}"
        )
    )
    result = run_cli("-C", str(folder), "send", "--smtp-url", smtp_server.url)
    assert result.returncode == 0, result.stderr.decode()
    cfg = load_config(config)
    secret = load_secret(cfg)
    for received in smtp_server.messages:
        token = make_token(secret, cfg.list_id, received.rcpt_tos[0])
        raw = raw_header(received.data, "List-Unsubscribe")
        assert b"=?" not in raw
        assert (
            raw
            == (
                f"<https://{long_host}/letters/morning/unsubscribe/{token}>,\r\n"
                f" <mailto:leave-the-morning-sample@{long_host}?subject=unsubscribe-{token}>"
            ).encode()
        )
        value = str(parse(received.data)["List-Unsubscribe"])
        assert value.replace(" ", "") == raw.replace(b"\r\n", b"").replace(b" ", b"").decode()


def test_an_internationalized_address_with_a_name_gets_a_utf8_to_header(folder: Path) -> None:
    """With `sending.smtputf8`, a subscriber whose address is not ASCII gets a message whose
    To header carries the name and the address as UTF-8 (RFC 6532), not an error."""
    config = folder / "newsletter.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("sending:\n", "sending:\n  smtputf8: true\n", 1),
        encoding="utf-8",
    )
    people = folder / "subscribers.yaml"
    people.write_text(
        "subscribers:\n  - email: zoë@exämple.com\n    name: Zoë Ünal\n", encoding="utf-8"
    )
    result = run_cli(
        "-C", str(folder), "preview", "--format", "eml", "--subscriber", "zoë@exämple.com"
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "To: Zoë Ünal <zoë@exämple.com>\r\n".encode() in result.stdout
