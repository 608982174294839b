"""The seam where the network is: a Transport sends one message and says what happened.

`PipelinedTransport` (delivery/pipelined.py) is the real one; `NullTransport` (dry runs)
accepts everything without sending.
"""

from __future__ import annotations

from typing import Protocol

from newsletter.delivery.retry import Outcome, Verdict
from newsletter.message import Outgoing


class Transport(Protocol):
    async def send(self, message: Outgoing) -> Outcome: ...

    async def close(self) -> None: ...


class NullTransport:
    """Accepts every message and sends nothing: what `--dry-run` delivers to."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, message: Outgoing) -> Outcome:
        self.count += 1
        return Outcome(Verdict.DELIVERED, 250, "dry run: not sent")

    async def close(self) -> None:
        return None
