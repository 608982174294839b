"""What a send puts on the envelope and in the headers for bounces to come back by."""

from __future__ import annotations

import re
from email import message_from_bytes
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from tests.conftest import SmtpServer


def _send(folder: Path, server: SmtpServer) -> None:
    result = CliRunner().invoke(
        cli, ["-C", str(folder), "send", "--date", "today", "--smtp-url", server.url]
    )
    assert result.exit_code == 0, result.output


def test_each_message_has_a_personal_signed_return_path(
    folder: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every message's envelope sender is bounces+TOKEN@ the sender's domain, a different
    one per reader, and each token verifies, with the key the first send creates, for
    exactly the reader it went to; the Feedback-ID carries the issue number first."""
    monkeypatch.delenv("NEWSLETTER_SECRET")
    from newsletter import unsubscribe
    from newsletter.bounces.verp import Verp, tokens_in
    from newsletter.config import load_config

    _send(folder, smtp_server)
    config = load_config(folder / "newsletter.yaml")
    verp = Verp(unsubscribe.load_secret(config), config.list_id, config.bounce_address)
    readers = [m.rcpt_tos[0] for m in smtp_server.messages]
    senders = [m.mail_from for m in smtp_server.messages]
    assert len(set(senders)) == len(senders) == 4
    for message in smtp_server.messages:
        assert re.fullmatch(r"bounces\+[0-9]{8}[a-z2-7]{24}@news\.example\.com", message.mail_from)
        (token,) = tokens_in(message.mail_from, config.bounce_address)
        assert verp.resolve(token, readers)[1] == message.rcpt_tos[0]  # type: ignore[index]
        feedback = message_from_bytes(message.data)["Feedback-ID"]
        assert feedback == "1:the-morning-sample:newsletter:news-example"


def test_verp_off_keeps_one_fixed_return_path(folder: Path, smtp_server: SmtpServer) -> None:
    """`bounces: {verp: false, address: …}` sends every message from that one address, for
    relays that rewrite the envelope sender."""
    config = folder / "newsletter.yaml"
    config.write_text(
        config.read_text() + "\nbounces:\n  verp: false\n  address: returns@news.example.com\n"
    )
    _send(folder, smtp_server)
    assert {m.mail_from for m in smtp_server.messages} == {"returns@news.example.com"}


def test_renaming_the_newsletter_keeps_old_unsubscribe_links_working(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """The first send fixes the list's identity: after `name:` is changed, a token from a
    message sent before still unsubscribes its reader, and List-Id stays the same."""
    _send(folder, smtp_server)
    sent = next(m for m in smtp_server.messages if m.rcpt_tos == ["ada@example.com"])
    headers = message_from_bytes(sent.data)
    token = re.search(r"/unsubscribe/([A-Za-z0-9_-]{43})", headers["List-Unsubscribe"])[1]  # type: ignore[index]
    config = folder / "newsletter.yaml"
    config.write_text(config.read_text().replace("name: The Morning Sample", "name: Daily Sums"))
    mail = f"From: ada@example.com\r\nSubject: unsubscribe-{token}\r\n\r\n".encode()
    result = CliRunner().invoke(
        cli, ["-C", str(folder), "subscribers", "unsubscribe", "--from-mail"], input=mail
    )
    assert result.exit_code == 0, result.output
    assert "status: unsubscribed" in (folder / "subscribers.yaml").read_text().split("grace")[0]
    preview = CliRunner().invoke(cli, ["-C", str(folder), "preview", "--format", "eml"])
    assert "<the-morning-sample.news.example.com>" in preview.stdout


def test_list_id_in_the_config_wins_and_is_checked(folder: Path) -> None:
    """`list_id:` in newsletter.yaml names the list; a value that is no RFC 2919 label is
    an error naming the file and line."""
    config = folder / "newsletter.yaml"
    config.write_text(config.read_text() + "\nlist_id: Not A Label\n")
    result = CliRunner().invoke(cli, ["-C", str(folder), "preview", "--format", "eml"])
    assert result.exit_code == 2
    assert "newsletter.yaml:" in result.stderr and "list id" in result.stderr
    config.write_text(config.read_text().replace("Not A Label", "sums.example.org"))
    result = CliRunner().invoke(cli, ["-C", str(folder), "preview", "--format", "eml"])
    assert "<sums.example.org>" in result.stdout
