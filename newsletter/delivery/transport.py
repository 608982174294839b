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

Commit = asyncio.Future[None]
"""A record's commit: what the next message's data waits for."""
Take = Callable[[], Outgoing | None]
"""Gives the next message to send, or None to stop."""
Delivered = Callable[[Outgoing, Outcome], Commit | None]
"""Told each delivery; returns the commit of its record."""


class Transport(Protocol):
    async def send(self, message: Outgoing, after: Commit | None = None) -> Outcome:
        """Send `message`, its data only once `after` is done (the previous message's record
        is durable); if `after` fails, the data is not sent and its exception is raised."""
        ...

    async def stream(
        self, take: Take, delivered: Delivered, after: Commit | None = None
    ) -> tuple[Outgoing, Outcome] | None:
        """Send message after message while each is delivered: `take()` gives the next or
        None to stop, `delivered` is told each delivery and returns what the next message's
        data waits for. None once `take` said stop; else the first message not delivered,
        with its outcome, for the caller to retry or record.

        `take` may be called for the next message before the one in hand is settled:
        the messages taken after the one returned were not sent."""
        ...

    async def close(self) -> None: ...


class SendOnly:
    """`stream` for a transport that has only `send`: one message at a time."""

    async def send(self, message: Outgoing, after: Commit | None = None) -> Outcome:
        raise NotImplementedError

    async def stream(
        self, take: Take, delivered: Delivered, after: Commit | None = None
    ) -> tuple[Outgoing, Outcome] | None:
        while (message := take()) is not None:
            outcome = await self.send(message, after)
            if outcome.verdict is not Verdict.DELIVERED:
                return message, outcome
            after = delivered(message, outcome)
        return None


class NullTransport(SendOnly):
    """Accepts every message and sends nothing: what `--dry-run` delivers to."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, message: Outgoing, after: Commit | None = None) -> Outcome:
        if after is not None:
            await asyncio.shield(after)
        self.count += 1
        return Outcome(Verdict.DELIVERED, 250, "dry run: not sent")

    async def close(self) -> None:
        return None
