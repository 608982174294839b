"""The seam where the network is: a Transport sends one message and says what happened.

`PipelinedTransport` (delivery/pipelined.py) is the real one; `NullTransport` (dry runs)
accepts everything without sending.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from newsletter.delivery.retry import Outcome, Verdict
from newsletter.message import Outgoing


class Transport(Protocol):
    async def send(self, message: Outgoing, after: asyncio.Future[None] | None = None) -> Outcome:
        """Send `message`, its data only once `after` is done (the previous message's record
        is durable); if `after` fails, the data is not sent and its exception is raised."""
        ...

    async def stream(
        self,
        take: Callable[[], Outgoing | None],
        delivered: Callable[[Outgoing, Outcome], asyncio.Future[None] | None],
        after: asyncio.Future[None] | None = None,
    ) -> tuple[Outgoing, Outcome] | None:
        """Send message after message while each is delivered: `take()` gives the next or
        None to stop, `delivered` is told each delivery and returns what the next message's
        data waits for. None once `take` said stop; else the first message not delivered,
        with its outcome, for the caller to retry or record.

        `take` may be called for the next message before the one in hand is settled:
        the messages taken after the one returned were not sent."""
        ...

    async def close(self) -> None: ...


class NullTransport:
    """Accepts every message and sends nothing: what `--dry-run` delivers to."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, message: Outgoing, after: asyncio.Future[None] | None = None) -> Outcome:
        if after is not None:
            await asyncio.shield(after)
        self.count += 1
        return Outcome(Verdict.DELIVERED, 250, "dry run: not sent")

    async def stream(
        self,
        take: Callable[[], Outgoing | None],
        delivered: Callable[[Outgoing, Outcome], asyncio.Future[None] | None],
        after: asyncio.Future[None] | None = None,
    ) -> tuple[Outgoing, Outcome] | None:
        return await stream_by_send(self, take, delivered, after)

    async def close(self) -> None:
        return None


async def stream_by_send(
    transport: Transport,
    take: Callable[[], Outgoing | None],
    delivered: Callable[[Outgoing, Outcome], asyncio.Future[None] | None],
    after: asyncio.Future[None] | None = None,
) -> tuple[Outgoing, Outcome] | None:
    """`Transport.stream` made of `send`, one message at a time."""
    while (message := take()) is not None:
        outcome = await transport.send(message, after)
        if outcome.verdict is not Verdict.DELIVERED:
            return message, outcome
        after = delivered(message, outcome)
    return None
