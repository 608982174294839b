"""Changes made from the web, recorded durably first and folded into subscribers.yaml later.

A one-click unsubscribe, a confirmation or a preferences change is one row in
`.newsletter/journal.sqlite3`, committed (fsynced) before the server answers. The file is
rewritten only by `fold`, in batches, under the writers' lock: a request costs one small
commit whatever the size of the list. Every reader of the list (`current`) applies the
rows not folded yet on top of the file, so nobody sees an old status.

    journal = Journal(folder.state_dir)
    journal.record("ann@example.com", {"status": "unsubscribed"})
    fold(folder.subscribers_path, journal)          # one rewrite for every row so far

A change sets keys of an entry (`status`, `name`, `topics`, `format`, `frequency`,
`fields`); with `create` it adds the entry when the address is not in the file. Applying
a change twice gives what applying it once does, so a fold cut short is simply redone.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from newsletter.errors import NewsletterError, SubscriberFileError
from newsletter.model import Format, Frequency, Status, Subscriber
from newsletter.subscribers import edit
from newsletter.subscribers.addresses import address_key
from newsletter.subscribers.changes import Expected, scan_for_edit, write_checked
from newsletter.subscribers.parse import no_gc
from newsletter.subscribers.store import locked

__all__ = ["JOURNAL_NAME", "Change", "Journal", "apply", "current", "fold"]

JOURNAL_NAME = "journal.sqlite3"
log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    email TEXT NOT NULL,
    change TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_email ON changes (email);
CREATE TABLE IF NOT EXISTS folded (one INTEGER PRIMARY KEY CHECK (one = 1), upto INTEGER NOT NULL);
INSERT OR IGNORE INTO folded VALUES (1, 0);
CREATE TABLE IF NOT EXISTS mails (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    client TEXT NOT NULL,
    at REAL NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mails_email ON mails (email, at);
CREATE INDEX IF NOT EXISTS mails_client ON mails (client, at);
"""


@dataclasses.dataclass(frozen=True)
class Change:
    """One recorded change of one address."""

    id: int
    email: str
    set: Mapping[str, Any]
    create: bool = False


