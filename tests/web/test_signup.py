"""Signup with double opt-in through a real uvicorn, a real HTTP client and a real SMTP server."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from served import Site, serving

from newsletter.cli import cli as main
from newsletter.folder import locate
from newsletter.model import Status, Subscriber
from newsletter.send import SendRequest, send_issue
from newsletter.signup import confirm_token
from newsletter.subscribers.journal import current
from tests.conftest import SmtpServer

NEWCOMER = "newcomer@example.com"


@pytest.fixture
def signup_site(
    folder: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    """The sample folder served by uvicorn, its mail going to a real aiosmtpd server."""
    monkeypatch.setenv("NEWSLETTER_SMTP_URL", smtp_server.url)
    with serving(locate(folder)) as running:
        yield running


def reader(site: Site, email: str) -> Subscriber | None:
    """The entry of `email` as the list stands (file and journal)."""
    for subscriber in current(site.folder.subscribers_path, site.folder.state_dir):
        if subscriber.email == email:
            return subscriber
    return None


def mail_to(
    smtp: SmtpServer, email: str, count: int = 1, timeout: float = 10
) -> list[EmailMessage]:
    """The messages `email` received, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        got = [m for m in smtp.messages if email in m.rcpt_tos]
        if len(got) >= count or time.monotonic() > deadline:
            return [message_from_bytes(m.data, policy=policy.default) for m in got]  # type: ignore[misc]
        time.sleep(0.05)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def confirm_link(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+/confirm/(\S+)", text_of(message))
    assert found, text_of(message)
    return f"/confirm/{found[1]}"


def test_a_new_reader_signs_up_confirms_and_receives_the_next_issue(
    signup_site: Site, smtp_server: SmtpServer
) -> None:
    """The form offers the sections as topics; a POST makes the address pending (with when
    and where from) and mails a confirmation link; its GET only shows a button; its POST
    makes the reader active with a consent record and a welcome message; the next send
    reaches them."""
    site = signup_site
    with site.client() as client:
        form = client.get("/subscribe")
        assert form.status_code == 200
        assert 'name="email"' in form.text and 'value="technology"' in form.text
        assert '<label for="nl-email">' in form.text  # every field has its label
        answer = client.post(
            "/subscribe",
            data={"email": NEWCOMER, "name": "New Comer", "topics": ["technology"]},
            headers={"Origin": "https://blog.example.org"},
        )
        assert answer.status_code == 200 and "Check your inbox" in answer.text
        pending = reader(site, NEWCOMER)
        assert pending is not None and pending.status is Status.PENDING
        assert pending.topics == frozenset({"technology"}) and pending.name == "New Comer"
        assert "blog.example.org" in pending.fields["signup_from"]
        assert pending.fields["signup_at"].endswith("Z")

        (confirmation,) = mail_to(smtp_server, NEWCOMER)
        assert confirmation["Subject"] == f"Confirm your subscription to {site.config.name}"
        link = confirm_link(confirmation)
        shown = client.get(link)  # what a mail scanner does
        assert shown.status_code == 200 and '<form method="post">' in shown.text
        assert reader(site, NEWCOMER).status is Status.PENDING  # type: ignore[union-attr]

        done = client.post(link)
        assert done.status_code == 200 and "You are subscribed" in done.text
    confirmed = reader(site, NEWCOMER)
    assert confirmed is not None and confirmed.status is Status.ACTIVE
    assert confirmed.fields["consent_at"] and "double opt-in" in confirmed.fields["consent_how"]
    welcome = mail_to(smtp_server, NEWCOMER, 2)[1]
    assert welcome["Subject"] == f"Welcome to {site.config.name}"
    assert "/unsubscribe/" in text_of(welcome) and "/preferences/" in text_of(welcome)
    site.folded()
    assert "consent_at:" in site.folder.subscribers_path.read_text()

    before = len(smtp_server.messages)
    report = send_issue(site.folder, SendRequest(date="today", smtp_url=smtp_server.url))
    assert report.tally.delivered >= 1
    issue = [m for m in smtp_server.messages[before:] if NEWCOMER in m.rcpt_tos]
    assert len(issue) == 1


def test_a_pending_reader_never_receives_an_issue(
    signup_site: Site, smtp_server: SmtpServer
) -> None:
    """Until they confirm, a reader who signed up gets the confirmation and nothing else."""
    with signup_site.client() as client:
        assert client.post("/subscribe", data={"email": NEWCOMER}).status_code == 200
    mail_to(smtp_server, NEWCOMER)
    signup_site.folded()
    before = len(smtp_server.messages)
    send_issue(signup_site.folder, SendRequest(date="today", smtp_url=smtp_server.url))
    sent_to = {r for m in smtp_server.messages[before:] for r in m.rcpt_tos}
    assert NEWCOMER not in sent_to and "ada@example.com" in sent_to


def test_the_answer_is_the_same_whatever_the_address(
    signup_site: Site, smtp_server: SmtpServer
) -> None:
    """New, pending, active and unsubscribed addresses get the same status and page; the
    active reader gets no mail, the unsubscribed one must confirm again."""
    with signup_site.client() as client:
        answers = [
            client.post("/subscribe", data={"email": email})
            for email in (NEWCOMER, NEWCOMER, "ada@example.com", "linus@example.org")
        ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert mail_to(smtp_server, "linus@example.org")  # must confirm again
    assert reader(signup_site, "linus@example.org").status is Status.UNSUBSCRIBED  # type: ignore[union-attr]
    time.sleep(0.3)
    assert not [m for m in smtp_server.messages if "ada@example.com" in m.rcpt_tos]


def test_confirmations_per_address_and_signups_per_client_are_limited(
    folder: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An address gets at most `per_address_per_day` confirmations whatever the number of
    POSTs, and a client beyond `per_client_per_hour` signups is told to wait (429)."""
    config = folder / "newsletter.yaml"
    config.write_text(
        config.read_text() + "signup:\n  per_address_per_day: 2\n  per_client_per_hour: 4\n"
    )
    monkeypatch.setenv("NEWSLETTER_SMTP_URL", smtp_server.url)
    codes = []
    with serving(locate(folder)) as site, site.client() as client:
        for wait in (1.1, 1.1, 0, 0, 0):  # a signup a second apart is a new one
            codes.append(client.post("/subscribe", data={"email": NEWCOMER}).status_code)
            time.sleep(wait)
    assert codes == [200, 200, 200, 200, 429]
    time.sleep(0.5)
    assert len(mail_to(smtp_server, NEWCOMER, 2)) == 2


def test_a_filled_honeypot_gets_the_same_page_and_nothing_else(
    signup_site: Site, smtp_server: SmtpServer
) -> None:
    """A robot filling the hidden field is answered as anyone, and nothing is recorded or sent."""
    with signup_site.client() as client:
        robot = client.post("/subscribe", data={"email": NEWCOMER, "website": "http://spam"})
        human = client.post("/subscribe", data={"email": "other@example.com"})
    assert robot.status_code == human.status_code == 200 and robot.text == human.text
    assert reader(signup_site, NEWCOMER) is None
    mail_to(smtp_server, "other@example.com")
    assert not [m for m in smtp_server.messages if NEWCOMER in m.rcpt_tos]


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        ({"email": "not an address"}, 400, "does not look like an email address"),
        ({"email": NEWCOMER, "topics": "astrology"}, 400, "topics among those listed"),
        ({"email": NEWCOMER, "colour": "blue"}, 400, "not filled in as expected"),
        ({"name": "No Address"}, 400, "not filled in as expected"),
        ({"email": NEWCOMER, "name": "Line\nbreak"}, 400, "on one line"),
    ],
)
def test_bad_signups_get_a_clear_page_and_change_nothing(
    signup_site: Site, data: dict[str, str], status: int, says: str
) -> None:
    """A malformed address, an unknown topic, a missing or extra field: a page saying so."""
    before = signup_site.folder.subscribers_path.read_bytes()
    with signup_site.client() as client:
        answer = client.post("/subscribe", data=data)
    assert answer.status_code == status and says in answer.text
    assert reader(signup_site, NEWCOMER) is None
    assert signup_site.folder.subscribers_path.read_bytes() == before


def test_a_huge_signup_post_is_refused(signup_site: Site) -> None:
    """A 1 MB POST is refused with 413 before it is read."""
    with signup_site.client() as client:
        answer = client.post("/subscribe", data={"email": NEWCOMER, "name": "x" * 1_000_000})
    assert answer.status_code == 413
    assert reader(signup_site, NEWCOMER) is None


def test_bad_confirmation_tokens_change_nothing(signup_site: Site, smtp_server: SmtpServer) -> None:
    """Forged, truncated, foreign-list and expired tokens get a page saying the link does
    not work, and a link replayed after unsubscribing does not bring the reader back."""
    site = signup_site
    secret = b"test-secret-not-for-production"
    with site.client() as client:
        client.post("/subscribe", data={"email": NEWCOMER})
        link = confirm_link(mail_to(smtp_server, NEWCOMER)[0])
        token = link.rsplit("/", 1)[1]
        when = int(token.split(".")[1], 36)
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        foreign = confirm_token(secret, "other.example.com", NEWCOMER, when)
        for bad in (forged, token[:20], foreign, "x"):
            assert client.post(f"/confirm/{bad}").status_code == 404
        assert reader(site, NEWCOMER).status is Status.PENDING  # type: ignore[union-attr]

        assert client.post(link).status_code == 200
        unsubscribe = client.post(f"/unsubscribe/{site.token(NEWCOMER)}")
        assert unsubscribe.status_code == 200
        assert reader(site, NEWCOMER).status is Status.UNSUBSCRIBED  # type: ignore[union-attr]
        assert client.post(link).status_code == 404  # replayed
    assert reader(site, NEWCOMER).status is Status.UNSUBSCRIBED  # type: ignore[union-attr]


def test_an_expired_link_says_so_and_the_entry_is_dropped(
    signup_site: Site, smtp_server: SmtpServer
) -> None:
    """A link older than `signup.expiry_days` gets 410 and a page saying to sign up again;
    `subscribers validate` reports the entry, `--fix` drops it, the rest stays byte for byte."""
    site = signup_site
    path = site.folder.subscribers_path
    old = datetime.now(UTC) - timedelta(days=8)
    stamp = old.isoformat(timespec="seconds").replace("+00:00", "Z")
    before = path.read_text()
    path.write_text(
        before + f"\n  - email: {NEWCOMER}\n    status: pending\n"
        f"    fields: {{signup_at: '{stamp}'}}\n"
    )
    token = confirm_token(
        b"test-secret-not-for-production", site.config.list_id, NEWCOMER, int(old.timestamp())
    )
    with site.client() as client:
        answer = client.get(f"/confirm/{token}")
    assert answer.status_code == 410 and "expired" in answer.text
    runner = CliRunner()
    checked = runner.invoke(main, ["-C", str(site.folder.root), "subscribers", "validate"])
    assert checked.exit_code == 0 and f"{NEWCOMER}: expired" in checked.output
    assert NEWCOMER in path.read_text()
    fixed = runner.invoke(main, ["-C", str(site.folder.root), "subscribers", "validate", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert path.read_text() == before


def test_form_prints_a_snippet_posting_to_the_site(folder: Path) -> None:
    """`newsletter form` prints a form posting to SITE/subscribe with the sections as topics
    and the honeypot field."""
    result = CliRunner().invoke(main, ["-C", str(folder), "form"])
    assert result.exit_code == 0
    assert 'action="https://news.example.com/subscribe"' in result.output
    assert 'name="topics" value="energy"' in result.output
    assert 'name="website"' in result.output


def test_preferences_show_and_save_topics_name_and_format(signup_site: Site) -> None:
    """The preferences page shows the reader's status, name, topics, format and frequency, saves a
    change of each at once (the send sees it before it is folded into the file), and
    refuses an unknown topic or format with a page saying so, changing nothing."""
    site = signup_site
    url = f"/preferences/{site.token('ken@example.net')}"
    with site.client() as client:
        page = client.get(url)
        assert "Status: <strong>subscribed" in page.text
        assert 'value="text" checked' in page.text and 'value="Ken Thompson"' in page.text
        assert 'value="daily" checked' in page.text
        choices = {"name": "Ken T.", "topics": ["energy"], "format": "html", "frequency": "weekly"}
        saved = client.post(url, data={"action": "save", **choices})
        assert saved.status_code == 200 and "Saved: your choices" in saved.text
        ken = reader(site, "ken@example.net")
        assert ken is not None and ken.name == "Ken T." and ken.topics == frozenset({"energy"})
        assert ken.format.value == "html" and ken.frequency.value == "weekly"
        bads = (
            {"topics": "astrology"},
            {"format": "pdf"},
            {"frequency": "hourly"},
            {"colour": "x"},
        )
        for bad in bads:
            refused = client.post(url, data={"action": "save", **bad})
            assert refused.status_code == 400 and "nothing was changed" in refused.text
        assert reader(site, "ken@example.net") == ken
        left = client.post(url, data={"action": "unsubscribe"})
        assert "Status: <strong>not subscribed" in left.text
    site.folded()
    text = site.folder.subscribers_path.read_text()
    assert "name: Ken T." in text and "topics: [energy]" in text and "frequency: weekly" in text


def test_links_of_a_reader_not_yet_in_the_file_work_at_once(signup_site: Site) -> None:
    """The personal links of an address the journal added moments ago (not yet folded
    into the file) work: unsubscribing right after signing up is recorded."""
    site = signup_site
    with site.client() as client:
        client.post("/subscribe", data={"email": NEWCOMER})
        assert NEWCOMER not in site.folder.subscribers_path.read_text()
        answer = client.post(
            f"/unsubscribe/{site.token(NEWCOMER)}", data={"List-Unsubscribe": "One-Click"}
        )
    assert answer.status_code == 200 and "You are unsubscribed" in answer.text
    assert reader(site, NEWCOMER).status is Status.UNSUBSCRIBED  # type: ignore[union-attr]


def test_the_next_send_drops_expired_signups(folder: Path, smtp_server: SmtpServer) -> None:
    """A signup older than `signup.expiry_days` is dropped by the next send, which says so;
    a recent one stays pending, and neither receives the issue."""
    path = folder / "subscribers.yaml"
    old = (datetime.now(UTC) - timedelta(days=8)).isoformat(timespec="seconds")
    new = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(
        path.read_text()
        + f"\n  - email: {NEWCOMER}\n    status: pending\n    fields: {{signup_at: '{old}'}}\n"
        + f"\n  - email: fresh@example.com\n    status: pending\n    fields: {{signup_at: '{new}'}}\n"
    )
    report = send_issue(locate(folder), SendRequest(date="today", smtp_url=smtp_server.url))
    assert any("dropped 1 signup(s)" in w for w in report.warnings)
    text = path.read_text()
    assert NEWCOMER not in text and "fresh@example.com" in text
    sent_to = {r for m in smtp_server.messages for r in m.rcpt_tos}
    assert not sent_to & {NEWCOMER, "fresh@example.com"}
