"""The confirmation message is made as an issue's message is: addresses on the wire as
every relay takes them."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from pathlib import Path

from newsletter.config import load_config
from newsletter.signup import compose


def test_a_confirmation_to_a_non_ascii_domain_goes_out_as_idna(folder: Path) -> None:
    """`jorg@bücher.example` signs up: the envelope and the To header carry the IDNA form
    (not a broken encoded-word inside the address), and a non-ASCII sender name reads back
    as written."""
    config = load_config(folder / "newsletter.yaml")
    sender = dataclasses.replace(config.sender, name="Gazette de Lyon — Société")
    config = dataclasses.replace(config, sender=sender)
    links = {"confirm_url": "https://news.example.com/confirm/t"}
    message = compose(config, None, "confirm", "jorg@bücher.example", None, links)
    assert message.recipient == "jorg@xn--bcher-kva.example"
    assert message.data.isascii()
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert parsed["To"] == "jorg@xn--bcher-kva.example"
    assert parsed["From"].addresses[0].display_name == "Gazette de Lyon — Société"
