"""Every exit 2 of `send` leaves the folder as it was: everything is checked before the
first write (no lock, no secret, no ledger, no archive, no issue recorded)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from newsletter.lock import run_lock
from newsletter.render import PACKAGE_TEMPLATES
from tests.delivery.conftest import emails, send, write_subscribers
from tests.delivery.faulty import FaultyServer


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and folder below `root`: its mode, modification time and content digest."""
    tree: dict[str, tuple[int, int, str]] = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        tree[str(path.relative_to(root))] = (info.st_mode, info.st_mtime_ns, digest)
    return tree


def template(letter: Path, name: str, text: str | bytes, *, before: bool = False) -> None:
    """The folder's own `name`: `text` ahead of the packaged template, or alone."""
    target = letter / "templates" / name
    data = text.encode() if isinstance(text, str) else text
    if before:
        data += (PACKAGE_TEMPLATES / name).read_bytes()
    target.write_bytes(data)


def topic_reader(letter: Path) -> None:
    """One reader with topics among the plain ones: an audience of its own."""
    write_subscribers(letter, emails(5))
    with (letter / "subscribers.yaml").open("a") as f:
        f.write("  - {email: tech@example.com, topics: [technology]}\n")


CASES: dict[str, tuple[Callable[[Path], None], tuple[str, ...], str]] = {
    "template syntax": (
        lambda d: template(d, "subject.txt.j2", "{% if %}"),
        (),
        "subject.txt.j2:1",
    ),
    "template unknown name": (
        lambda d: template(d, "subject.txt.j2", "{{ issue.nope }}"),
        (),
        "subject.txt.j2:1",
    ),
    "template division by zero": (
        lambda d: template(d, "email.txt.j2", "{{ 1 // 0 }}\n", before=True),
        (),
        "email.txt.j2:1",
    ),
    "template not UTF-8": (
        lambda d: template(d, "email.html.j2", b"<p>caf\xe9</p>\n", before=True),
        (),
        "email.html.j2:1",
    ),
    "template failing for one audience only": (
        lambda d: (
            topic_reader(d),
            template(
                d,
                "email.txt.j2",
                "{% if issue.sections|length == 1 %}{{ 1 // 0 }}{% endif %}\n",
                before=True,
            ),
        ),
        (),
        "email.txt.j2:1",
    ),
    "bad --to address": (lambda d: None, ("--to", "not an address"), "not an address"),
    "malformed SMTP URL": (lambda d: None, ("--smtp-url", "smtp://[::1"), "SMTP URL"),
    "no article for the date": (lambda d: None, ("--date", "2001-01-01"), "no articles"),
    "bad --shard": (lambda d: None, ("--shard", "3/2"), "--shard"),
    "broken subscriber file": (
        lambda d: (d / "subscribers.yaml").write_text("subscribers:\n  - name: x\n"),
        (),
        "subscribers.yaml:2",
    ),
}


# After an earlier send, the cases that used to write: the templates and --to.
AFTER_A_SEND = [c for c in CASES if c.startswith("template") or "--to" in c]
PARAMS = [(c, True) for c in CASES] + [(c, False) for c in AFTER_A_SEND]


@pytest.mark.parametrize(
    ("case", "fresh"),
    PARAMS,
    ids=[f"{c}-{'fresh folder' if fresh else 'after a send'}" for c, fresh in PARAMS],
)
def test_an_exit_2_of_send_changes_no_file(
    letter: Path, server: FaultyServer, case: str, fresh: bool
) -> None:
    """Whatever the input error (templates at render time and for every audience, the
    addresses, the URL, the date), send exits 2 with a message naming it, no traceback,
    nothing sent, and every file below the folder byte for byte and stamp for stamp as it
    was; after an earlier send, its ledger and archive are untouched too."""
    if not fresh:
        assert send(letter, server.url, "--date", "2026-01-14", "--allow-empty").returncode == 0
    sent = len(server.handler.accepted)
    setup, args, words = CASES[case]
    setup(letter)
    before = snapshot(letter.parent)
    result = send(letter, server.url, *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Error:") and words in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(letter.parent) == before
    assert len(server.handler.accepted) == sent


def test_a_send_refused_for_a_busy_folder_changes_no_file(
    letter: Path, server: FaultyServer
) -> None:
    """The lock held by another run: exit 2, and not even the lock's files are touched."""
    assert send(letter, server.url, "--date", "2026-01-14", "--allow-empty").returncode == 0
    with run_lock(letter / ".newsletter" / "send.lock", "newsletter send"):
        before = snapshot(letter.parent)
        result = send(letter, server.url)
        assert snapshot(letter.parent) == before
    assert result.returncode == 2 and "is busy" in result.stderr, result.stderr


def test_a_template_error_leaves_the_issue_unrecorded_so_a_later_article_is_in_it(
    letter: Path, server: FaultyServer
) -> None:
    """After a failed send for a template error, an article added before the fixed send is
    in the issue: the failed send recorded no issue and no article."""
    template(letter, "subject.txt.j2", "{{ 1 // 0 }}")
    assert send(letter, server.url).returncode == 2
    (letter / "templates" / "subject.txt.j2").unlink()
    late = letter / "articles" / "late-news.md"
    late.write_text("---\ntitle: The late tram timetable\n---\nThe tram runs late.\n")
    stamp = next((letter / "articles").glob("tram*")).stat().st_mtime
    os.utime(late, (stamp, stamp))
    assert send(letter, server.url).returncode == 0
    assert b"late tram timetable" in server.handler.accepted[0].data
