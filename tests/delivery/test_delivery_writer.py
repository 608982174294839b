"""Long runs commit their delivery records from a process of their own
(newsletter/delivery/writer.py): the records must be exactly as durable and complete as
when committed on the sending loop, and a writer that fails or dies must stop the run
with a message naming the ledger, never hang it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsletter import send as send_module
from newsletter.delivery.ledger import Ledger, Record, State
from newsletter.delivery.writer import LedgerWriter
from newsletter.errors import DeliveryError
from tests.delivery.conftest import emails, ledger, send, send_here, write_subscribers
from tests.delivery.faulty import FaultyServer

DAY = date(2026, 1, 15)


def record(email: str) -> Record:
    return Record(email, State.DELIVERED, 1, 250, "2.0.0 Ok", f"<{email}>", datetime.now(UTC))


@pytest.fixture
def writer_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every real send, however short, commits through the writer process."""
    monkeypatch.setattr(send_module, "WRITER_FROM", 1)


@pytest.mark.usefixtures("writer_always")
def test_a_send_through_the_writer_records_exactly_what_the_server_accepted(
    letter: Path, server: FaultyServer
) -> None:
    """Every recipient the server accepted is in the ledger as delivered, nobody else is,
    and a second run sends nothing."""
    readers = emails(300)
    write_subscribers(letter, readers)
    done = send(letter, server.url)
    assert done.returncode == 0, done.stderr
    rows = ledger(letter)
    assert sorted(server.handler.recipients()) == sorted(readers)
    assert {e for e, r in rows.items() if r.state == "delivered"} == set(readers)
    again = send(letter, server.url)
    assert again.returncode == 0 and len(server.handler.recipients()) == len(readers)


@pytest.mark.usefixtures("writer_always")
def test_a_ledger_the_writer_cannot_write_stops_the_run_with_its_path(
    letter: Path, server: FaultyServer
) -> None:
    """SQLite refusing the rows (here a trigger raising, as a full disk would) ends the run
    with exit 1 and a message naming the ledger file; at most one message per connection
    went out after the failure."""
    write_subscribers(letter, emails(200))
    path = letter / ".newsletter" / "ledger.sqlite3"
    Ledger(path).close()  # the schema, so that the trigger has its table
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON deliveries "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    db.commit()
    db.close()
    done = send(letter, server.url)
    assert done.returncode == 1
    assert f"cannot write the ledger {path}" in done.stderr
    assert "database or disk is full" in done.stderr
    assert len(server.handler.recipients()) <= 2 * 4  # the first batch, then one per connection


def test_records_handed_over_are_committed_when_acknowledged(tmp_path: Path) -> None:
    """`submit` returns only once the row is in the database, read by another connection."""
    path = tmp_path / "ledger.sqlite3"

    async def scenario() -> list[str]:
        writer = await LedgerWriter.start(path, DAY)
        seen = []
        for address in emails(5):
            await writer.submit(record(address))
            db = sqlite3.connect(path)
            seen += [
                e for (e,) in db.execute("SELECT email FROM deliveries WHERE email = ?", (address,))
            ]
            db.close()
        await writer.close()
        return seen

    assert asyncio.run(asyncio.wait_for(scenario(), 20)) == emails(5)


def test_a_writer_that_dies_fails_the_waiting_records_instead_of_hanging(tmp_path: Path) -> None:
    """Killed while records wait, the writer's end is a DeliveryError for each of them and
    for any later one; nothing waits for ever."""
    path = tmp_path / "ledger.sqlite3"

    async def scenario() -> list[BaseException | None]:
        writer = await LedgerWriter.start(path, DAY)
        await writer.submit(record("first@example.com"))
        writer.process.kill()
        await writer.process.wait()
        results = await asyncio.gather(
            *(writer.submit(record(e)) for e in emails(3)), return_exceptions=True
        )
        with pytest.raises(DeliveryError):
            await writer.close()
        return list(results)

    results = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert all(isinstance(r, DeliveryError) for r in results)
    assert "cannot write the ledger" in str(results[0])


def test_a_sender_that_vanishes_still_gets_its_records_committed(tmp_path: Path) -> None:
    """When the sending side goes away without a word (killed outright), the writer
    commits every complete row it was given and exits on its own."""
    path = tmp_path / "ledger.sqlite3"

    async def scenario() -> int:
        writer = await LedgerWriter.start(path, DAY)
        pending = [asyncio.ensure_future(writer.submit(record(a))) for a in emails(50)]
        await asyncio.sleep(0)  # the submits run: rows buffered
        await asyncio.sleep(0)  # the buffer is written to the pipe
        assert writer.process.stdin is not None
        writer.process.stdin.close()  # no close(): as if the sender had been killed
        code = await asyncio.wait_for(writer.process.wait(), 20)
        await asyncio.gather(*pending, return_exceptions=True)
        return code

    assert asyncio.run(scenario()) == 0
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 50
    db.close()


def test_a_writer_that_cannot_open_the_ledger_says_so_at_start(tmp_path: Path) -> None:
    """A ledger the child cannot open is a DeliveryError naming it when the writer starts
    (the send then goes on committing on its own loop)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be")
    path = blocker / "ledger.sqlite3"
    with pytest.raises(DeliveryError, match=f"cannot write the ledger {path}"):
        asyncio.run(asyncio.wait_for(LedgerWriter.start(path, DAY), 20))


def test_the_writer_starts_beside_a_script_named_newsletter_py(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from a directory holding the user's own `newsletter.py` (a cron wrapper, say),
    the writer process still imports this package, not that script."""
    (tmp_path / "newsletter.py").write_text("raise SystemExit('the wrapper ran')\n")
    monkeypatch.chdir(tmp_path)

    async def scenario() -> None:
        writer = await LedgerWriter.start(tmp_path / "ledger.sqlite3", DAY)
        await writer.submit(record("ada@example.com"))
        await writer.close()

    asyncio.run(asyncio.wait_for(scenario(), 20))
    db = sqlite3.connect(tmp_path / "ledger.sqlite3")
    assert db.execute("SELECT email FROM deliveries").fetchall() == [("ada@example.com",)]
    db.close()


@pytest.mark.usefixtures("writer_always")
def test_a_writer_that_cannot_start_leaves_the_commits_to_the_send_and_says_so(
    letter: Path, server: FaultyServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the child process cannot even import the package, the send commits every
    record itself, and its report carries a warning saying so instead of only running
    slower."""
    broken = tmp_path / "broken" / "newsletter"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('this is not the package')\n")
    monkeypatch.setenv("PYTHONPATH", str(broken.parent))  # the child's first place to look
    readers = emails(40)
    write_subscribers(letter, readers)
    report = send_here(letter, server.url)
    assert report.exit_code == 0
    assert sorted(server.handler.recipients()) == readers
    assert {row.state for row in ledger(letter).values()} == {"delivered"}
    assert len(ledger(letter)) == len(readers)
    [warning] = [w for w in report.warnings if "writer process did not start" in w]
    assert "committed its records itself" in warning
