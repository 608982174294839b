"""Front matter read without PyYAML's scanner gives exactly what `yaml.safe_load` gives."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.sources.frontmatter import simple_front_matter

# Scalars that resolve to every implicit type, and text around YAML's special characters.
ATOMS = [
    "yes", "No", "on", "OFF", "true", "null", "Null", "~", "<<", "=", "0", "012", "0x1F",
    "0b101", "1_000", "3:30", "1:2:3", "1.5", ".5", "1e3", "1.0e+3", ".inf", ".NaN", "-1",
    "+2", "2026-11-22", "2026-11-22T08:00:00+01:00", "2026-11-22 08:00:00", "2026-13-45",
    "2001-12-14t21:59:43.10-05:00", "hello", "Hello world", "a b", "x", "http://a.b/c?d=e&f",
    "Q&A", "it's", 'say "hi"', "café", "naïve – “quoted”", "日本語", "a\u2028b", "a\x85b",
    "a\tb", "a\rb", "a #b", "a#b", "a: b", "a:b", "a:", ":a", "-a", "- a", "?a", "? a", "[a]",
    "{a}", "a,b", "a, b", "!tag", "&anchor", "*alias", "|", ">", "'q'", '"q"', "%x", "@x",
    "`x", "a  b", "a ", " a", "\ufeffa", "\U0001f600", "heat pump", "a.b", "x-y",
]  # fmt: skip
KEYS = ["title", "url", "tags", "yes", "on", "null", "a-b", "_x", "T1", "1a", "a b", "", "<<", "~"]


def _canonical(value: Any) -> Any:
    """A value with its types spelled out (True == 1 and 1.0 == 1 in Python)."""
    if isinstance(value, dict):
        return ("dict", [(_canonical(k), _canonical(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_canonical(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, repr(value))


def _line(rng: random.Random) -> str:
    key, r = rng.choice(KEYS), rng.random()
    if r < 0.1:
        return ""
    if r < 0.15:
        return rng.choice(["# c", "  x", "...", "%YAML 1.1", " ", "\t", "- a", "k:", "k:  v"])
    if r < 0.35:
        items = [rng.choice(ATOMS) for _ in range(rng.randint(0, 4))]
        sep, end = rng.choice([", ", ",", " , "]), rng.choice(["", " ", ","])
        return f"{key}: [{rng.choice(['', ' '])}{sep.join(items)}{end}]"
    return f"{key}: " + "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 2)))


def _check(head: str) -> bool:
    """Compare with `yaml.safe_load`; True when the simple form was recognized."""
    got = simple_front_matter(head)
    if got is None:
        return False
    assert _canonical(got) == _canonical(yaml.safe_load(head)), repr(head)
    return True


def test_the_usual_front_matter_is_read_as_yaml_reads_it() -> None:
    """Titles, URLs, dates, tags lists and YAML's implicit types come out as safe_load's."""
    head = (
        "\ntitle: Tram extension approved: phase 2\nurl: https://x.example/a?b=1&c=2\n"
        "published: 2026-11-22\nat: 2026-11-22T08:00:00+01:00\ntags: [energy, heat pump]\n"
        "empty: []\nminutes: 3:30\non: yes\nsource: Café “Notes”\n\n"
    )
    assert simple_front_matter(head) is None  # ": " inside a value: left to YAML
    head = head.replace("approved: phase", "approved, phase")
    got = simple_front_matter(head)
    assert got is not None
    assert got["published"] == datetime.date(2026, 11, 22)
    assert got[True] is True and got["minutes"] == 210
    assert _check(head)


@pytest.mark.parametrize(
    "head",
    [
        "",  # nothing: YAML gives None
        "\n\n",
        " title: x\ntitle: y",  # text on the `---` line
        "\ntitle: 'quoted'",
        "\ntitle: x # comment",
        "\ntitle: x\n  continued",
        "\ntitle: x\r\nurl: y",
        "\nwhen: 2026-13-45",  # a date that does not exist: YAML raises
        "\nx: =",
    ],
)
def test_anything_else_is_left_to_yaml(head: str) -> None:
    """Quotes, comments, continuation lines, CRLF, impossible dates: not the simple form."""
    assert simple_front_matter(head) is None


@pytest.mark.parametrize("seed", range(4))
def test_random_front_matter_matches_safe_load(seed: int) -> None:
    """Whatever the simple reader accepts, safe_load reads the same, types included."""
    rng = random.Random(seed)
    accepted = 0
    for _ in range(3000):
        first = "" if rng.random() < 0.9 else rng.choice([" x", " ", "-"])
        lines = [_line(rng) for _ in range(rng.randint(0, 6))]
        accepted += _check(first + "\n" + "\n".join(lines) + rng.choice(["", "\n", "\n\n"]))
    assert accepted > 100  # the comparison did happen


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KEYS), st.text(max_size=12)), max_size=5))
def test_any_text_values_match_safe_load(pairs: list[tuple[str, str]]) -> None:
    """Arbitrary characters in values never make the two readers disagree."""
    _check("\n" + "\n".join(f"{k}: {v}" for k, v in pairs))
