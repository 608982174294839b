"""The pipelining SMTP client against a real server that offers PIPELINING (aiosmtpd).

Here the client alone: `send`, `stream` and the transport's sorting of answers. The
delivery fault tests run whole sends against a server with and without PIPELINING.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from newsletter.delivery.client import ConnectionLost, Reply, ReplyError, SmtpClient, data_for_wire
from newsletter.delivery.pipelined import PipelinedTransport
from newsletter.delivery.retry import Verdict
from newsletter.delivery.smtp_url import parse_smtp_url
from newsletter.message import Outgoing
from newsletter.sink import free_port


@dataclass
class Handler:
    """Offers PIPELINING; `rcpt`/`data` map a recipient to the reply it gets there."""

    rcpt: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    received: list[tuple[str, bytes]] = field(default_factory=list)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [responses[0], "250-PIPELINING", *responses[1:]]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.rcpt:
            return self.rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.stall)
        (recipient,) = envelope.rcpt_tos
        if recipient in self.data:
            return self.data[recipient]
        self.received.append((recipient, envelope.original_content))
        return "250 2.0.0 queued as 42"


@pytest.fixture
def server() -> Iterator[tuple[Handler, str]]:
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def test_messages_arrive_byte_for_byte_over_one_pipelined_connection(
    server: tuple[Handler, str],
) -> None:
    """Lines starting with a dot are stuffed on the wire and restored by the server; bare
    line ends become CRLF; data the caller vouches for is sent as it is."""
    handler, url = server
    tricky = b"Subject: dots\r\n\r\n.first\r\nmiddle\n..two\r\n.\r\nlast"
    clean = b"Subject: clean\r\n\r\nplain lines only\r\n"

    async def run() -> None:
        client = await SmtpClient.open(parse_smtp_url(url), timeout=5)
        assert "pipelining" in client.extensions
        for i in range(3):
            await client.send("news@example.com", f"r{i}@example.com", tricky)
        await client.send("news@example.com", "r3@example.com", clean, safe=True)
        await client.quit()

    asyncio.run(run())
    expected = tricky.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n"
    assert [r for r, _ in handler.received] == [
        "r0@example.com",
        "r1@example.com",
        "r2@example.com",
        "r3@example.com",
    ]
    assert all(data == expected for _, data in handler.received[:3])
    assert handler.received[3][1] == clean
    assert data_for_wire(clean) == clean + b".\r\n"


def test_a_refusal_names_its_stage_and_code_and_the_connection_goes_on(
    server: tuple[Handler, str],
) -> None:
    """A refused RCPT (the server then refuses DATA too) or a refused end of data raises
    ReplyError with the stage and code; the next message on the same connection is sent."""
    handler, url = server
    handler.rcpt["gone@example.com"] = "550 5.1.1 no such user"
    handler.data["full@example.com"] = "552 5.2.2 mailbox full"

    async def run() -> list[tuple[str, int]]:
        client = await SmtpClient.open(parse_smtp_url(url), timeout=5)
        seen = []
        for recipient in (
            "gone@example.com",
            "ok1@example.com",
            "full@example.com",
            "ok2@example.com",
        ):
            try:
                await client.send("news@example.com", recipient, b"Subject: x\r\n\r\nhi\r\n")
            except ReplyError as error:
                seen.append((error.stage, error.code))
        await client.quit()
        return seen

    assert asyncio.run(run()) == [("RCPT", 550), (".", 552)]
    assert [r for r, _ in handler.received] == ["ok1@example.com", "ok2@example.com"]


def test_a_server_that_does_not_answer_times_the_connection_out(
    server: tuple[Handler, str],
) -> None:
    """No answer within the timeout: ConnectionLost saying so, and the connection is closed."""
    handler, url = server
    handler.stall = 2.0

    async def run() -> SmtpClient:
        client = await SmtpClient.open(parse_smtp_url(url), timeout=5)
        client.timeout = 0.3  # for the message only: opening on a busy machine may take longer
        with pytest.raises(ConnectionLost, match="timed out"):
            await client.send("news@example.com", "slow@example.com", b"Subject: x\r\n\r\nhi\r\n")
        return client

    assert asyncio.run(run()).closed


def test_the_transport_sorts_answers_as_the_engine_expects(server: tuple[Handler, str]) -> None:
    """5xx at RCPT is permanent with its code, 4xx temporary, 421 also reconnects; a relay
    that cannot be reached hands over to the next one."""
    handler, url = server
    handler.rcpt["gone@example.com"] = "550 5.1.1 no such user"
    handler.rcpt["later@example.com"] = "451 4.3.0 try again"
    handler.rcpt["busy@example.com"] = "421 4.7.0 closing"
    down = parse_smtp_url(f"smtp://127.0.0.1:{free_port()}")

    def message(recipient: str) -> Outgoing:
        return Outgoing("news@example.com", recipient, "<1@x>", b"Subject: x\r\n\r\nhi\r\n")

    async def run() -> list[tuple[Verdict, int | None, bool]]:
        transport = PipelinedTransport([down, parse_smtp_url(url)], timeout=5)
        outcomes = []
        for recipient in (
            "ok@example.com",
            "gone@example.com",
            "later@example.com",
            "busy@example.com",
            "ok2@example.com",
        ):
            outcome = await transport.send(message(recipient))
            outcomes.append((outcome.verdict, outcome.code, outcome.reconnect))
        await transport.close()
        return outcomes

    assert asyncio.run(run()) == [
        (Verdict.DELIVERED, 250, False),
        (Verdict.PERMANENT, 550, False),
        (Verdict.TRANSIENT, 451, False),
        (Verdict.TRANSIENT, 421, True),
        (Verdict.DELIVERED, 250, False),
    ]


def _item(recipient: str) -> tuple[str, str, bytes, bool]:
    return "news@example.com", recipient, f"Subject: {recipient}\r\n\r\nhi\r\n".encode(), True


def test_a_stream_sends_each_message_only_after_the_previous_one_is_released(
    server: tuple[Handler, str],
) -> None:
    """`stream` takes messages until told to stop; the data of each waits for the future
    `delivered` returned for the one before, its envelope does not."""
    handler, url = server
    recipients = [f"r{i}@example.com" for i in range(5)]

    async def run() -> list[tuple[int, int]]:
        loop = asyncio.get_running_loop()
        client = await SmtpClient.open(parse_smtp_url(url), timeout=5)
        queue = list(recipients)
        seen: list[tuple[int, int]] = []  # (messages accepted, messages the server holds)

        def take() -> tuple[str, str, bytes, bool] | None:
            return _item(queue.pop(0)) if queue else None

        def delivered(reply: Reply) -> asyncio.Future[None]:
            assert reply.code == 250
            accepted = len(seen) + 1
            release: asyncio.Future[None] = loop.create_future()

            def let_go() -> None:  # a while later, as a slow commit would
                seen.append((accepted, len(handler.received)))
                release.set_result(None)

            loop.call_later(0.05, let_go)
            releases.append(release)
            return release

        releases: list[asyncio.Future[None]] = []
        await client.stream(take, delivered)
        await releases[-1]  # the last one is the caller's to wait for
        await client.quit()
        return seen

    seen = asyncio.run(run())
    assert [r for r, _ in handler.received] == recipients
    # When message k is released the server holds k messages: the next one waited.
    assert seen == [(k, k) for k in range(1, 6)]


def test_a_stream_whose_release_fails_sends_no_more_data_and_raises_its_error(
    server: tuple[Handler, str],
) -> None:
    """A failed release (the ledger could not record the message before) keeps the next
    message's data from the wire: the connection is closed, the failure raised."""
    handler, url = server
    recipients = ["first@example.com", "second@example.com", "third@example.com"]

    async def run() -> SmtpClient:
        loop = asyncio.get_running_loop()
        client = await SmtpClient.open(parse_smtp_url(url), timeout=5)
        queue = list(recipients)

        def take() -> tuple[str, str, bytes, bool] | None:
            return _item(queue.pop(0)) if queue else None

        def delivered(reply: Reply) -> asyncio.Future[None]:
            failed: asyncio.Future[None] = loop.create_future()
            loop.call_later(0.02, failed.set_exception, OSError("disk full"))
            return failed

        with pytest.raises(OSError, match="disk full"):
            await client.stream(take, delivered)
        return client

    assert asyncio.run(run()).closed
    assert [r for r, _ in handler.received] == ["first@example.com"]


def test_a_stream_stops_at_a_refusal_with_the_connection_ready_for_more(
    server: tuple[Handler, str],
) -> None:
    """A refused RCPT ends the stream with ReplyError naming the stage; the envelope is
    reset, so the same connection goes on with the next message."""
    handler, url = server
    handler.rcpt["gone@example.com"] = "550 5.1.1 no such user"

    async def run() -> list[str]:
        client = await SmtpClient.open(parse_smtp_url(url), timeout=5)
        queue = ["ok1@example.com", "gone@example.com", "ok2@example.com"]
        ends = []

        def take() -> tuple[str, str, bytes, bool] | None:
            return _item(queue.pop(0)) if queue else None

        while queue:
            try:
                await client.stream(take, lambda reply: None)
                ends.append("done")
            except ReplyError as error:
                ends.append(f"{error.stage} {error.code}")
        await client.quit()
        return ends

    assert asyncio.run(run()) == ["RCPT 550", "done"]
    assert [r for r, _ in handler.received] == ["ok1@example.com", "ok2@example.com"]
