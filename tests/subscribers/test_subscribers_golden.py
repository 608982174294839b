"""Each command on a hand-written file: the result is compared with a reviewed golden file.

Regenerate after a deliberate change with
    UPDATE_GOLDEN=1 pytest tests/subscribers/test_subscribers_golden.py
and read the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, Invoke

GOLDEN = FIXTURES / "golden"
ORIGINAL = GOLDEN / "subscribers.yaml"

# name of the expected file -> the command that turns the original into it
EDITS = {
    "unsubscribe-grace": ["unsubscribe", "grace@example.org"],
    "unsubscribe-ada": ["unsubscribe", "ADA@example.com"],
    "unsubscribe-linus": ["unsubscribe", "linus@example.net"],
    "resubscribe-zoe": ["resubscribe", "zoe@example.com"],
    "remove-ada": ["remove", "ada@example.com"],
    "remove-zoe": ["remove", "zoe@example.com"],
    "remove-bob": ["remove", "bob@example.net"],
    "add": [
        "add",
        "new@example.com",
        "--name",
        "New: Reader #1",
        "--topic",
        "tech",
        "--joined",
        "2024-06-01",
    ],
    "import": ["import", str(GOLDEN / "import.csv")],
}


def _changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


@pytest.mark.parametrize("name", sorted(EDITS))
def test_command_on_hand_written_file(name: str, folder: Path, invoke: Invoke) -> None:
    """A command changes only its subscriber's lines; comments, blank lines, quoting,
    spacing and order elsewhere stay byte for byte as written."""
    target = folder / "subscribers.yaml"
    shutil.copyfile(ORIGINAL, target)
    result = invoke(*EDITS[name])
    assert result.exit_code == 0, result.stderr
    expected_path = GOLDEN / f"subscribers.{name}.yaml"
    got = target.read_text(encoding="utf-8")
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(got, encoding="utf-8")
    assert got == expected_path.read_text(encoding="utf-8")


def test_golden_diffs_stay_small() -> None:
    """Each golden result differs from the original in a handful of lines, never a reflow."""
    original = ORIGINAL.read_text(encoding="utf-8")
    for name in EDITS:
        after = (GOLDEN / f"subscribers.{name}.yaml").read_text(encoding="utf-8")
        assert 0 < len(_changed_lines(original, after)) <= 12, name
