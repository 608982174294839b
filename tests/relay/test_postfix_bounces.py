"""Bounces that a real Postfix writes: a send through it to a server that refuses one
reader and defers another comes back as Postfix's own DSNs to the VERP addresses, and
`bounces process --maildir` marks the right readers.

Needs root and Debian's postfix; skipped otherwise (CI installs it and runs as root).
"""

from __future__ import annotations

import mailbox
import os
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from newsletter.sink import free_port
from tests.bounces.helpers import status_of
from tests.conftest import RecordingHandler, need_tool, run_cli
from tests.relay.postfix import postfix_relay

# Postfix retries the deferred reader at once and warns of the delay after a second.
QUICK = """
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 1s
delay_warning_time = 1s
"""


def test_postfix_dsns_come_back_and_mark_the_readers(folder: Path, tmp_path: Path) -> None:
    """Ada's server answers 550 5.1.1, Grace's 451 4.7.1: Postfix mails a failure DSN
    and a delay warning to their VERP addresses; read from a Maildir, they make Ada
    `bounced`, count one soft bounce for Grace, and leave everyone else active."""
    need_tool("postfix", "postfix")
    if os.geteuid() != 0:
        pytest.skip("a private Postfix instance needs root")
    handler = RecordingHandler(
        answers={
            "ada@example.com": "550 5.1.1 <ada@example.com>: Recipient address rejected: "
            "User unknown in local recipient table",
            "grace@example.org": "451 4.7.1 <grace@example.org>: Greylisted, try again later",
        }
    )
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with postfix_relay(port, QUICK) as relay:
            sent = run_cli(
                "-C",
                str(folder),
                "send",
                "--date",
                "today",
                "--smtp-url",
                f"smtp://127.0.0.1:{relay}",
            )
            assert sent.returncode == 0, sent.stderr.decode()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                back = [m for m in handler.messages if m.rcpt_tos[0].startswith("bounces+")]
                if len(back) >= 2:
                    break
                time.sleep(0.2)
    finally:
        controller.stop()
    assert {m.mail_from for m in back} == {"<>"}  # DSNs have the null sender
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for message in back:
        box.add(message.data)
    result = run_cli(
        "-C", str(folder), "bounces", "process", "--maildir", str(tmp_path / "Maildir")
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "ada@example.com" in out and "5.1.1 (Postfix): bounced" in out
    assert "grace@example.org" in out and "soft bounce 1 of 3" in out
    assert status_of(folder, "ada@example.com") == "bounced"
    assert status_of(folder, "grace@example.org") == "active"
    assert status_of(folder, "ken@example.net") == "active"
