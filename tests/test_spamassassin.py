"""SpamAssassin, run locally, scores the sample issue and a personalized message at or below zero."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need_tool, run_cli

FORBIDDEN = re.compile(
    r"\b(MISSING_\w+|INVALID_\w+|MIME_HTML_ONLY|MPART_ALT_DIFF\w*|HTTPS_HTTP_MISMATCH|SUBJ_ALL_CAPS|HTML_FONT_LOW_CONTRAST)\b"
)


def score(raw: bytes, home: Path) -> tuple[float, str]:
    spamassassin = need_tool("spamassassin", "spamassassin")
    result = subprocess.run(
        [spamassassin, "-x", "-L", "-t", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"],
        input=raw,
        capture_output=True,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin:/usr/sbin"},
        timeout=60,
    )
    report = result.stdout.decode("utf-8", "replace")
    match = re.search(r"Content analysis details:\s+\((-?[\d.]+) points", report)
    assert match, report[-2000:]
    return float(match.group(1)), report.split("Content analysis details:")[1]


@pytest.mark.parametrize("address", ["ada@example.com", "ken@example.net", "grace@example.org"])
def test_sample_messages_score_at_most_zero(folder: Path, tmp_path: Path, address: str) -> None:
    """HTML, text-only and topic-filtered copies all score ≤ 0 and fire none of the structural rules."""
    result = run_cli("-C", str(folder), "preview", "--subscriber", address, "--format", "eml")
    assert result.returncode == 0, result.stderr.decode()
    points, details = score(result.stdout, tmp_path)
    assert points <= 0, details
    assert not FORBIDDEN.search(details), details


def test_hostile_name_scores_at_most_zero(folder: Path, tmp_path: Path) -> None:
    """A subscriber name with quotes, angle brackets and non-ASCII still makes a clean message."""
    from newsletter.subscribers import add

    add(folder / "subscribers.yaml", "zoe@example.net", name='Zoë "Z" <O\'Brien>')
    result = run_cli(
        "-C", str(folder), "preview", "--subscriber", "zoe@example.net", "--format", "eml"
    )
    assert result.returncode == 0, result.stderr.decode()
    points, details = score(result.stdout, tmp_path)
    assert points <= 0, details
    assert not FORBIDDEN.search(details), details
