"""Delivery test helpers: a newsletter folder with a fixed issue date and a generated list,
a fault-injecting SMTP server, and readers of the ledger as a user would see it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner

from newsletter.folder import locate
from newsletter.send import SendReport, SendRequest, send_issue
from tests.delivery.faulty import FaultyServer

DAY = "2026-01-15"  # the issue every delivery test sends
ROOT = Path(__file__).resolve().parents[2]

# Quick to fail and quick to retry, so the tests measure behaviour, not waiting.
FAST = {"concurrency": 4, "rate": 0, "retries": 2, "timeout": 2, "backoff": 0.01}


def emails(n: int, domain: str = "example.com", prefix: str = "reader") -> list[str]:
    return [f"{prefix}{i:05d}@{domain}" for i in range(n)]


def write_subscribers(root: Path, active: Iterable[str], unsubscribed: Iterable[str] = ()) -> None:
    """Write subscribers.yaml directly: fast for thousands of entries."""
    lines = ["subscribers:"]
    lines += [f"  - email: {e}" for e in active]
    lines += [f"  - {{email: {e}, status: unsubscribed}}" for e in unsubscribed]
    (root / "subscribers.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def configure(root: Path, **sending: Any) -> None:
    """Replace the `sending:` settings of newsletter.yaml."""
    path = root / "newsletter.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["sending"] = {**FAST, **sending}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


@pytest.fixture
def letter(folder: Path) -> Path:
    """The sample folder with its articles dated DAY, fast sending settings and 20 subscribers."""
    noon = datetime.fromisoformat(f"{DAY}T12:00:00").replace(tzinfo=ZoneInfo("Europe/London"))
    for article in (folder / "articles").iterdir():
        os.utime(article, (noon.timestamp(), noon.timestamp()))
    configure(folder)
    write_subscribers(folder, emails(20))
    return folder


@pytest.fixture
def server() -> Iterator[FaultyServer]:
    """A fault-injecting aiosmtpd server on a free loopback port (no faults until told)."""
    with FaultyServer() as running:
        yield running


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cli(root: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    """`newsletter -C ROOT ARGS` run in this process (click's runner): quick, same code path."""
    from newsletter.cli import cli as command

    result = CliRunner().invoke(command, ["-C", str(root), *args], env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def run(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Ran:
    """`python -m newsletter -C ROOT ARGS` as a real subprocess."""
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", "-C", str(root), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def send(root: Path, url: str, *args: str, env: dict[str, str] | None = None) -> Ran:
    """`newsletter send --date DAY --smtp-url URL ARGS`, in this process."""
    return cli(root, "send", "--date", DAY, "--smtp-url", url, *args, env=env)


def spawn_send(root: Path, url: str, *args: str) -> subprocess.Popen[str]:
    """A `newsletter send` running in the background."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsletter",
            "-C",
            str(root),
            "send",
            "--date",
            DAY,
            "--smtp-url",
            url,
            *args,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@dataclass(frozen=True)
class Row:
    state: str
    attempts: int
    code: int | None
    response: str
    message_id: str | None


def ledger(root: Path) -> dict[str, Row]:
    """Every delivery row of DAY, straight from the SQLite file."""
    path = root / ".newsletter" / "ledger.sqlite3"
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT email, state, attempts, code, response, message_id FROM deliveries"
            " WHERE issue_date = ?",
            (DAY,),
        ).fetchall()
    finally:
        db.close()
    return {
        email: Row(state, attempts, code, response or "", message_id)
        for email, state, attempts, code, response, message_id in rows
    }


def states(root: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in ledger(root).values():
        counts[row.state] = counts.get(row.state, 0) + 1
    return counts


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def status(root: Path) -> tuple[int, dict[str, Any]]:
    """`newsletter status --json`: its exit code and its data."""
    result = cli(root, "status", "--date", DAY, "--json")
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def send_here(root: Path, url: str, **options: Any) -> SendReport:
    """`send_issue` in this process: the library call the command makes."""
    return send_issue(locate(root), SendRequest(date=DAY, smtp_url=url, **options))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked slow run only when asked for, with `-m slow`."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="long version: run with -m slow")
    for item in items:
        if "slow" in item.keywords and Path(__file__).parent in Path(item.path).parents:
            item.add_marker(skip)
