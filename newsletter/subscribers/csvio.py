"""Subscribers as CSV: read rows for `import`, write the list for `export`.

The header names the columns: email (required), name, status, topics (separated by
spaces, commas or semicolons), format, joined, and `fields.NAME` for a custom field.
An empty cell means "not given".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from newsletter.errors import InputError
from newsletter.model import Format, Status, Subscriber
from newsletter.subscribers.emit import iso
from newsletter.subscribers.schema import FIELD_NAME

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


def read_rows(path: Path) -> list[Row]:
    """The rows of a subscriber CSV; a bad header or encoding raises CsvError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CsvError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise CsvError(
            f"{path}: not UTF-8 text; export it from your spreadsheet as UTF-8 CSV"
        ) from None
    return parse_rows(text, path)


def parse_rows(text: str, path: Path) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError(f"{path}: empty file; the first line must name the columns") from None
    except csv.Error as error:
        raise CsvError(f"{path}:1: {error}") from None
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
            rows.append(_row(start, columns, cells))
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
