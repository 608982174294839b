"""The command line meets the folder as a user leaves it: clear words for every mistake.

In-process through click's CliRunner: exit codes and stderr as a user sees them.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner, Result

from newsletter.cli import cli


def run(*args: str, folder: Path | None = None) -> Result:
    prefix = ["-C", str(folder)] if folder is not None else []
    return CliRunner().invoke(cli, [*prefix, *args])


def write_config(folder: Path, old: str, new: str) -> None:
    config = folder / "newsletter.yaml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_empty_config_says_it_is_empty(folder: Path) -> None:
    """An empty newsletter.yaml is called empty, with what it needs, not a bare `Error: `."""
    (folder / "newsletter.yaml").write_text("# nothing yet\n", encoding="utf-8")
    result = run("build", folder=folder)
    assert result.exit_code == 2
    assert "newsletter.yaml: the file is empty" in result.stderr
    assert "name, sender and site_url" in result.stderr
    assert "newsletter init" in result.stderr


def test_unknown_config_key_suggests_the_near_one(folder: Path) -> None:
    """A misspelt key in newsletter.yaml gets the same did-you-mean as subscribers.yaml."""
    write_config(folder, "timezone: Europe/London", "timzone: Europe/London")
    result = run("build", folder=folder)
    assert result.exit_code == 2
    assert "unknown key `timzone` (did you mean `timezone`?)" in result.stderr


def test_indentation_mistake_is_named_at_its_line(folder: Path) -> None:
    """A key indented one space too deep is reported as indentation at its own line."""
    text = (folder / "newsletter.yaml").read_text(encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "address: digest@" in t)
    write_config(folder, "  address: digest@", "   address: digest@")
    result = run("build", folder=folder)
    assert result.exit_code == 2
    assert f"newsletter.yaml:{line}:" in result.stderr
    assert "probably indentation" in result.stderr
    assert "mapping values are not allowed here" not in result.stderr


def test_colon_in_a_value_is_not_called_indentation(folder: Path) -> None:
    """`name: A: B` is the other cause of PyYAML's mapping-values error: quote the value."""
    write_config(folder, "name: The Morning Sample", "name: The: Morning")
    result = run("build", folder=folder)
    assert result.exit_code == 2
    assert "newsletter.yaml:2:" in result.stderr
    assert "put the value in quotes" in result.stderr
    assert "indentation" not in result.stderr


