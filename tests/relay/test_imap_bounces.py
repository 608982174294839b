"""`bounces process --imap` against a real Dovecot over TLS: each bounce applied, then
moved to the processed folder, never deleted; a second run finds nothing left.

Needs root and Debian's dovecot-imapd; skipped otherwise (CI installs it and runs as root).
"""

from __future__ import annotations

import imaplib
import os
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bounces.helpers import fixture, status_of
from tests.conftest import need_tool, run_cli
from tests.relay.dovecot import Imap, dovecot


@pytest.fixture
def imap() -> Iterator[Imap]:
    need_tool("dovecot", "dovecot-imapd")
    if os.geteuid() != 0:
        pytest.skip("a private Dovecot instance needs root")
    with dovecot() as server:
        yield server


def _client(server: Imap) -> imaplib.IMAP4_SSL:
    context = ssl.create_default_context(cafile=str(server.certificate))
    client = imaplib.IMAP4_SSL("localhost", server.port, ssl_context=context)
    client.login("bounces", server.password)
    return client


def test_imap_bounces_are_applied_and_moved(folder: Path, imap: Imap) -> None:
    """Two bounces and a letter in INBOX: the readers are marked, all three end in the
    Processed folder (nothing deleted), INBOX is empty, and a wrong password is one
    `Error:` line with exit 1."""
    client = _client(imap)
    for name in ("postfix-hard.eml", "arf-abuse.eml", "not-a-bounce.eml"):
        client.append("INBOX", None, None, fixture(folder, name))
    client.logout()
    env = {"NEWSLETTER_IMAP_PASSWORD": imap.password, "SSL_CERT_FILE": str(imap.certificate)}
    url = f"imaps://bounces@localhost:{imap.port}/INBOX"
    result = run_cli("-C", str(folder), "bounces", "process", "--imap", url, env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert status_of(folder, "ada@example.com") == "bounced"
    assert status_of(folder, "margaret@example.com") == "complained"
    client = _client(imap)
    assert client.select("INBOX")[1] == [b"0"]
    assert client.select('"Processed"')[1] == [b"3"]
    client.logout()
    wrong = run_cli(
        "-C",
        str(folder),
        "bounces",
        "process",
        "--imap",
        url,
        env=env | {"NEWSLETTER_IMAP_PASSWORD": "guess"},
    )
    assert wrong.returncode == 1
    assert b"Error: the IMAP server" in wrong.stderr and b"Traceback" not in wrong.stderr
