"""Crashes: SIGKILL at any moment loses nobody, and doubles at most the messages in flight."""

from __future__ import annotations

import collections
import random
import shutil
import threading
import time
from pathlib import Path

import pytest

from newsletter.errors import RunAbortedError
from tests.delivery.conftest import (
    DAY,
    configure,
    emails,
    ledger,
    send_here,
    status,
    write_subscribers,
)
from tests.delivery.crash import Log, sink, trial
from tests.delivery.faulty import FaultyHandler, FaultyServer

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


def test_the_server_going_away_mid_run_stops_the_run_and_a_rerun_completes(letter: Path) -> None:
    """The relay stops in the middle: once no connection can be opened the run ends with one
    error (nobody marked failed or deferred), and a run after the relay is back completes it."""
    readers = emails(400)
    write_subscribers(letter, readers)
    handler = FaultyHandler()
    first = FaultyServer(handler)
    first.__enter__()

    def stop_midway() -> None:
        while len(handler.accepted) < 50:
            time.sleep(0.001)
        first.__exit__()

    stopper = threading.Thread(target=stop_midway)
    stopper.start()
    with pytest.raises(RunAbortedError, match="cannot reach the SMTP server"):
        send_here(letter, first.url)
    stopper.join()
    rows = ledger(letter)
    assert {row.state for row in rows.values()} == {"delivered"}
    accepted = set(handler.recipients())
    assert set(rows) <= accepted and len(accepted - set(rows)) <= CONCURRENCY

    with FaultyServer(handler, port=first.port) as again:
        assert send_here(letter, again.url).exit_code == 0
    counts = collections.Counter(handler.recipients())
    assert counts.keys() == set(readers)
    assert sum(n - 1 for n in counts.values()) <= CONCURRENCY
