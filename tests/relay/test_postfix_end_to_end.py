"""Through a real Postfix relay: DKIM survives, one-click unsubscribe works, the next send skips the reader.

Needs root and Debian's postfix; skipped otherwise (CI installs it and runs as root).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import dkim
import httpx
import pytest

from newsletter.sink import free_port
from newsletter.subscribers.journal import current
from tests.conftest import SmtpServer, need_tool, run_cli
from tests.relay.postfix import postfix_relay

SELECTOR = "news2026"
DOMAIN = "news.example.com"


@pytest.fixture
def relay(smtp_server: SmtpServer) -> Iterator[str]:
    """A private Postfix on loopback relaying to the recording SMTP server."""
    need_tool("postfix", "postfix")
    if os.geteuid() != 0:
        pytest.skip("a private Postfix instance needs root")
    with postfix_relay(smtp_server.port) as port:
        yield f"smtp://127.0.0.1:{port}"


@pytest.fixture
def signed_folder(folder: Path) -> tuple[Path, bytes]:
    """The sample folder with a fresh DKIM key configured; returns it and the DNS TXT value."""
    result = run_cli("-C", str(folder), "dkim", "keygen", "-s", SELECTOR, "-d", DOMAIN)
    assert result.returncode == 0, result.stderr.decode()
    record = b"".join(re.findall(rb'"([^"]*)"', result.stdout))
    assert record.startswith(b"v=DKIM1")
    config = folder / "newsletter.yaml"
    config.write_text(
        config.read_text()
        + f"\ndkim:\n  domain: {DOMAIN}\n  selector: {SELECTOR}\n  key_file: .newsletter/dkim/{SELECTOR}.key\n"
    )
    return folder, record


def wait_for(server: SmtpServer, count: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while len(server.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(server.messages) == count


@pytest.fixture
def web(signed_folder: tuple[Path, bytes]) -> Iterator[str]:
    """`newsletter serve` on a free loopback port."""
    folder, _ = signed_folder
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "-C", str(folder), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def test_dkim_one_click_and_next_send(
    signed_folder: tuple[Path, bytes], relay: str, smtp_server: SmtpServer, web: str
) -> None:
    """A message sent through Postfix arrives with a valid DKIM signature over both unsubscribe
    headers; a one-click POST to its URL unsubscribes that subscriber and no other; the next
    send skips them."""
    folder, record = signed_folder
    result = run_cli("-C", str(folder), "send", "--smtp-url", relay)
    assert result.returncode == 0, result.stderr.decode()
    wait_for(smtp_server, 4)

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        assert name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode()
        return record

    by_rcpt = {m.rcpt_tos[0]: m.data for m in smtp_server.messages}
    for raw in by_rcpt.values():
        assert b"\r\nReceived: " in raw or raw.startswith(
            b"Received: "
        )  # it did go through Postfix
        assert dkim.verify(raw, dnsfunc=dnsfunc)
        signature = re.search(rb"DKIM-Signature:(.*?)\r\n(?![ \t])", raw, re.S)
        assert signature
        signed = re.search(
            rb"h=([^;]*)", signature.group(1).replace(b"\r\n", b"").replace(b" ", b"")
        )
        assert signed
        headers = signed.group(1).lower().split(b":")
        assert b"list-unsubscribe" in headers and b"list-unsubscribe-post" in headers

    ada = by_rcpt["ada@example.com"]
    url = re.search(rb"<(https://[^>]+/unsubscribe/[^>]+)>", ada)
    assert url
    path = url.group(1).decode().split(DOMAIN, 1)[1]
    response = httpx.post(
        web + path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    # The list as it stands: the file and the server's journal of changes.
    listed = current(folder / "subscribers.yaml", folder / ".newsletter")
    statuses = {s.email: s.status.value for s in listed}
    assert statuses["ada@example.com"] == "unsubscribed"
    assert statuses["grace@example.org"] == statuses["ken@example.net"] == "active"
    assert statuses["margaret@example.com"] == "active"

    tomorrow = date.today() + timedelta(days=1)
    (folder / "articles" / "next-day.md").write_text(
        f"---\ntitle: Council opens a new cycle lane\npublished: {tomorrow.isoformat()}\n"
        "tags: [cities]\n---\nThe council opened a new cycle lane on the harbour road. "
        "Residents had asked for it for years, and the first riders arrived at dawn.\n"
    )
    smtp_server.messages.clear()
    result = run_cli("-C", str(folder), "send", "--date", tomorrow.isoformat(), "--smtp-url", relay)
    assert result.returncode == 0, result.stderr.decode()
    wait_for(smtp_server, 2)  # ken (no topics) and margaret (cities); grace wants technology only
    assert "ada@example.com" not in {m.rcpt_tos[0] for m in smtp_server.messages}
