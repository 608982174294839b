"""The benchmark runs end to end: `python bench/run.py --quick` prints every table."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _postfix_tools() -> bool:
    return all(
        shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        for name in ("smtp-sink", "smtp-source")
    )


@pytest.mark.skipif(not _postfix_tools(), reason="needs Postfix's smtp-sink and smtp-source")
def test_quick_benchmark_prints_every_table() -> None:
    """The quick run sends to a real smtp-sink, measures smtp-source and the naive
    sender, signs with both DKIM algorithms, builds, times startup, and exits 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
        capture_output=True,
        text=True,
        env=env,
        timeout=110,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    titles = ("Send throughput", "Growth", "What half of smtp-source's rate leaves for the")
    for title in (*titles, "With DKIM signing", "Build", "Startup"):
        assert f"### {title}" in out
    assert "µs per added subscriber" in out
    assert "rsa-sha256" in out and "ed25519-sha256" in out
    assert "WARNING" not in out  # every subscriber was delivered


@pytest.mark.skipif(not _postfix_tools(), reason="needs Postfix's smtp-sink")
@pytest.mark.skipif(not shutil.which("cc"), reason="needs a C compiler for bench/slow_sync.c")
def test_disk_sync_benchmark_prints_a_row_per_disk_and_connection_count() -> None:
    """bench/disk_sync.py builds its slow-fsync library, sends on this disk and on the
    slowed one, and prints one row for each."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "disk_sync.py"),
            "--subscribers",
            "40",
            "--delays",
            "0,500",
            "--connections",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=110,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [
        line for line in done.stdout.splitlines() if line.startswith("| ") and "msg/s" not in line
    ]
    assert [row.split(" | ")[:2] for row in rows] == [["| this disk", "2"], ["| +0.5 ms", "2"]]
