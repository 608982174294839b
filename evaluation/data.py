"""Where the evaluation data lives: ../shared/eval next to the repo, or $NEWSLETTER_EVAL_DIR."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def eval_dir() -> Path:
    """The folder holding bbc_clean_100.jsonl and scrapinghub_50/; exits when missing."""
    configured = os.environ.get("NEWSLETTER_EVAL_DIR")
    path = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[1].parent / "shared" / "eval"
    )
    if not path.is_dir():
        sys.exit(f"Error: evaluation data not found at {path}; set NEWSLETTER_EVAL_DIR.")
    return path
