"""A reader's whole journey, through a real `newsletter serve` (uvicorn), a real HTTP client,
the real `send` command and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from served import Site, serving
from test_signup import confirm_link, mail_to, reader, text_of

from newsletter.cli import cli
from newsletter.config import load_config
from newsletter.folder import locate
from newsletter.model import Status
from newsletter.subscribers import load
from newsletter.weekly import WEEKDAYS
from tests.conftest import SmtpServer

READER = "journey@example.org"
OTHER_WEEKLY = "ken@example.net"  # a sample reader, made weekly: the weekly send is not empty


@pytest.fixture
def journey_site(
    folder: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    """The sample folder, its weekly day today and Ken reading weekly, served by uvicorn,
    its mail going to the aiosmtpd server."""
    config = load_config(folder / "newsletter.yaml")
    day = WEEKDAYS[datetime.now(config.timezone).weekday()]
    text = (folder / "newsletter.yaml").read_text()
    if "\ndigest:\n" in text:
        text = text.replace("\ndigest:\n", f"\ndigest:\n  weekly_day: {day}\n")
    else:
        text += f"digest:\n  weekly_day: {day}\n"
    (folder / "newsletter.yaml").write_text(text)
    subscribers = folder / "subscribers.yaml"
    subscribers.write_text(
        subscribers.read_text().replace(
            "    format: text                # a text-only copy\n",
            "    format: text                # a text-only copy\n    frequency: weekly\n",
        )
    )
    monkeypatch.setenv("NEWSLETTER_SMTP_URL", smtp_server.url)
    with serving(locate(folder)) as running:
        yield running


def send(site: Site, *args: str) -> None:
    """The real `newsletter send` command, as the editor's cron runs it."""
    result = CliRunner().invoke(cli, ["-C", str(site.folder.root), "send", "--allow-empty", *args])
    assert result.exit_code == 0, result.output


def path_of(url: str) -> str:
    """The path of a link in a message (the message names the public site, the test
    server is on loopback)."""
    return urlsplit(url).path


def test_a_reader_finds_the_form_confirms_reads_changes_and_leaves(
    journey_site: Site, smtp_server: SmtpServer
) -> None:
    """Form -> confirmation mail -> GET shows a button, POST confirms -> the next daily
    issue arrives -> the preferences link of that issue switches to weekly and plain text
    -> on the weekly day the weekly edition arrives as plain text and no daily issue ->
    one-click unsubscribe through the List-Unsubscribe header of that message -> the next
    send (both editions) sends the reader nothing."""
    site = journey_site
    today = datetime.now(site.config.timezone).date()
    with site.client() as client:
        form = client.get("/subscribe")
        assert form.status_code == 200 and 'name="email"' in form.text
        answer = client.post("/subscribe", data={"email": READER, "name": "Jo Urney"})
        assert answer.status_code == 200 and "Check your inbox" in answer.text

        (confirmation,) = mail_to(smtp_server, READER)
        link = confirm_link(confirmation)
        assert '<form method="post">' in client.get(link).text
        assert reader(site, READER).status is Status.PENDING  # type: ignore[union-attr]
        assert "You are subscribed" in client.post(link).text
        assert reader(site, READER).status is Status.ACTIVE  # type: ignore[union-attr]
        mail_to(smtp_server, READER, 2)  # the welcome message

        # The next daily issue (yesterday's: not the weekly day).
        send(site, "--date", "yesterday")
        got = mail_to(smtp_server, READER, 3)
        assert len(got) == 3
        daily = got[2]
        assert "weekly" not in str(daily["Subject"])
        assert daily.get_body(preferencelist=("html",)) is not None  # HTML, as signed up

        found = re.search(r"https?://\S+/preferences/[^\s\"'<>]+", text_of(daily))
        assert found, text_of(daily)
        preferences = path_of(found[0])
        page = client.get(preferences)
        assert page.status_code == 200 and 'value="daily" checked' in page.text
        saved = client.post(
            preferences,
            data={"action": "save", "name": "Jo Urney", "format": "text", "frequency": "weekly"},
        )
        assert saved.status_code == 200 and "Saved" in saved.text

        # A week ago was the weekly day too: its send brings the weekly edition, as text.
        send(site, "--date", (today - timedelta(days=7)).isoformat())
        got = mail_to(smtp_server, READER, 4)
        assert len(got) == 4
        weekly = got[3]
        assert " weekly #" in str(weekly["Subject"])
        assert weekly.get_content_type() == "text/plain"
        assert len(mail_to(smtp_server, READER, 5, timeout=0.2)) == 4  # no daily issue

        header = str(weekly["List-Unsubscribe"])
        unsubscribe = re.search(r"<(https?://[^>]+)>", header)
        assert unsubscribe, header
        assert weekly["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        left = client.post(path_of(unsubscribe[1]), data={"List-Unsubscribe": "One-Click"})
        assert left.status_code == 200
        assert reader(site, READER).status is Status.UNSUBSCRIBED  # type: ignore[union-attr]

    # Today is the weekly day: both editions go out, to everyone but the reader who left.
    before = len(mail_to(smtp_server, OTHER_WEEKLY, 1))
    send(site)
    assert len(mail_to(smtp_server, OTHER_WEEKLY, before + 1)) == before + 1
    assert len(mail_to(smtp_server, READER, 5, timeout=0.2)) == 4
    site.folded()
    (left_entry,) = [s for s in load(site.folder.subscribers_path) if s.email == READER]
    assert left_entry.status is Status.UNSUBSCRIBED and left_entry.format.value == "text"
    assert left_entry.fields["consent_how"].startswith("double opt-in")
