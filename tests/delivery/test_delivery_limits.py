"""Limits: a rate limit (token bucket) and a connection limit, from config and flags;
throttling answers slow the sender down."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from newsletter.delivery.engine import TokenBucket
from tests.delivery.conftest import configure, emails, send, send_here, write_subscribers
from tests.delivery.faulty import Fault, FaultyServer


def test_the_rate_limit_spaces_messages_out(letter: Path, server: FaultyServer) -> None:
    """N messages at `--rate R` take about N/R seconds: at least 0.8·(N-1)/R by the run's own
    clock, and the server sees them spread out too (a looser bound there, since the first
    message also waits for its connection to open)."""
    n, rate = 30, 30.0
    write_subscribers(letter, emails(n))
    result = send(letter, server.url, "--rate", str(rate))
    assert result.returncode == 0, result.stderr
    took = float(re.search(r"time: +([0-9.]+) s", result.stderr).group(1))  # type: ignore[union-attr]
    assert 0.8 * (n - 1) / rate <= took < (n - 1) / rate + 3.0
    times = sorted(a.at for a in server.handler.accepted)
    assert len(times) == n
    assert times[-1] - times[0] >= 0.5 * (n - 1) / rate


def test_the_rate_limit_of_the_config_applies(letter: Path, server: FaultyServer) -> None:
    """`sending.rate` in newsletter.yaml limits a run given no --rate."""
    n, rate = 12, 20.0
    configure(letter, rate=rate)
    write_subscribers(letter, emails(n))
    report = send_here(letter, server.url)
    assert report.exit_code == 0
    assert report.seconds >= 0.8 * (n - 1) / rate


def test_the_server_never_sees_more_connections_than_the_limit(
    letter: Path, server: FaultyServer
) -> None:
    """`--concurrency N` opens at most N connections at once, and reuses them."""
    write_subscribers(letter, emails(120))
    result = send(letter, server.url, "--concurrency", "3")
    assert result.returncode == 0, result.stderr
    assert len(server.handler.accepted) == 120
    assert server.handler.peak == 3
    assert server.handler.connections == 3  # reused, not one per message


def test_the_connection_limit_of_the_config_applies(letter: Path, server: FaultyServer) -> None:
    """`sending.concurrency` in newsletter.yaml bounds the connections of a run without the flag."""
    configure(letter, concurrency=2)
    write_subscribers(letter, emails(60))
    assert send(letter, server.url).returncode == 0
    assert 1 <= server.handler.peak <= 2


def test_a_throttling_answer_halves_the_pace_of_the_bucket() -> None:
    """After a "slow down" answer the bucket hands out tokens at half the configured rate."""

    async def take(bucket: TokenBucket, n: int) -> float:
        started = time.monotonic()
        for _ in range(n):
            await bucket.take()
        return time.monotonic() - started

    async def scenario() -> tuple[float, float]:
        bucket = TokenBucket(200.0)
        normal = await take(bucket, 41)
        bucket.throttled()
        bucket.tokens = 0.0  # no saved-up burst: measure the pace alone
        slowed = await take(bucket, 40)
        return normal, slowed

    normal, slowed = asyncio.run(scenario())
    assert normal >= 0.8 * 40 / 200
    assert slowed >= 0.8 * 40 / 100


def test_throttled_recipients_are_delivered_under_a_rate_limit(
    letter: Path, server: FaultyServer
) -> None:
    """With a rate limit, 421 and 451 "slow down" answers make the run slower, never failed."""
    readers = emails(20)
    for i, address in enumerate(readers):
        reply = "421 4.7.0 slow down" if i % 2 else "451 4.7.1 rate limited"
        server.handler.rule(address, Fault("rcpt", reply=reply, times=1))
    result = send(letter, server.url, "--rate", "200")
    assert result.returncode == 0, result.stderr
    assert sorted(server.handler.recipients()) == readers
