"""Subscribers as CSV: read rows for `import`, write the list for `export`.

The header names the columns: email (required), name, status, topics (separated by
spaces, commas or semicolons), format, joined, and `fields.NAME` for a custom field.
An empty cell means "not given".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from newsletter.errors import InputError
from newsletter.model import Format, Status, Subscriber
from newsletter.subscribers.emit import iso
from newsletter.subscribers.schema import FIELD_NAME
from newsletter.subscribers.services import MAP_KEYS, MAPPED_STATUS, SERVICES, Service, recognize

COLUMNS = ("email", "name", "status", "topics", "format", "joined")
_SPLIT = re.compile(r"[\s,;]+")


class CsvError(InputError):
    """The CSV file cannot be read as a subscriber list (header, encoding)."""


@dataclass
class Row:
    """One data row: what it gives, or why it cannot be used."""

    line: int  # the line of the file where the row starts
    values: dict[str, Any] = field(default_factory=dict)  # only the non-empty cells
    fields: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


def read_rows(path: Path, mapping: Mapping[str, str] | None = None) -> list[Row]:
    """The rows of a subscriber CSV; a bad header or encoding raises CsvError.

    The columns are ours, or another service's export recognized by its header, or
    named by `mapping` (our value -> the file's column).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CsvError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise CsvError(
            f"{path}: not UTF-8 text; export it from your spreadsheet as UTF-8 CSV"
        ) from None
    return parse_rows(text, path, mapping)


def parse_rows(text: str, path: Path, mapping: Mapping[str, str] | None = None) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError(f"{path}: empty file; the first line must name the columns") from None
    except csv.Error as error:
        raise CsvError(f"{path}:1: {error}") from None
    plan: Plan | None = None
    columns: list[str] = []
    if mapping is not None:
        plan = _mapped_plan(header, mapping, path)
    elif (service := recognize(header)) is not None and not _ours(header):
        plan = _service_plan(header, service)
    else:
        columns = _columns(header, path)
    rows = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            rows.append(Row(start, problem=f"not valid CSV: {error}"))
            break
        if any(cell.strip() for cell in cells):
            rows.append(_row(start, columns, cells) if plan is None else plan.row(start, cells))
        start = reader.line_num + 1
    return rows


