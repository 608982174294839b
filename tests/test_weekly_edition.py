"""The weekly edition: readers with `frequency: weekly` get one message a week, on the weekly day."""

from __future__ import annotations

import json
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.config import load_config
from newsletter.weekly import WEEKDAYS
from tests.conftest import SmtpServer

WEEKLY_READER = "ken@example.net"


def set_up(folder: Path, weekly_today: bool) -> None:
    """Ken reads weekly; the weekly day is today, or another day."""
    path = folder / "subscribers.yaml"
    path.write_text(
        path.read_text().replace(
            "    format: text                # a text-only copy\n",
            "    format: text                # a text-only copy\n    frequency: weekly\n",
        )
    )
    config = load_config(folder / "newsletter.yaml")
    today = datetime.now(config.timezone).weekday()
    day = WEEKDAYS[today if weekly_today else (today + 3) % 7]
    text = (folder / "newsletter.yaml").read_text()
    if "\ndigest:\n" in text:
        text = text.replace("\ndigest:\n", f"\ndigest:\n  weekly_day: {day}\n")
    else:
        text += f"digest:\n  weekly_day: {day}\n"
    (folder / "newsletter.yaml").write_text(text)


def run(folder: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(folder), *args])
    return result.exit_code, result.output


def subjects(smtp: SmtpServer) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for received in smtp.messages:
        message = message_from_bytes(received.data, policy=policy.default)
        for rcpt in received.rcpt_tos:
            out.setdefault(rcpt, []).append(str(message["Subject"]))
    return out


def test_on_the_weekly_day_each_reader_gets_their_edition_once(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """On the weekly day one `send` sends the daily issue to daily readers and the weekly
    edition (its own subject and number) to weekly readers, in their format; a second
    send sends nothing; `status --edition weekly` reports the weekly one."""
    set_up(folder, weekly_today=True)
    code, output = run(folder, "send", "--smtp-url", smtp_server.url)
    assert code == 0, output
    assert "Sent weekly edition 1 of" in output
    got = subjects(smtp_server)
    assert len(got[WEEKLY_READER]) == 1 and " weekly #1: " in got[WEEKLY_READER][0]
    assert len(got["ada@example.com"]) == 1 and "weekly" not in got["ada@example.com"][0]
    (weekly,) = [m for m in smtp_server.messages if WEEKLY_READER in m.rcpt_tos]
    assert message_from_bytes(weekly.data, policy=policy.default).get_content_type() == "text/plain"
    before = len(smtp_server.messages)
    code, output = run(folder, "send", "--smtp-url", smtp_server.url)
    assert code == 0 and len(smtp_server.messages) == before
    code, output = run(folder, "status", "--edition", "weekly", "--json")
    assert code == 0, output
    assert json.loads(output)["counts"]["delivered"] == 1


def test_on_other_days_weekly_readers_get_nothing(folder: Path, smtp_server: SmtpServer) -> None:
    """A daily send on another day leaves the weekly readers out; daily readers are not
    affected."""
    set_up(folder, weekly_today=False)
    code, output = run(folder, "send", "--smtp-url", smtp_server.url)
    assert code == 0, output
    got = subjects(smtp_server)
    assert WEEKLY_READER not in got and len(got["ada@example.com"]) == 1
    code, output = run(folder, "build", "--edition", "weekly")
    assert code == 0 and " weekly #1: " in output