class Journal:
    """The journal of one newsletter folder; safe to share between threads."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / JOURNAL_NAME
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    @classmethod
    def existing(cls, state_dir: Path) -> Journal | None:
        """The folder's journal if one was ever written, else None (nothing to apply)."""
        return cls(state_dir) if (state_dir / JOURNAL_NAME).exists() else None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a commit is on disk before the 200
            db.execute("PRAGMA busy_timeout=10000")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def record(self, email: str, values: Mapping[str, Any], *, create: bool = False) -> int:
        """Record that `email` now has `values`; durable when this returns. Its row id."""
        body = json.dumps({"set": _plain(values), "create": create}, sort_keys=True)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            db = self._connect()
            cursor = db.execute(
                "INSERT INTO changes (at, email, change) VALUES (?, ?, ?)",
                (now, address_key(email), body),
            )
            return int(cursor.lastrowid or 0)

    def record_many(self, changes: list[tuple[str, Mapping[str, Any], bool]]) -> None:
        """Record several (email, values, create) changes in one commit: one disk sync for
        all the requests that came in together."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [
            (now, address_key(email), json.dumps({"set": _plain(v), "create": c}, sort_keys=True))
            for email, v, c in changes
        ]
        with self._lock:
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT INTO changes (at, email, change) VALUES (?, ?, ?)", rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def pending(self, email: str | None = None) -> list[Change]:
        """The changes not yet folded into the file, oldest first (of `email` only, if given)."""
        query = "SELECT id, email, change FROM changes WHERE id > (SELECT upto FROM folded)"
        args: tuple[str, ...] = ()
        if email is not None:
            query += " AND email = ?"
            args = (address_key(email),)
        with self._lock:
            rows = self._connect().execute(query + " ORDER BY id", args).fetchall()
        out = []
        for row_id, row_email, text in rows:
            body = json.loads(text)
            out.append(Change(row_id, row_email, body["set"], bool(body.get("create"))))
        return out

    def mark_folded(self, upto: int) -> None:
        with self._lock:
            db = self._connect()
            db.execute("UPDATE folded SET upto = max(upto, ?)", (upto,))
            # Folded rows are kept a while for the record, then let go.
            db.execute("DELETE FROM changes WHERE id <= ? - 100000", (upto,))

    # Mails sent from the web (confirmations, welcomes): limits and no double send.

    def mail_claim(self, key: str, kind: str, email: str, client: str, at: float) -> bool:
        """Record a mail about to be sent; False if a mail of that key was claimed before."""
        with self._lock:
            cursor = self._connect().execute(
                "INSERT OR IGNORE INTO mails VALUES (?, ?, ?, ?, ?, 'claimed')",
                (key, kind, address_key(email), client, at),
            )
            return cursor.rowcount == 1

    def mail_done(self, key: str, state: str) -> None:
        with self._lock:
            self._connect().execute("UPDATE mails SET state = ? WHERE key = ?", (state, key))

    def mail_state(self, key: str) -> str | None:
        with self._lock:
            row = (
                self._connect().execute("SELECT state FROM mails WHERE key = ?", (key,)).fetchone()
            )
        return None if row is None else str(row[0])

    def mails_since(
        self, since: float, *, kind: str, email: str | None = None, client: str | None = None
    ) -> int:
        """How many `kind` rows name `email` (or `client`) since `since` (epoch seconds)."""
        column, value = ("email", address_key(email)) if email is not None else ("client", client)
        query = f"SELECT count(*) FROM mails WHERE kind = ? AND {column} = ? AND at >= ?"
        with self._lock:
            row = self._connect().execute(query, (kind, value, since)).fetchone()
        return int(row[0])


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, frozenset | set | tuple):
            value = sorted(value)
        elif isinstance(value, Status | Format | Frequency):
            value = value.value
        elif isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return out


def _typed(key: str, value: Any) -> Any:
    if key == "status":
        return Status(value)
    if key == "format":
        return Format(value)
    if key == "frequency":
        return Frequency(value)
    if key == "topics":
        return frozenset(value)
    if key == "fields":
        return MappingProxyType(dict(value))
    if key == "joined" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def apply(subscribers: Iterable[Subscriber], changes: Iterable[Change]) -> tuple[Subscriber, ...]:
    """`subscribers` with `changes` made, in order; created entries come last."""
    by_key: dict[str, Subscriber] = {}
    order: list[str] = []
    for subscriber in subscribers:
        key = address_key(subscriber.email)
        by_key[key] = subscriber
        order.append(key)
    for change in changes:
        values = {k: _typed(k, v) for k, v in change.set.items() if _known(k)}
        existing = by_key.get(change.email)
        if existing is not None:
            by_key[change.email] = dataclasses.replace(existing, **values)
        elif change.create:
            email = str(change.set.get("email", change.email))
            by_key[change.email] = Subscriber(email=email, **values)
            order.append(change.email)
    return tuple(by_key[key] for key in order)


def _known(key: str) -> bool:
    return key in {f.name for f in dataclasses.fields(Subscriber)} and key != "email"


def current(path: Path, state_dir: Path, *, smtputf8: bool = False) -> tuple[Subscriber, ...]:
    """The list as it stands: the file with every change not folded yet applied."""
    from newsletter.subscribers.parse import load

    journal = Journal.existing(state_dir)
    if journal is None:
        return load(path, smtputf8=smtputf8)
    try:
        # Rows before the file: a fold between the two reads then leaves its rows applied
        # to the new file (harmless twice), never missing from an old one.
        changes = journal.pending()
        return apply(load(path, smtputf8=smtputf8), changes)
    finally:
        journal.close()


def fold(path: Path, journal: Journal, *, lock_path: Path | None = None) -> int:
    """Write every change not folded yet into the file in one locked, atomic edit.

    Returns how many changes were folded. The rest of the file stays byte for byte (hand
    edits made meanwhile included: the file is read under the lock, and written only if
    it did not change since). SubscriberFileError if the file cannot be edited now; the
    changes stay recorded and in effect for every reader, and the next fold retries.
    """
    changes = journal.pending()
    if not changes:
        return 0
    with locked(path, lock_path), no_gc():
        for _attempt in range(3):
            stamp = _stamp(path)
            scan = scan_for_edit(path, missing_ok=True)
            text, expected = _folded(scan, changes)
            if _stamp(path) != stamp:
                continue  # edited by hand while we read: read it again
            if text != scan.text:
                write_checked(path, scan, text, expected)
            journal.mark_folded(changes[-1].id)
            return len(changes)
    raise SubscriberFileError([], f"{path} kept changing while changes were folded into it")


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _folded(scan: Any, changes: list[Change]) -> tuple[str, list[Expected]]:
    """The file's text with `changes` made, and what each entry must read back as."""
    merged: dict[str, dict[str, Any]] = {}
    created: dict[str, bool] = {}
    for change in changes:
        merged.setdefault(change.email, {}).update(change.set)
        created[change.email] = created.get(change.email, False) or change.create
    splices: list[edit.Splice] = []
    expected: list[Expected] = []
    seen: set[str] = set()
    for entry in scan.checked.entries:
        values = merged.get(entry.key) if entry.key is not None else None
        if values is None or entry.key in seen:
            expected.append((entry.key, entry.subscriber))
            continue
        seen.add(entry.key)
        if entry.subscriber is None:
            # A broken entry takes only a status, so that leaving is never held up.
            if "status" in values:
                status = Status(values["status"])
                splices.extend(edit.set_key(scan.text, entry.node, "status", status.value))
                expected.append(_becomes(entry.key, status))
            else:
                expected.append((entry.key, None))
            continue
        after = apply([entry.subscriber], [Change(0, entry.key, values)])[0]
        for key, value in values.items():
            if _known(key) and getattr(entry.subscriber, key) != getattr(after, key):
                splices.extend(edit.set_key(scan.text, entry.node, key, _plain({key: value})[key]))
        expected.append((entry.key, after))
    new = [
        apply([], [Change(0, email, values, True)])[0]
        for email, values in merged.items()
        if created[email] and email not in seen
    ]
    splices.extend(edit.append(scan.text, scan.checked, new))
    expected.extend((address_key(s.email), s) for s in new)
    return edit.apply(scan.text, splices), expected


