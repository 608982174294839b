"""A dry run changes nothing anywhere: no ledger, no archive, no lock, no message."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.delivery.conftest import send
from tests.delivery.faulty import FaultyServer


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every file and folder under `root`: modification time and content digest."""
    tree: dict[str, tuple[int, str]] = {}
    for path in sorted(root.rglob("*")):
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        tree[str(path.relative_to(root))] = (stat.st_mtime_ns, digest)
    return tree


def test_a_dry_run_of_a_fresh_folder_changes_nothing(letter: Path, server: FaultyServer) -> None:
    """Nothing is created or touched (no .newsletter/ at all) and the server hears nothing."""
    before = snapshot(letter)
    result = send(letter, server.url, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Would send" in result.stderr and "would send: 20" in result.stderr
    assert snapshot(letter) == before
    assert not (letter / ".newsletter").exists()
    assert server.handler.connections == 0


def test_a_dry_run_without_any_unsubscribe_secret_creates_none(
    letter: Path, server: FaultyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even the unsubscribe secret, normally made on first use, is not written by a dry run."""
    monkeypatch.delenv("NEWSLETTER_SECRET")
    before = snapshot(letter)
    result = send(letter, server.url, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert snapshot(letter) == before


def test_a_dry_run_after_a_real_one_leaves_the_ledger_untouched(
    letter: Path, server: FaultyServer
) -> None:
    """With a ledger in place, a dry run reads it (to say who would be skipped) and writes
    nothing: not the database, not its WAL files, not the archive, not the lock."""
    assert send(letter, server.url).returncode == 0
    before = snapshot(letter)
    result = send(letter, server.url, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "skipped:  20 already delivered" in result.stderr
    assert snapshot(letter) == before
    assert len(server.handler.accepted) == 20
