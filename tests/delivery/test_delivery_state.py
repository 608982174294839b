"""The state of a send under attack: its lock and ledger removed while it runs, a ledger
that is damaged, read-only or on a full disk. Each ends with one `Error:` line naming the
file, never a traceback, and never with two sends at once."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.delivery.conftest import (
    DAY,
    Ran,
    cli,
    configure,
    emails,
    run,
    send,
    spawn_send,
    status,
    write_subscribers,
)
from tests.delivery.crash import delivered
from tests.delivery.faulty import Fault, FaultyServer
from tests.delivery.test_delivery_stop import wait_for


def test_removing_the_state_of_a_running_send_stops_it_and_no_second_send_runs_beside_it(
    letter: Path, server: FaultyServer
) -> None:
    """`rm -r .newsletter` under a send whose connections are all waiting on the server: a
    second send started meanwhile is refused (exit 2) and sends nothing; the first, once
    the server answers, delivers only the messages already on their way and stops with an
    error naming its ledger or lock, instead of sending on to a record nobody reads."""
    readers = emails(200)
    write_subscribers(letter, readers)
    configure(letter, timeout=30)
    for address in readers[10:]:
        server.handler.rule(address, Fault("rcpt", action="hold"))
    first = spawn_send(letter, server.url)
    try:
        wait_for(lambda: sum(server.handler.attempts.values()) >= 14)  # all four held
        delivered = len(server.handler.accepted)
        assert delivered == 10
        shutil.rmtree(letter / ".newsletter")
        second = run(letter, "send", "--date", DAY, "--smtp-url", server.url, timeout=30)
        assert second.returncode == 2, second.stderr
        assert second.stderr.startswith("Error:") and "is busy" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        server.handler.gate.set()
        _, err = first.communicate(timeout=30)
    assert first.returncode == 1, err
    assert "Error:" in err and "removed" in err and ".newsletter" in err, err
    assert "Traceback" not in err
    accepted = server.handler.recipients()
    assert len(accepted) <= delivered + 4  # the messages already on their way, no more
    assert len(accepted) == len(set(accepted))


@pytest.mark.parametrize("count", [200, 600], ids=["committed on the loop", "by the writer"])
def test_a_send_notices_its_ledger_gone_at_the_next_commit(
    letter: Path, server: FaultyServer, count: int
) -> None:
    """A send going at full pace stops within one message per connection of its state
    being removed, whether it commits its records itself or through the writer process."""
    write_subscribers(letter, emails(count))
    first = spawn_send(letter, server.url, "--rate", "40")
    try:
        wait_for(lambda: len(server.handler.accepted) >= 5 or first.poll() is not None)
        assert first.poll() is None
        before = len(server.handler.accepted)
        shutil.rmtree(letter / ".newsletter")
        _, err = first.communicate(timeout=20)
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGKILL)
            first.wait()
    assert first.returncode == 1, err
    assert "removed" in err and "Traceback" not in err, err
    time.sleep(0.2)
    assert len(server.handler.accepted) <= before + 4 + 1


@contextlib.contextmanager
def tiny_disk(path: Path, kilobytes: int, free: int) -> Iterator[Path]:
    """A tmpfs of `kilobytes` mounted at `path` (an empty folder), filled up to leave
    `free` KB; skips where mounting is not allowed (it needs root, as CI runs)."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs for a full disk: {done.stderr.strip()}")
    try:
        with (path / "filler").open("wb") as f, contextlib.suppress(OSError):
            f.write(bytes((kilobytes - free) * 1024))
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[Path]:
    """`path` made immutable (`chattr +i`): even root cannot write it, as a read-only file
    system would behave; skips where the file system has no such attribute."""
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr not installed (e2fsprogs): cannot make a file read-only for root")
    done = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i not supported here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def one_error(result: Ran, names: str) -> None:
    """One `Error:` line naming `names`, no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and names in errors[0], result.stderr


@pytest.mark.parametrize("free", [0, 24, 160, 400])
def test_a_full_disk_at_any_point_of_a_send_gives_one_error_naming_the_file(
    letter: Path, server: FaultyServer, free: int
) -> None:
    """The state folder on a full disk, full from the start or filling up at any point of
    the run: one `Error:` line naming the file that could not be written and saying the
    disk is full, exit 1, never a traceback (nor the end-of-run step's error in place of
    the first one); the ledger never says delivered what the server did not accept, and
    the run is labelled as stopped, not killed."""
    write_subscribers(letter, emails(200))
    with tiny_disk(letter / ".newsletter", 8192, free):
        result = send(letter, server.url)
        assert result.returncode == 1, result.stderr
        one_error(result, str(letter / ".newsletter"))
        assert "full" in result.stderr
        (letter / ".newsletter" / "filler").unlink()
        assert delivered(letter, DAY) <= set(server.handler.recipients())
        if server.handler.accepted:
            _, data = status(letter)
            assert data["last_run"] == "aborted"
        again = send(letter, server.url)  # room again: the rest goes out
        assert again.returncode == 0, again.stderr
    assert set(server.handler.recipients()) == set(emails(200))


def test_a_read_only_ledger_is_named_before_anything_is_sent(
    letter: Path, server: FaultyServer
) -> None:
    """A ledger that cannot be written (immutable): one `Error:` naming it, exit 1,
    nothing sent."""
    assert send(letter, server.url, "--date", "2026-01-14", "--allow-empty").returncode == 0
    path = letter / ".newsletter" / "ledger.sqlite3"
    sent = len(server.handler.accepted)
    with immutable(path):
        result = send(letter, server.url)
    assert result.returncode == 1
    one_error(result, str(path))
    assert "read-only" in result.stderr
    assert len(server.handler.accepted) == sent


@pytest.mark.parametrize("which", ["state folder", "newsletter folder"])
def test_a_read_only_folder_is_named_before_anything_is_sent(
    letter: Path, server: FaultyServer, which: str
) -> None:
    """The state folder, or the newsletter folder that would hold it, cannot be written:
    one `Error:` naming it, exit 1, nothing sent."""
    if which == "state folder":
        target = letter / ".newsletter"
        assert send(letter, server.url, "--date", "2026-01-14", "--allow-empty").returncode == 0
    else:
        target = letter
    sent = len(server.handler.accepted)
    with immutable(target):
        result = send(letter, server.url)
    assert result.returncode == 1
    one_error(result, str(letter / ".newsletter"))
    assert "may not be changed" in result.stderr
    assert len(server.handler.accepted) == sent


def test_subscribers_add_on_a_full_disk_names_the_file_and_changes_nothing(
    tmp_path: Path, letter: Path
) -> None:
    """`subscribers add` with no room for the new file: one `Error:` naming
    subscribers.yaml and saying the disk is full, exit 1, the file as it was."""
    with tiny_disk(tmp_path / "disk", 512, 400):
        copy = tmp_path / "disk" / "letter"
        shutil.copytree(letter, copy)
        with (tmp_path / "disk" / "more").open("wb") as f, contextlib.suppress(OSError):
            f.write(bytes(1024 * 1024))
        before = (copy / "subscribers.yaml").read_bytes()
        result = cli(copy, "subscribers", "add", "new@example.com", "--name", "New Person")
        assert result.returncode == 1
        one_error(result, str(copy / "subscribers.yaml"))
        assert "disk is full" in result.stderr
        assert (copy / "subscribers.yaml").read_bytes() == before
