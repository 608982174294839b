"""`preview --serve` as a real server in its own process, fetched with a real HTTP client:
the switches, the change events, reloading after edits, errors shown on the page."""

from __future__ import annotations

import email
import email.policy
import json
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from newsletter.render import PACKAGE_TEMPLATES
from newsletter.screenshot import Browser
from tests.preview.conftest import PreviewServer

TIMEOUT = httpx.Timeout(15.0)


class Events:
    """The server-sent events of /events, read one at a time."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines

    def next(self) -> tuple[str, dict[str, object]]:
        name, data = "", ""
        for line in self.lines:
            if line.startswith("event:"):
                name = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data = line.partition(":")[2].strip()
            elif line == "" and name:
                return name, json.loads(data)
        raise AssertionError("the event stream ended")

    def change(self) -> dict[str, object]:
        """The next `change` event (keep-alive comments are skipped)."""
        name, data = self.next()
        assert name == "change", (name, data)
        return data


@contextmanager
def events(server: PreviewServer) -> Iterator[Events]:
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream("GET", server.url + "events") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Events(response.iter_lines())
        name, hello = stream.next()
        assert name == "hello" and hello == {"version": 0}
        yield stream


def get(server: PreviewServer, path: str, **params: str) -> httpx.Response:
    return httpx.get(server.url + path.lstrip("/"), params=params, timeout=TIMEOUT)


def own_template(folder: Path) -> Path:
    """The packaged HTML template copied into the folder's templates/, as an editor starts."""
    target = folder / "templates" / "email.html.j2"
    target.write_text((PACKAGE_TEMPLATES / "email.html.j2").read_text())
    return target


def test_listens_on_loopback_by_default(preview_server: PreviewServer) -> None:
    """Without --host the page is served on 127.0.0.1 only: subscriber addresses stay local."""
    assert preview_server.url.startswith("http://127.0.0.1:")


def test_page_has_every_switch_and_the_test_send(preview_server: PreviewServer) -> None:
    """The page offers HTML/text, desktop/phone, light/dark and every subscriber, shows the
    issue in an iframe, and tells how to send a test to yourself."""
    response = get(preview_server, "/")
    assert response.status_code == 200
    page = response.text
    assert "The Morning Sample: preview" in page
    assert 'name="format" value="html" checked' in page and 'name="format" value="text"' in page
    assert 'name="width" value="600" checked' in page and 'name="width" value="375"' in page
    assert 'name="scheme" value="light" checked' in page and 'name="scheme" value="dark"' in page
    for address in ("ada@example.com", "grace@example.org", "ken@example.net", "linus@example.org"):
        assert f'<option value="{address}"' in page
    assert '<iframe id="issue"' in page and 'src="/issue?' in page
    assert "newsletter send --to you@example.com" in page
    assert "Subject: The Morning Sample #1" in page


def test_issue_follows_format_subscriber_and_scheme(preview_server: PreviewServer) -> None:
    """/issue is the chosen subscriber's copy: their sections, their format, the forced scheme."""
    ada = get(preview_server, "/issue").text
    assert "Hi Ada," in ada and "Towns and cities" in ada and "prefers-color-scheme" not in ada
    assert "(max-width: 0px)" in ada  # the dark block is off in the light view

    dark = get(preview_server, "/issue", scheme="dark").text
    assert "(min-width: 0px)" in dark

    grace = get(preview_server, "/issue", subscriber="grace@example.org").text
    assert "Hi Grace," in grace and "Technology" in grace and "Towns and cities" not in grace

    ken = get(preview_server, "/issue", subscriber="ken@example.net").text
    assert "<pre" in ken and "Hi Ken," in ken and "<table" not in ken

    text = get(preview_server, "/issue", format="text").text
    assert "<pre" in text and "The Morning Sample · Issue 1" in text

    status = get(preview_server, "/status", subscriber="ken@example.net").json()
    assert status["error"] is None
    assert any("reads plain text" in note for note in status["notes"])

    page = get(preview_server, "/", subscriber="ken@example.net").text
    assert 'name="format" value="text" checked' in page
    assert "they get no HTML part" in page


