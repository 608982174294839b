"""Personalization fills only the holes the templates made, and filters on a subscriber's
values run on the real values: article text can never become subscriber data."""

from __future__ import annotations

import os
import textwrap
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.cli import cli as command
from newsletter.render import _wrap

DAY = "2026-11-20"
FORGED = "\ue000unsubscribe\ue001 and \ue000email\ue001 and \ue000\ue001 \ue001\ue000name"


@pytest.fixture
def dated(folder: Path) -> Path:
    """The sample folder with every article stamped on DAY."""
    stamp = time.mktime(datetime.fromisoformat(f"{DAY}T09:00:00").timetuple())
    for path in (folder / "articles").iterdir():
        os.utime(path, (stamp, stamp))
    return folder


def preview(root: Path, fmt: str, *more: str) -> str:
    """The preview of ada@example.com in `fmt`; for `eml`, the decoded parts of the message."""
    if fmt == "eml":
        from email import message_from_bytes, policy

        raw = (
            CliRunner()
            .invoke(
                command,
                [
                    "-C",
                    str(root),
                    "preview",
                    "--date",
                    DAY,
                    "--format",
                    "eml",
                    "--subscriber",
                    "ada@example.com",
                ],
            )
            .stdout_bytes
        )
        message = message_from_bytes(raw, policy=policy.default)
        return "".join(
            str(part.get_content()) for part in message.walk() if not part.is_multipart()
        )
    result = CliRunner().invoke(
        command,
        [
            "-C",
            str(root),
            "preview",
            "--date",
            DAY,
            "--subscriber",
            "ada@example.com",
            "--format",
            fmt,
            *more,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def add_article(root: Path, title: str, body: str) -> None:
    path = root / "articles" / "forged.md"
    path.write_text(
        f'---\ntitle: "{title}"\nurl: https://example.org/forged\nsource: Forger\n'
        f"tags: [technology]\n---\n{body}\n",
        encoding="utf-8",
    )
    stamp = time.mktime(datetime.fromisoformat(f"{DAY}T09:00:00").timetuple())
    os.utime(path, (stamp, stamp))


@pytest.mark.parametrize("fmt", ["text", "html", "eml"])
def test_placeholder_characters_in_an_article_are_never_filled(dated: Path, fmt: str) -> None:
    """An article whose title and text hold the private-use characters of the old hole
    markers (U+E000, U+E001) around `unsubscribe`, `email`, `name` is shown as it is: the
    reader's unsubscribe link and address appear only where the templates put them."""
    plain = preview(dated, fmt)
    add_article(dated, f"Council software {FORGED}", f"A council app for data. {FORGED}. " * 4)
    forged = preview(dated, fmt)
    assert "Council software" in forged
    for personal in ("https://news.example.com/unsubscribe/", "ada@example.com", "Ada Lovelace"):
        assert forged.count(personal) == plain.count(personal), personal


def set_template(root: Path, name: str, text: str) -> None:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / name).write_text(text, encoding="utf-8")


def test_filters_on_a_subscribers_values_run_on_the_real_values(dated: Path) -> None:
    """`upper`, `truncate`, `default`, `replace`, `length` and chains of them give each
    reader the result for their own name, in the text and in the HTML (escaped there)."""
    body = (
        "[{{ subscriber.name|upper }}] [{{ subscriber.name|truncate(8, true, '…', 0) }}] "
        "[{{ subscriber.first_name|lower|replace('a', '4') }}] [{{ subscriber.name|length }}] "
        "[{{ subscriber.fields.city|default('nowhere', true) }}] "
        "[{{ subscriber.fields.get('city', 'elsewhere') }}] "
        "[{{ ('Dear ' ~ subscriber.first_name)|title }}]\n"
    )
    set_template(dated, "email.txt.j2", body)
    set_template(
        dated,
        "email.html.j2",
        "<html><body><p>{{ subscriber.name|upper }}|{{ subscriber.name|e }}</p></body></html>",
    )
    people = dated / "subscribers.yaml"
    people.write_text(
        "subscribers:\n  - email: ada@example.com\n    name: Ada <Lovelace>\n", encoding="utf-8"
    )
    text = preview(dated, "text")
    assert text == ("[ADA <LOVELACE>] [Ada <Lo…] [4d4] [14] [nowhere] [elsewhere] [Dear Ada]\n")
    assert "<p>ADA &lt;LOVELACE&gt;|Ada &lt;Lovelace&gt;</p>" in preview(dated, "html")


def test_a_test_of_a_subscribers_value_is_refused_with_its_file_and_line(dated: Path) -> None:
    """`{% if subscriber.name %}` cannot be decided once for every reader: refused with
    the template's file and line and what to write instead, not silently always true."""
    set_template(dated, "email.txt.j2", "Hello\n{% if subscriber.name %}Hi{% endif %}\n")
    result = CliRunner().invoke(
        command, ["-C", str(dated), "preview", "--date", DAY, "--format", "text"]
    )
    assert result.exit_code == 2
    assert "email.txt.j2:2" in result.stderr
    assert "default('there', true)" in result.stderr


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab-. \n\té"), max_size=300),
    st.integers(min_value=5, max_value=80),
    st.sampled_from(["", "  ", "    "]),
)
def test_the_wrap_filter_fills_as_textwrap_does(text: str, width: int, indent: str) -> None:
    """`|wrap`, which now runs per message on lines holding a reader's value, fills text
    exactly as `textwrap.fill` without breaking words or hyphens."""
    expected = textwrap.fill(
        " ".join(text.split()),
        width=width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    assert _wrap(text, width, indent) == expected
