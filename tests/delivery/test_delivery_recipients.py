"""One recipient never stops the others: an address, a name or a value that cannot make a
message fails that recipient alone, with the reason, and the send goes on."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import yaml

from tests.delivery.conftest import DAY, cli, configure, ledger, send_here
from tests.delivery.faulty import FaultyServer


def _subscribers(root: Path, entries: list[dict[str, str]]) -> None:
    text = yaml.safe_dump({"subscribers": entries}, allow_unicode=True, sort_keys=False)
    (root / "subscribers.yaml").write_text(text, encoding="utf-8")


def test_a_non_ascii_domain_goes_out_as_idna_and_everyone_after_it_too(letter: Path) -> None:
    """`jorg@bücher.example` travels as `jorg@xn--bcher-kva.example` in the envelope and
    the To header to a relay without SMTPUTF8, and the subscribers listed after it get
    the issue as well."""
    _subscribers(
        letter,
        [
            {"email": "first@example.com"},
            {"email": "jorg@bücher.example", "name": "Jörg Müller"},
            {"email": "last@example.com"},
        ],
    )
    with FaultyServer() as server:
        report = send_here(letter, server.url)
        accepted = {a.recipient: a.data for a in server.handler.accepted}
    assert report.exit_code == 0
    assert sorted(accepted) == [
        "first@example.com",
        "jorg@xn--bcher-kva.example",
        "last@example.com",
    ]
    message = message_from_bytes(accepted["jorg@xn--bcher-kva.example"], policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "jorg@xn--bcher-kva.example"
    assert message["To"].addresses[0].display_name == "Jörg Müller"
    assert ledger(letter)["jorg@bücher.example"].state == "delivered"


def test_a_non_ascii_local_part_fails_alone_on_a_relay_without_smtputf8(letter: Path) -> None:
    """With `smtputf8: true` but a relay that does not offer it, `jörg@…` is failed with a
    reason naming SMTPUTF8; the non-ASCII domain is delivered as IDNA; the others too."""
    configure(letter, smtputf8=True)
    _subscribers(
        letter,
        [
            {"email": "jörg@example.com"},
            {"email": "jorg@bücher.example"},
            {"email": "last@example.com"},
        ],
    )
    with FaultyServer() as server:
        result = cli(letter, "send", "--date", DAY, "--smtp-url", server.url)
        accepted = sorted(server.handler.recipients())
    assert result.returncode == 1
    assert accepted == ["jorg@xn--bcher-kva.example", "last@example.com"]
    row = ledger(letter)["jörg@example.com"]
    assert row.state == "failed" and "SMTPUTF8" in row.response
    assert "jörg@example.com" in result.stderr and "SMTPUTF8" in result.stderr


def test_a_non_ascii_local_part_without_the_setting_fails_alone(letter: Path) -> None:
    """Without `sending.smtputf8`, a `jörg@…` in the list does not refuse the whole send:
    that one reader is failed with a reason naming the setting, the others are delivered."""
    _subscribers(
        letter,
        [
            {"email": "first@example.com"},
            {"email": "jörg@example.com"},
            {"email": "last@example.com"},
        ],
    )
    with FaultyServer() as server:
        result = cli(letter, "send", "--date", DAY, "--smtp-url", server.url)
        accepted = sorted(server.handler.recipients())
    assert result.returncode == 1
    assert accepted == ["first@example.com", "last@example.com"]
    row = ledger(letter)["jörg@example.com"]
    assert row.state == "failed" and "smtputf8: true" in row.response
    assert "Traceback" not in result.stderr


def test_a_relay_with_smtputf8_gets_a_non_ascii_local_part_as_it_is(letter: Path) -> None:
    """A relay that offers SMTPUTF8 receives `jörg@…` in UTF-8 (RFC 6531)."""
    configure(letter, smtputf8=True)
    _subscribers(letter, [{"email": "jörg@example.com", "name": "Jörg"}])
    with FaultyServer(smtputf8=True) as server:
        report = send_here(letter, server.url)
        accepted = server.handler.accepted
    assert report.exit_code == 0
    assert [a.recipient for a in accepted] == ["jörg@example.com"]
    assert "To: Jörg <jörg@example.com>" in accepted[0].data.decode("utf-8")


def test_a_value_that_breaks_a_filter_fails_only_its_recipient(letter: Path) -> None:
    """A template filter that fails on one reader's value (`format` on a name holding
    "%") fails that reader in the ledger with the reason; the others, listed before and
    after, are delivered, and the run exits 1."""
    templates = letter / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "email.txt.j2").write_text(
        "Dear {{ subscriber.name|format }},\n", encoding="utf-8"
    )
    _subscribers(
        letter,
        [
            {"email": "first@example.com", "name": "Ada"},
            {"email": "percent@example.com", "name": "100% Grace"},
            {"email": "last@example.com", "name": "Ken"},
        ],
    )
    with FaultyServer() as server:
        result = cli(letter, "send", "--date", DAY, "--smtp-url", server.url)
        accepted = sorted(server.handler.recipients())
    assert result.returncode == 1, result.stderr
    assert accepted == ["first@example.com", "last@example.com"]
    row = ledger(letter)["percent@example.com"]
    assert row.state == "failed" and "email.txt.j2: the filter `format` failed" in row.response
    assert "percent@example.com" in result.stderr
    assert "fix what the reason says" in result.stderr
    assert "Correct the address" not in result.stderr
