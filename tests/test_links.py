"""Only http, https and mailto URLs from articles become links, in the email and the
archive; any other (javascript:, data:, vbscript:…) is left out with a warning naming
the article."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli as command
from newsletter.links import is_image_url, is_link
from tests.conftest import SmtpServer

DAY = "2026-11-20"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/file",
        "/posts/relative",
        "//example.org/no-scheme",
        "https://",
        "mailto:",
    ],
)
def test_urls_that_must_not_become_links(url: str) -> None:
    """Scripts, embedded data, other schemes and URLs without a scheme or host are not links."""
    assert not is_link(url)
    assert not is_image_url(url)


@pytest.mark.parametrize(
    "url", ["https://example.org/a?b=1", "HTTP://example.org", "mailto:editor@example.org"]
)
def test_urls_that_become_links(url: str) -> None:
    """http and https URLs with a host, and mailto addresses, are links."""
    assert is_link(url)


def test_a_mailto_is_no_image() -> None:
    """An image is loaded from http or https only."""
    assert not is_image_url("mailto:editor@example.org")
    assert is_image_url("https://example.org/a.png")


@pytest.fixture
def dated(folder: Path) -> Path:
    """The sample folder with its articles on DAY, and one whose link is javascript:."""
    bad = folder / "articles" / "trick.md"
    bad.write_text(
        "---\ntitle: Council software trick\nurl: \"JavaScript:alert('x')\"\n"
        "source: Trickster\ntags: [technology]\n---\n"
        "A council app for software and data, with a chip inside.\n",
        encoding="utf-8",
    )
    stamp = time.mktime(datetime.fromisoformat(f"{DAY}T09:00:00").timetuple())
    for path in (folder / "articles").iterdir():
        os.utime(path, (stamp, stamp))
    return folder


def invoke(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(command, ["-C", str(root), *args, "--date", DAY])
    return result.exit_code, result.stdout, result.stderr


def warned(stderr: str) -> bool:
    return "trick.md" in stderr and "Council software trick" in stderr and "javascript:" in stderr


def test_a_javascript_link_is_left_out_of_the_email_with_a_warning(dated: Path) -> None:
    """The story is in the email, without a link; the editor is told which article lost
    its link and why, on stderr, by build and preview."""
    code, out, err = invoke(dated, "preview", "--format", "html", "--subscriber", "ada@example.com")
    assert code == 0 and warned(err), err
    assert "Council software trick" in out
    assert "script:" not in out.lower()
    code, out, err = invoke(dated, "preview", "--format", "text", "--subscriber", "ada@example.com")
    assert "script:" not in out.lower()
    code, out, err = invoke(dated, "build", "--format", "json")
    assert code == 0 and warned(err), err
    (item,) = [i for i in json.loads(out)["items"] if i["title"] == "Council software trick"]
    assert item["url"] is None


def test_a_javascript_link_is_left_out_of_the_archive(dated: Path, smtp_server: SmtpServer) -> None:
    """A real send says so in its summary, and the archive page ("view in browser") has
    no javascript: link either."""
    (dated / "subscribers.yaml").write_text(
        "subscribers:\n  - email: ada@example.com\n", encoding="utf-8"
    )
    code, _, err = invoke(dated, "send", "--smtp-url", smtp_server.url)
    assert code == 0 and warned(err), err
    page = (dated / ".newsletter" / "archive" / f"{DAY}.html").read_text(encoding="utf-8")
    assert "Council software trick" in page and "script:" not in page.lower()
    (message,) = smtp_server.messages
    assert b"script:" not in message.data.lower()
