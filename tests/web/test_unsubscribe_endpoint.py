"""One-click unsubscribe and preferences over a real socket (RFC 8058)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from served import Site

from newsletter.model import Status
from newsletter.subscribers import load
from newsletter.subscribers.journal import current
from newsletter.unsubscribe import make_token

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def statuses(site: Site) -> dict[str, Status]:
    """Every status as the list stands: the file with the changes not folded into it yet."""
    folder = site.folder
    return {s.email: s.status for s in current(folder.subscribers_path, folder.state_dir)}


def file_bytes(site: Site) -> bytes:
    return site.folder.subscribers_path.read_bytes()


def test_get_shows_a_form_and_never_unsubscribes(site: Site) -> None:
    """A GET (what a mail scanner does) shows a confirmation form posting to the same URL,
    and changes nothing."""
    before = file_bytes(site)
    with site.client() as client:
        response = client.get(f"/unsubscribe/{site.token('ada@example.com')}")
        head = client.head(f"/unsubscribe/{site.token('ada@example.com')}")
    assert response.status_code == 200 and head.status_code == 200
    assert '<form method="post">' in response.text
    assert 'name="List-Unsubscribe" value="One-Click"' in response.text
    assert response.headers["cache-control"] == "no-store"
    assert file_bytes(site) == before


def test_one_click_post_unsubscribes_that_subscriber_only(site: Site) -> None:
    """The RFC 8058 POST answers 200 without cookie or redirect, and unsubscribes exactly
    the token's subscriber; every other entry stays as it was."""
    before = statuses(site)
    with site.client() as client:
        response = client.post(f"/unsubscribe/{site.token('ada@example.com')}", data=ONE_CLICK)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers and "location" not in response.headers
    assert "You are unsubscribed" in response.text
    after = statuses(site)
    assert after["ada@example.com"] is Status.UNSUBSCRIBED
    assert {k: v for k, v in after.items() if k != "ada@example.com"} == {
        k: v for k, v in before.items() if k != "ada@example.com"
    }


def test_page_button_and_other_bodies_unsubscribe(site: Site) -> None:
    """The confirmation page's button, a multipart one-click body and an empty POST all
    unsubscribe: a POST is never sent by a link scanner."""
    tokens = {e: site.token(e) for e in ("ada@example.com", "grace@example.org", "ken@example.net")}
    with site.client() as client:
        page = client.get(f"/unsubscribe/{tokens['ada@example.com']}")
        assert page.status_code == 200
        assert client.post(f"/unsubscribe/{tokens['ada@example.com']}", data=ONE_CLICK).is_success
        multipart = client.post(
            f"/unsubscribe/{tokens['grace@example.org']}",
            files={"List-Unsubscribe": (None, "One-Click")},
        )
        assert multipart.status_code == 200
        assert client.post(f"/unsubscribe/{tokens['ken@example.net']}").status_code == 200
    after = statuses(site)
    assert all(after[e] is Status.UNSUBSCRIBED for e in tokens)


def test_repeats_are_harmless(site: Site) -> None:
    """A second, third… one-click POST answers the same 200 and leaves the file as the first
    left it."""
    url = f"/unsubscribe/{site.token('margaret@example.com')}"
    with site.client() as client:
        first = client.post(url, data=ONE_CLICK)
        site.folded()
        after_first = file_bytes(site)
        again = [client.post(url, data=ONE_CLICK) for _ in range(3)]
    assert all(r.status_code == 200 and r.text == first.text for r in again)
    site.folded()
    assert file_bytes(site) == after_first


def test_status_is_never_revealed(site: Site) -> None:
    """A valid token gets the same unsubscribe pages whether its address is active or
    already unsubscribed (linus is unsubscribed in the sample). The preferences page
    shows its holder their own status, as it must."""
    fresh, gone = site.token("ada@example.com"), site.token("linus@example.org")
    with site.client() as client:
        for method, path in [("GET", "unsubscribe")]:
            a = client.request(method, f"/{path}/{fresh}")
            b = client.request(method, f"/{path}/{gone}")
            assert (a.status_code, a.text.replace(fresh, "T")) == (
                b.status_code,
                b.text.replace(gone, "T"),
            )
        a = client.post(f"/unsubscribe/{fresh}", data=ONE_CLICK)
        b = client.post(f"/unsubscribe/{gone}", data=ONE_CLICK)
        assert (a.status_code, a.text.replace(fresh, "T")) == (
            b.status_code,
            b.text.replace(gone, "T"),
        )


def forged_tokens(site: Site) -> Iterator[str]:
    good = site.token("ada@example.com")
    yield good[:-1] + ("A" if good[-1] != "A" else "B")  # one character changed
    yield good[:-1]  # truncated
    yield good[:12]  # just the lookup id
    yield good + "A"  # extended
    yield good[:12] + "A" * 31  # right lookup id, wrong MAC
    yield make_token(b"another list's secret", site.config.list_id, "ada@example.com")
    yield make_token(
        os.environ["NEWSLETTER_SECRET"].encode(), "other.example.com", "ada@example.com"
    )
    yield site.token("stranger@example.com")  # valid shape, not a subscriber
    raw = hmac.new(b"guess", b"ada@example.com", hashlib.sha256).digest()
    yield base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    yield "ada@example.com"
    yield "%2E%2E%2Fsubscribers.yaml"
    yield "x" * 2000


