"""The issue archive and its Atom feed, read from what the sender leaves in .newsletter/archive/."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

from served import Site

from newsletter.web.archive import list_issues

ATOM = "{http://www.w3.org/2005/Atom}"


def archive_issue(directory: Path, day: str, number: int, subject: str, **extra: object) -> bytes:
    """Write an issue as the sender does: the page, then its metadata."""
    directory.mkdir(parents=True, exist_ok=True)
    page = f"<!doctype html><html><body><h1>{number}</h1><p>Ünïcode ✓</p></body></html>"
    (directory / f"{day}.html").write_text(page, encoding="utf-8")
    meta = {
        "date": day,
        "number": number,
        "subject": subject,
        "teaser": f"Teaser of {number}",
        "sent_at": f"{day}T07:00:00+01:00",
        **extra,
    }
    (directory / f"{day}.json").write_text(json.dumps(meta), encoding="utf-8")
    return page.encode("utf-8")


def test_archive_lists_issues_newest_first(site: Site) -> None:
    """/archive/ lists complete issues newest first, escapes subjects, and skips half-written
    or broken entries instead of failing."""
    directory = site.folder.archive_dir
    archive_issue(directory, "2024-06-03", 1, "First <b>issue</b>")
    archive_issue(directory, "2024-06-04", 2, "Second issue")
    (directory / "2024-06-05.json").write_text('{"date": "2024-06-05"}')  # no page yet
    (directory / "2024-06-06.html").write_text("<p>page, no metadata</p>")
    (directory / "2024-06-07.html").write_text("<p>x</p>")
    (directory / "2024-06-07.json").write_text("{not json")
    archive_issue(directory, "2024-06-08", 3, "Wrong date", date="2024-01-01")
    with site.client() as client:
        response = client.get("/archive/")
        assert client.get("/archive").status_code in (307, 308)
        assert client.get("/").headers["location"] == "archive/"
    assert response.status_code == 200
    text = response.text
    assert text.index("Second issue") < text.index("First &lt;b&gt;issue&lt;/b&gt;")
    assert '<a href="2024-06-04">' in text and "<b>issue</b>" not in text
    assert "2024-06-05" not in text and "2024-06-07" not in text and "Wrong date" not in text
    assert 'href="../feed.atom"' in text


def test_issue_page_is_served_verbatim(site: Site) -> None:
    """/archive/YYYY-MM-DD serves the archived page byte for byte as UTF-8 HTML; anything
    else under /archive/ is a 404 that reads no file."""
    page = archive_issue(site.folder.archive_dir, "2024-06-03", 1, "First")
    (site.folder.archive_dir / "2024-06-05.html").write_text("<p>unlisted</p>")
    with site.client() as client:
        response = client.get("/archive/2024-06-03")
        assert response.status_code == 200 and response.content == page
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "script-src" not in response.headers["content-security-policy"]
        for path in (
            "/archive/2024-06-05",
            "/archive/2024-02-30",
            "/archive/2024-06-03.json",
            "/archive/..%2F..%2Fnewsletter.yaml",
            "/archive/%2E%2E",
            "/archive/2024-6-3",
        ):
            assert client.get(path).status_code == 404, path


def test_atom_feed(site: Site) -> None:
    """/feed.atom is well-formed Atom: the newest issue first, absolute links under site_url,
    updated = the latest send time."""
    directory = site.folder.archive_dir
    archive_issue(directory, "2024-06-03", 1, "First & foremost")
    archive_issue(directory, "2024-06-04", 2, "Second")
    with site.client() as client:
        response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == site.config.name
    assert feed.findtext(f"{ATOM}updated") == "2024-06-04T06:00:00Z"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Second", "First & foremost"]
    link = entries[1].find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == f"{site.config.site_url}/archive/2024-06-03"
    assert entries[1].findtext(f"{ATOM}id") == f"{site.config.site_url}/archive/2024-06-03"
    assert entries[1].findtext(f"{ATOM}summary") == "Teaser of 1"


def test_empty_archive(site: Site) -> None:
    """Before the first send the archive says so and the feed is valid with no entries."""
    with site.client() as client:
        assert "No issue has been sent yet" in client.get("/archive/").text
        feed = ElementTree.fromstring(client.get("/feed.atom").content)
    assert feed.findall(f"{ATOM}entry") == []


def test_list_issues_reads_naive_times_as_utc(tmp_path: Path) -> None:
    """A send time without a zone is read as UTC rather than refused."""
    archive_issue(tmp_path, "2024-06-03", 7, "Naive", sent_at="2024-06-03T07:00:00")
    (issue,) = list_issues(tmp_path)
    assert issue.date == date(2024, 6, 3) and issue.number == 7
    assert issue.sent_at.utcoffset() is not None and issue.sent_at.hour == 7