def test_message_is_the_whole_eml(preview_server: PreviewServer) -> None:
    """/message.eml is the message itself, to open in a mail client."""
    response = get(preview_server, "/message.eml", subscriber="grace@example.org")
    assert response.headers["content-type"].startswith("message/rfc822")
    message = email.message_from_bytes(response.content, policy=email.policy.default)
    assert message["To"] == "Grace Hopper <grace@example.org>"
    assert message.get_content_type() == "multipart/alternative"


def test_template_edit_reloads_the_issue(preview_server: PreviewServer) -> None:
    """Saving a template fires a change event naming it, and the next fetch shows the edit."""
    assert "In this issue" in get(preview_server, "/issue").text
    with events(preview_server) as stream:
        template = own_template(preview_server.folder)
        changed = stream.change()
        assert str(template) in changed["paths"]  # type: ignore[operator]
        assert "In this issue" in get(preview_server, "/issue").text  # same words so far

        template.write_text(template.read_text().replace('t("in_this_issue")', '"Inside today"'))
        changed = stream.change()
        assert str(template) in changed["paths"]  # type: ignore[operator]
    issue = get(preview_server, "/issue").text
    assert "Inside today" in issue and "In this issue" not in issue
    assert get(preview_server, "/status").json()["version"] == changed["version"]


def test_template_error_shows_file_and_line_then_recovers(preview_server: PreviewServer) -> None:
    """A template mistake shows on the page with file and line, not a blank page; fixing it
    brings the issue back."""
    with events(preview_server) as stream:
        template = own_template(preview_server.folder)
        stream.change()
        good = template.read_text()
        lines = good.splitlines()
        where = next(i for i, line in enumerate(lines) if "greeting" in line and "<p" in line)
        lines[where] = "<p>{{ subscriber.greeting | nosuchfilter }}</p>"
        template.write_text("\n".join(lines) + "\n")
        stream.change()

        issue = get(preview_server, "/issue")
        assert issue.status_code == 422
        assert "email.html.j2:" in issue.text and "nosuchfilter" in issue.text
        assert 'role="alert"' in issue.text
        page = get(preview_server, "/")
        assert page.status_code == 200
        assert "email.html.j2:" in page.text and "nosuchfilter" in page.text
        status = get(preview_server, "/status").json()
        assert "email.html.j2:" in status["error"]

        template.write_text(good.replace('t("in_this_issue")', '"Inside today"'))
        stream.change()
    issue = get(preview_server, "/issue")
    assert issue.status_code == 200 and "Inside today" in issue.text


def test_undefined_variable_names_its_line(preview_server: PreviewServer) -> None:
    """A misspelt variable names the template and the line it is on."""
    with events(preview_server) as stream:
        template = own_template(preview_server.folder)
        stream.change()
        lines = template.read_text().splitlines()
        where = next(i for i, line in enumerate(lines) if 'class="greeting"' in line)
        lines[where] = "<p>{{ subscriber_greeting }}</p>"
        template.write_text("\n".join(lines) + "\n")
        stream.change()
    issue = get(preview_server, "/issue")
    assert issue.status_code == 422
    assert f"email.html.j2:{where + 1}" in issue.text


