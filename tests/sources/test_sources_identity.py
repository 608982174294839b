"""Article identity and carry-over, through real sends to a real SMTP server:
every article lands in exactly one issue, and nothing is lost when a day is skipped."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import SmtpServer
from tests.sources.helpers import (
    FeedServer,
    Route,
    letter,
    newsletter,
    plain_text,
    recorded,
    rss,
    write_article,
)

MON, TUE, WED = "2026-03-09", "2026-03-10", "2026-03-11"


def send(root: Path, smtp: SmtpServer, day: str, *args: str) -> str:
    """Send the issue of `day`; the text of the message the first reader got."""
    before = len(smtp.messages)
    run = newsletter(root, "send", "--date", day, "--smtp-url", smtp.url, *args)
    assert run.code == 0, run.stderr
    new = smtp.messages[before:]
    assert new, run.stderr
    return plain_text(new[0].data)


def test_first_issue_takes_only_articles_of_its_own_date(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """The very first issue does not sweep up the archive: only articles of its date go in."""
    letter(folder)
    write_article(folder, "old.md", "Library opening hours extended", MON)
    write_article(folder, "new.md", "Tram depot gets a green roof", TUE)
    text = send(folder, smtp_server, TUE)
    assert "Tram depot gets a green roof" in text
    assert "Library opening hours" not in text


def test_a_skipped_day_loses_nothing(folder: Path, smtp_server: SmtpServer) -> None:
    """No issue on Tuesday: Wednesday's issue carries Tuesday's articles, not Monday's again."""
    letter(folder)
    write_article(folder, "mon.md", "Harbour ferry timetable changes", MON)
    assert "Harbour ferry" in send(folder, smtp_server, MON)
    write_article(folder, "tue.md", "Council approves new cycle lanes", TUE)
    write_article(folder, "wed.md", "School roofs get solar panels", WED)
    text = send(folder, smtp_server, WED)
    assert "Council approves new cycle lanes" in text
    assert "School roofs get solar panels" in text
    assert "Harbour ferry" not in text
    assert sorted(recorded(folder).values()) == [MON, WED, WED]


