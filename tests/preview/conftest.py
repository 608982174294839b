"""Fixtures for the preview tests: one headless Chromium per module, a running preview server."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsletter.screenshot import Browser
from tests.conftest import need_tool


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A real headless Chromium; skipped with the install command when it is missing."""
    executable = need_tool("chromium", "chromium")
    with Browser(executable) as b:
        yield b


@dataclass
class PreviewServer:
    process: subprocess.Popen[bytes]
    url: str
    folder: Path


@pytest.fixture
def preview_server(folder: Path) -> Iterator[PreviewServer]:
    """`newsletter preview --serve --port 0` on the sample folder, as a real subprocess."""
    env = {k: v for k, v in os.environ.items()}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsletter",
            "-C",
            str(folder),
            "preview",
            "--serve",
            "--port",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 20
    while b"\n" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.2)
        if ready:
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
    found = re.search(rb"http://[^\s]+/", seen)
    try:
        assert found, f"no URL printed: {seen.decode(errors='replace')}"
        yield PreviewServer(process, found.group().decode(), folder)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()
