"""SMTP failures sorted as a sender should: 4xx and lost connections retried then deferred,
5xx failed with code and text and held, run-wide refusals stopping the run early."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.delivery.conftest import (
    configure,
    emails,
    ledger,
    nonzero,
    send,
    send_here,
    states,
    status,
)
from tests.delivery.faulty import Fault, FaultyHandler, FaultyServer, free_port

READERS = emails(20)
# aiosmtpd warns when AUTH goes over plain text, which these tests do on loopback.
AUTH_OVER_PLAIN_TEXT = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(params=[True, False], ids=["pipelining", "one-command-at-a-time"])
def server(request: pytest.FixtureRequest) -> Iterator[FaultyServer]:
    """The fault server twice: offering PIPELINING (the client streams message after
    message from its callbacks) and not (one command, one answer)."""
    with FaultyServer(FaultyHandler(pipelining=request.param)) as running:
        yield running


def test_temporary_answers_are_retried_until_accepted(letter: Path, server: FaultyServer) -> None:
    """421, 451 and 452 at RCPT, and 451 after DATA, are retried on the same run and end delivered, once."""
    faults = {
        READERS[0]: Fault("rcpt", reply="421 4.7.0 too many connections, closing", times=1),
        READERS[1]: Fault("rcpt", reply="451 4.3.0 greylisted, try again", times=2),
        READERS[2]: Fault("rcpt", reply="452 4.2.2 mailbox full for now", times=1),
        READERS[3]: Fault("data", reply="451 4.3.0 local error in processing", times=1),
    }
    for address, fault in faults.items():
        server.handler.rule(address, fault)
    report = send_here(letter, server.url)
    assert report.exit_code == 0
    assert report.tally.delivered == len(READERS)
    assert sorted(server.handler.recipients()) == READERS
    rows = ledger(letter)
    assert {r.state for r in rows.values()} == {"delivered"}
    assert rows[READERS[0]].attempts == 2
    assert rows[READERS[1]].attempts == 3
    assert rows[READERS[2]].attempts == 2
    assert rows[READERS[3]].attempts == 2


def test_temporary_answers_past_the_retries_are_deferred_and_retried_by_the_next_run(
    letter: Path, server: FaultyServer
) -> None:
    """A recipient still refused with 4xx after `retries` is recorded deferred, with the answer;
    the run exits 1; status says so; the next run delivers it and nobody else twice."""
    stuck = READERS[5]
    server.handler.rule(stuck, Fault("rcpt", reply="451 4.3.0 greylisted, try again"))
    first = send(letter, server.url)
    assert first.returncode == 1, first.stderr
    assert "deferred: 1" in first.stderr
    assert server.handler.attempts[stuck] == 3  # the first try and two retries
    row = ledger(letter)[stuck]
    assert (row.state, row.code, row.attempts) == ("deferred", 451, 3)
    assert "greylisted" in row.response
    code, data = status(letter)
    assert code == 1
    assert nonzero(data["counts"]) == {"delivered": 19, "deferred": 1}
    assert data["failures"][0]["email"] == stuck and data["failures"][0]["code"] == 451

    server.handler.faults.clear()
    again = send(letter, server.url)
    assert again.returncode == 0, again.stderr
    assert sorted(server.handler.recipients()) == READERS  # each exactly once
    assert ledger(letter)[stuck].state == "delivered"
    code, data = status(letter)
    assert code == 0
    assert nonzero(data["counts"]) == {"delivered": 20}


def test_retries_wait_longer_each_time_with_jitter(letter: Path, server: FaultyServer) -> None:
    """Before retry n the sender waits a random time between half and all of
    backoff·2^(n-1) seconds."""
    base = 0.1
    configure(letter, backoff=base, retries=3)
    stuck = READERS[4]
    server.handler.rule(stuck, Fault("rcpt", reply="450 4.2.0 mailbox busy"))
    send_here(letter, server.url)
    times = server.handler.tried_at[stuck]
    assert len(times) == 4
    for n, (before, after) in enumerate(itertools.pairwise(times), start=1):
        ceiling = base * 2 ** (n - 1)
        assert ceiling / 2 <= after - before <= ceiling + 1.0


def test_permanent_answers_are_failed_with_code_and_never_retried_without_asking(
    letter: Path, server: FaultyServer
) -> None:
    """550 at RCPT and 554 after DATA are tried once and recorded failed with code and text;
    a later run leaves them alone; `--retry-failed` tries them again."""
    server.handler.rule(READERS[0], Fault("rcpt", reply="550 5.1.1 no such user here"))
    server.handler.rule(READERS[1], Fault("data", reply="554 5.7.1 message refused as spam"))
    first = send(letter, server.url)
    assert first.returncode == 1
    assert "550 5.1.1 no such user here" in first.stderr
    assert server.handler.attempts[READERS[0]] == 1
    assert server.handler.attempts[READERS[1]] == 1
    rows = ledger(letter)
    assert (rows[READERS[0]].state, rows[READERS[0]].code) == ("failed", 550)
    assert rows[READERS[0]].response == "5.1.1 no such user here"
    assert (rows[READERS[1]].state, rows[READERS[1]].code) == ("failed", 554)
    assert "spam" in rows[READERS[1]].response
    code, data = status(letter)
    assert code == 1
    assert nonzero(data["counts"]) == {"delivered": 18, "failed": 2}
    assert {(f["email"], f["code"]) for f in data["failures"]} == {
        (READERS[0], 550),
        (READERS[1], 554),
    }

    server.handler.faults.clear()
    again = send(letter, server.url)
    assert "held:     2" in again.stderr
    assert server.handler.attempts[READERS[0]] == 1  # not retried
    assert states(letter) == {"delivered": 18, "failed": 2}

    retried = send(letter, server.url, "--retry-failed")
    assert retried.returncode == 0, retried.stderr
    assert sorted(server.handler.recipients()) == READERS
    assert status(letter)[0] == 0


def test_a_connection_dropped_before_the_answer_to_data_is_retried(
    letter: Path, server: FaultyServer
) -> None:
    """The server hangs up after the message, before answering: not delivered, so tried again
    on a fresh connection, and delivered exactly once."""
    server.handler.rule(READERS[7], Fault("data", action="drop", times=1))
    report = send_here(letter, server.url)
    assert report.exit_code == 0
    assert sorted(server.handler.recipients()) == READERS
    assert ledger(letter)[READERS[7]].attempts == 2


def test_a_server_that_stalls_past_the_timeout_is_retried(
    letter: Path, server: FaultyServer
) -> None:
    """A reply that never comes within `timeout` counts as a temporary failure, not a hang."""
    configure(letter, timeout=1)  # short, but long for every other answer on a busy machine
    server.handler.rule(READERS[3], Fault("rcpt", action="stall", seconds=2.5, times=1))
    report = send_here(letter, server.url)
    assert report.exit_code == 0
    assert sorted(server.handler.recipients()) == READERS
    assert ledger(letter)[READERS[3]].attempts == 2


def test_a_server_that_always_stalls_leaves_the_recipient_deferred(
    letter: Path, server: FaultyServer
) -> None:
    """Timeouts past the retries end deferred (no SMTP code), never failed; the others still go."""
    configure(letter, timeout=1, retries=1)
    server.handler.rule(READERS[3], Fault("rcpt", action="stall", seconds=2.5))
    report = send_here(letter, server.url)
    assert report.exit_code == 1
    row = ledger(letter)[READERS[3]]
    assert (row.state, row.code) == ("deferred", None)
    assert row.response  # what went wrong, in words
    assert states(letter) == {"delivered": 19, "deferred": 1}


def _nothing_recorded_as_failed(root: Path) -> None:
    assert "failed" not in states(root)
    assert "deferred" not in states(root)


@AUTH_OVER_PLAIN_TEXT
def test_refused_authentication_stops_the_run_with_one_message(letter: Path) -> None:
    """Wrong credentials stop the run at once: exit 1, one `Error:` line, nobody marked failed."""
    with FaultyServer(credentials=("news", "right-password")) as server:
        url = f"smtp://news@127.0.0.1:{server.port}"
        result = send(letter, url, env={"NEWSLETTER_SMTP_PASSWORD": "wrong-password"})
        assert result.returncode == 1
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, result.stderr
        assert "authentication" in errors[0].lower() and "NEWSLETTER_SMTP_PASSWORD" in result.stderr
        assert "Traceback" not in result.stderr
        assert server.handler.accepted == []
        _nothing_recorded_as_failed(letter)

        fixed = send(letter, url, env={"NEWSLETTER_SMTP_PASSWORD": "right-password"})
        assert fixed.returncode == 0, fixed.stderr
        assert sorted(server.handler.recipients()) == READERS


@AUTH_OVER_PLAIN_TEXT
def test_a_server_demanding_authentication_stops_the_run(letter: Path) -> None:
    """No credentials for a server that requires them (530 at MAIL FROM) is a run-wide
    problem, not 20 failed recipients."""
    with FaultyServer(credentials=("news", "secret")) as server:
        result = send(letter, server.url)
        assert result.returncode == 1
        assert "Error:" in result.stderr and "530" in result.stderr
        _nothing_recorded_as_failed(letter)


def test_starttls_impossible_stops_the_run(letter: Path, server: FaultyServer) -> None:
    """smtp+starttls:// to a server without STARTTLS stops the run: nothing is sent in clear."""
    result = send(letter, f"smtp+starttls://127.0.0.1:{server.port}")
    assert result.returncode == 1
    assert "TLS" in result.stderr and "Error:" in result.stderr
    assert server.handler.accepted == []
    _nothing_recorded_as_failed(letter)


