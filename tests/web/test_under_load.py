"""One-click unsubscribes against a long list: a real uvicorn, 100 concurrent clients."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from served import serving

from newsletter.folder import locate
from newsletter.model import Status
from newsletter.subscribers import load
from newsletter.subscribers.journal import current

READERS = 20_000
CLICKS = 100


def long_list(count: int) -> str:
    lines = ["# A long list, with a comment the server must keep.", "subscribers:"]
    for i in range(count):
        lines.append(f"  - email: reader.{i}@example.com")
        lines.append(f"    name: Reader {i}")
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_a_hundred_concurrent_one_click_posts_on_twenty_thousand_readers(folder: Path) -> None:
    """100 one-click POSTs at once against a 20,000-reader file all answer 200 (none 503
    as when each rewrote the file under the lock), each change is in the list as soon as
    it is answered, and all are in subscribers.yaml once folded, comments kept."""
    path = folder / "subscribers.yaml"
    path.write_text(long_list(READERS))
    leaving = [f"reader.{i}@example.com" for i in range(0, READERS, READERS // CLICKS)]
    with serving(locate(folder)) as site:
        urls = [f"/unsubscribe/{site.token(email)}" for email in leaving]

        async def click_all() -> list[int]:
            limits = httpx.Limits(max_connections=CLICKS)
            async with httpx.AsyncClient(base_url=site.url, timeout=30, limits=limits) as client:
                await client.get("/healthz")
                answers = await asyncio.gather(
                    *(client.post(url, data={"List-Unsubscribe": "One-Click"}) for url in urls)
                )
            return [a.status_code for a in answers]

        codes = asyncio.run(click_all())
        assert codes == [200] * CLICKS
        now = {s.email: s.status for s in current(path, folder / ".newsletter")}
        assert all(now[email] is Status.UNSUBSCRIBED for email in leaving)
        site.folded(timeout=60)
    text = path.read_text()
    assert text.startswith("# A long list, with a comment the server must keep.\n")
    after = {s.email: s.status for s in load(path)}
    gone = {email for email, status in after.items() if status is Status.UNSUBSCRIBED}
    assert gone == set(leaving) and len(after) == READERS
