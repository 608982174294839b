"""The archive page of an issue ("view in browser") is published with its first delivery,
never before: a send that reached nobody publishes nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from newsletter.web.archive import issue_page, list_issues
from tests.delivery.conftest import DAY, emails, send, write_subscribers
from tests.delivery.faulty import Fault, FaultyServer, free_port


def test_a_send_that_reached_nobody_publishes_no_archive_page(
    letter: Path, server: FaultyServer
) -> None:
    """Every recipient refused, or the server unreachable: the issue is not in the archive.
    Once one reader has it, it is, with the time of that first delivery."""
    archive = letter / ".newsletter" / "archive"
    write_subscribers(letter, emails(3))
    for address in emails(3):
        server.handler.rule(address, Fault("rcpt", reply="550 5.1.1 no such user", times=1))
    assert send(letter, f"smtp://127.0.0.1:{free_port()}").returncode == 1
    assert send(letter, server.url).returncode == 1  # all three refused
    assert list_issues(archive) == [] and not (archive / f"{DAY}.html").exists()
    assert send(letter, server.url, "--retry-failed").returncode == 0
    assert issue_page(archive, date.fromisoformat(DAY)) is not None
    meta = json.loads((archive / f"{DAY}.json").read_text())
    assert meta["date"] == DAY and [i.date.isoformat() for i in list_issues(archive)] == [DAY]


def test_a_test_send_publishes_nothing(letter: Path, server: FaultyServer) -> None:
    """`send --to` delivers a test copy and leaves the archive alone."""
    assert send(letter, server.url, "--to", "me@example.com").returncode == 0
    assert list_issues(letter / ".newsletter" / "archive") == []
