"""The journal of web changes: seen by every reader at once, folded into the file later."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Invoke

from newsletter.model import Status
from newsletter.subscribers import load
from newsletter.subscribers.journal import Journal, current, fold

TEXT = """\
# Our readers; keep this comment.
subscribers:
  - email: ada@example.com   # since the start
    name: Ada

  - email: bob@example.com
    topics: [tech]
"""


def journal_of(folder: Path) -> Journal:
    return Journal(folder / ".newsletter")


def test_list_json_shows_a_recorded_change_before_it_is_folded(
    folder: Path, subscribers_file: Path, invoke: Invoke
) -> None:
    """`subscribers list --json` prints the list as it stands, with the journal's changes,
    while the file itself is untouched until a fold."""
    subscribers_file.write_text(TEXT)
    journal_of(folder).record("ada@example.com", {"status": "unsubscribed"})
    listed = json.loads(invoke("list", "--json").stdout)
    assert {r["email"]: r["status"] for r in listed}["ada@example.com"] == "unsubscribed"
    assert subscribers_file.read_text() == TEXT


def test_a_fold_changes_only_the_lines_it_must_and_keeps_hand_edits(
    folder: Path, subscribers_file: Path
) -> None:
    """Folding writes every recorded change in one edit, keeps comments and layout, keeps
    an entry added by hand after the changes were recorded, and adds a new signup last."""
    subscribers_file.write_text(TEXT)
    journal = journal_of(folder)
    journal.record("ada@example.com", {"status": "unsubscribed"})
    journal.record("bob@example.com", {"topics": ["tech", "science"], "format": "text"})
    journal.record(
        "new@example.com",
        {
            "email": "new@example.com",
            "status": "pending",
            "fields": {"signup_at": "2026-12-01T10:00:00Z"},
        },
        create=True,
    )
    subscribers_file.write_text(TEXT + "\n  - email: carol@example.com  # by hand\n")
    assert fold(subscribers_file, journal) == 3
    text = subscribers_file.read_text()
    assert text.startswith("# Our readers; keep this comment.\n")
    assert (
        "  - email: ada@example.com   # since the start\n    name: Ada\n    status: unsubscribed\n"
        in text
    )
    assert "  - email: carol@example.com  # by hand\n" in text
    people = {s.email: s for s in load(subscribers_file)}
    assert people["bob@example.com"].topics == frozenset({"tech", "science"})
    assert people["new@example.com"].status is Status.PENDING
    assert list(people)[-1] == "new@example.com"
    assert journal.pending() == [] and fold(subscribers_file, journal) == 0


def test_folding_twice_gives_what_folding_once_does(folder: Path, subscribers_file: Path) -> None:
    """A fold cut short after writing the file but before marking its rows is redone
    harmlessly: applying the same changes again leaves the file as it is."""
    subscribers_file.write_text(TEXT)
    journal = journal_of(folder)
    journal.record("ada@example.com", {"status": "unsubscribed"})
    journal.record(
        "new@example.com", {"email": "new@example.com", "status": "pending"}, create=True
    )
    fold(subscribers_file, journal)
    once = subscribers_file.read_text()
    journal.mark_folded(0)  # no effect: the mark never goes back
    replay = Journal(folder / ".newsletter")
    replay._connect().execute("UPDATE folded SET upto = 0")  # as if the mark was lost
    assert len(replay.pending()) == 2
    fold(subscribers_file, replay)
    assert subscribers_file.read_text() == once


def test_a_command_after_a_web_change_wins(
    folder: Path, subscribers_file: Path, invoke: Invoke
) -> None:
    """`subscribers resubscribe` after a recorded unsubscribe folds the journal first, so
    the editor's later change is the one that stands."""
    subscribers_file.write_text(TEXT)
    journal_of(folder).record("ada@example.com", {"status": "unsubscribed"})
    assert invoke("resubscribe", "ada@example.com").exit_code == 0
    everyone = current(subscribers_file, folder / ".newsletter")
    assert {s.email: s.status for s in everyone}["ada@example.com"] is Status.ACTIVE