def test_commands_find_the_folder_from_a_subfolder(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in `articles/`, a command finds newsletter.yaml above, as git finds `.git`."""
    monkeypatch.chdir(folder / "articles")
    result = run("build", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "The Morning Sample"


def test_an_explicit_folder_is_not_searched_upward(folder: Path) -> None:
    """`-C articles` means that folder: it has no newsletter.yaml, and that is said."""
    result = run("build", folder=folder / "articles")
    assert result.exit_code == 2
    assert f"{folder / 'articles' / 'newsletter.yaml'}: no such file" in result.stderr


def test_send_without_the_articles_folder_names_it(folder: Path) -> None:
    """`send` with the articles folder gone names that folder, as `build` does."""
    import shutil

    shutil.rmtree(folder / "articles")
    result = run("send", "--dry-run", folder=folder)
    assert result.exit_code == 2
    assert f"{folder / 'articles'}: no such folder" in result.stderr


def test_a_story_without_a_source_shows_no_empty_source(folder: Path) -> None:
    """No `[; 1 min]` in the outline and no nameless source in JSON for a sourceless story."""
    for path in (folder / "articles").iterdir():
        path.unlink()
    (folder / "articles" / "alone.md").write_text(
        "---\ntitle: The tram depot opens its doors\n---\n"
        "The council opened the tram depot to residents on Saturday.\n",
        encoding="utf-8",
    )
    text = run("build", folder=folder)
    assert text.exit_code == 0, text.stderr
    assert "* The tram depot opens its doors  [1 min]" in text.stdout
    data = json.loads(run("build", "--format", "json", folder=folder).stdout)
    assert data["items"][0]["sources"] == []


def test_control_characters_never_reach_the_feed_or_terminal(folder: Path) -> None:
    """ESC and BEL in an article are removed as it is read: the Atom feed of the issue
    parses and `build` prints no escape sequence; tabs and line breaks of the body stay."""
    from datetime import UTC, datetime

    from newsletter.config import load_config
    from newsletter.issue import load_issue
    from newsletter.sources import gather
    from newsletter.web.archive import ArchivedIssue
    from newsletter.web.feed import atom_feed

    for path in (folder / "articles").iterdir():
        path.unlink()
    (folder / "articles" / "ctl.md").write_text(
        '---\ntitle: "Tram\\e[31m depot\\a opens"\n'
        'summary: "The council\\e[2J opened\\a the\\x85 depot."\n---\n'
        "Residents came\tin numbers.\n\nThe second\x1b paragraph.\n",
        encoding="utf-8",
    )
    config = load_config(folder / "newsletter.yaml")
    (article,) = gather(config).articles
    assert article.title == "Tram[31m depot opens"
    assert "\x1b" not in article.summary and "\x07" not in article.summary  # type: ignore[operator]
    assert article.body == "Residents came in numbers.\n\nThe second paragraph."

    from newsletter.folder import locate

    digest = load_issue(locate(folder), None).digest
    item = digest.items[0]
    issue = ArchivedIssue(digest.date, 1, digest.subject, item.summary, datetime.now(UTC))
    ElementTree.fromstring(atom_feed(config, [issue]))  # raises on a control character
    shown = run("build", folder=folder)
    assert shown.exit_code == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout


@pytest.mark.parametrize(
    "command",
    [["sink", "--out", "{out}"], ["serve"], ["preview", "--serve"]],
    ids=["sink", "serve", "preview-serve"],
)
def test_a_busy_port_gets_one_answer_everywhere(
    command: list[str], folder: Path, tmp_path: Path
) -> None:
    """`sink`, `serve` and `preview --serve` on a port in use: the same one-line error,
    exit 2, the --port hint, no traceback, no wait, and no folder made for the sink."""
    import socket
    import time

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = [a.replace("{out}", str(tmp_path / "out")) for a in command]
        started = time.monotonic()
        result = run(*args, "--port", str(port), folder=folder)
        took = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: cannot listen on 127.0.0.1:{port} (Address already in use); another program "
        "is using it: pick another with --port, or --port 0 for any free one\n"
    )
    assert took < 3
    assert not (tmp_path / "out").exists()


def test_the_sink_stores_what_it_receives(tmp_path: Path) -> None:
    """The sink serves the socket it took: a message sent to it lands as an .eml file."""
    import smtplib

    from newsletter.sink import Sink

    with Sink(tmp_path / "out", port=0) as sink, smtplib.SMTP(sink.host, sink.port) as client:
        client.sendmail("a@example.com", ["b@example.com"], b"Subject: hi\r\n\r\nbody\r\n")
    (stored,) = (tmp_path / "out").glob("*.eml")
    assert stored.name == "000001-b@example.com.eml"
    assert b"body" in stored.read_bytes()


def test_open_without_a_browser_says_where_the_file_is(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`preview --open` on a machine with no browser says so and where the page was saved,
    and exits 1 instead of claiming it opened anything."""
    from tests.conftest import run_cli

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    result = run_cli("-C", str(folder), "preview", "--open")
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "Opened" not in err
    assert "no browser found" in err
    saved = Path(err.split("it is saved at ")[1].split(": open")[0])
    assert saved.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    saved.unlink()


def test_a_misspelt_command_gets_a_suggestion() -> None:
    """`newsletter sned` is a usage error (exit 2) that names `send`."""
    result = run("sned")
    assert result.exit_code == 2
    assert "no command `sned` (did you mean `send`?)" in result.stderr


def test_a_malformed_smtp_url_in_the_config_is_reported_at_its_line(folder: Path) -> None:
    """`smtp.url: http://…` is refused when newsletter.yaml is read, at its line."""
    write_config(folder, "  url: smtp://127.0.0.1:2525", "  url: http://127.0.0.1:2525")
    text = (folder / "newsletter.yaml").read_text(encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "url: http://" in t)
    result = run("build", folder=folder)
    assert result.exit_code == 2
    assert f"newsletter.yaml:{line}:" in result.stderr
    assert "unknown scheme `http`" in result.stderr
