"""`newsletter preview` on stdout and as a PNG: each subscriber's own copy, clear errors."""

from __future__ import annotations

import email
import email.policy
import json
import shlex
import sys
import time
from pathlib import Path

from tests.conftest import need_tool, run_cli
from tests.preview.pngs import read_png


def preview(folder: Path, *args: str) -> tuple[int, bytes, str]:
    result = run_cli("-C", str(folder), "preview", *args)
    return result.returncode, result.stdout, result.stderr.decode()


def test_default_is_a_representative_html_copy(folder: Path) -> None:
    """With no options, preview prints the HTML a subscriber with every section gets."""
    code, out, err = preview(folder)
    assert code == 0, err
    page = out.decode()
    assert page.startswith("<!DOCTYPE html>")
    assert "Hi Ada," in page
    for title in ("Towns and cities", "Energy and climate", "Technology"):
        assert title in page


def test_topics_choose_the_sections(folder: Path) -> None:
    """A subscriber who follows only technology sees only that section, and is told so."""
    code, out, err = preview(folder, "--subscriber", "grace@example.org")
    assert code == 0, err
    page = out.decode()
    assert "Hi Grace," in page
    assert "Technology" in page and "Towns and cities" not in page
    assert "grace@example.org follows only technology: they get Technology" in err


def test_text_reader_gets_text_by_default(folder: Path) -> None:
    """A `format: text` subscriber's preview is their plain-text copy unless asked otherwise."""
    code, out, err = preview(folder, "--subscriber", "ken@example.net")
    assert code == 0, err
    assert out.decode().startswith("The Morning Sample · Issue")
    assert "<html" not in out.decode()
    assert "reads plain text" in err


def test_html_of_a_text_reader_says_they_do_not_get_it(folder: Path) -> None:
    """Asking for a text reader's HTML prints it, with a note that this reader gets none."""
    code, out, err = preview(folder, "--subscriber", "ken@example.net", "--format", "html")
    assert code == 0, err
    assert out.startswith(b"<!DOCTYPE html>")
    assert "they get no HTML part" in err and "--format text" in err


def test_text_readers_message_is_text_only(folder: Path) -> None:
    """The eml of a text reader is the single text/plain message they would receive."""
    code, out, err = preview(folder, "--subscriber", "ken@example.net", "--format", "eml")
    assert code == 0, err
    message = email.message_from_bytes(out, policy=email.policy.default)
    assert message.get_content_type() == "text/plain"
    assert message["To"] == "Ken Thompson <ken@example.net>"


def test_json_names_the_subscriber(folder: Path) -> None:
    """The json preview carries whose copy it is: topics and format included."""
    code, out, err = preview(folder, "--subscriber", "grace@example.org", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["subscriber"] == {
        "email": "grace@example.org",
        "name": "Grace Hopper",
        "topics": ["technology"],
        "format": "html",
    }
    assert [s["title"] for s in data["sections"]] == ["Technology"]


def test_unsubscribed_reader_is_flagged(folder: Path) -> None:
    """Previewing someone who unsubscribed works, and says that a send skips them."""
    code, _, err = preview(folder, "--subscriber", "linus@example.org", "--format", "text")
    assert code == 0, err
    assert "linus@example.org is unsubscribed: `newsletter send` skips them" in err


def test_unknown_subscriber_is_a_usage_error(folder: Path) -> None:
    """An address not in subscribers.yaml exits 2 and says how to list the subscribers."""
    code, out, err = preview(folder, "--subscriber", "nobody@example.com")
    assert code == 2 and out == b""
    assert "nobody@example.com is not in subscribers.yaml" in err
    assert "Traceback" not in err


def test_template_error_names_file_and_line(folder: Path) -> None:
    """A broken folder template stops the preview with its file and line, exit 2."""
    (folder / "templates" / "email.html.j2").write_text("<p>\n{{ issue.nonexistent }}\n</p>\n")
    code, _, err = preview(folder)
    assert code == 2
    assert "email.html.j2:2" in err


def test_screenshot_is_a_png_of_the_requested_width(folder: Path, tmp_path: Path) -> None:
    """--screenshot saves a PNG exactly --width pixels wide, cut at --height when given."""
    need_tool("chromium", "chromium")
    target = tmp_path / "phone.png"
    code, out, err = preview(
        folder, "--screenshot", str(target), "--width", "375", "--height", "700"
    )
    assert code == 0, err
    assert out == b"" and "Saved" in err
    png = read_png(target.read_bytes(), max_rows=0)
    assert (png.width, png.height) == (375, 700)


def test_dark_screenshot_is_dark(folder: Path, tmp_path: Path) -> None:
    """--dark pictures the dark colour scheme: the top of the issue is dark, not white."""
    need_tool("chromium", "chromium")
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    assert preview(folder, "--screenshot", str(light), "--height", "300")[0] == 0
    assert preview(folder, "--screenshot", str(dark), "--height", "300", "--dark")[0] == 0
    light_png = read_png(light.read_bytes(), max_rows=120)
    dark_png = read_png(dark.read_bytes(), max_rows=120)
    assert (light_png.width, dark_png.width) == (600, 600)
    assert light_png.mean_luminance() > 200
    assert dark_png.mean_luminance() < 60


def test_screenshot_without_chromium_says_how_to_install(folder: Path, tmp_path: Path) -> None:
    """With no Chromium on PATH, --screenshot exits 2 and names `apt-get install chromium`."""
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {"PATH": str(empty)}
    target = tmp_path / "x.png"
    result = run_cli("-C", str(folder), "preview", "--screenshot", str(target), env=env)
    assert result.returncode == 2
    assert b"apt-get install chromium" in result.stderr
    assert b"Traceback" not in result.stderr
    assert not target.exists()


def test_serve_refuses_a_busy_port(folder: Path) -> None:
    """--serve on a port already taken exits 2 and suggests another."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, _, err = preview(folder, "--serve", "--port", str(port))
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err


def test_open_hands_the_copy_to_the_browser(folder: Path, tmp_path: Path) -> None:
    """--open writes the subscriber's copy to a file and starts $BROWSER on it: a text
    reader's copy is their text, shown as a page."""
    record = tmp_path / "opened.txt"
    script = f"import sys; open({str(record)!r}, 'w').write(sys.argv[1])"
    browser = f"{sys.executable} -c {shlex.quote(script)} %s"
    result = run_cli(
        "-C",
        str(folder),
        "preview",
        "--subscriber",
        "ken@example.net",
        "--open",
        env={"BROWSER": browser},
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""
    for _ in range(50):  # the browser command may still be starting
        if record.exists() and record.read_text():
            break
        time.sleep(0.1)
    opened = Path(record.read_text().removeprefix("file://"))
    page = opened.read_text()
    opened.unlink()
    assert "<pre" in page and "Hi Ken," in page
