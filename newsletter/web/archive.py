"""The issue archive as the sender leaves it: `<date>.html` and `<date>.json` per sent issue.

Reads files, writes none. `<date>.json` holds ``{"date", "number", "subject",
"teaser", "sent_at"}``; an issue is listed once both files exist, so a send that
is still writing its page is not shown half-done.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

__all__ = ["ArchivedIssue", "issue_page", "issue_stories", "list_issues", "parse_day"]

log = logging.getLogger(__name__)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ArchivedIssue:
    """One sent issue, as listed in the archive and the feed."""

    date: date
    number: int
    subject: str
    teaser: str
    sent_at: datetime  # timezone-aware


def parse_day(text: str) -> date | None:
    """`YYYY-MM-DD` as a date; None for anything else (so no path can be smuggled in)."""
    if not _DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def list_issues(archive_dir: Path) -> list[ArchivedIssue]:
    """Every complete issue in `archive_dir`, newest first; unreadable entries are logged
    and skipped rather than breaking the archive."""
    issues = []
    try:
        candidates = sorted(archive_dir.glob("*.json"))
    except OSError:
        return []
    for path in candidates:
        day = parse_day(path.stem)
        if day is None or not path.with_suffix(".html").is_file():
            continue
        try:
            issues.append(_read_entry(path, day))
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("skipping %s: %s", path, error)
    issues.sort(key=lambda issue: (issue.date, issue.sent_at), reverse=True)
    return issues


def _read_entry(path: Path, day: date) -> ArchivedIssue:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["date"] != day.isoformat():
        raise ValueError(f"its date {data['date']!r} does not match the file name")
    number = data["number"]
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValueError("`number` is not a whole number")
    sent_at = datetime.fromisoformat(data["sent_at"])
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=UTC)
    return ArchivedIssue(day, number, str(data["subject"]), str(data.get("teaser") or ""), sent_at)


def issue_page(archive_dir: Path, day: date) -> bytes | None:
    """The web version of the issue of `day`, or None when it was not (yet) archived."""
    if not (archive_dir / f"{day.isoformat()}.json").is_file():
        return None
    try:
        return (archive_dir / f"{day.isoformat()}.html").read_bytes()
    except OSError:
        return None


_STORIES = re.compile(r"<!--stories-->(.*?)<!--/stories-->", re.S)


def stories_of(page: str) -> str:
    """The stories of an issue page as HTML that stands alone (the feed's entry content):
    the rows between the page's `<!--stories-->` marks in a table of their own, or the
    whole page when it has no marks (a template of the folder's own)."""
    found = _STORIES.search(page)
    if found is None:
        return page
    return f'<table role="presentation" width="100%">{found.group(1).strip()}</table>'


def issue_stories(archive_dir: Path, day: date) -> str:
    """The stories of the archived issue of `day`; empty when it cannot be read."""
    page = issue_page(archive_dir, day)
    return stories_of(page.decode("utf-8", "replace")) if page is not None else ""
