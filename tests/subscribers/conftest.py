"""Fixtures of the subscriber tests: a minimal newsletter folder and ways to run commands."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsletter.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]

Invoke = Callable[..., Result]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A newsletter folder holding only a minimal newsletter.yaml."""
    (tmp_path / "newsletter.yaml").write_text("name: Test\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def subscribers_file(folder: Path) -> Path:
    return folder / "subscribers.yaml"


@pytest.fixture
def invoke(folder: Path) -> Invoke:
    """Run `newsletter -C FOLDER subscribers ARGS…` in this process; stdout and stderr apart."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, ["-C", str(folder), "subscribers", *args])

    return run


def run_process(folder: Path, *args: str) -> subprocess.Popen[str]:
    """Start `python -m newsletter -C FOLDER subscribers ARGS…` as a real process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, "-m", "newsletter", "-C", str(folder), "subscribers", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
