"""Fixture bounces filled in with the tokens a real send of the sample newsletter makes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from newsletter import unsubscribe
from newsletter.bounces.verp import Verp
from newsletter.config import load_config

FIXTURES = Path(__file__).parent / "fixtures"
ISSUE = date(2026, 12, 1)


def verp_address(folder: Path, email: str, day: date = ISSUE) -> str:
    config = load_config(folder / "newsletter.yaml")
    secret = unsubscribe.load_secret(config)
    return Verp(secret, config.list_id, config.bounce_address).address(day, email)


def fill(folder: Path, text: str, day: date = ISSUE) -> bytes:
    """`text` with %VERP(addr)% and %UNSUB(addr)% made the tokens of `folder`'s list."""
    config = load_config(folder / "newsletter.yaml")
    secret = unsubscribe.load_secret(config)
    verp = Verp(secret, config.list_id, config.bounce_address)
    text = re.sub(r"%VERP\(([^)]+)\)%", lambda m: verp.address(day, m[1]), text)
    text = re.sub(
        r"%UNSUB\(([^)]+)\)%",
        lambda m: unsubscribe.make_token(secret, config.list_id, m[1]),
        text,
    )
    return text.replace("\n", "\r\n").encode()


def fixture(folder: Path, name: str, day: date = ISSUE) -> bytes:
    return fill(folder, (FIXTURES / name).read_text(), day)


def status_of(folder: Path, email: str) -> str:
    from newsletter.subscribers import load

    return next(s.status.value for s in load(folder / "subscribers.yaml") if s.email == email)
