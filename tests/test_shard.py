"""Past one machine: `send --shard K/N` splits a list across sending hosts, each with its
own ledger; `smtp: {urls: [...]}` shares the connections among several relays."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from newsletter.send import shard_of
from newsletter.sink import free_port
from tests.conftest import RecordingHandler, SmtpServer, run_cli

N = 3
EMAILS = [f"reader{i:03d}@example.com" for i in range(40)]


def _write_list(folder: Path, active: Sequence[str], unsubscribed: Sequence[str] = ()) -> None:
    lines = ["subscribers:"] + [f"  - email: {e}" for e in active]
    lines += [f"  - {{email: {e}, status: unsubscribed}}" for e in unsubscribed]
    (folder / "subscribers.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _delivered(ledger: Path) -> set[str]:
    db = sqlite3.connect(ledger)
    try:
        rows = db.execute("SELECT email FROM deliveries WHERE state = 'delivered'").fetchall()
    finally:
        db.close()
    return {str(r[0]) for r in rows}


def _send(folder: Path, server: SmtpServer, *extra: str) -> int:
    done = run_cli("-C", str(folder), "send", "--rate", "0", "--smtp-url", server.url, *extra)
    assert done.returncode in (0, 1), done.stderr.decode()
    return done.returncode


def test_shards_partition_any_list() -> None:
    """Every address lands in exactly one shard of N, whatever N, and case does not move it."""
    emails = [f"user{i}@example.org" for i in range(2000)]
    for n in (1, 2, 3, 7):
        for email in emails:
            owners = [k for k in range(1, n + 1) if shard_of(email, (k, n))]
            assert len(owners) == 1
            assert shard_of(email.upper(), (owners[0], n))
    sizes = [sum(shard_of(e, (k, 4)) for e in emails) for k in range(1, 5)]
    assert min(sizes) > 400  # spread evenly enough that no host gets nearly everything


def test_shards_are_disjoint_cover_the_list_and_keep_their_own_ledgers(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """Sending shards 1/3, 2/3 and 3/3 delivers every active subscriber exactly once;
    each shard writes only its own ledger file, which holds exactly its recipients."""
    gone = ["left@example.com", "LEFT2@example.com"]
    _write_list(folder, EMAILS, gone)
    per_shard: dict[int, set[str]] = {}
    for k in range(1, N + 1):
        before = len(smtp_server.messages)
        assert _send(folder, smtp_server, "--shard", f"{k}/{N}") == 0
        received = [r for m in smtp_server.messages[before:] for r in m.rcpt_tos]
        assert len(received) == len(set(received))
        per_shard[k] = set(received)
        ledger = folder / ".newsletter" / f"ledger-{k}-of-{N}.sqlite3"
        assert ledger.exists()
        assert _delivered(ledger) == per_shard[k]
        assert per_shard[k] == {e for e in EMAILS if shard_of(e, (k, N))}
    for a in per_shard:
        for b in per_shard:
            if a < b:
                assert not per_shard[a] & per_shard[b]
    assert set().union(*per_shard.values()) == set(EMAILS)
    assert all(per_shard.values())  # forty addresses: no shard is empty
    assert len(smtp_server.messages) == len(EMAILS)
    unsharded = folder / ".newsletter" / "ledger.sqlite3"
    assert not unsharded.exists() or not _delivered(unsharded)


def test_a_shard_run_again_sends_nothing_and_status_reads_its_ledger(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """A shard's second run finds its deliveries in its own ledger; the other shards are
    untouched, and `status --shard` counts only that shard's subscribers."""
    _write_list(folder, EMAILS)
    assert _send(folder, smtp_server, "--shard", "2/3") == 0
    first = len(smtp_server.messages)
    assert _send(folder, smtp_server, "--shard", "2/3") == 0
    assert len(smtp_server.messages) == first
    mine = {e for e in EMAILS if shard_of(e, (2, N))}
    shown = run_cli("-C", str(folder), "status", "--shard", "2/3", "--json")
    counts = json.loads(shown.stdout)["counts"]
    assert counts["delivered"] == len(mine)
    assert counts["pending"] == 0
    other = run_cli("-C", str(folder), "status", "--shard", "1/3", "--json")
    assert json.loads(other.stdout)["counts"]["delivered"] == 0
    assert json.loads(other.stdout)["counts"]["pending"] == sum(shard_of(e, (1, N)) for e in EMAILS)


@pytest.mark.parametrize("bad", ["0/3", "4/3", "3", "a/b"])
def test_a_bad_shard_is_refused_before_anything_is_sent(
    folder: Path, smtp_server: SmtpServer, bad: str
) -> None:
    """`--shard` takes K/N with 1 ≤ K ≤ N; anything else exits 2 and sends nothing."""
    _write_list(folder, EMAILS)
    done = run_cli("-C", str(folder), "send", "--smtp-url", smtp_server.url, "--shard", bad)
    assert done.returncode == 2
    assert b"--shard" in done.stderr
    assert smtp_server.messages == []


def _relays(folder: Path, urls: list[str]) -> None:
    config = folder / "newsletter.yaml"
    text = config.read_text(encoding="utf-8")
    start = text.index("\nsmtp:\n") + len("\nsmtp:\n")
    end = text.index("\n", start)
    config.write_text(text[:start] + f"  urls: [{', '.join(urls)}]" + text[end:], encoding="utf-8")


def test_several_relays_share_the_connections_and_stand_in_for_each_other(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """With `smtp.urls` naming two relays, the connections take them in turn and both
    receive mail; with a third relay down, its connections fall back on the others and
    everybody is still delivered once."""
    _write_list(folder, EMAILS)
    other = RecordingHandler()
    port = free_port()
    controller = Controller(other, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        second = f"smtp://127.0.0.1:{port}"
        _relays(folder, [smtp_server.url, second])
        done = run_cli("-C", str(folder), "send", "--rate", "0", "--concurrency", "4")
        assert done.returncode == 0, done.stderr.decode()
        first_got = [r for m in smtp_server.messages for r in m.rcpt_tos]
        second_got = [r for m in other.messages for r in m.rcpt_tos]
        assert first_got and second_got
        assert sorted(first_got + second_got) == sorted(EMAILS)

        for path in (folder / ".newsletter").glob("ledger*"):
            path.unlink()
        smtp_server.messages.clear()
        other.messages.clear()
        down = f"smtp://127.0.0.1:{free_port()}"
        _relays(folder, [down, smtp_server.url, second])
        done = run_cli("-C", str(folder), "send", "--rate", "0", "--concurrency", "3")
        assert done.returncode == 0, done.stderr.decode()
        got = [r for m in smtp_server.messages + other.messages for r in m.rcpt_tos]
        assert sorted(got) == sorted(EMAILS)
    finally:
        controller.stop()
