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
    """Twenty `subscribers add` processes started at once, with three unsubscribes among
    them, leave twenty new subscribers, three unsubscribed ones, a valid file, and the
    hand-written part of the file otherwise untouched."""
    path = folder / "subscribers.yaml"
    shutil.copyfile(FIXTURES / "golden" / "subscribers.yaml", path)
    original = path.read_text(encoding="utf-8")
    processes = [run_process(folder, "add", f"reader{n}@example.com") for n in range(20)]
    leaving = ("ada@example.com", "grace@example.org", "linus@example.net")
    processes[5:5] = [run_process(folder, "unsubscribe", email) for email in leaving]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    assert validate(path) == []
    subscribers = load(path)
    assert sorted(s.email for s in subscribers[5:]) == sorted(
        f"reader{n}@example.com" for n in range(20)
    )
    assert [s.status for s in subscribers[:3]] == [Status.UNSUBSCRIBED] * 3
    text = path.read_text(encoding="utf-8")
    for line in original.removesuffix("# end of list\n").splitlines():
        if "status:" not in line and "{email: linus" not in line:
            assert line in text


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