def _columns(header: list[str], path: Path) -> list[str]:
    names = []
    unknown = []
    for raw in header:
        name = raw.strip()
        if name.lower() in COLUMNS:
            name = name.lower()
        elif not (name.startswith("fields.") and FIELD_NAME.fullmatch(name[len("fields.") :])):
            unknown.append(raw)
        names.append(name)
    problems = []
    if unknown:
        problems.append(
            "unknown column(s) "
            + ", ".join(repr(u) for u in unknown)
            + "; the columns are "
            + ", ".join(COLUMNS)
            + ", and fields.NAME for a custom field"
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append("column(s) named twice: " + ", ".join(twice))
    if "email" not in names:
        problems.append("no `email` column")
    if unknown:
        problems.append(
            "an export of " + ", ".join(s.name for s in SERVICES) + " is read as it is; "
            "for another, name its columns with --map email=COL,name=COL"
        )
    if problems:
        raise CsvError(f"{path}:1: " + "; ".join(problems))
    return names


def _row(line: int, columns: list[str], cells: list[str]) -> Row:
    row = Row(line)
    if len(cells) > len(columns):
        row.problem = f"{len(cells)} cells but the header names {len(columns)} columns"
        return row
    for name, raw in zip(columns, cells, strict=False):
        cell = raw.strip()
        if not cell:
            continue
        if name.startswith("fields."):
            row.fields[name[len("fields.") :]] = cell
            continue
        try:
            row.values[name] = _cell(name, cell)
        except ValueError as error:
            row.problem = str(error)
            return row
    if "email" not in row.values:
        row.problem = "no email address"
    return row


def _cell(name: str, cell: str) -> Any:
    if name == "status":
        try:
            return Status(cell.lower())
        except ValueError:
            raise ValueError(f"status {cell!r} is not active, unsubscribed or bounced") from None
    if name == "format":
        try:
            return Format(cell.lower())
        except ValueError:
            raise ValueError(f"format {cell!r} is not html or text") from None
    if name == "topics":
        return frozenset(t for t in _SPLIT.split(cell) if t)
    if name == "joined":
        try:
            return date.fromisoformat(cell)
        except ValueError:
            raise ValueError(f"joined {cell!r} is not a date written YYYY-MM-DD") from None
    return cell


def _ours(header: list[str]) -> bool:
    return all(h.strip().lower() in COLUMNS or h.strip().startswith("fields.") for h in header)


@dataclass
class Plan:
    """How the columns of another service's export become our values."""

    source: str  # "Mailchimp", or "a CSV file" for --map
    columns: dict[str, list[int]]  # our value -> the file's column indexes, first filled wins
    status: list[tuple[int, str, Mapping[str, Status]]] = field(default_factory=list)
    status_if_filled: list[tuple[int, str, Status]] = field(default_factory=list)
    width: int = 0
    header: list[str] = field(default_factory=list)

    def row(self, line: int, cells: list[str]) -> Row:
        row = Row(line)
        if len(cells) > self.width:
            row.problem = f"{len(cells)} cells but the header names {self.width} columns"
            return row

        def cell(index: int) -> str:
            return cells[index].strip() if index < len(cells) else ""

        got: dict[str, str] = {}
        came: dict[str, str] = {}  # our value -> the column it was read from
        for name, indexes in self.columns.items():
            for index in indexes:
                if value := cell(index):
                    got[name] = value
                    came[name] = self.header[index].strip()
                    break
        try:
            status = self._status(cell)
            if status is not None:
                row.values["status"] = status
            self._fill(row, got, came)
        except ValueError as error:
            row.problem = str(error)
            return row
        if "email" not in row.values:
            row.problem = "no email address"
        return row

    def _status(self, cell: Any) -> Status | None:
        for index, _header, status in self.status_if_filled:
            if cell(index):
                return status
        for index, header, words in self.status:
            word = cell(index)
            if not word:
                continue
            found = words.get(word.lower())
            if found is None:
                raise ValueError(
                    f"{header} {word!r} is not one of {', '.join(sorted(words))} "
                    f"(in the {self.source} export)"
                )
            return found
        return None

    def _fill(self, row: Row, got: dict[str, str], came: dict[str, str]) -> None:
        first, last = got.pop("first_name", ""), got.pop("last_name", "")
        if "name" not in got and (first or last):
            got["name"] = f"{first} {last}".strip()
        consent = got.pop("consent_at", "")
        joined = got.pop("joined", "")
        for name, value in got.items():
            if name.startswith("fields."):
                row.fields[name[len("fields.") :]] = value
            else:
                row.values[name] = _cell(name, value)
        if consent:
            when = _when(consent, came["consent_at"])
            row.fields["consent_at"] = when.isoformat(timespec="seconds").replace("+00:00", "Z")
            row.fields["consent_how"] = f"imported from {self.source}"
        if joined:
            row.values["joined"] = _when(joined, came["joined"]).date()


def _when(cell: str, column: str) -> datetime:
    """A date or time as the services write them; a time without a zone is UTC."""
    text = cell.strip()
    if text.endswith(("+00", "-00")):
        text += ":00"
    try:
        when = datetime.fromisoformat(text.replace(" UTC", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{column} {cell!r} is not a date or time (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _index(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, raw in enumerate(header):
        found.setdefault(raw.strip().lower(), i)
    return found


def _service_plan(header: list[str], service: Service) -> Plan:
    at = _index(header)
    plan = Plan(service.name, {}, width=len(header), header=header)
    for ours, theirs in service.columns.items():
        indexes = [at[t.lower()] for t in theirs if t.lower() in at]
        if indexes:
            plan.columns[ours] = indexes
    for column, words in service.status.items():
        if column.lower() in at:
            plan.status.append((at[column.lower()], column, words))
    for column, status in service.status_if_filled.items():
        if column.lower() in at:
            plan.status_if_filled.append((at[column.lower()], column, status))
    return plan


def parse_map(text: str) -> dict[str, str]:
    """`email=COL,name=COL` as a mapping; a bad one raises ValueError."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        ours, sep, theirs = part.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            raise ValueError(f"{part.strip()!r} is not VALUE=COLUMN")
        if ours not in MAP_KEYS and not (
            ours.startswith("fields.") and FIELD_NAME.fullmatch(ours[len("fields.") :])
        ):
            raise ValueError(f"{ours!r} is not one of {', '.join(MAP_KEYS)} or fields.NAME")
        mapping[ours] = theirs
    if "email" not in mapping:
        raise ValueError("it must name the email column: email=COLUMN")
    return mapping


def _mapped_plan(header: list[str], mapping: Mapping[str, str], path: Path) -> Plan:
    at = _index(header)
    missing = [theirs for theirs in mapping.values() if theirs.lower() not in at]
    if missing:
        raise CsvError(
            f"{path}:1: --map names column(s) "
            + ", ".join(repr(m) for m in missing)
            + " not in the header; it has "
            + ", ".join(repr(h) for h in header)
        )
    plan = Plan(path.name, {}, width=len(header), header=header)
    for ours, theirs in mapping.items():
        if ours == "status":
            plan.status.append((at[theirs.lower()], theirs, MAPPED_STATUS))
        else:
            plan.columns[ours] = [at[theirs.lower()]]
    return plan


def write_csv(subscribers: Iterable[Subscriber]) -> str:
    """The subscribers as CSV text, with a header; `read_rows` reads it back."""
    subscribers = list(subscribers)
    extra = sorted({k for s in subscribers for k in s.fields})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, *(f"fields.{k}" for k in extra)])
    for s in subscribers:
        writer.writerow(
            [
                s.email,
                s.name or "",
                s.status.value,
                " ".join(sorted(s.topics)),
                s.format.value,
                s.joined.isoformat() if s.joined else "",
                *(field_cell(s.fields.get(k)) for k in extra),
            ]
        )
    return out.getvalue()


def field_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(iso(value))
