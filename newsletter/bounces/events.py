"""The bounce events, in the send ledger's database: each report once, whatever the number
of times it is read, and whether its change reached subscribers.yaml.

An event is recorded (not applied) before the subscriber file is touched, and marked
applied after: a run killed in between applies it on the next run, and a report read
twice is one event, so an intake interrupted at any instant loses none and applies none
twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

__all__ = ["Event", "EventStore"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS bounce_events (
    key TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    email TEXT,
    issue_date TEXT,
    status TEXT,
    mta TEXT NOT NULL,
    reason TEXT NOT NULL,
    outcome TEXT NOT NULL,
    applied INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS bounce_events_by_email ON bounce_events (email, received_at);
CREATE INDEX IF NOT EXISTS bounce_events_by_issue ON bounce_events (issue_date);
"""


@dataclass(frozen=True)
class Event:
    key: str  # a hash of the report, or the provider's event id
    received_at: datetime
    source: str  # where it was read: a file, "stdin", "webhook:mailgun"…
    kind: str  # a report.Kind value
    email: str | None  # the reader it proved, None when it proved none
    issue_date: date | None
    status: str | None
    mta: str
    reason: str
    outcome: str  # what it did: "bounced", "soft 1 of 3", "refused: …"
    applied: bool = False


class EventStore:
    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.db: sqlite3.Connection | None
        if readonly:
            if not path.exists():
                self.db = None
                return
            self.db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
            try:
                self.db.execute("SELECT 1 FROM bounce_events LIMIT 1")
            except sqlite3.OperationalError:  # a ledger from before bounces were read
                self.db.close()
                self.db = None
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()

    def get(self, key: str) -> Event | None:
        rows = self._select("WHERE key = ?", key)
        return rows[0] if rows else None

    def add(self, event: Event) -> bool:
        """Record `event`; False (and nothing changed) if its key is recorded already."""
        assert self.db is not None
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO bounce_events VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                event.key,
                event.received_at.isoformat(timespec="seconds"),
                event.source,
                event.kind,
                event.email,
                event.issue_date.isoformat() if event.issue_date else None,
                event.status,
                event.mta,
                event.reason,
                event.outcome,
                int(event.applied),
            ),
        )
        return cursor.rowcount == 1

    def mark_applied(self, key: str, outcome: str) -> None:
        assert self.db is not None
        self.db.execute(
            "UPDATE bounce_events SET applied = 1, outcome = ? WHERE key = ?", (outcome, key)
        )

    def soft_count(self, email: str, since: datetime) -> int:
        """Soft bounces of `email` from `since` on, after its last delivery, one per issue."""
        rows = self._rows(
            "SELECT kind, issue_date, key, received_at FROM bounce_events "
            "WHERE email = ? AND kind IN ('soft', 'delivered') AND received_at >= ? "
            "ORDER BY received_at, rowid",
            email,
            since.isoformat(timespec="seconds"),
        )
        seen: set[object] = set()
        for kind, issue, key, _ in rows:
            if kind == "delivered":
                seen.clear()
            else:
                seen.add(issue or key)
        return len(seen)

    def recent(self, since: datetime, limit: int = 1000) -> list[Event]:
        return self._select(
            "WHERE received_at >= ? ORDER BY received_at DESC, rowid DESC LIMIT ?",
            since.isoformat(timespec="seconds"),
            limit,
        )

    def counts_for_issue(self, day: date) -> dict[str, int]:
        """Readers of the issue of `day` per kind of event (hard, soft, complaint)."""
        rows = self._rows(
            "SELECT kind, COUNT(DISTINCT email) FROM bounce_events "
            "WHERE issue_date = ? AND email IS NOT NULL GROUP BY kind",
            day.isoformat(),
        )
        return {str(kind): int(str(n)) for kind, n in rows}

    def events_for_issue(self, day: date) -> list[Event]:
        return self._select("WHERE issue_date = ? ORDER BY received_at, rowid", day.isoformat())

    def _rows(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        if self.db is None:
            return []
        return list(self.db.execute(sql, args))

    def _select(self, where: str, *args: object) -> list[Event]:
        rows = self._rows(f"SELECT * FROM bounce_events {where}", *args)
        return [_event(r) for r in rows]


def _event(row: Iterable[object]) -> Event:
    key, received, source, kind, email, issue, status, mta, reason, outcome, applied = row
    return Event(
        str(key),
        datetime.fromisoformat(str(received)),
        str(source),
        str(kind),
        str(email) if email is not None else None,
        date.fromisoformat(str(issue)) if issue else None,
        str(status) if status is not None else None,
        str(mta),
        str(reason),
        str(outcome),
        bool(applied),
    )


def window_start(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
