"""Resume and idempotence: `send` again delivers only what is missing, to whoever is
subscribed now."""

from __future__ import annotations

from pathlib import Path

from newsletter.model import Status
from newsletter.subscribers import add, set_status
from tests.delivery.conftest import emails, ledger, nonzero, send, states, status
from tests.delivery.faulty import Fault, FaultyServer

READERS = emails(20)


def test_sending_again_after_a_finished_run_sends_nothing_and_says_so(
    letter: Path, server: FaultyServer
) -> None:
    """Safe under cron: the second run sends no message, says why, and exits 0."""
    first = send(letter, server.url)
    assert first.returncode == 0, first.stderr
    again = send(letter, server.url)
    assert again.returncode == 0, again.stderr
    assert "sent:     0" in again.stderr
    assert "skipped:  20 already delivered" in again.stderr
    assert "Nothing left to send" in again.stderr
    assert sorted(server.handler.recipients()) == READERS


def test_a_resumed_run_follows_the_subscriber_file_as_it_is_now(
    letter: Path, server: FaultyServer
) -> None:
    """After a partial run, a subscriber added meanwhile gets the issue, one who unsubscribed
    meanwhile does not, and nobody already served gets a second copy."""
    late = READERS[10:15]
    for address in late:
        server.handler.rule(address, Fault("rcpt", reply="451 4.3.0 try again later"))
    partial = send(letter, server.url)
    assert partial.returncode == 1
    assert states(letter) == {"delivered": 15, "deferred": 5}

    subscribers = letter / "subscribers.yaml"
    add(subscribers, "newcomer@example.org", name="New Comer")
    set_status(subscribers, late[0], Status.UNSUBSCRIBED)
    server.handler.faults.clear()

    resumed = send(letter, server.url)
    assert resumed.returncode == 0, resumed.stderr
    assert "skipped:  15 already delivered" in resumed.stderr
    received = server.handler.recipients()
    assert sorted(received) == sorted(
        [*READERS[:10], *late[1:], *READERS[15:], "newcomer@example.org"]
    )
    assert late[0] not in received
    assert ledger(letter)["newcomer@example.org"].state == "delivered"
    code, data = status(letter)
    assert code == 0, data
    assert nonzero(data["counts"]) == {"delivered": 20, "dropped": 1}


def test_a_subscriber_marked_bounced_after_a_failure_settles_the_status(
    letter: Path, server: FaultyServer
) -> None:
    """The usual answer to a 550 is to mark the address bounced; status then stops
    reporting the issue as incomplete."""
    server.handler.rule(READERS[3], Fault("rcpt", reply="550 5.1.1 no such user"))
    send(letter, server.url)
    assert status(letter)[0] == 1
    set_status(letter / "subscribers.yaml", READERS[3], Status.BOUNCED)
    code, data = status(letter)
    assert code == 0
    assert data["failures"] == []
