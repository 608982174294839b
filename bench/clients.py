"""The SMTP clients alone: aiosmtplib (`SmtpTransport`) against the project's own
pipelining client (`PipelinedTransport`), each sending one prebuilt message to N
recipients over the same number of reused connections. No composing, no ledger.

    python bench/clients.py PORT COUNT CONNECTIONS SIZE   # one JSON line per client
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

from aiosmtplib_transport import SmtpTransport

from newsletter.delivery.pipelined import PipelinedTransport
from newsletter.delivery.smtp_url import parse_smtp_url
from newsletter.delivery.transport import Transport
from newsletter.message import Outgoing


def message(size: int) -> bytes:
    line = b"The quick brown fox jumps over the lazy dog, and the dog does not mind at all.\r\n"
    head = b"From: digest@news.example.com\r\nTo: reader@example.com\r\nSubject: bench\r\n\r\n"
    return head + line * max(1, (size - len(head)) // len(line))


async def send_all(transports: list[Transport], count: int, data: bytes) -> None:
    numbers = iter(range(count))

    async def worker(transport: Transport) -> None:
        for n in numbers:
            outgoing = Outgoing("digest@news.example.com", f"r{n}@example.com", f"<{n}@x>", data)
            outcome = await transport.send(outgoing)
            if outcome.verdict.value != "delivered":
                raise RuntimeError(f"not delivered: {outcome}")

    try:
        await asyncio.gather(*(worker(t) for t in transports))
    finally:
        await asyncio.gather(*(t.close() for t in transports))


def measure(name: str, port: int, count: int, connections: int, size: int) -> dict[str, Any]:
    target = parse_smtp_url(f"smtp://127.0.0.1:{port}")
    kind = SmtpTransport if name == "aiosmtplib" else PipelinedTransport
    transports: list[Transport] = [kind(target, 30) for _ in range(connections)]
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    asyncio.run(send_all(transports, count, message(size)))
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"client": name, "rate": count / seconds, "cpu_us": 1e6 * cpu / count}


if __name__ == "__main__":
    port, count, connections, size = (int(a) for a in sys.argv[1:5])
    for name in ("aiosmtplib", "newsletter.delivery.client"):
        print(json.dumps(measure(name, port, count, connections, size)), flush=True)
