"""Unsubscribing by mail: the `mailto:` of List-Unsubscribe, answered by a mail client,
piped into `newsletter subscribers unsubscribe --from-mail` as a mail server would."""

from __future__ import annotations

import difflib
import email
import email.policy
import urllib.parse
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner, Result

from newsletter.cli import cli
from newsletter.subscribers import load


def run(folder: Path, *args: str, mail: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["-C", str(folder), *args], input=mail)


def mailto_of(folder: Path, reader: str) -> tuple[str, str]:
    """The address and subject of the mailto: link in `reader`'s copy of today's issue."""
    shown = run(folder, "preview", "--subscriber", reader, "--format", "eml")
    assert shown.exit_code == 0, shown.output
    message = email.message_from_bytes(shown.stdout_bytes, policy=email.policy.default)
    links = str(message["List-Unsubscribe"]).replace("\r\n", "").replace("\n", "").split(",")
    uri = next(link.strip(" <>") for link in links if "mailto:" in link)
    parsed = urllib.parse.urlsplit(uri)
    subject = urllib.parse.parse_qs(parsed.query)["subject"][0]
    return parsed.path, subject


def reply(to: str, subject: str, body: str = "") -> bytes:
    """The mail a client sends for a mailto: link."""
    message = EmailMessage()
    message["From"] = "Someone <someone@example.net>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body or "Sent from my phone")
    return message.as_bytes()


def statuses(folder: Path) -> dict[str, str]:
    return {s.email: s.status.value for s in load(folder / "subscribers.yaml")}


def test_the_mailto_link_of_a_message_unsubscribes_its_reader(folder: Path) -> None:
    """The link's own address and subject, sent back, unsubscribe that reader and no one
    else; the file changes only in that entry."""
    to, subject = mailto_of(folder, "grace@example.org")
    before = (folder / "subscribers.yaml").read_text(encoding="utf-8")
    assert statuses(folder)["linus@example.org"] == "unsubscribed"
    done = run(folder, "subscribers", "unsubscribe", "--from-mail", mail=reply(to, subject))
    assert done.exit_code == 0, done.output
    assert "grace@example.org is now unsubscribed" in done.output
    assert {e: s for e, s in statuses(folder).items() if s != "active"} == {
        "grace@example.org": "unsubscribed",
        "linus@example.org": "unsubscribed",  # the sample file's own unsubscribed reader
    }
    after = (folder / "subscribers.yaml").read_text(encoding="utf-8").splitlines()
    diff = [d for d in difflib.ndiff(before.splitlines(), after) if d[:2] in ("+ ", "- ")]
    assert len(diff) == 1 and diff[0].startswith("+ ") and "status: unsubscribed" in diff[0]
    added = after.index(diff[0][2:])  # inside Grace's entry, before Ken's
    assert (
        after.index("  - email: grace@example.org")
        < added
        < after.index("  - email: ken@example.net")
    )
    again = run(folder, "subscribers", "unsubscribe", "--from-mail", mail=reply(to, subject))
    assert again.exit_code == 0 and "already unsubscribed" in again.output


def test_a_reply_prefix_an_encoded_subject_or_the_token_in_the_text_still_work(
    folder: Path,
) -> None:
    """ "Re:", an RFC 2047 subject, or a client that put the request in the text."""
    to, subject = mailto_of(folder, "ada@example.com")
    encoded = reply(to, f"Re: {subject} – merci")  # a non-ASCII subject is encoded
    assert b"=?utf-8?" in encoded
    assert run(folder, "subscribers", "unsubscribe", "--from-mail", mail=encoded).exit_code == 0
    assert statuses(folder)["ada@example.com"] == "unsubscribed"

    to, subject = mailto_of(folder, "ken@example.net")
    mail = reply(to, "please stop", body=f"Hello,\n{subject}\nThanks")
    assert run(folder, "subscribers", "unsubscribe", "--from-mail", mail=mail).exit_code == 0
    assert statuses(folder)["ken@example.net"] == "unsubscribed"


def test_a_mail_that_names_nobody_changes_nothing_and_is_not_bounced(folder: Path) -> None:
    """No token, a token of another secret, or one whose reader left the file: exit 0 (a
    mail server would bounce anything else to whoever sent it), a line saying why, and
    subscribers.yaml untouched."""
    before = (folder / "subscribers.yaml").read_bytes()
    to, subject = mailto_of(folder, "margaret@example.com")
    forged = subject[:-5] + ("AAAAA" if not subject.endswith("AAAAA") else "BBBBB")
    for mail, why in (
        (reply(to, "hello"), "No unsubscribe-TOKEN"),
        (reply(to, forged), "names nobody"),
    ):
        done = run(folder, "subscribers", "unsubscribe", "--from-mail", mail=mail)
        assert done.exit_code == 0, done.output
        assert why in done.stderr
    assert (folder / "subscribers.yaml").read_bytes() == before


def test_an_address_and_from_mail_together_are_refused(folder: Path) -> None:
    """Either an EMAIL or --from-mail: both, or neither, is a usage error (exit 2)."""
    both = run(folder, "subscribers", "unsubscribe", "ada@example.com", "--from-mail", mail=b"")
    neither = run(folder, "subscribers", "unsubscribe")
    assert both.exit_code == 2 and neither.exit_code == 2
    assert "either an EMAIL or --from-mail" in both.output
