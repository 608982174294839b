"""`subscribers import`: merge a CSV into the file in one locked, checked write.

A row for a new address adds it; a row for a known address updates the values it gives
(an empty cell changes nothing) and is skipped when it changes nothing. Import never
turns an unsubscribed or bounced reader back into an active one: that takes
`subscribers resubscribe`, a decision about one person.

The CSV is ours (see csvio), or the export of another service read as it is (see
services), or any CSV whose columns `mapping` names. A consent a reader already has on
record is kept; a new reader's consent time and source go into `fields.consent_at` and
`fields.consent_how`, the keys a confirmed signup writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from newsletter.errors import InputError, Problem
from newsletter.model import Status, Subscriber
from newsletter.subscribers import edit
from newsletter.subscribers.addresses import address_key
from newsletter.subscribers.changes import Expected, scan_for_edit, write_checked
from newsletter.subscribers.csvio import Row, field_cell, read_rows
from newsletter.subscribers.edit import Splice
from newsletter.subscribers.parse import no_gc
from newsletter.subscribers.schema import Entry, make_subscriber
from newsletter.subscribers.store import locked


@dataclass
class ImportReport:
    added: list[Subscriber] = field(default_factory=list)
    updated: list[Subscriber] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows that change nothing
    kept: list[str] = field(default_factory=list)  # left unsubscribed/bounced despite the row
    invalid: list[Problem] = field(default_factory=list)
    written: bool = False

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.skipped)} skipped, {len(self.invalid)} invalid"
        )


def import_csv(
    path: Path,
    source: Path,
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    lock_path: Path | None = None,
    smtputf8: bool = False,
    mapping: Mapping[str, str] | None = None,
) -> ImportReport:
    """Merge the CSV `source` into the subscriber file `path`.

    With an invalid row nothing is written unless `skip_invalid`; `dry_run` never writes.
    """
    rows = read_rows(source, mapping)
    report = ImportReport()
    candidates = [(row, _candidate(row, source, report, smtputf8)) for row in rows]
    if report.invalid and not skip_invalid:
        return report  # the file is not even locked: nothing will be written
    with locked(path, lock_path), no_gc():
        scan = scan_for_edit(path, missing_ok=True, smtputf8=smtputf8, strict=True)
        entries = {e.key: e for e in scan.checked.entries}
        changes: dict[str, tuple[Entry, dict[str, Any]]] = {}
        first_line: dict[str, int] = {}
        for row, candidate in candidates:
            if candidate is None:
                continue
            key = address_key(candidate.email)
            if key in first_line:
                report.skipped.append(f"{candidate.email} (again at line {row.line})")
                continue
            first_line[key] = row.line
            entry = entries.get(key)
            if entry is None:
                report.added.append(candidate)
                continue
            assert entry.subscriber is not None  # a strict scan has only valid entries
            new = _changes(entry.subscriber, row, report)
            if new:
                changes[key] = (entry, new)
            else:
                report.skipped.append(entry.subscriber.email)
        splices: list[Splice] = []
        expected: list[Expected] = []
        for entry in scan.checked.entries:
            assert entry.subscriber is not None and entry.key is not None
            if entry.key not in changes:
                expected.append((entry.key, entry.subscriber))
                continue
            new = changes[entry.key][1]
            splices.extend(_splices(scan.text, entry, new))
            updated = _updated(entry.subscriber, new)
            report.updated.append(updated)
            expected.append((entry.key, updated))
        splices.extend(edit.append(scan.text, scan.checked, report.added))
        expected.extend((address_key(s.email), s) for s in report.added)
        if dry_run or (report.invalid and not skip_invalid) or not splices:
            return report
        text = edit.apply(scan.text, splices)
        write_checked(path, scan, text, expected, smtputf8=smtputf8)
        report.written = True
        return report


def _candidate(row: Row, source: Path, report: ImportReport, smtputf8: bool) -> Subscriber | None:
    if row.problem is not None:
        report.invalid.append(Problem(source, row.line, None, row.problem))
        return None
    values = dict(row.values)
    try:
        return make_subscriber(values.pop("email"), **values, fields=row.fields, smtputf8=smtputf8)
    except InputError as error:
        report.invalid.append(Problem(source, row.line, None, str(error)))
        return None


def _changes(old: Subscriber, row: Row, report: ImportReport) -> dict[str, Any]:
    new: dict[str, Any] = {}
    for key, value in row.values.items():
        if key == "email" or getattr(old, key) == value:
            continue
        if key == "status" and value is Status.ACTIVE:
            report.kept.append(f"{old.email} ({old.status.value})")
            continue
        new[key] = value
    fields = {
        k: v
        for k, v in row.fields.items()
        if field_cell(old.fields.get(k)) != v
        and not (k in _CONSENT and old.fields.get("consent_at") is not None)
    }
    if fields:
        new["fields"] = fields
    return new


_CONSENT = ("consent_at", "consent_how")  # a consent on record is kept, not replaced


def _updated(old: Subscriber, new: dict[str, Any]) -> Subscriber:
    values = dict(new)
    if "fields" in values:
        values["fields"] = MappingProxyType({**old.fields, **values["fields"]})
    return dataclasses.replace(old, **values)


def _splices(text: str, entry: Entry, new: dict[str, Any]) -> list[Splice]:
    splices = []
    for key, value in new.items():
        if key != "fields":
            splices.extend(edit.set_key(text, entry.node, key, value))
            continue
        holder = _value_node(entry, "fields")
        if holder is None:
            splices.extend(edit.set_key(text, entry.node, "fields", value))
        else:
            for name, cell in value.items():
                splices.extend(edit.set_key(text, holder, name, cell))
    return splices


def _value_node(entry: Entry, name: str) -> Any:
    for key, value in entry.node.value:
        if key.value == name and value.tag.endswith(":map"):
            return value
    return None
