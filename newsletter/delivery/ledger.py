"""The send ledger: one SQLite row per issue and recipient, the source of truth for resuming.

A delivery is written only after the server accepted the message, and committed
before that connection sends the data of its next message (group commit: one
transaction for whatever the workers finished meanwhile).
"""

from __future__ import annotations

import enum
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from newsletter.errors import (
    DeliveryError,
    LedgerDamagedError,
    NewsletterError,
    StateLostError,
    cannot_write,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS issues (
    date TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    issue_date TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    issue_date TEXT NOT NULL,
    email TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    code INTEGER,
    response TEXT,
    message_id TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (issue_date, email)
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    issue_date TEXT NOT NULL,
    url TEXT,
    snapshot TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_by_issue ON articles (issue_date);
"""


class State(enum.StrEnum):
    DELIVERED = "delivered"  # the server accepted the message
    DEFERRED = "deferred"  # temporary failures used up the retries; the next run tries again
    FAILED = "failed"  # a permanent (5xx) refusal; retried only with --retry-failed
    SKIPPED = "skipped"  # nothing in this issue for them (their topics); not sent, not pending


@dataclass(frozen=True)
class Record:
    email: str
    state: State
    attempts: int
    code: int | None
    response: str
    message_id: str | None
    at: datetime


def unwritable(path: Path, why: object) -> DeliveryError:
    """The error that stops a run whose delivery records cannot be written to `path`."""
    from newsletter.errors import write_advice

    error = why if isinstance(why, BaseException) else Exception(why)
    advice = write_advice(error, path)
    return DeliveryError(
        f"cannot write the ledger {path}: {why}; {advice}. The run stopped; messages "
        "accepted since the last record may be sent again by the next run. Then run "
        "`newsletter send` again."
    )


def damaged(path: Path, error: sqlite3.Error) -> LedgerDamagedError:
    """The error for a ledger SQLite cannot read: not a database, or truncated."""
    return LedgerDamagedError(
        f"{path}: not a readable send ledger ({error}); the file is damaged or is not a "
        "ledger. Nothing was sent and nothing changed. Restore it from a backup, or move it "
        f"aside (`mv {path} {path}.damaged`) to start the record afresh: the issues it "
        "recorded would then be sent again."
    )


def is_damage(error: sqlite3.Error) -> bool:
    """Whether SQLite says the file is not a database or is corrupt (not a passing fault)."""
    return getattr(error, "sqlite_errorname", "") in ("SQLITE_NOTADB", "SQLITE_CORRUPT")


def _fault(path: Path, error: sqlite3.Error | OSError) -> NewsletterError:
    if isinstance(error, sqlite3.Error) and is_damage(error):
        return damaged(path, error)
    return cannot_write(path, error, "Nothing was sent.")


def identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of `path`; None when it is gone."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def lost(path: Path) -> StateLostError:
    return StateLostError(
        f"the ledger {path} was removed or replaced while this send was running (was "
        f"{path.parent} deleted?). The run stopped: what it delivered is no longer on "
        "record, so the next send sends the issue to everyone again."
    )


def row(day: date, record: Record) -> tuple[str, str, str, int, int | None, str, str | None, str]:
    """`record` as a row of the deliveries table."""
    return (
        day.isoformat(),
        record.email,
        record.state.value,
        record.attempts,
        record.code,
        record.response,
        record.message_id,
        record.at.isoformat(),
    )


@dataclass(frozen=True)
class ArticleRow:
    """An article as an issue recorded it: its identity, its link, and a JSON snapshot."""

    id: str
    url: str | None
    snapshot: str


@dataclass(frozen=True)
class IssueStatus:
    date: date
    number: int | None
    subject: str | None
    counts: dict[str, int]
    failures: tuple[Record, ...]
    started_at: str | None  # the first run's start
    ended_at: str | None  # the last run's end; None while it runs, or if it was killed
    outcome: str | None  # the last run's: finished, interrupted, aborted; None as ended_at
    last_started_at: str | None = None
    runs: int = 0


class Ledger:
    """A connection to the ledger database; `readonly` never creates or writes anything."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        if readonly:
            if path.exists():
                # With no WAL file every committed row is in the main file: read it as
                # immutable, which creates no -wal or -shm file (status and dry runs write
                # nothing). With one (a run going on, or killed), read through it.
                wal = path.with_name(path.name + "-wal")
                flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
                uri = f"{path.absolute().as_uri()}?{flags}"
                try:
                    self.db: sqlite3.Connection | None = sqlite3.connect(
                        uri, uri=True, check_same_thread=False
                    )
                except sqlite3.Error as error:
                    raise damaged(path, error) from error
            else:
                self.db = None
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA busy_timeout=5000")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
            # Writes nothing, but fails now rather than at the first record if it cannot.
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("ROLLBACK")
        except (sqlite3.Error, OSError) as error:
            raise _fault(path, error) from error
        self.identity = identity(path)

    def check(self) -> None:
        """Raise StateLostError if the file was removed or replaced since it was opened
        (a record written now would go to a file nobody reads)."""
        if self.readonly or self.db is None:
            return
        if identity(self.path) != self.identity:
            raise lost(self.path)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()

    def _rows(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        if self.db is None:
            return []
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            # Only reading: whatever SQLite cannot read there is no ledger it can use.
            raise (
                damaged(self.path, error) if self.readonly else _fault(self.path, error)
            ) from error
        except sqlite3.DatabaseError as error:
            raise _fault(self.path, error) from error

    def issue_number(self, day: date) -> int | None:
        rows = self._rows("SELECT number FROM issues WHERE date = ?", day.isoformat())
        return int(str(rows[0][0])) if rows else None

    def next_number(self, day: date) -> int:
        """The issue number of `day`: the recorded one, or one past the latest before it."""
        known = self.issue_number(day)
        if known is not None:
            return known
        rows = self._rows("SELECT MAX(number) FROM issues")
        latest = rows[0][0] if rows and rows[0][0] is not None else 0
        return int(str(latest)) + 1

    def record_issue(
        self,
        day: date,
        number: int,
        subject: str,
        now: datetime,
        articles: Iterable[ArticleRow] = (),
    ) -> None:
        """Record the issue of `day` and the articles it holds, in one transaction.

        The first run to record a date fixes its articles: a later run of the same
        date (a resume) adds none, so every article belongs to exactly one issue.
        """
        assert self.db is not None and not self.readonly
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO issues (date, number, subject, created_at) VALUES (?, ?, ?, ?)",
                (day.isoformat(), number, subject, now.isoformat()),
            )
            if cursor.rowcount:
                self.db.executemany(
                    """INSERT OR IGNORE INTO articles (id, issue_date, url, snapshot, recorded_at)
                       VALUES (?, ?, ?, ?, ?)""",
                    [(a.id, day.isoformat(), a.url, a.snapshot, now.isoformat()) for a in articles],
                )

    def issue_dates(self) -> set[date]:
        """Every date whose issue a real send recorded."""
        return {date.fromisoformat(str(d)) for (d,) in self._rows("SELECT date FROM issues")}

    def article_keys(self) -> list[tuple[str, str | None, date]]:
        """(id, url, issue date) of every article an issue carried."""
        return [
            (str(ident), str(url) if url is not None else None, date.fromisoformat(str(day)))
            for ident, url, day in self._rows("SELECT id, url, issue_date FROM articles")
        ]

    def snapshots(self, day: date) -> list[str]:
        """The articles of the issue of `day` as recorded when it was first sent, in order."""
        rows = self._rows(
            "SELECT snapshot FROM articles WHERE issue_date = ? ORDER BY rowid", day.isoformat()
        )
        return [str(s) for (s,) in rows]

    def emails_in(self, day: date, states: Iterable[State]) -> set[str]:
        wanted = [s.value for s in states]
        marks = ",".join("?" * len(wanted))
        rows = self._rows(
            f"SELECT email FROM deliveries WHERE issue_date = ? AND state IN ({marks})",
            day.isoformat(),
            *wanted,
        )
        return {str(r[0]) for r in rows}

    def record(self, day: date, records: Iterable[Record]) -> None:
        """Write `records` in one durable transaction."""
        self.write_rows([row(day, r) for r in records])

    def write_rows(self, rows: Sequence[Sequence[object]]) -> None:
        """Write delivery rows (as `row` makes them) in one durable transaction; a row
        never turns a delivered recipient back into a pending one."""
        assert self.db is not None and not self.readonly
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                """INSERT INTO deliveries
                   (issue_date, email, state, attempts, code, response, message_id, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (issue_date, email) DO UPDATE SET
                     state = excluded.state,
                     attempts = deliveries.attempts + excluded.attempts,
                     code = excluded.code, response = excluded.response,
                     message_id = excluded.message_id, updated_at = excluded.updated_at
                   WHERE deliveries.state != 'delivered'""",
                rows,
            )

    def start_run(self, day: date, now: datetime) -> int:
        assert self.db is not None and not self.readonly
        cursor = self.db.execute(
            "INSERT INTO runs (issue_date, started_at) VALUES (?, ?)",
            (day.isoformat(), now.isoformat()),
        )
        return int(cursor.lastrowid or 0)

    def end_run(self, run_id: int, now: datetime, outcome: str) -> None:
        assert self.db is not None and not self.readonly
        self.db.execute(
            "UPDATE runs SET ended_at = ?, outcome = ? WHERE id = ?",
            (now.isoformat(), outcome, run_id),
        )

    def status(self, day: date) -> IssueStatus:
        iso = day.isoformat()
        counts = {
            str(state): int(str(n))
            for state, n in self._rows(
                "SELECT state, COUNT(*) FROM deliveries WHERE issue_date = ? GROUP BY state", iso
            )
        }
        failures = tuple(
            Record(
                str(email),
                State(str(state)),
                int(str(attempts)),
                int(str(code)) if code is not None else None,
                str(response or ""),
                None,
                datetime.fromisoformat(str(at)),
            )
            for email, state, attempts, code, response, at in self._rows(
                """SELECT email, state, attempts, code, response, updated_at FROM deliveries
                   WHERE issue_date = ? AND state IN ('deferred', 'failed') ORDER BY email""",
                iso,
            )
        )
        issue = self._rows("SELECT number, subject FROM issues WHERE date = ?", iso)
        first = self._rows("SELECT MIN(started_at), COUNT(*) FROM runs WHERE issue_date = ?", iso)
        started, runs = first[0] if first else (None, 0)
        last = self._rows(
            "SELECT started_at, ended_at, outcome FROM runs WHERE issue_date = ? ORDER BY id DESC LIMIT 1",
            iso,
        )
        last_started, ended, outcome = last[0] if last else (None, None, None)
        return IssueStatus(
            day,
            int(str(issue[0][0])) if issue else None,
            str(issue[0][1]) if issue else None,
            counts,
            failures,
            str(started) if started else None,
            str(ended) if ended else None,
            str(outcome) if outcome else None,
            str(last_started) if last_started else None,
            int(str(runs or 0)),
        )


def ledger_path(state_dir: Path, shard: tuple[int, int] | None) -> Path:
    """Each shard of a split list keeps its own ledger file."""
    if shard is None:
        return state_dir / "ledger.sqlite3"
    k, n = shard
    return state_dir / f"ledger-{k}-of-{n}.sqlite3"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
