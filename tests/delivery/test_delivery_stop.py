"""Stopping a run: SIGINT/SIGTERM stop it cleanly; a second run at the same time is refused."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.delivery.conftest import (
    DAY,
    configure,
    emails,
    ledger,
    run,
    send,
    spawn_send,
    status,
    write_subscribers,
)
from tests.delivery.faulty import Fault, FaultyServer

READERS = emails(200)


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def slow_send(letter: Path, server: FaultyServer) -> subprocess.Popen[str]:
    """A real `newsletter send` that would take ten seconds, once it is under way."""
    write_subscribers(letter, READERS)
    proc = spawn_send(letter, server.url, "--rate", "20")
    wait_for(lambda: len(server.handler.accepted) >= 5 or proc.poll() is not None)
    assert proc.poll() is None, proc.communicate()
    return proc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_run_cleanly_and_says_how_to_resume(
    letter: Path, server: FaultyServer, sig: signal.Signals
) -> None:
    """The run stops taking recipients, records every message the server accepted (no more,
    no fewer), prints how to resume, and exits 1; the resumed run sends only the rest."""
    proc = slow_send(letter, server)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 1, err
    assert "Interrupted" in err and f"newsletter send --date {DAY}" in err
    assert "Traceback" not in err
    accepted = server.handler.recipients()
    delivered = {e for e, row in ledger(letter).items() if row.state == "delivered"}
    assert delivered == set(accepted) and len(accepted) == len(set(accepted))
    assert len(accepted) < len(READERS)
    code, data = status(letter)
    assert code == 1
    assert data["last_run"] == "interrupted"
    assert data["counts"]["pending"] == len(READERS) - len(delivered)

    resumed = send(letter, server.url)
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(server.handler.recipients()) == READERS  # each exactly once


def test_a_second_send_at_the_same_time_names_the_holder_and_exits_2(
    letter: Path, server: FaultyServer
) -> None:
    """One run at a time per folder: the second says which process holds the lock, exits 2
    and sends nothing; status meanwhile says the first is running."""
    proc = slow_send(letter, server)
    try:
        second = run(letter, "send", "--date", DAY, "--smtp-url", server.url)
        assert second.returncode == 2, second.stderr
        assert f"pid {proc.pid}" in second.stderr and "newsletter send" in second.stderr
        assert second.stderr.startswith("Error:")
        code, data = status(letter)
        assert code == 1
        assert data["last_run"] == f"running (pid {proc.pid})"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    accepted = server.handler.recipients()
    assert len(accepted) == len(set(accepted))  # the second run sent nothing
    assert send(letter, server.url).returncode == 0  # the lock is free again


def test_a_second_signal_abandons_the_messages_in_flight(
    letter: Path, server: FaultyServer
) -> None:
    """The first Ctrl-C waits for messages already on the wire; a second one stops at once,
    recording nothing for them, so the next run sends them; and the summary says so
    instead of claiming that every delivery is recorded."""
    configure(letter, timeout=30)
    for address in emails(20):
        server.handler.rule(address, Fault("rcpt", action="stall", seconds=20))
    proc = spawn_send(letter, server.url)
    wait_for(lambda: sum(server.handler.attempts.values()) >= 4)  # every connection is stuck
    proc.send_signal(signal.SIGINT)
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=0.5)  # still waiting for the server's answers
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert time.monotonic() - started < 5
    assert proc.returncode == 1, err
    assert "Stopped at once" in err and "Traceback" not in err
    assert "were not recorded" in err and "every delivery so far is recorded" not in err
    assert ledger(letter) == {}
    code, data = status(letter)
    assert code == 1 and data["counts"]["pending"] == 20
