"""The state of a send under attack: its lock and ledger removed while it runs, a ledger
that is damaged, read-only or on a full disk. Each ends with one `Error:` line naming the
file, never a traceback, and never with two sends at once."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.delivery.conftest import (
    DAY,
    configure,
    emails,
    run,
    spawn_send,
    write_subscribers,
)
from tests.delivery.faulty import Fault, FaultyServer
from tests.delivery.test_delivery_stop import wait_for


def test_removing_the_state_of_a_running_send_stops_it_and_no_second_send_runs_beside_it(
    letter: Path, server: FaultyServer
) -> None:
    """`rm -r .newsletter` under a send whose connections are all waiting on the server: a
    second send started meanwhile is refused (exit 2) and sends nothing; the first, once
    the server answers, delivers only the messages already on their way and stops with an
    error naming its ledger or lock, instead of sending on to a record nobody reads."""
    readers = emails(200)
    write_subscribers(letter, readers)
    configure(letter, timeout=30)
    for address in readers[10:]:
        server.handler.rule(address, Fault("rcpt", action="hold"))
    first = spawn_send(letter, server.url)
    try:
        wait_for(lambda: sum(server.handler.attempts.values()) >= 14)  # all four held
        delivered = len(server.handler.accepted)
        assert delivered == 10
        shutil.rmtree(letter / ".newsletter")
        second = run(letter, "send", "--date", DAY, "--smtp-url", server.url, timeout=30)
        assert second.returncode == 2, second.stderr
        assert second.stderr.startswith("Error:") and "is busy" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        server.handler.gate.set()
        _, err = first.communicate(timeout=30)
    assert first.returncode == 1, err
    assert "Error:" in err and "removed" in err and ".newsletter" in err, err
    assert "Traceback" not in err
    accepted = server.handler.recipients()
    assert len(accepted) <= delivered + 4  # the messages already on their way, no more
    assert len(accepted) == len(set(accepted))


@pytest.mark.parametrize("count", [200, 600], ids=["committed on the loop", "by the writer"])
def test_a_send_notices_its_ledger_gone_at_the_next_commit(
    letter: Path, server: FaultyServer, count: int
) -> None:
    """A send going at full pace stops within one message per connection of its state
    being removed, whether it commits its records itself or through the writer process."""
    write_subscribers(letter, emails(count))
    first = spawn_send(letter, server.url, "--rate", "40")
    try:
        wait_for(lambda: len(server.handler.accepted) >= 5 or first.poll() is not None)
        assert first.poll() is None
        before = len(server.handler.accepted)
        shutil.rmtree(letter / ".newsletter")
        _, err = first.communicate(timeout=20)
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGKILL)
            first.wait()
    assert first.returncode == 1, err
    assert "removed" in err and "Traceback" not in err, err
    time.sleep(0.2)
    assert len(server.handler.accepted) <= before + 4 + 1
