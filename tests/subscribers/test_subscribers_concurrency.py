"""Writers wait for each other: concurrent edits from real processes lose nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_process
from filelock import FileLock

from newsletter.errors import LockedError
from newsletter.model import Status
from newsletter.subscribers import load, validate
from newsletter.subscribers.store import locked


def test_twenty_concurrent_adds_all_land(folder: Path) -> None:
    """Twenty `subscribers add` processes started at once leave twenty new subscribers in
    a valid file, and the hand-written part of the file untouched."""
    path = folder / "subscribers.yaml"
    shutil.copyfile(FIXTURES / "golden" / "subscribers.yaml", path)
    original = path.read_text(encoding="utf-8")
    processes = [run_process(folder, "add", f"reader{n}@example.com") for n in range(20)]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    assert validate(path) == []
    emails = [s.email for s in load(path)]
    assert sorted(emails[5:]) == sorted(f"reader{n}@example.com" for n in range(20))
    assert path.read_text(encoding="utf-8").startswith(original.rstrip("# end of list\n"))


def test_unsubscribe_and_adds_interleave(folder: Path) -> None:
    """Unsubscribes running alongside adds are all kept: no writer overwrites another."""
    path = folder / "subscribers.yaml"
    shutil.copyfile(FIXTURES / "golden" / "subscribers.yaml", path)
    processes = [run_process(folder, "add", f"r{n}@example.com") for n in range(5)]
    processes += [
        run_process(folder, "unsubscribe", email)
        for email in ("ada@example.com", "grace@example.org", "linus@example.net")
    ]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    subscribers = load(path)
    assert len(subscribers) == 10
    assert sum(1 for s in subscribers if s.status is Status.ACTIVE) == 5


def test_a_held_lock_times_out_with_a_clear_error(tmp_path: Path) -> None:
    """While another process holds the lock, a writer waits, then gives up with LockedError
    naming the lock file."""
    path = tmp_path / "subscribers.yaml"
    lock = tmp_path / ".subscribers.yaml.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from filelock import FileLock\n"
            f"with FileLock({str(lock)!r}):\n    print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(LockedError, match=r"\.subscribers\.yaml\.lock"),
            locked(path, timeout=0.2),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    with FileLock(str(lock), timeout=5):
        pass  # released when its holder died
