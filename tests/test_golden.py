"""Rendered mail compared with golden files, volatile parts masked.

Regenerate after an intended change: UPDATE_GOLDEN=1 pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import run_cli

GOLDEN = Path(__file__).parent / "golden"
DAY = "2026-11-20"


@pytest.fixture
def dated(folder: Path) -> Path:
    """The sample folder with every article stamped on DAY, so the issue is the same on any day."""
    stamp = time.mktime(datetime.fromisoformat(f"{DAY}T09:00:00").timetuple())
    for path in (folder / "articles").iterdir():
        os.utime(path, (stamp, stamp))
    return folder


def mask(raw: str) -> str:
    raw = re.sub(r"^Date: .*$", "Date: <masked>", raw, flags=re.M)
    raw = re.sub(r"^Message-ID: .*$", "Message-ID: <masked>", raw, flags=re.M)
    return re.sub(r"=_[0-9a-f]{24}", "=_<boundary>", raw)


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        path.write_bytes(actual.encode("utf-8"))
    assert actual == path.read_bytes().decode("utf-8"), f"{name} changed; UPDATE_GOLDEN=1 to accept"


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_rendered_parts_match_golden(dated: Path, fmt: str) -> None:
    """The text and HTML a subscriber gets are exactly the reviewed ones."""
    result = run_cli(
        "-C",
        str(dated),
        "preview",
        "--date",
        DAY,
        "--subscriber",
        "ada@example.com",
        "--format",
        fmt,
    )
    assert result.returncode == 0, result.stderr.decode()
    check(f"sample-ada.{fmt if fmt == 'html' else 'txt'}", result.stdout.decode())


def test_message_matches_golden(dated: Path) -> None:
    """The whole message, headers and encoding included, is the reviewed one (Date, Message-ID, boundary masked)."""
    result = run_cli(
        "-C",
        str(dated),
        "preview",
        "--date",
        DAY,
        "--subscriber",
        "ken@example.net",
        "--format",
        "eml",
    )
    assert result.returncode == 0, result.stderr.decode()
    check("sample-ken.eml", mask(result.stdout.decode("ascii")))