def test_an_article_arriving_after_its_days_issue_goes_into_the_next(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """An article dated Monday that shows up after Monday's issue went out is in Tuesday's."""
    letter(folder)
    write_article(folder, "mon.md", "Harbour ferry timetable changes", MON)
    send(folder, smtp_server, MON)
    write_article(folder, "late.md", "Late news: market hall reopens", MON)
    write_article(folder, "tue.md", "Council approves new cycle lanes", TUE)
    text = send(folder, smtp_server, TUE)
    assert "Late news: market hall reopens" in text
    assert "Council approves new cycle lanes" in text
    assert "Harbour ferry" not in text


def test_an_article_sent_yesterday_is_not_sent_again(
    folder: Path, smtp_server: SmtpServer, feeds: FeedServer
) -> None:
    """Seen again the next day (a file re-saved, a feed re-publishing its entry with a new
    date), an article already sent is not in the next issue."""
    entry = {
        "title": "Bridge repairs finish early",
        "link": "https://city.example.com/bridge",
        "guid": "bridge-1",
        "date": datetime(2026, 3, 9, 8, 0, tzinfo=UTC),
        "html": "<p>The bridge reopened two weeks ahead of schedule after repairs to its deck.</p>",
    }
    feeds.routes["/rss.xml"] = Route(rss("City Desk", [entry]))
    letter(folder, [{"folder": "articles"}, {"feed": feeds.url("/rss.xml")}])
    undated = write_article(folder, "repair-cafe.md", "Repair café fixes forty toasters", None)
    monday_noon = datetime(2026, 3, 9, 12, 0, tzinfo=UTC).timestamp()
    os.utime(undated, (monday_noon, monday_noon))
    text = send(folder, smtp_server, MON)
    assert "Bridge repairs finish early" in text and "Repair café" in text

    republished = {**entry, "date": datetime(2026, 3, 10, 7, 0, tzinfo=UTC)}
    feeds.routes["/rss.xml"] = Route(rss("City Desk", [republished]))
    undated.write_text(undated.read_text())  # re-saved: its file date is now today
    write_article(folder, "tue.md", "Council approves new cycle lanes", TUE)
    text = send(folder, smtp_server, TUE)
    assert "Council approves new cycle lanes" in text
    assert "Bridge repairs" not in text and "Repair café" not in text


def test_dry_run_preview_build_and_test_send_record_nothing(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """Only a real send marks articles as sent: after a build, a preview, a dry run and a
    test send, the ledger holds no article and the real send still carries them all."""
    letter(folder)
    write_article(folder, "mon.md", "Harbour ferry timetable changes", MON)
    send(folder, smtp_server, MON)
    write_article(folder, "tue.md", "Council approves new cycle lanes", TUE)
    before = recorded(folder)
    assert newsletter(folder, "build", "--date", TUE).code == 0
    assert newsletter(folder, "preview", "--date", TUE, "--format", "text").code == 0
    assert newsletter(folder, "send", "--date", TUE, "--dry-run").code == 0
    test = newsletter(
        folder, "send", "--date", TUE, "--to", "me@example.com", "--smtp-url", smtp_server.url
    )
    assert test.code == 0, test.stderr
    assert "Council approves new cycle lanes" in plain_text(smtp_server.messages[-1].data)
    assert recorded(folder) == before
    assert "Council approves new cycle lanes" in send(folder, smtp_server, TUE)
    assert sorted(recorded(folder).values()) == [MON, TUE]


def test_a_resumed_send_rebuilds_the_issue_as_first_sent(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """A send resumed after a failure gives the remaining readers the issue the others got,
    even when the articles changed meanwhile; the new article waits for the next issue."""
    letter(folder)
    (folder / "subscribers.yaml").write_text(
        "subscribers:\n  - email: first@example.com\n  - email: second@example.com\n"
    )
    smtp_server.handler.answers["second@example.com"] = "451 4.3.0 try again later"
    write_article(folder, "a.md", "Harbour ferry timetable changes", MON)
    write_article(folder, "b.md", "Council approves new cycle lanes", MON)
    first = newsletter(folder, "send", "--date", MON, "--smtp-url", smtp_server.url)
    assert first.code == 1  # second@ deferred
    got_first = plain_text(smtp_server.messages[0].data)

    (folder / "articles" / "b.md").unlink()
    write_article(folder, "c.md", "Night buses return to the ring road", MON)
    del smtp_server.handler.answers["second@example.com"]
    resumed = newsletter(folder, "send", "--date", MON, "--smtp-url", smtp_server.url)
    assert resumed.code == 0, resumed.stderr
    assert len(smtp_server.messages) == 2
    got_second = plain_text(smtp_server.messages[1].data)
    for title in ("Harbour ferry timetable changes", "Council approves new cycle lanes"):
        assert title in got_first and title in got_second
    assert "Night buses" not in got_second
    assert "Night buses return to the ring road" in send(folder, smtp_server, TUE)


def test_the_same_article_from_two_sources_lands_in_one_issue(
    folder: Path, smtp_server: SmtpServer, feeds: FeedServer
) -> None:
    """A feed entry sent on Monday and a folder copy of it (same link) dated Tuesday:
    Tuesday's issue does not carry it again."""
    entry = {
        "title": "Bridge repairs finish early",
        "link": "http://city.example.com/bridge/?utm_source=feed",
        "guid": "tag:city.example.com,2026:bridge",
        "date": datetime(2026, 3, 9, 8, 0, tzinfo=UTC),
        "html": "<p>The bridge reopened two weeks ahead of schedule after repairs to its deck.</p>",
    }
    feeds.routes["/rss.xml"] = Route(rss("City Desk", [entry]))
    letter(folder, [{"folder": "articles"}, {"feed": feeds.url("/rss.xml")}])
    assert "Bridge repairs finish early" in send(folder, smtp_server, MON)
    write_article(
        folder,
        "bridge.md",
        "Bridge reopens ahead of schedule",
        TUE,
        url="https://city.example.com/bridge",
    )
    write_article(folder, "tue.md", "Council approves new cycle lanes", TUE)
    text = send(folder, smtp_server, TUE)
    assert "Bridge" not in text


def test_sending_the_same_date_twice_sends_nothing_new(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """Running the send again for a date already delivered sends no message and records
    no article a second time."""
    letter(folder)
    write_article(folder, "mon.md", "Harbour ferry timetable changes", MON)
    send(folder, smtp_server, MON)
    again = newsletter(folder, "send", "--date", MON, "--smtp-url", smtp_server.url)
    assert again.code == 0, again.stderr
    assert len(smtp_server.messages) == 1
    assert list(recorded(folder).values()) == [MON]


def test_issue_numbers_count_on_across_shards(folder: Path, smtp_server: SmtpServer) -> None:
    """A list sent in shards (one ledger each) still numbers its issues 1, 2, … and the
    second shard sends the issue the first one recorded."""
    letter(folder)
    (folder / "subscribers.yaml").write_text(
        "subscribers:\n" + "".join(f"  - email: r{n}@example.com\n" for n in range(6))
    )
    write_article(folder, "mon.md", "Harbour ferry timetable changes", MON)
    for shard in ("1/2", "2/2"):
        run = newsletter(
            folder, "send", "--date", MON, "--shard", shard, "--smtp-url", smtp_server.url
        )
        assert run.code == 0, run.stderr
    write_article(folder, "tue.md", "Council approves new cycle lanes", TUE)
    tuesday = newsletter(folder, "build", "--date", TUE, "--format", "json")
    data = json.loads(tuesday.stdout)
    assert data["number"] == 2
    assert [i["title"] for i in data["items"]] == ["Council approves new cycle lanes"]
    assert len(smtp_server.messages) == 6
    assert all("Harbour ferry" in plain_text(m.data) for m in smtp_server.messages)
