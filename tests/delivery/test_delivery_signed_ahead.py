"""RSA-signed sends: messages composed a few ahead and signed by threads beside the loop
(newsletter/delivery/ahead.py), and what a reader's server receives from them."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import dkim as dkimpy
import pytest
import yaml

from newsletter.delivery.ahead import SignedAhead
from newsletter.delivery.engine import Job
from newsletter.dkim import Signer, generate_key
from newsletter.message import Outgoing, with_header
from tests.delivery.conftest import cli, emails, ledger, send_here, write_subscribers
from tests.delivery.faulty import Fault, FaultyServer

KEY, TXT = generate_key("rsa-sha256")
SIGNER = Signer("example.com", "s1", KEY)


def lookup(name: bytes, timeout: int = 5) -> bytes | None:
    return TXT.encode() if name == b"s1._domainkey.example.com." else None


def message_id(data: bytes) -> str:
    found = re.search(rb"\r\nMessage-ID: (<[^>]+>)\r\n", data)
    assert found is not None, data[:400]
    return found.group(1).decode()


class Letters:
    """Jobs whose messages are tiny but real: numbered Message-IDs, composes counted."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.composed: list[str] = []  # Message-IDs, in the order they were composed
        self.fail_at = fail_at
        self.serial = itertools.count()

    def jobs(self, n: int) -> Iterator[Job]:
        for i in range(n):
            yield Job(f"reader{i}@example.org", self.composer(i))

    def composer(self, i: int) -> Callable[[datetime], Outgoing]:
        def compose(now: datetime) -> Outgoing:
            if i == self.fail_at:
                raise ValueError(f"cannot build message {i}")
            mid = f"<{i}.{next(self.serial)}@example.com>"
            self.composed.append(mid)
            data = (
                f"From: news@example.com\r\nTo: reader{i}@example.org\r\n"
                f"Date: {now:%a, %d %b %Y %H:%M:%S +0000}\r\nMessage-ID: {mid}\r\n"
                f"Subject: Issue for reader {i}\r\n\r\nHello reader {i}.\r\n"
            ).encode()
            return Outgoing("news@example.com", f"reader{i}@example.org", mid, data, True)

        return compose


def sign_later(message: Outgoing) -> Callable[[], Outgoing]:
    header = SIGNER.prepare(message.data, crlf_only=True)
    return lambda: with_header(message, header())


def test_jobs_come_in_order_signed_and_at_most_depth_ahead() -> None:
    """Each job carries its own message, signed so that it verifies; composing runs at most
    `depth` messages ahead of the one taken, so a Date is never older than that."""
    letters = Letters()
    ahead = SignedAhead(letters.jobs(10), sign_later, depth=3, threads=2)
    try:
        taken = []
        for i, job in enumerate(ahead):
            assert len(letters.composed) <= i + 3
            message = job.compose(datetime.now(UTC))
            assert job.email == f"reader{i}@example.org" == message.recipient
            assert dkimpy.verify(message.data, dnsfunc=lookup)
            assert message.data_safe
            taken.append(message.message_id)
    finally:
        ahead.close()
    assert taken == letters.composed  # one message each, none composed twice or lost


def test_a_retry_is_composed_and_signed_afresh() -> None:
    """The first attempt gets the message made ahead; the next ones a new message (its own
    Message-ID and Date), signed on the spot, which verifies as well."""
    letters = Letters()
    ahead = SignedAhead(letters.jobs(2), sign_later, depth=2, threads=1)
    try:
        job = next(ahead)
        first = job.compose(datetime.now(UTC))
        second = job.compose(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    finally:
        ahead.close()
    assert first.message_id == letters.composed[0]
    assert second.message_id == letters.composed[-1] != first.message_id
    assert b"Date: Wed, 02 Jan 2030 03:04:05" in second.data
    assert dkimpy.verify(first.data, dnsfunc=lookup)
    assert dkimpy.verify(second.data, dnsfunc=lookup)


def test_a_message_that_cannot_be_built_fails_when_its_turn_comes() -> None:
    """An error composing a message ahead is raised by that job, after the jobs before it
    were handed out as usual, as it would be without composing ahead."""
    letters = Letters(fail_at=2)
    ahead = SignedAhead(letters.jobs(4), sign_later, depth=4, threads=1)
    try:
        jobs = [next(ahead) for _ in range(3)]
        for job in jobs[:2]:
            assert dkimpy.verify(job.compose(datetime.now(UTC)).data, dnsfunc=lookup)
        with pytest.raises(ValueError, match="cannot build message 2"):
            jobs[2].compose(datetime.now(UTC))
    finally:
        ahead.close()


def test_close_lets_the_signing_threads_go() -> None:
    """After close, no thread of the pool is left behind to keep the process alive."""
    ahead = SignedAhead(Letters().jobs(20), sign_later, depth=8, threads=2)
    next(ahead).compose(datetime.now(UTC))
    ahead.close()
    for thread in threading.enumerate():
        if thread.name.startswith("newsletter-dkim"):
            thread.join(timeout=5)
    assert not [t for t in threading.enumerate() if t.name.startswith("newsletter-dkim")]


@pytest.fixture
def signed_letter(letter: Path) -> Path:
    """The delivery folder with an RSA DKIM key from `newsletter dkim keygen`."""
    made = cli(letter, "dkim", "keygen", "-s", "s1", "-d", "example.com")
    assert made.returncode == 0, made.stderr
    txt = "".join(re.findall(r'"([^"]*)"', made.stdout))
    assert txt.startswith("v=DKIM1; k=rsa;")
    (letter / "dns.txt").write_text(txt, encoding="utf-8")
    path = letter / "newsletter.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["dkim"] = {
        "domain": "example.com",
        "selector": "s1",
        "key_file": ".newsletter/dkim/s1.key",
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return letter


def test_an_rsa_signed_send_delivers_every_message_signed_once(
    signed_letter: Path, server: FaultyServer
) -> None:
    """Through a real SMTP server, with one answer after DATA that asks to try again: every
    reader gets one message whose signature verifies (the retried one too), and the ledger
    names the Message-ID each reader received."""
    readers = emails(60)
    write_subscribers(signed_letter, readers)
    server.handler.rule(readers[7], Fault("data", reply="451 4.3.0 try again", times=1))
    txt = (signed_letter / "dns.txt").read_text(encoding="utf-8").encode()

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return txt if name == b"s1._domainkey.example.com." else None

    report = send_here(signed_letter, server.url)
    assert report.exit_code == 0
    assert report.tally.delivered == len(readers)
    assert sorted(server.handler.recipients()) == readers
    rows = ledger(signed_letter)
    assert rows[readers[7]].attempts == 2
    for accepted in server.handler.accepted:
        assert dkimpy.verify(accepted.data, dnsfunc=dns), accepted.recipient
        assert rows[accepted.recipient].message_id == message_id(accepted.data)