def test_articles_subscribers_and_config_edits_reload(preview_server: PreviewServer) -> None:
    """Editing an article, subscribers.yaml or newsletter.yaml each fires a change, and the
    page shows the new title, subscriber and name."""
    folder = preview_server.folder
    with events(preview_server) as stream:
        article = folder / "articles" / "offline-first-apps.md"
        article.write_text(article.read_text().replace("Why more teams", "Why many teams"))
        assert str(article) in stream.change()["paths"]  # type: ignore[operator]
        assert (
            "Why many teams are building offline-first apps" in get(preview_server, "/issue").text
        )

        subscribers = folder / "subscribers.yaml"
        subscribers.write_text(
            subscribers.read_text() + "\n  - email: zoe@example.net\n    name: Zoe\n"
        )
        assert str(subscribers) in stream.change()["paths"]  # type: ignore[operator]
        assert '<option value="zoe@example.net"' in get(preview_server, "/").text
        assert "Hi Zoe," in get(preview_server, "/issue", subscriber="zoe@example.net").text

        config = folder / "newsletter.yaml"
        config.write_text(
            config.read_text().replace("name: The Morning Sample", "name: The Evening Sample", 1)
        )
        assert str(config) in stream.change()["paths"]  # type: ignore[operator]
        assert "The Evening Sample: preview" in get(preview_server, "/").text


def test_state_and_lock_files_fire_nothing(preview_server: PreviewServer) -> None:
    """Files that do not change the issue (state, locks, editor swap files) fire no event."""
    folder = preview_server.folder
    with events(preview_server) as stream:
        (folder / ".subscribers.yaml.lock").write_text("")
        (folder / "articles" / ".offline-first-apps.md.swp").write_text("swap")
        (folder / "notes.txt").write_text("not a source")
        time.sleep(0.5)
        marker = folder / "articles" / "marker.md"
        marker.write_text("---\ntitle: Marker\n---\nBody.\n")
        assert stream.change()["paths"] == [str(marker)]


def test_page_in_a_browser_reloads_the_issue(
    preview_server: PreviewServer, browser: Browser
) -> None:
    """In Chromium, the page's script hears the change and reloads the iframe by itself."""
    page = browser.page(width=1000, height=900)
    page.goto(preview_server.url + "?width=375")
    # While the iframe reloads its document has no body for a moment: read that as "".
    frame_text = "document.getElementById('issue').contentDocument?.body?.innerText"
    deadline = time.monotonic() + 10
    while "in this issue" not in (page.evaluate(f"({frame_text}) || ''") or "").lower():
        assert time.monotonic() < deadline, "the issue never showed in the iframe"
        time.sleep(0.1)
    assert (
        page.evaluate(
            "document.getElementById('issue').contentDocument.documentElement.clientWidth"
        )
        == 375
    )
    template = own_template(preview_server.folder)
    template.write_text(template.read_text().replace('t("in_this_issue")', '"Inside today"'))
    deadline = time.monotonic() + 10
    while "inside today" not in (page.evaluate(f"({frame_text}) || ''") or "").lower():
        assert time.monotonic() < deadline, "the iframe was not reloaded after the template changed"
        time.sleep(0.1)
    assert "Reloaded at" in page.evaluate("document.getElementById('live').textContent")


def test_ctrl_c_ends_cleanly_with_a_page_open(preview_server: PreviewServer) -> None:
    """Ctrl-C stops the server at once even while a page listens for changes: the event
    stream ends, the exit status is 0 and no traceback is printed."""
    process = preview_server.process
    with events(preview_server) as stream:
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        with pytest.raises(AssertionError, match="the event stream ended"):
            stream.next()
    assert process.wait(timeout=10) == 0
    assert time.monotonic() - started < 5
    assert process.stderr is not None
    err = process.stderr.read().decode()
    assert "Stopped." in err and "Traceback" not in err and "ERROR" not in err


def test_strict_client_switch_and_each_readers_subject(preview_server: PreviewServer) -> None:
    """The "strict client" switch shows the copy without <style> blocks or overflow-wrap, as
    Gmail, Outlook and Yahoo read it; the page's subject is the chosen reader's own."""
    full = get(preview_server, "/issue").text
    strict = get(preview_server, "/issue", client="strict").text
    assert "<style" in full and "<style" not in strict
    assert "Hi Ada," in strict
    page = get(preview_server, "/", client="strict").text
    assert 'name="client" value="strict" checked' in page
    ada = get(preview_server, "/status").json()["subject"]
    grace = get(preview_server, "/status", subscriber="grace@example.org").json()["subject"]
    assert "(+" in ada and "(+" not in grace and grace != ada
