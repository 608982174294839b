"""`newsletter status`: the ledger as the operator sees it, true after every kind of failure."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.delivery.conftest import (
    DAY,
    cli,
    emails,
    ledger,
    send,
    spawn_send,
    status,
    write_subscribers,
)
from tests.delivery.faulty import Fault, FaultyServer
from tests.delivery.test_delivery_stop import wait_for

READERS = emails(20)


def test_status_lists_counts_failures_with_their_answers_and_the_runs(
    letter: Path, server: FaultyServer
) -> None:
    """The text report gives counts by state, each failed or deferred recipient with its SMTP
    answer, and when the runs started and ended; exit 1 while anything is not delivered."""
    server.handler.rule(READERS[1], Fault("rcpt", reply="550 5.1.1 mailbox unknown"))
    server.handler.rule(READERS[2], Fault("rcpt", reply="452 4.2.2 over quota"))
    send(letter, server.url)
    result = cli(letter, "status", "--date", DAY)
    assert result.returncode == 1
    out = result.stdout
    assert f"Issue 1 of {DAY}" in out
    assert "delivered 18, deferred 1, failed 1, pending 0" in out
    assert f"failed   {READERS[1]}: 550 5.1.1 mailbox unknown (attempts: 1)" in out
    assert f"deferred {READERS[2]}: 452 4.2.2 over quota (attempts: 3)" in out
    assert "last run: finished, ended" in out


def test_status_json_for_scripts(letter: Path, server: FaultyServer) -> None:
    """`--json` carries the same facts, and the exit code is 0 once everyone has the issue."""
    send(letter, server.url)
    code, data = status(letter)
    assert code == 0
    assert data["date"] == DAY and data["number"] == 1 and data["subject"]
    assert data["counts"]["delivered"] == 20 and data["failures"] == []
    assert data["started_at"] <= data["ended_at"]
    assert data["runs"] == 1 and data["last_run"] == "finished"


def test_status_of_an_issue_never_sent_counts_everyone_pending_and_writes_nothing(
    letter: Path,
) -> None:
    """Before any send every active subscriber is pending (exit 1), and asking creates no file."""
    result = cli(letter, "status", "--date", DAY)
    assert result.returncode == 1
    assert "not sent yet (20 active subscribers pending)" in result.stdout
    assert not (letter / ".newsletter").exists()


def test_status_after_a_crash_says_the_run_was_killed_and_who_is_pending(
    letter: Path, server: FaultyServer
) -> None:
    """After SIGKILL: the last run is reported killed (not finished, not running), delivered
    matches the ledger, everyone else is pending, exit 1."""
    readers = emails(200)
    write_subscribers(letter, readers)
    proc = spawn_send(letter, server.url, "--rate", "20")
    wait_for(lambda: len(server.handler.accepted) >= 5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    code, data = status(letter)
    assert code == 1
    assert data["last_run"] == "killed" and data["ended_at"] is None
    delivered = sum(row.state == "delivered" for row in ledger(letter).values())
    assert data["counts"]["delivered"] == delivered
    assert data["counts"]["pending"] == 200 - delivered
    text = cli(letter, "status", "--date", DAY).stdout
    assert "last run: killed" in text and "did not end" in text
