"""What a send says is true: about what was recorded, who is left, the URL it was given,
and a stop before it got under way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from tests.delivery.conftest import DAY, ROOT, cli, emails, send, write_subscribers
from tests.delivery.faulty import Fault, FaultyServer, free_port


def test_a_held_recipient_is_not_called_served_when_nothing_is_left_to_send(
    letter: Path, server: FaultyServer
) -> None:
    """With everyone delivered but one refused permanently before, the second run does not
    say that every active subscriber has the issue: it names the held one's refusal and
    the way to retry it."""
    write_subscribers(letter, emails(3))
    server.handler.rule(emails(3)[1], Fault("rcpt", reply="550 5.1.1 no such user"))
    assert send(letter, server.url).returncode == 1
    again = send(letter, server.url)
    assert again.returncode == 0, again.stderr
    assert "every active subscriber already has this issue" not in again.stderr
    assert "refused permanently before" in again.stderr and "--retry-failed" in again.stderr


def test_a_password_in_an_smtp_url_is_never_echoed(letter: Path) -> None:
    """A URL carrying a password is refused without printing the password, whether it
    parses or not, and wherever it came from (flag, environment, newsletter.yaml)."""
    secret = "hunter2-s3cret"
    for url in (f"smtp://ada:{secret}@mail.example.com:587", f"smtp://ada:{secret}@[::1"):
        flagged = send(letter, url)
        from_env = cli(letter, "send", "--date", DAY, env={"NEWSLETTER_SMTP_URL": url})
        config = yaml.safe_load((letter / "newsletter.yaml").read_text())
        config["smtp"] = {"url": url}
        (letter / "newsletter.yaml").write_text(yaml.safe_dump(config))
        from_file = cli(letter, "send", "--date", DAY)
        dry = send(letter, url, "--dry-run")
        for result in (flagged, from_env, from_file, dry):
            assert result.returncode == 2, result.stderr
            assert "bad SMTP URL" in result.stderr and "ada:***@" in result.stderr
            assert secret not in result.stderr + result.stdout


def test_a_dry_run_checks_the_smtp_url_as_the_real_run_would(
    letter: Path, server: FaultyServer
) -> None:
    """`send --dry-run` with a malformed URL says so (exit 2) instead of "Would send"."""
    result = send(letter, "smtp://[::1", "--dry-run")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: bad SMTP URL `smtp://[::1`")
    assert "Would send" not in result.stderr


def test_a_sigterm_before_the_send_got_under_way_is_answered(
    letter: Path, server: FaultyServer
) -> None:
    """SIGTERM while the send is still gathering its articles (here: waiting on a feed that
    never answers) ends it at once with a message that nothing was sent, not silently."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = yaml.safe_load((letter / "newsletter.yaml").read_text())
    config["sources"] = [
        {"folder": "articles"},
        {"feed": f"http://127.0.0.1:{port}/feed.xml", "timeout": 60},
    ]
    (letter / "newsletter.yaml").write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "newsletter", "-C", str(letter), "send", "--date", DAY]
    proc = subprocess.Popen(
        [*command, "--smtp-url", server.url],
        cwd=ROOT,
        env=os.environ,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        listener.settimeout(30)
        connection, _ = listener.accept()  # the send is fetching the feed now
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        listener.close()
    connection.close()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Stopped by SIGTERM: nothing was sent" in err
    assert "Traceback" not in err
    assert server.handler.accepted == []


def test_a_refused_connection_says_what_it_retries_while_it_waits(letter: Path) -> None:
    """Nobody listening: before each wait the send says on stderr that it cannot reach the
    server and when it tries again, so the retries are not silence; then one error."""
    result = send(letter, f"smtp://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    waits = [line for line in lines if line.startswith("Waiting: cannot reach the SMTP server")]
    assert len(waits) == 2, result.stderr  # FAST: two retries, each said once for the pool
    assert "trying again in" in waits[0] and "attempt 2 of 3" in waits[0]
    errors = [i for i, line in enumerate(lines) if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0] > lines.index(waits[-1])


def test_implicit_tls_to_a_plain_port_says_it_does_not_speak_tls(
    letter: Path, server: FaultyServer
) -> None:
    """smtps:// to a port that answers in plain SMTP: the error says the port does not
    speak TLS and suggests smtp+starttls:// or smtp:// for it, not OpenSSL's words."""
    result = send(letter, f"smtps://127.0.0.1:{server.port}")
    assert result.returncode == 1
    assert f"127.0.0.1:{server.port} does not speak TLS" in result.stderr
    assert f"smtp+starttls://127.0.0.1:{server.port}" in result.stderr
    assert f"smtp://127.0.0.1:{server.port}" in result.stderr
    assert "WRONG_VERSION_NUMBER" not in result.stderr and "SSL" not in result.stderr
