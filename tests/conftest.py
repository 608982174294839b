"""Shared fixtures: a real SMTP server on loopback, a fresh sample newsletter folder, a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from newsletter.sink import free_port

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No NEWSLETTER_* variable from the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("NEWSLETTER_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NEWSLETTER_SECRET", "test-secret-not-for-production")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class RecordingHandler:
    """Stores every message; `answers` maps a recipient to the SMTP reply it gets at RCPT."""

    messages: list[Received] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        answer = self.answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 OK queued"


@dataclass
class SmtpServer:
    handler: RecordingHandler
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real aiosmtpd server on a free loopback port that records raw bytes."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(handler, "127.0.0.1", port)
    finally:
        controller.stop()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A fresh newsletter folder made by `newsletter init`."""
    from newsletter.cli.init import create_folder

    target = tmp_path / "letter"
    create_folder(target)
    return target


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m newsletter ARGS` as a real subprocess."""
    full_env = {k: v for k, v in os.environ.items()}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "newsletter", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        timeout=120,
    )


# CI sets this so that tests needing Chromium, SpamAssassin or Postfix fail instead of skipping.
REQUIRE_TOOLS = os.environ.get("NEWSLETTER_REQUIRE_TOOLS") == "1"


def need_tool(command: str, package: str) -> str:
    """The path of `command`; skips the test (fails it on CI) when it is not installed."""
    import shutil

    path = shutil.which(command) or (
        f"/usr/sbin/{command}" if Path(f"/usr/sbin/{command}").exists() else None
    )
    if path is None:
        message = f"{command} not installed: apt-get install {package}"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    return path
