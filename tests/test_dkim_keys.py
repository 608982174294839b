"""`dkim:` as a list: one signature per key on every message sent, each verifying alone."""

from __future__ import annotations

from pathlib import Path

import dkim as dkimpy
import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.dkim import generate_key
from tests.conftest import SmtpServer

DOMAIN = "news.example.com"


def test_rsa_and_ed25519_signatures_side_by_side(folder: Path, smtp_server: SmtpServer) -> None:
    """With an rsa-sha256 and an ed25519-sha256 key listed, each sent message carries two
    DKIM-Signatures, each verifying with its own key alone (so a receiver without
    ed25519 still sees a valid RSA one); Reply-To is signed twice, so a second one
    added on the way breaks both."""
    pytest.importorskip("nacl", reason="dkimpy verifies ed25519 through PyNaCl (dev extra)")
    records = {}
    for selector, algorithm in (("r2026", "rsa-sha256"), ("e2026", "ed25519-sha256")):
        key, txt = generate_key(algorithm)
        (folder / f"{selector}.key").write_bytes(key)
        records[f"{selector}._domainkey.{DOMAIN}.".encode()] = txt.encode()
    config = folder / "newsletter.yaml"
    config.write_text(
        config.read_text()
        + "\nreply_to: editor@news.example.com\ndkim:\n"
        + f"  - {{domain: {DOMAIN}, selector: r2026, key_file: r2026.key}}\n"
        + f"  - {{domain: {DOMAIN}, selector: e2026, key_file: e2026.key,"
        + " algorithm: ed25519-sha256}\n"
    )
    result = CliRunner().invoke(
        cli, ["-C", str(folder), "send", "--date", "today", "--smtp-url", smtp_server.url]
    )
    assert result.exit_code == 0, result.output

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return records.get(name)

    assert smtp_server.messages
    for message in smtp_server.messages:
        raw = message.data
        assert raw.count(b"DKIM-Signature:") == 2
        checker = dkimpy.DKIM(raw)
        assert checker.verify(idx=0, dnsfunc=dns) and checker.verify(idx=1, dnsfunc=dns)
        algorithms = {s.split(b"a=")[1].split(b";")[0] for s in raw.split(b"DKIM-Signature:")[1:]}
        assert algorithms == {b"rsa-sha256", b"ed25519-sha256"}
        head = raw.split(b"\r\n\r\n")[0].replace(b"\r\n ", b" ")
        assert head.count(b"reply-to:") == 4  # twice in each h=
        forged = raw.replace(b"\r\nTo:", b"\r\nReply-To: evil@example.net\r\nTo:", 1)
        again = dkimpy.DKIM(forged)
        assert not again.verify(idx=0, dnsfunc=dns) and not again.verify(idx=1, dnsfunc=dns)


def test_an_empty_key_list_is_a_config_error(folder: Path) -> None:
    """`dkim: []` is an error naming newsletter.yaml and its line, not silence."""
    config = folder / "newsletter.yaml"
    config.write_text(config.read_text() + "\ndkim: []\n")
    result = CliRunner().invoke(cli, ["-C", str(folder), "preview", "--format", "eml"])
    assert result.exit_code == 2
    assert "newsletter.yaml:" in result.stderr and "lists no key" in result.stderr