def test_forged_tokens_get_a_generic_404_and_change_nothing(site: Site) -> None:
    """Forged, truncated, foreign or unknown tokens: the same 404 as any unknown page, for GET
    and POST, and the subscriber file is untouched."""
    before = file_bytes(site)
    with site.client() as client:
        generic = client.get("/no-such-page")
        assert generic.status_code == 404
        for token in forged_tokens(site):
            for path in ("unsubscribe", "preferences"):
                for response in (
                    client.get(f"/{path}/{token}"),
                    client.post(f"/{path}/{token}", data={**ONE_CLICK, "action": "unsubscribe"}),
                ):
                    assert response.status_code == 404, (path, token)
                    assert response.text == generic.text
                    assert "ada" not in response.text
    assert file_bytes(site) == before


def test_preferences_unsubscribe_and_resubscribe(site: Site) -> None:
    """The preferences page unsubscribes and resubscribes; an unknown action is refused and
    changes nothing."""
    url = f"/preferences/{site.token('ada@example.com')}"
    with site.client() as client:
        assert "Unsubscribe" in client.get(url).text
        assert client.post(url, data={"action": "unsubscribe"}).status_code == 200
        assert statuses(site)["ada@example.com"] is Status.UNSUBSCRIBED
        saved = client.post(url, data={"action": "subscribe"})
        assert saved.status_code == 200 and "you will receive" in saved.text
        assert statuses(site)["ada@example.com"] is Status.ACTIVE
        site.folded()
        before = file_bytes(site)
        assert client.post(url, data={"action": "delete-everything"}).status_code == 400
        assert client.post(url).status_code == 400
    assert file_bytes(site) == before


def test_oversized_bodies_get_413(site: Site) -> None:
    """A body over the limit is refused with 413, declared or streamed in chunks, and nothing
    changes."""
    before = file_bytes(site)
    url = f"/unsubscribe/{site.token('ada@example.com')}"
    big = b"List-Unsubscribe=One-Click&pad=" + b"x" * 10_000

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    with site.client() as client:
        assert client.post(url, content=big).status_code == 413
        streamed = client.post(url, content=chunks())  # Transfer-Encoding: chunked
        assert streamed.status_code == 413
        assert "content-length" not in streamed.request.headers
        prefs = f"/preferences/{site.token('ada@example.com')}"
        assert client.post(prefs, content=chunks()).status_code == 413
    assert file_bytes(site) == before


def test_hand_edits_are_seen_at_once(site: Site) -> None:
    """An address added by hand works at once, and a typo in another entry does not stop
    anyone from unsubscribing."""
    path = site.folder.subscribers_path
    text = path.read_text()
    path.write_text(text + "\n  - email: new@example.com\n\n  - email: not an address\n")
    with site.client() as client:
        response = client.post(f"/unsubscribe/{site.token('new@example.com')}", data=ONE_CLICK)
        assert response.status_code == 200
        response = client.post(f"/unsubscribe/{site.token('ada@example.com')}", data=ONE_CLICK)
        assert response.status_code == 200
    site.folded()
    text = path.read_text()
    assert "not an address" in text
    assert text.count("status: unsubscribed") == 3  # linus, new, ada


@pytest.mark.timeout(60)
def test_concurrent_unsubscribes_race_subscribers_add(site: Site) -> None:
    """Unsubscribes arriving together while `newsletter subscribers add` runs in other
    processes: the file stays valid and every change is in it."""
    path = site.folder.subscribers_path
    existing = [f"reader{i}@example.com" for i in range(24)]
    with path.open("a") as file:
        file.writelines(f"\n  - email: {e}\n" for e in existing)
    added = [f"late{i}@example.net" for i in range(6)]
    env = {k: v for k, v in os.environ.items()}

    def add(email: str) -> tuple[subprocess.CompletedProcess[bytes], float]:
        command = [sys.executable, "-m", "newsletter", "-C", str(site.folder.root)]
        result = subprocess.run(
            [*command, "subscribers", "add", email], env=env, capture_output=True, timeout=60
        )
        return result, time.monotonic()

    def unsubscribe(index: int) -> tuple[int, float]:
        time.sleep(index * 0.05)  # spread over the time the adds take
        with httpx.Client(base_url=site.url, timeout=30) as client:
            url = f"/unsubscribe/{site.token(existing[index])}"
            return client.post(url, data=ONE_CLICK).status_code, time.monotonic()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(added) + len(existing)) as pool:
        adds = [pool.submit(add, email) for email in added]
        posts = list(pool.map(unsubscribe, range(len(existing))))
        results = [future.result() for future in adds]

    codes = [code for code, _ in posts]
    # The race happened: some unsubscribes were answered before the last add had finished.
    last_add = max(done for _, done in results)
    assert any(started < done < last_add for _, done in posts)
    results_only = [r for r, _ in results]
    assert codes == [200] * len(existing)
    assert all(r.returncode == 0 for r in results_only), [r.stderr for r in results_only]
    site.folded()  # the answers come once a change is journaled; the file follows in a batch
    final = {s.email: s for s in load(path)}  # raises if the file were broken
    assert all(final[e].status is Status.UNSUBSCRIBED for e in existing)
    assert all(final[e].status is Status.ACTIVE for e in added)
    assert final["ada@example.com"].status is Status.ACTIVE
