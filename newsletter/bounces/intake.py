"""Reports that came back → changes to subscribers.yaml, by the configured rules.

    intake = Intake.open(folder)
    result = intake.handle(raw_bytes, source="stdin")   # one report
    intake.close()

A report changes a reader only when a signed token proves whose it is: the VERP token
of the address it was sent to, or the tokens of the returned message's headers (its
Return-Path, its List-Unsubscribe). A report proving nobody changes nothing and says so.

Rules (`bounces:` in newsletter.yaml): a hard bounce makes an active reader `bounced`;
soft bounces are counted, one per issue, and `soft_limit` of them within `soft_days`
make it `bounced`, a delivery resetting the count; a complaint makes it `complained`.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from newsletter.bounces.events import Event, EventStore
from newsletter.bounces.report import MAX_BYTES, Finding, Kind, read_report
from newsletter.bounces.verp import Verp
from newsletter.config import Config, load_config
from newsletter.errors import DeliveryError
from newsletter.folder import Folder
from newsletter.model import Status

__all__ = ["Intake", "Result", "maildir_messages", "mbox_messages"]


@dataclass(frozen=True)
class Result:
    event: Event
    duplicate: bool = False  # read before: nothing done again

    @property
    def line(self) -> str:
        e = self.event
        who = e.email or "-"
        issue = f" issue {e.issue_date}" if e.issue_date else ""
        code = f" {e.status}" if e.status else ""
        mta = f" ({e.mta})" if e.mta else ""
        again = " [read before]" if self.duplicate else ""
        return f"{e.kind:10} {who}{issue}{code}{mta}: {e.outcome}; {e.reason}{again}"


@dataclass(frozen=True)
class Proof:
    email: str | None
    issue: date | None
    refusal: str = ""


class Intake:
    def __init__(self, folder: Folder, config: Config, now: datetime | None = None) -> None:
        from newsletter import unsubscribe
        from newsletter.delivery.ledger import Ledger
        from newsletter.subscribers import load

        self.folder, self.config = folder, config
        self.now = now or datetime.now(UTC)
        subscribers = load(folder.subscribers_path, smtputf8=True)
        self.status = {s.email: s.status for s in subscribers}
        secret = unsubscribe.load_secret(config)
        self.verp = Verp(secret, config.list_id, config.bounce_address)
        self.tokens = unsubscribe.TokenIndex(secret, config.list_id, self.status)
        ledger = Ledger(folder.ledger_path, readonly=True)
        try:
            rows = ledger._rows("SELECT number, date FROM issues")
        finally:
            ledger.close()
        self.issue_of = {int(str(n)): date.fromisoformat(str(d)) for n, d in rows}
        try:
            self.store = EventStore(folder.ledger_path)
        except sqlite3.Error as error:
            raise DeliveryError(f"{folder.ledger_path}: cannot record bounces: {error}") from None

    @classmethod
    def open(cls, folder: Folder, now: datetime | None = None) -> Intake:
        return cls(folder, load_config(folder.config_path), now)

    def close(self) -> None:
        self.store.close()

    def handle(self, data: bytes, source: str, key: str | None = None) -> Result:
        """Read one report and apply it, once: the same bytes read again do nothing."""
        key = key or "sha256:" + hashlib.sha256(data).hexdigest()
        recorded = self.store.get(key)
        if recorded is not None and recorded.applied:
            return Result(recorded, duplicate=True)
        if recorded is None:
            recorded = self._event(read_report(data, self.config.bounce_address), key, source)
            self.store.add(recorded)
            if recorded.applied:
                return Result(recorded)
        return Result(self.apply(recorded))

    def handle_event(self, event: Event) -> Result:
        """A provider's event (webhooks), already verified and read: applied once."""
        recorded = self.store.get(event.key)
        if recorded is not None and recorded.applied:
            return Result(recorded, duplicate=True)
        if recorded is None:
            if event.email is not None and event.email not in self.status:
                event = replace(event, email=None, applied=True, outcome="refused: not a reader")
            self.store.add(event)
            recorded = event
            if recorded.applied:
                return Result(recorded)
        return Result(self.apply(recorded))

    def _event(self, finding: Finding, key: str, source: str) -> Event:
        base = Event(
            key,
            self.now,
            source,
            finding.kind.value,
            None,
            None,
            finding.status,
            finding.mta,
            finding.reason,
            "ignored",
            applied=True,
        )
        if finding.kind in (Kind.OTHER, Kind.AUTO_REPLY):
            return base
        proof = self._prove(finding)
        if proof.email is None:
            return replace(base, issue_date=proof.issue, outcome=f"refused: {proof.refusal}")
        return replace(base, email=proof.email, issue_date=proof.issue, applied=False, outcome="")

    def _prove(self, finding: Finding) -> Proof:
        """The reader a finding's tokens prove, and the issue; never from a bare address."""
        for token in finding.evidence.envelope_tokens:
            found = self.verp.resolve(token, self.status)
            if found is not None:
                return Proof(found[1], found[0])
        readers: dict[str, date | None] = {}
        for token in finding.evidence.body_tokens:
            found = self.verp.resolve(token, self.status)
            if found is not None:
                readers.setdefault(found[1], found[0])
        issue = self.issue_of.get(finding.evidence.feedback_issue or -1)
        for token in finding.evidence.unsubscribe_tokens:
            email = self.tokens.resolve(token)
            if email is not None:
                readers.setdefault(email, issue)
        if len(readers) == 1:
            email, day = next(iter(readers.items()))
            return Proof(email, day or issue)
        if len(readers) > 1:
            return Proof(None, issue, "it names several readers; applied to none")
        tokens = (
            finding.evidence.envelope_tokens
            + finding.evidence.body_tokens
            + finding.evidence.unsubscribe_tokens
        )
        if tokens:
            return Proof(
                None, None, "its token does not verify (forged, truncated, another list's)"
            )
        return Proof(None, None, "no signed token in it names a reader of this list")

    def apply(self, event: Event) -> Event:
        """Make the change `event` calls for (idempotent), and mark it applied."""
        from newsletter.subscribers import UnknownSubscriberError, set_status

        assert event.email is not None
        email, settings = event.email, self.config.bounces
        current = self.status.get(email)
        target: Status | None = None
        if event.kind == Kind.HARD:
            target, outcome = Status.BOUNCED, "bounced"
        elif event.kind == Kind.SOFT:
            since = self.now - timedelta(days=settings.soft_days)
            count = self.store.soft_count(email, since)
            if count >= settings.soft_limit:
                target = Status.BOUNCED
                outcome = f"bounced: {count} soft bounces within {settings.soft_days} days"
            else:
                outcome = f"soft bounce {count} of {settings.soft_limit}"
        elif event.kind == Kind.COMPLAINT:
            target, outcome = Status.COMPLAINED, "complained: unsubscribed"
        else:
            outcome = "delivered: soft bounces reset"
        if target is not None:
            if current is None:
                outcome = "no longer in subscribers.yaml"
            elif current is not Status.ACTIVE and current is not target:
                outcome = f"left {current.value}"
            else:
                try:
                    why = f"{event.status} {event.reason}" if event.status else event.reason
                    if event.kind == Kind.SOFT:
                        why = f"{outcome.partition(': ')[2]}, the last {why}"
                    set_status(
                        self.folder.subscribers_path,
                        email,
                        target,
                        lock_path=self.folder.subscribers_lock_path,
                        note=f"{target.value} {self.now:%Y-%m-%d}: {why}",
                    )
                    self.status[email] = target
                except UnknownSubscriberError:
                    outcome = "no longer in subscribers.yaml"
        self.store.mark_applied(event.key, outcome)
        return replace(event, outcome=outcome, applied=True)


def maildir_messages(directory: Path) -> Iterator[tuple[Path, bytes, Path]]:
    """Each message of a Maildir's new/ and cur/: its path, its bytes (at most a little
    over MAX_BYTES) and where it goes once handled, the `.processed` folder beside them.
    Moving it there is the caller's last step: one killed before moves nothing."""
    done = directory / ".processed"
    for sub in ("new", "cur"):
        for path in sorted((directory / sub).iterdir()) if (directory / sub).is_dir() else ():
            if path.name.startswith(".") or not path.is_file():
                continue
            with path.open("rb") as file:
                data = file.read(MAX_BYTES + 1)
            name = path.name if ":2," in path.name else f"{path.name}:2,S"
            yield path, data, done / "cur" / name


def move_done(path: Path, target: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (target.parent.parent / sub).mkdir(parents=True, exist_ok=True)
    os.replace(path, target)


def mbox_messages(path: Path) -> Iterator[bytes]:
    import mailbox

    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()
