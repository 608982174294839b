"""Crashes: SIGKILL at any moment loses nobody, and doubles at most the messages in flight."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from tests.delivery.conftest import DAY, configure, emails, status, write_subscribers
from tests.delivery.crash import Log, sink, trial

CONCURRENCY = 4


def crash_trials(letter: Path, tmp_path: Path, *, readers: int, trials: int, kills: int) -> None:
    active = emails(readers)
    gone = emails(readers // 20, prefix="former")
    write_subscribers(letter, active, unsubscribed=gone)
    configure(letter, concurrency=CONCURRENCY, rate=0, backoff=0.01, timeout=5)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    log = Log(tmp_path / "received.log")
    with sink(log.path) as url:
        for number in range(trials):
            shutil.rmtree(letter / ".newsletter", ignore_errors=True)
            result = trial(
                letter, url, log, DAY, set(active), kills=kills, rng=rng, concurrency=CONCURRENCY
            )
            print(
                f"trial {number + 1} (seed {seed}): {result.kills} kills, {result.runs} runs, "
                f"{result.received} messages for {readers} readers, {result.duplicates} duplicates, "
                f"accepted but unrecorded at each kill: {result.unrecorded_at_kill}"
            )
            assert result.duplicates <= result.kills * CONCURRENCY
            assert all(n <= CONCURRENCY for n in result.unrecorded_at_kill)
            code, data = status(letter)
            assert code == 0, data
            assert data["counts"]["delivered"] == readers


def test_sigkill_at_random_moments_loses_nobody(letter: Path, tmp_path: Path) -> None:
    """A sender killed outright (two trials, three kills each) and run again until done:
    every active subscriber received the issue, nobody unsubscribed did, duplicates stay
    within the messages in flight at each kill, and status ends clean."""
    crash_trials(letter, tmp_path, readers=2000, trials=2, kills=3)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_sigkill_at_random_moments_loses_nobody_at_length(letter: Path, tmp_path: Path) -> None:
    """The same, longer: ten trials of five kills each over 5,000 subscribers."""
    crash_trials(letter, tmp_path, readers=5000, trials=10, kills=5)
