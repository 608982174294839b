"""The ledger: a delivery is recorded only after the server accepted it, and durably
before the same connection carries its next message."""

from __future__ import annotations

import asyncio
import email
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newsletter.delivery.engine import Engine, GroupCommitter, Job
from newsletter.delivery.ledger import Record
from newsletter.delivery.transport import NullTransport
from newsletter.message import Outgoing
from tests.delivery.conftest import DAY, emails, ledger, send_here, write_subscribers
from tests.delivery.faulty import FaultyHandler, FaultyServer


class LedgerWatcher(FaultyHandler):
    """Reads the sender's ledger from the server side at the two moments that matter."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.previous: dict[int, list[str]] = {}  # connection -> recipients it carried
        self.violations: list[str] = []
        self.checks = 0
        self.guard = threading.Lock()

    def delivered(self) -> set[str]:
        if not self.path.exists():
            return set()
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT email FROM deliveries WHERE issue_date = ? AND state = 'delivered'", (DAY,)
            ).fetchall()
        except sqlite3.OperationalError:  # no tables yet
            return set()
        finally:
            db.close()
        return {r[0] for r in rows}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        delivered = self.delivered()
        carried = self.previous.setdefault(id(session), [])
        if carried:
            missing = set(carried) - delivered
            with self.guard:
                self.checks += 1
                if missing:
                    self.violations.append(f"next message before {sorted(missing)} was recorded")
        early = set(envelope.rcpt_tos) & delivered
        if early:
            self.violations.append(f"{sorted(early)} recorded delivered before the server accepted")
        answer = await super().handle_DATA(server, session, envelope)
        carried.extend(envelope.rcpt_tos)
        return answer


def test_a_delivery_is_recorded_after_acceptance_and_before_the_next_message(letter: Path) -> None:
    """Seen from the server: no recipient is in the ledger as delivered before its 250, and
    every message a connection carried is committed before that connection's next message
    data arrives (its envelope may go ahead: it delivers nothing)."""
    readers = emails(300)
    write_subscribers(letter, readers)
    watcher = LedgerWatcher(letter / ".newsletter" / "ledger.sqlite3")
    with FaultyServer(watcher) as server:
        report = send_here(letter, server.url)
    assert report.exit_code == 0
    assert watcher.violations == []
    assert watcher.checks >= len(readers) - 4  # every message but each connection's first
    assert sorted(watcher.recipients()) == readers


def test_each_row_holds_the_servers_answer_and_the_message_id_sent(
    letter: Path, server: FaultyServer
) -> None:
    """A delivered row keeps code 250, the server's text, and the Message-ID of the very
    message the server received."""
    send_here(letter, server.url)
    rows = ledger(letter)
    assert len(rows) == 20
    for accepted in server.handler.accepted:
        row = rows[accepted.recipient]
        assert (row.state, row.code, row.attempts) == ("delivered", 250, 1)
        assert "OK queued" in row.response
        message = email.message_from_bytes(accepted.data)
        assert row.message_id == message["Message-ID"]


def test_the_ledger_is_sqlite_in_wal_mode_with_each_run_recorded(
    letter: Path, server: FaultyServer
) -> None:
    """The ledger is one SQLite file in WAL mode under .newsletter/, and each run leaves its
    start, end and outcome."""
    send_here(letter, server.url)
    send_here(letter, server.url)
    db = sqlite3.connect(letter / ".newsletter" / "ledger.sqlite3")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        runs = db.execute("SELECT started_at, ended_at, outcome FROM runs ORDER BY id").fetchall()
    finally:
        db.close()
    assert len(runs) == 1  # the second run had nobody to send to, so it did not start one
    started, ended, outcome = runs[0]
    assert started <= ended and outcome == "finished"


def test_a_ledger_that_cannot_be_written_stops_the_run_instead_of_hanging() -> None:
    """When a commit fails every worker learns it, takes no new recipient, and the run
    raises the ledger's error; no worker waits for ever on a record never written."""
    sent: list[str] = []

    def compose(email_address: str) -> Callable[[datetime], Outgoing]:
        def build(now: datetime) -> Outgoing:
            sent.append(email_address)
            return Outgoing("news@example.com", email_address, f"<{email_address}>", b"x")

        return build

    def commit(records: list[Record]) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    engine = Engine(
        [NullTransport() for _ in range(4)],
        rate=0,
        retries=0,
        backoff_base=0,
        recorder=GroupCommitter(commit),
    )
    jobs = (Job(e, compose(e)) for e in emails(100))
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        asyncio.run(asyncio.wait_for(engine.run(jobs), 5))
    assert len(sent) <= 8  # each worker's message in hand when the first commit failed, at most
