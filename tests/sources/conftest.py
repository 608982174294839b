"""Source test fixtures: a feed server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sources.helpers import FeedServer


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    """A real HTTP server on a free loopback port; tests put feeds in `feeds.routes`."""
    server = FeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
