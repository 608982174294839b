"""Bad input gets one clear message naming the file (and line) and what to do; nothing is sent."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SmtpServer, run_cli


def send(folder: Path, server: SmtpServer, *extra: str) -> tuple[int, str]:
    result = run_cli("-C", str(folder), "send", "--smtp-url", server.url, *extra)
    return result.returncode, result.stderr.decode()


def test_missing_config(tmp_path: Path, smtp_server: SmtpServer) -> None:
    """A folder without newsletter.yaml: exit 2, the path, and how to make one."""
    code, err = send(tmp_path, smtp_server)
    assert code == 2
    assert f"{tmp_path}/newsletter.yaml: no such file" in err
    assert "newsletter init" in err
    assert "Traceback" not in err
    assert smtp_server.messages == []


def test_malformed_config_names_line_and_column(folder: Path, smtp_server: SmtpServer) -> None:
    """A YAML syntax error is reported as newsletter.yaml:LINE:COL."""
    config = folder / "newsletter.yaml"
    config.write_text(
        config.read_text().replace("name: The Morning Sample\n", "name: [unclosed\n", 1)
    )
    code, err = send(folder, smtp_server)
    assert code == 2
    assert "newsletter.yaml:" in err and "YAML syntax" in err
    assert "Traceback" not in err
    assert smtp_server.messages == []


def test_unknown_and_wrong_keys_all_reported(folder: Path, smtp_server: SmtpServer) -> None:
    """Every problem in the config is listed at once, each with its line."""
    config = folder / "newsletter.yaml"
    text = (
        config.read_text()
        .replace("  rate: 50", "  rate: fast")
        .replace("timezone: Europe/London", "timezone: Mars/Olympus")
    )
    config.write_text(text + "colour: blue\n")
    code, err = send(folder, smtp_server)
    assert code == 2
    lines = text.splitlines()
    rate_line = next(i for i, line in enumerate(lines, 1) if "rate: fast" in line)
    assert f"newsletter.yaml:{rate_line}:" in err
    assert "unknown timezone `Mars/Olympus`" in err
    assert "unknown key `colour`" in err
    assert smtp_server.messages == []


def test_bad_smtp_url(folder: Path, smtp_server: SmtpServer) -> None:
    """A malformed SMTP URL: exit 2 with the accepted forms."""
    result = run_cli("-C", str(folder), "send", "--smtp-url", "smtpx://nowhere")
    assert result.returncode == 2
    assert b"unknown scheme" in result.stderr and b"smtp+starttls://" in result.stderr


def test_password_in_url_is_refused(folder: Path) -> None:
    """A password belongs in NEWSLETTER_SMTP_PASSWORD, never in a URL that may land in git."""
    result = run_cli("-C", str(folder), "send", "--smtp-url", "smtp://me:secret@127.0.0.1:25")
    assert result.returncode == 2
    assert b"NEWSLETTER_SMTP_PASSWORD" in result.stderr


def test_unreachable_server_stops_with_one_message(folder: Path) -> None:
    """Nobody listening: the run stops early with one line, exit 1, and nobody is marked failed."""
    from newsletter.sink import free_port

    config = folder / "newsletter.yaml"
    config.write_text(config.read_text().replace("retries: 4 ", "retries: 1 ") + "")
    result = run_cli("-C", str(folder), "send", "--smtp-url", f"smtp://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    err = result.stderr.decode()
    assert err.count("Error:") == 1
    assert "connection" in err.lower()
    status = run_cli("-C", str(folder), "status", "--json")
    assert b'"failed": 0' in status.stdout


def test_missing_template_variable_names_template_line(
    folder: Path, smtp_server: SmtpServer
) -> None:
    """A typo in a template fails loudly with the template's file and line, before anything is sent."""
    from newsletter.render import PACKAGE_TEMPLATES

    text = (PACKAGE_TEMPLATES / "email.txt.j2").read_text()
    (folder / "templates" / "email.txt.j2").write_text(
        text.replace("issue.number", "issue.numbr", 1)
    )
    code, err = send(folder, smtp_server)
    assert code == 2
    assert "email.txt.j2:" in err and "numbr" in err
    assert smtp_server.messages == []


def test_empty_day_sends_nothing_unless_allowed(folder: Path, smtp_server: SmtpServer) -> None:
    """No article for the date: exit 2 and nothing sent; --allow-empty sends an empty issue
    to everyone without topics (readers with topics have nothing they asked for)."""
    code, err = send(folder, smtp_server, "--date", "2001-01-01")
    assert code == 2
    assert "no articles for 2001-01-01" in err and "--allow-empty" in err
    assert smtp_server.messages == []
    code, err = send(folder, smtp_server, "--date", "2001-01-01", "--allow-empty")
    assert code == 0, err
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "ada@example.com",
        "ken@example.net",
    ]
    assert "2 whose topics match nothing" in err


def test_bad_date(folder: Path) -> None:
    """--date takes YYYY-MM-DD, today or yesterday."""
    result = run_cli("-C", str(folder), "build", "--date", "22/11/2026")
    assert result.returncode == 2
    assert b"YYYY-MM-DD" in result.stderr


def test_failed_run_leaves_files_as_they_were(folder: Path, smtp_server: SmtpServer) -> None:
    """An invalid subscriber file stops send before anything happens: no file changes, no message."""
    subscribers = folder / "subscribers.yaml"
    subscribers.write_text(subscribers.read_text() + "  - email: not-an-address\n")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    code, err = send(folder, smtp_server)
    assert code == 2
    assert "subscribers.yaml:" in err
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert before == after
    assert smtp_server.messages == []


def test_misspelt_subscriber_value_names_template_line(folder: Path) -> None:
    """A per-subscriber value that does not exist (subscriber.greting) fails with file and line."""
    from newsletter.render import PACKAGE_TEMPLATES

    text = (PACKAGE_TEMPLATES / "email.html.j2").read_text()
    (folder / "templates" / "email.html.j2").write_text(
        text.replace("{{ subscriber.greeting }}", "{{ subscriber.greting }}", 1)
    )
    result = run_cli("-C", str(folder), "preview", "--format", "html")
    assert result.returncode == 2
    assert b"email.html.j2:" in result.stderr and b"greting" in result.stderr