def test_implicit_tls_to_a_plain_server_stops_the_run(letter: Path, server: FaultyServer) -> None:
    """smtps:// to a server that does not speak TLS fails the handshake and stops the run."""
    result = send(letter, f"smtps://127.0.0.1:{server.port}")
    assert result.returncode == 1
    assert "Error:" in result.stderr
    assert server.handler.accepted == []
    _nothing_recorded_as_failed(letter)


def test_every_connection_refused_stops_the_run(letter: Path) -> None:
    """Nobody listening: the run stops after the retries with one message; nobody is marked."""
    result = send(letter, f"smtp://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert "connect" in errors[0].lower()
    _nothing_recorded_as_failed(letter)
    code, data = status(letter)
    assert code == 1
    assert data["counts"]["pending"] == 20


def test_throttling_replies_slow_the_run_instead_of_failing_it(
    letter: Path, server: FaultyServer
) -> None:
    """421/451 "slow down" answers to every recipient's first try end with all delivered."""
    for address in READERS:
        server.handler.rule(
            address, Fault("rcpt", reply="421 4.7.0 rate limited, slow down", times=1)
        )
    report = send_here(letter, server.url)
    assert report.exit_code == 0
    assert sorted(server.handler.recipients()) == READERS
    assert states(letter) == {"delivered": 20}


def test_a_permanent_refusal_of_the_sender_stops_the_run(
    letter: Path, server: FaultyServer
) -> None:
    """A 5xx to MAIL FROM refuses the sender, hence every message: stop, mark nobody failed."""
    server.handler.sender_reply = "553 5.7.1 sender address not allowed"
    result = send(letter, server.url)
    assert result.returncode == 1
    assert "553" in result.stderr and "sender" in result.stderr
    _nothing_recorded_as_failed(letter)


def test_a_server_refusing_the_session_stops_the_run(letter: Path, server: FaultyServer) -> None:
    """550 to EHLO and HELO refuses every session: stop with one message, mark nobody."""
    server.handler.hello_reply = "550 5.7.1 this relay does not serve you"
    result = send(letter, server.url)
    assert result.returncode == 1
    assert "550" in result.stderr and "Error:" in result.stderr
    assert server.handler.accepted == []
    _nothing_recorded_as_failed(letter)