def _becomes(key: str, status: Status) -> Expected:
    """A broken entry may become valid with the new status (say `status: actve` fixed)."""

    def test(found: str | None, subscriber: Subscriber | None) -> bool:
        return found == key and (subscriber is None or subscriber.status is status)

    return test


def fold_quietly(path: Path, journal: Journal, lock_path: Path | None = None) -> int:
    """`fold`, logging instead of raising: for the server's background folding."""
    try:
        return fold(path, journal, lock_path=lock_path)
    except NewsletterError as error:
        log.warning("changes kept in %s, not yet in %s: %s", journal.path, path, error)
        return 0


def is_expired(subscriber: Subscriber, max_age_days: float, now: datetime | None = None) -> bool:
    """Whether `subscriber` is a signup (`pending`, `fields.signup_at`) older than
    `max_age_days`, whose confirmation link no longer works. An entry made pending by
    hand, without a signup time, is the editor's to decide."""
    if subscriber.status is not Status.PENDING:
        return False
    try:
        when = datetime.fromisoformat(
            str(subscriber.fields.get("signup_at")).replace("Z", "+00:00")
        )
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    cutoff = (now or datetime.now(UTC)).timestamp() - max_age_days * 86400
    return when.timestamp() < cutoff


def expire_pending(
    path: Path,
    state_dir: Path,
    max_age_days: float,
    now: datetime,
    *,
    lock_path: Path | None = None,
    dry_run: bool = False,
    smtputf8: bool = True,
) -> list[str]:
    """Drop the `pending` entries whose signup (`fields.signup_at`) is older than
    `max_age_days`: their confirmation link no longer works. The journal is folded first.
    Returns the addresses dropped (with `dry_run`, those that would be)."""
    journal = Journal.existing(state_dir)
    if journal is not None and not dry_run:
        try:
            fold(path, journal, lock_path=lock_path)
        finally:
            journal.close()
    if not path.exists():
        return []

    def expired(subscriber: Subscriber | None) -> bool:
        return subscriber is not None and is_expired(subscriber, max_age_days, now)

    if dry_run:
        return [s.email for s in current(path, state_dir, smtputf8=smtputf8) if expired(s)]
    with locked(path, lock_path), no_gc():
        scan = scan_for_edit(path, missing_ok=False)
        gone = [e for e in scan.checked.entries if expired(e.subscriber)]
        if not gone:
            return []
        splices = [s for e in gone for s in edit.delete(scan.text, scan.checked, e)]
        kept: list[Expected] = [
            (e.key, e.subscriber) for e in scan.checked.entries if e not in gone
        ]
        write_checked(path, scan, edit.apply(scan.text, splices), kept)
    return [e.subscriber.email for e in gone if e.subscriber is not None]
