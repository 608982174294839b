"""Crash trials: a real `newsletter send` killed with SIGKILL at random moments, then run
again until done, against an SMTP server in its own process that logs every acceptance.

Used by tests/delivery/test_delivery_crash.py (a quick version, and a long one under
`-m slow`). Each kill may double at most the messages in flight, one per connection.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.delivery.faulty import free_port

FAULTY = Path(__file__).with_name("faulty.py")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Log:
    """The server's log of accepted recipients, read incrementally."""

    path: Path
    lines: list[str] = field(default_factory=list)
    offset: int = 0
    partial: bytes = b""

    def read(self) -> list[str]:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        self.offset += len(chunk)
        data = self.partial + chunk
        *complete, self.partial = data.split(b"\n")
        self.lines += [line.decode() for line in complete]
        return self.lines


@contextmanager
def sink(log: Path) -> Iterator[str]:
    """tests/delivery/faulty.py in its own process; yields its SMTP URL."""
    port = free_port()
    log.touch()
    proc = subprocess.Popen(
        [sys.executable, str(FAULTY), "--port", str(port), "--log", str(log)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield f"smtp://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class Trial:
    kills: int = 0
    runs: int = 0
    received: int = 0
    duplicates: int = 0
    unrecorded_at_kill: list[int] = field(default_factory=list)  # accepted, not in the ledger


def delivered(root: Path, day: str) -> set[str]:
    path = root / ".newsletter" / "ledger.sqlite3"
    if not path.exists():
        return set()
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT email FROM deliveries WHERE issue_date = ? AND state = 'delivered'", (day,)
        ).fetchall()
    except sqlite3.OperationalError:
        return set()
    finally:
        db.close()
    return {r[0] for r in rows}


def trial(
    root: Path,
    url: str,
    log: Log,
    day: str,
    active: set[str],
    *,
    kills: int,
    rng: random.Random,
    concurrency: int,
) -> Trial:
    """Send the issue of `day` from scratch, SIGKILL the sender `kills` times at random
    moments, then run it again until it finishes. Checks, after each kill, that the
    ledger says delivered only what the server accepted."""
    result = Trial()
    start = len(log.read())
    command = [sys.executable, "-m", "newsletter", "-q", "-C", str(root), "send", "--date", day]
    command += ["--smtp-url", url, "--concurrency", str(concurrency)]
    while True:
        result.runs += 1
        assert result.runs <= kills + 4, "the sends did not finish"
        errors = root.parent / f"send-{result.runs}.err"
        with errors.open("w") as err:
            proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        if result.kills < kills:
            if rng.random() < 0.25:
                # Any moment of the start: reading files, rendering, taking the lock.
                time.sleep(rng.uniform(0.0, 0.8))
            else:
                # While sending: after a random number of new acceptances, plus up to 20 ms.
                goal = len(log.read()) + rng.randint(1, max(1, len(active) // (kills + 1)))
                while len(log.read()) < goal and proc.poll() is None:
                    time.sleep(0.002)
                time.sleep(rng.random() * 0.02)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                result.kills += 1
                time.sleep(0.05)  # let the server log what reached it before the kill
                received = set(log.read()[start:])
                recorded = delivered(root, day)
                assert recorded <= received, f"recorded but never accepted: {recorded - received}"
                result.unrecorded_at_kill.append(len(received - recorded))
                continue
        code = proc.wait(timeout=120)
        if code == 0:
            break
        assert code == 1, errors.read_text()  # deferred by a hiccup: run again
    received = log.read()[start:]
    counts = collections.Counter(received)
    missing = active - counts.keys()
    assert not missing, f"never received: {sorted(missing)[:5]}"
    assert counts.keys() <= active, f"not subscribed: {sorted(counts.keys() - active)[:5]}"
    result.received = len(received)
    result.duplicates = sum(n - 1 for n in counts.values())
    return result
