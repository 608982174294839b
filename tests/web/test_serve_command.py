"""`newsletter serve` as a user runs it: a real process, a real port, a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from newsletter.config import load_config
from newsletter.folder import locate
from newsletter.model import Status
from newsletter.subscribers import load
from newsletter.unsubscribe import make_token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_command(folder: Path) -> None:
    """The command serves the folder on the given port, unsubscribes on a one-click POST,
    logs each request without the token, and exits 0 on SIGTERM."""
    port = free_port()
    config = load_config(locate(folder).config_path)
    token = make_token(os.environ["NEWSLETTER_SECRET"].encode(), config.list_id, "ada@example.com")
    command = [sys.executable, "-m", "newsletter", "-C", str(folder), "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 20
            while True:
                try:
                    assert client.get("/healthz").text == "ok\n"
                    break
                except httpx.TransportError:
                    assert process.poll() is None, process.communicate()
                    assert time.monotonic() < deadline, "serve did not start"
                    time.sleep(0.05)
            response = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
            assert response.status_code == 200
            assert "server" not in response.headers
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    statuses = {s.email: s.status for s in load(folder / "subscribers.yaml")}
    assert statuses["ada@example.com"] is Status.UNSUBSCRIBED
    log = stderr.decode()
    assert f"http://127.0.0.1:{port}/" in log and config.site_url in log and "Stopped." in log
    assert f'"POST /unsubscribe/{token[:6]}… HTTP/1.1" 200' in log
    assert token not in log and token not in stdout.decode()


def test_ctrl_c_stops_quietly(folder: Path) -> None:
    """Ctrl-C (SIGINT) stops the server with status 0 and no "Aborted!" or traceback."""
    port = free_port()
    command = [sys.executable, "-m", "newsletter", "-C", str(folder), "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert b"Aborted" not in stderr and b"Traceback" not in stderr


def test_serve_outside_a_folder_fails_cleanly(tmp_path: Path) -> None:
    """Outside a newsletter folder the command says what to do and exits 2, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "newsletter", "-C", str(tmp_path), "serve", "--port", "0"],
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert b"Error:" in result.stderr and b"Traceback" not in result.stderr
