"""Reports read back into subscribers.yaml: the rules, the proofs, and reading twice."""

from __future__ import annotations

import mailbox
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import cli
from tests.bounces.helpers import fill, fixture, status_of


def _process(folder: Path, *args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(folder), "bounces", "process", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_a_hard_bounce_on_stdin_marks_the_reader_bounced_and_nothing_else(folder: Path) -> None:
    """`bounces process --from-mail` with a Postfix 550 5.1.1 makes that reader `bounced`
    with a comment giving the date and the reason, exits 0, and leaves every other byte
    of subscribers.yaml as it was."""
    before = (folder / "subscribers.yaml").read_text()
    code, out, _ = _process(folder, "--from-mail", input=fixture(folder, "postfix-hard.eml"))
    assert code == 0, out
    assert "ada@example.com issue 2026-12-01 5.1.1 (Postfix): bounced" in out
    after = (folder / "subscribers.yaml").read_text()
    note = (
        f"  # bounced {datetime.now(UTC).date()}: 5.1.1 550 5.1.1 <ada@example.com>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )
    assert after == before.replace(
        "    joined: 2026-01-15\n", f"    joined: 2026-01-15\n    status: bounced{note}\n", 1
    )


def test_a_forged_token_or_a_stranger_changes_nothing(folder: Path) -> None:
    """A bounce whose VERP token has one letter changed, or whose token is for an address
    not on the list, is refused with a line saying so, exits 0, and changes no file."""
    before = (folder / "subscribers.yaml").read_text()
    good = fixture(folder, "postfix-hard.eml").decode()
    from tests.bounces.helpers import verp_address

    address = verp_address(folder, "ada@example.com")
    forged = address.replace("+20261201", "+20261201"[:-1] + "2", 1)
    stranger = verp_address(folder, "stranger@example.com")
    for data in (good.replace(address, forged), good.replace(address, stranger)):
        # the returned List-Unsubscribe would still prove Ada: take it out too
        data = "\r\n".join(ln for ln in data.split("\r\n") if "unsubscribe/" not in ln)
        code, out, _ = _process(folder, "--from-mail", input=data.encode())
        assert code == 0
        assert "refused:" in out
    assert (folder / "subscribers.yaml").read_text() == before


def test_a_bounce_naming_an_address_without_a_token_changes_nothing(folder: Path) -> None:
    """A DSN that names a reader's address but carries no signed token (anyone can write
    one) is refused: an address alone is never proof."""
    data = fixture(folder, "postfix-hard.eml").decode()
    from tests.bounces.helpers import verp_address

    data = data.replace(verp_address(folder, "ada@example.com"), "bounces@news.example.com")
    data = "\r\n".join(ln for ln in data.split("\r\n") if "unsubscribe/" not in ln)
    code, out, _ = _process(folder, "--from-mail", input=data.encode())
    assert code == 0 and "refused: no signed token" in out
    assert status_of(folder, "ada@example.com") == "active"


def test_soft_bounces_count_one_per_issue_and_three_make_bounced(folder: Path) -> None:
    """Soft bounces are counted once per issue (a repeated warning adds nothing); the
    third issue within 15 days makes the reader bounced."""
    text = (Path(__file__).parent / "fixtures" / "postfix-delayed.eml").read_text()
    outs = []
    for day in (date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)):
        data = fill(folder, text.replace("12:02:11", f"12:0{day.day}:1{len(outs)}"), day)
        outs.append(_process(folder, "--from-mail", input=data)[1])
        if day.day < 3:
            assert status_of(folder, "grace@example.org") == "active"
    assert "soft bounce 1 of 3" in outs[0] and "soft bounce 1 of 3" in outs[1]
    assert "soft bounce 2 of 3" in outs[2]
    assert "bounced: 3 soft bounces within 15 days" in outs[3]
    assert status_of(folder, "grace@example.org") == "bounced"


def test_a_complaint_proven_by_the_returned_unsubscribe_token(folder: Path) -> None:
    """An ARF abuse report whose original went out without VERP (fixed Return-Path) is
    still tied to its reader by the List-Unsubscribe token in the returned headers; the
    reader becomes `complained`."""
    code, out, _ = _process(folder, "--from-mail", input=fixture(folder, "arf-no-verp.eml"))
    assert code == 0 and "complaint" in out and "ken@example.net" in out
    assert status_of(folder, "ken@example.net") == "complained"


def test_auto_replies_and_other_mail_are_ignored(folder: Path) -> None:
    """An out-of-office reply to the VERP address and an ordinary letter change nobody."""
    before = (folder / "subscribers.yaml").read_text()
    for name in ("auto-reply.eml", "not-a-bounce.eml"):
        code, out, _ = _process(folder, "--from-mail", input=fixture(folder, name))
        assert code == 0 and "ignored" in out
    assert (folder / "subscribers.yaml").read_text() == before


def test_a_maildir_is_read_once_and_its_messages_moved(folder: Path, tmp_path: Path) -> None:
    """`--maildir` reads new/ and cur/, applies each report, and moves it into the
    Maildir's .processed folder; a copy put back is recognised and applied no second time."""
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name in ("exim-hard.eml", "qmail-hard.eml", "arf-abuse.eml", "not-a-bounce.eml"):
        box.add(fixture(folder, name))
    code, _, err = _process(folder, "--maildir", str(tmp_path / "Maildir"))
    assert code == 0, err
    assert status_of(folder, "ken@example.net") == "bounced"
    assert status_of(folder, "ada@example.com") == "bounced"
    assert status_of(folder, "margaret@example.com") == "complained"
    assert not list((tmp_path / "Maildir" / "new").iterdir())
    assert len(list((tmp_path / "Maildir" / ".processed" / "cur").iterdir())) == 4
    box.add(fixture(folder, "exim-hard.eml"))
    _, again, _ = _process(folder, "--maildir", str(tmp_path / "Maildir"))
    assert "[read before]" in again


def test_an_mbox_is_read_and_listed(folder: Path, tmp_path: Path) -> None:
    """`--mbox` reads every message; `bounces list` then shows each event and what it did,
    and `status --json` counts them for the issue."""
    import json

    box = mailbox.mbox(tmp_path / "bounces.mbox")
    for name in ("gmail-hard.eml", "microsoft365-hard.eml", "mailbox-full.eml"):
        box.add(fixture(folder, name))
    box.close()
    code, _, err = _process(folder, "--mbox", str(tmp_path / "bounces.mbox"))
    assert code == 0, err
    listed = CliRunner().invoke(cli, ["-C", str(folder), "bounces", "list", "--json"])
    events = json.loads(listed.stdout)
    assert {(e["email"], e["kind"]) for e in events} == {
        ("grace@example.org", "hard"),
        ("ken@example.net", "hard"),
        ("ken@example.net", "soft"),
    }
    status = CliRunner().invoke(
        cli, ["-C", str(folder), "status", "--date", "2026-12-01", "--json"]
    )
    counts = json.loads(status.stdout)["bounces"]
    assert counts == {"bounced": 2, "soft_bounced": 1, "complained": 0}


def test_a_run_killed_after_recording_applies_on_the_next(folder: Path) -> None:
    """An event recorded but not applied (the process died between the two) is applied
    when the same report is read again: nothing lost, nothing counted twice."""
    from newsletter.bounces.intake import Intake
    from newsletter.bounces.report import read_report
    from newsletter.folder import locate

    data = fixture(folder, "postfix-hard.eml")
    intake = Intake.open(locate(folder))
    key = "sha256:" + __import__("hashlib").sha256(data).hexdigest()
    finding = read_report(data, intake.config.bounce_address)
    intake.store.add(intake._event(finding, key, "stdin"))  # recorded, then "killed"
    intake.close()
    assert status_of(folder, "ada@example.com") == "active"
    code, out, _ = _process(folder, "--from-mail", input=data)
    assert code == 0 and ": bounced" in out and "[read before]" not in out
    assert status_of(folder, "ada@example.com") == "bounced"
    _, again, _ = _process(folder, "--from-mail", input=data)
    assert "[read before]" in again


def test_a_broken_subscriber_file_asks_the_mail_server_to_try_later(folder: Path) -> None:
    """--from-mail exits 75 (EX_TEMPFAIL) when the folder cannot be read, so the mail
    server keeps the bounce and offers it again, instead of losing it."""
    (folder / "subscribers.yaml").write_text("subscribers: [\n")
    code, _, err = _process(folder, "--from-mail", input=fixture(folder, "postfix-hard.eml"))
    assert code == 75
    assert "Error:" in err and "Traceback" not in err


def _soft_at(folder: Path, when: datetime, day: date, text: str) -> str:
    from newsletter.bounces.intake import Intake
    from newsletter.folder import locate

    intake = Intake.open(locate(folder), now=when)
    try:
        return intake.handle(fill(folder, text, day), "test").event.outcome
    finally:
        intake.close()


def test_soft_bounces_outside_the_window_or_before_a_delivery_do_not_count(
    folder: Path,
) -> None:
    """Soft bounces 20 days apart never reach 3 within 15 days; a delivery report in
    between starts the count again."""
    text = (Path(__file__).parent / "fixtures" / "postfix-delayed.eml").read_text()
    start = datetime(2026, 11, 1, 8, tzinfo=UTC)
    outcomes = [
        _soft_at(
            folder, start + timedelta(days=20 * i), date(2026, 11, 1) + timedelta(days=20 * i), text
        )
        for i in range(3)
    ]
    assert outcomes == ["soft bounce 1 of 3"] * 3
    assert status_of(folder, "grace@example.org") == "active"
    later = start + timedelta(days=60)
    for i in range(2):
        day = later.date() + timedelta(days=i)
        assert (
            _soft_at(folder, later + timedelta(hours=i), day, text) == f"soft bounce {i + 1} of 3"
        )
    delivered = text.replace("Action: delayed", "Action: delivered").replace(
        "Status: 4.7.1", "Status: 2.0.0"
    )
    assert "delivered" in _soft_at(folder, later + timedelta(hours=3), later.date(), delivered)
    day = later.date() + timedelta(days=3)
    assert _soft_at(folder, later + timedelta(hours=4), day, text) == "soft bounce 1 of 3"


def test_a_50_mb_message_on_stdin_is_ignored(folder: Path) -> None:
    """A 50 MB message piped in is read to its end (the mail server is not left writing to
    a closed pipe), ignored as no bounce, and changes nothing."""
    before = (folder / "subscribers.yaml").read_text()
    data = b"Subject: big\r\n\r\n" + b"x" * 50_000_000
    code, out, _ = _process(folder, "--from-mail", input=data)
    assert code == 0 and "ignored" in out and "larger than 5 MB" in out
    assert (folder / "subscribers.yaml").read_text() == before


def test_the_note_goes_when_the_reader_is_resubscribed_and_own_comments_stay(
    folder: Path,
) -> None:
    """`subscribers resubscribe` after a bounce takes the bounce note away with the
    status; a reader's own comment on a status line is never replaced by a note."""
    before = (folder / "subscribers.yaml").read_text()
    _process(folder, "--from-mail", input=fixture(folder, "postfix-hard.eml"))
    assert "# bounced " in (folder / "subscribers.yaml").read_text()
    result = CliRunner().invoke(
        cli, ["-C", str(folder), "subscribers", "resubscribe", "ada@example.com"]
    )
    assert result.exit_code == 0, result.output
    text = (folder / "subscribers.yaml").read_text()
    assert "# bounced " not in text
    assert text == before.replace(
        "    joined: 2026-01-15\n", "    joined: 2026-01-15\n    status: active\n", 1
    )

    from newsletter.model import Status
    from newsletter.subscribers import set_status

    set_status(folder / "subscribers.yaml", "linus@example.org", Status.BOUNCED, note="bounced x")
    assert "status: bounced        # never receives\n" in (folder / "subscribers.yaml").read_text()
