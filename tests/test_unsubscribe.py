"""Unsubscribe tokens: opaque, unforgeable, stable, and resolvable by the server."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsletter import unsubscribe
from newsletter.config import Config, Sender, UnsubscribeSettings
from newsletter.errors import ConfigError
from newsletter.unsubscribe import TokenIndex, Tokens, make_token, resolve_token

SECRET = b"0123456789abcdef0123456789abcdef"
LIST = "daily.example.com"


@pytest.fixture(autouse=True)
def _no_secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSLETTER_SECRET", raising=False)


def make_config(root: Path, **unsub: str | None) -> Config:
    return Config(
        name="Daily",
        sender=Sender("Daily", "news@example.com"),
        site_url="https://news.example.com",
        path=root / "newsletter.yaml",
        unsubscribe=UnsubscribeSettings(**unsub),  # type: ignore[arg-type]
    )


emails = st.builds(
    "{}@{}.{}".format,
    st.text("abcdefghijklmnopqrstuvwxyz0123456789.+_-", min_size=1, max_size=64),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=63),
    st.sampled_from(["com", "org", "net", "example"]),
)


@given(emails)
def test_token_round_trip(email: str) -> None:
    """Any address's token resolves back to that address, and carries no part of it."""
    token = make_token(SECRET, LIST, email)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert "@" not in token and email not in token
    assert resolve_token(SECRET, LIST, token, ["other@example.com", email]) == email
    assert TokenIndex(SECRET, LIST, ["other@example.com", email]).resolve(token) == email


@given(emails, st.binary(min_size=1, max_size=64), st.text(min_size=1, max_size=40))
def test_prepared_tokens_equal_make_token(email: str, secret: bytes, list_id: str) -> None:
    """The per-send token maker (key and list prefix set up once) gives exactly the token
    `make_token` gives, so links in mail resolve on the web side."""
    assert Tokens(secret, list_id)(email) == make_token(secret, list_id, email)
    assert Tokens(secret, list_id)(email.upper()) == make_token(secret, list_id, email)


def test_token_is_stable_and_case_insensitive() -> None:
    """The same address always gets the same token, whatever its case or surrounding spaces,
    so links in old issues keep working after the file is tidied by hand."""
    token = make_token(SECRET, LIST, "Ann@Example.COM")
    assert token == make_token(SECRET, LIST, " ann@example.com ")
    assert resolve_token(SECRET, LIST, token, ["ann@example.com"]) == "ann@example.com"


def test_token_differs_per_address_list_and_secret() -> None:
    """A token is worthless for another address, another list or under another secret."""
    token = make_token(SECRET, LIST, "ann@example.com")
    assert token != make_token(SECRET, LIST, "bob@example.com")
    assert resolve_token(SECRET, "weekly.example.com", token, ["ann@example.com"]) is None
    assert resolve_token(b"another secret 0123456789", LIST, token, ["ann@example.com"]) is None


def test_forged_and_truncated_tokens_resolve_to_nothing() -> None:
    """Flipping one character, truncating, extending or garbling a token never resolves."""
    index = TokenIndex(SECRET, LIST, ["ann@example.com", "bob@example.com"])
    token = make_token(SECRET, LIST, "ann@example.com")
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    for bad in (flipped, token[:-1], token + "A", token[:12], "", "../../etc/passwd", "é" * 43):
        assert index.resolve(bad) is None
        assert resolve_token(SECRET, LIST, bad, ["ann@example.com"]) is None
    # Same lookup id, wrong MAC: found in the index, refused by the comparison.
    assert index.resolve(token[:12] + "A" * 31) is None


def test_urls_and_mailto() -> None:
    """The URLs live under site_url; mailto exists only when unsubscribe.mailto is set."""
    config = make_config(Path("/nowhere"))
    assert unsubscribe.unsubscribe_url(config, "T") == "https://news.example.com/unsubscribe/T"
    assert unsubscribe.preferences_url(config, "T") == "https://news.example.com/preferences/T"
    assert unsubscribe.mailto(config, "T") is None
    config = make_config(Path("/nowhere"), mailto="leave@example.com")
    assert unsubscribe.mailto(config, "T") == "mailto:leave@example.com?subject=unsubscribe-T"


def test_default_secret_is_created_once_private(tmp_path: Path) -> None:
    """Without configuration the secret is 32 random bytes in .newsletter/secret, mode 0600,
    and the same on every later call."""
    config = make_config(tmp_path)
    secret = unsubscribe.load_secret(config)
    path = tmp_path / ".newsletter" / "secret"
    assert len(secret) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert unsubscribe.load_secret(config) == secret
    assert [p.name for p in path.parent.iterdir()] == ["secret"]


def test_environment_wins_over_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NEWSLETTER_SECRET takes precedence over any file, and creates none."""
    monkeypatch.setenv("NEWSLETTER_SECRET", "a passphrase from the environment")
    config = make_config(tmp_path, secret_file="missing")
    assert unsubscribe.load_secret(config) == b"a passphrase from the environment"
    assert not (tmp_path / ".newsletter").exists()


def test_secret_file_relative_to_folder(tmp_path: Path) -> None:
    """unsubscribe.secret_file is read relative to the newsletter folder; a trailing
    newline added by an editor does not change the key."""
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "secret").write_bytes(b"x" * 40 + b"\n")
    config = make_config(tmp_path, secret_file="keys/secret")
    assert unsubscribe.load_secret(config) == b"x" * 40


def test_missing_or_short_secret_file_is_a_config_error(tmp_path: Path) -> None:
    """A configured secret file that is missing or too short is an error naming the file;
    no secret is silently invented in its place."""
    config = make_config(tmp_path, secret_file="nope")
    with pytest.raises(ConfigError, match="nope: cannot read"):
        unsubscribe.load_secret(config)
    (tmp_path / "short").write_bytes(b"abc")
    with pytest.raises(ConfigError, match="shorter than 16 bytes"):
        unsubscribe.load_secret(make_config(tmp_path, secret_file="short"))
    assert not (tmp_path / ".newsletter").exists()
    assert os.listdir(tmp_path) == ["short"]
