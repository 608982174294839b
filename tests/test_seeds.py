"""The two scraped seed articles become two clean digest items through the real `newsletter build`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import SHARED, run_cli

SEEDS = SHARED / "seeds"
BOILERPLATE = (
    "Most read",
    "Loading",
    "Disclaimer",
    "Share link",
    "Related News",
    "Subscribe to",
    "Stay on top",
    "PHOTO",
    "versatile fintech analyst",
)


@pytest.fixture
def seeded(folder: Path) -> dict[str, dict[str, object]]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS}")
    shutil.rmtree(folder / "articles")
    (folder / "articles").mkdir()
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, folder / "articles" / seed.name)
    result = run_cli("-C", str(folder), "build", "--date", "today", "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    items = json.loads(result.stdout)["items"]
    return {str(i["title"]): i for i in items}


def test_seeds_give_the_right_headlines(seeded: dict[str, dict[str, object]]) -> None:
    """Each seed's first line is its headline, with a real question mark kept."""
    assert set(seeded) == {
        "International Cooperation Urgently Needed for Strengthening AI Governance",
        "Can Internet Governance Ensure Multilateralism?",
    }


def test_seed_summaries_hold_no_boilerplate_or_damage(seeded: dict[str, dict[str, object]]) -> None:
    """No navigation, promotion, disclaimer or bio line reaches a summary, and no `?` stands for a space."""
    for item in seeded.values():
        summary = str(item["summary"])
        assert len(summary.split()) >= 25
        for line in BOILERPLATE:
            assert line not in summary
        assert "?" not in summary.replace("Multilateralism?", "")
        assert "  " not in summary
