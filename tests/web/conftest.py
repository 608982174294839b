"""Fixtures of the web tests: the sample folder served by a real uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from served import Site, serving

from newsletter.folder import locate


@pytest.fixture
def site(folder: Path) -> Iterator[Site]:
    """The sample folder served by the real app under uvicorn on a free loopback port."""
    with serving(locate(folder)) as running:
        yield running
