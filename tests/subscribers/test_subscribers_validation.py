"""What `validate` and `load` find wrong in a subscriber file, and where they say it is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES

from newsletter.errors import SubscriberFileError
from newsletter.model import Format, Status, Subscriber
from newsletter.subscribers import load, validate

BROKEN = FIXTURES / "broken"

# file -> every problem it must report, as (line, column, words the message must hold)
EXPECTED: dict[str, list[tuple[int, int, str]]] = {
    "typo_key.yaml": [(3, 5, "unknown key `staus` (did you mean `status`?)")],
    "values.yaml": [
        (2, 12, "'not-an-address' is not a valid email address"),
        (4, 13, "not `Active` (did you mean `active`?)"),
        (5, 13, "`format` must be one of html, text, not `pdf`"),
        (7, 13, "`topics` must be a list"),
        (8, 13, "`joined` must be a date written YYYY-MM-DD"),
        (10, 11, "`name` holds a line break"),
        (12, 11, 'put it in quotes: name: "No"'),
        (13, 13, "`joined` 2024-02-30 is not a date (February has 28 or 29 days)"),
        (15, 11, "control character U+0007"),
        (17, 7, "custom field name `first-name`"),
        (18, 16, "custom field `address` must be a single value"),
        (19, 12, "only relays with SMTPUTF8 accept"),
        (20, 11, "`email` is empty"),
        (21, 5, "has no `email:`"),
    ],
    "duplicates.yaml": [
        (3, 12, "ada@example.com is listed twice (first at line 2)"),
        (6, 5, "duplicate key `name` (first at line 5)"),
    ],
    "tabs.yaml": [(3, 1, "tab in the indentation"), (5, 3, "tab in the indentation")],
    "syntax.yaml": [
        (4, 11, "quoted value is never closed"),
        (6, 13, "not `gone`"),
        (8, 10, "YAML syntax error: mapping values are not allowed"),
        (11, 1, "YAML syntax error: did not find expected ',' or ']'"),
    ],
    "toplevel.yaml": [(1, 1, "unknown top-level key `subscriber` (did you mean `subscribers`?)")],
    "entries.yaml": [
        (2, 5, "write `- email: ada@example.com`"),
        (3, 5, "each subscriber is a mapping"),
        (5, 5, "merge keys (`<<:`) are not supported"),
    ],
    "not_list.yaml": [(1, 14, "`subscribers:` must be a list")],
}


def test_corpus_is_complete() -> None:
    """Every broken fixture has its expectations written down."""
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_reports_every_problem(name: str) -> None:
    """Each broken file reports all its problems at once, each at its line and column."""
    path = BROKEN / name
    problems = validate(path)
    got = [(p.line, p.column) for p in problems]
    assert got == [(line, col) for line, col, _ in EXPECTED[name]], [str(p) for p in problems]
    for problem, (_, _, words) in zip(problems, EXPECTED[name], strict=True):
        assert words in problem.message
        assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: ")


def test_load_raises_with_every_problem_and_a_hint() -> None:
    """`load` refuses a broken file, carrying every problem and pointing at `validate`."""
    with pytest.raises(SubscriberFileError) as caught:
        load(BROKEN / "values.yaml")
    assert len(caught.value.problems) == len(EXPECTED["values.yaml"])
    assert "newsletter subscribers validate" in str(caught.value)


@pytest.mark.parametrize(
    "text", ["", "# nobody yet\n", "subscribers: []\n", "subscribers:\n", "subscribers: ~\n"]
)
def test_empty_lists_are_valid(text: str, tmp_path: Path) -> None:
    """An empty file, only comments, or an empty list all mean zero subscribers."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(text, encoding="utf-8")
    assert validate(path) == []
    assert load(path) == ()


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    """A missing file is reported, not taken for an empty list: `send` must not go quiet."""
    problems = validate(tmp_path / "subscribers.yaml")
    assert [p.message for p in problems] == ["no such file"]


def test_non_utf8_file_names_the_place(tmp_path: Path) -> None:
    """A file saved in another encoding is refused with the line of the first bad byte."""
    path = tmp_path / "subscribers.yaml"
    path.write_bytes("subscribers:\n  - email: a@example.com\n    name: Zoë\n".encode("latin-1"))
    [problem] = validate(path)
    assert (problem.line, problem.column) == (3, 13)
    assert "UTF-8" in problem.message


def test_full_entry_loads_with_defaults_and_normalized_address(tmp_path: Path) -> None:
    """Every key is read; missing ones take their defaults; the address is normalized."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(
        "subscribers:\n"
        "  - email: Ada@EXAMPLE.com\n"
        "    name: Ada\n"
        "    status: bounced\n"
        "    topics: [tech, science, tech]\n"
        "    format: text\n"
        "    joined: 2024-01-15\n"
        "    fields: {city: London, age: 36, vip: true, since: 2020-05-01, note: null}\n"
        "  - email: bob@example.com\n",
        encoding="utf-8",
    )
    ada, bob = load(path)
    assert ada == Subscriber(
        email="Ada@example.com",
        name="Ada",
        status=Status.BOUNCED,
        topics=frozenset({"tech", "science"}),
        format=Format.TEXT,
        joined=date(2024, 1, 15),
        fields={"city": "London", "age": 36, "vip": True, "since": date(2020, 5, 1), "note": None},
    )
    assert bob == Subscriber(email="bob@example.com")


def test_hostile_name_characters_other_than_control_are_kept(tmp_path: Path) -> None:
    """Angle brackets, quotes, commas and non-ASCII are a name's business: kept as written
    (headers and HTML encode them); only control characters are refused."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(
        "subscribers:\n"
        "  - email: a@example.com\n"
        '    name: "Zoë \\"Z\\" O\'Brien <script>, Esq. =?utf-8?q?x?="\n',
        encoding="utf-8",
    )
    [subscriber] = load(path)
    assert subscriber.name == 'Zoë "Z" O\'Brien <script>, Esq. =?utf-8?q?x?='


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("a\\nBcc: x@example.com", "line break"),
        ("a\\rb", "line break"),
        ("a\\u2028b", "line break"),
        ("a\\x00b", "U+0000"),
        ("a\\tb", "U+0009"),
        ("a\\x85b", "line break"),
    ],
)
def test_control_characters_in_names_are_refused(name: str, words: str, tmp_path: Path) -> None:
    """A name with CR, LF or any other control character is refused: it could split a header."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(f'subscribers:\n  - email: a@example.com\n    name: "{name}"\n', "utf-8")
    [problem] = validate(path)
    assert (problem.line, problem.column) == (3, 11)
    assert words in problem.message


def test_smtputf8_allows_non_ascii_local_parts(tmp_path: Path) -> None:
    """A non-ASCII local part is refused by default and accepted when the relay has SMTPUTF8."""
    path = tmp_path / "subscribers.yaml"
    path.write_text("subscribers:\n  - email: jörg@example.com\n", encoding="utf-8")
    assert validate(path)
    assert validate(path, smtputf8=True) == []
    assert load(path, smtputf8=True)[0].email == "jörg@example.com"


def test_many_problems_are_all_reported(tmp_path: Path) -> None:
    """A file with a problem in each of a thousand entries reports a thousand problems."""
    path = tmp_path / "subscribers.yaml"
    entries = "".join(f"  - email: u{n}@example.com\n    staus: x\n" for n in range(1000))
    path.write_text("subscribers:\n" + entries, encoding="utf-8")
    problems = validate(path)
    assert len(problems) == 1000
    assert [p.line for p in problems] == list(range(3, 2003, 2))


def test_a_name_over_the_limit_is_reported_with_its_line_and_the_limit(tmp_path: Path) -> None:
    """A 1,349-character name (a To line no relay takes) is a problem at its line that
    names the limit, in `validate` and when the list is loaded for a send; a name at the
    limit is fine."""
    from newsletter.subscribers.schema import NAME_MAX

    path = tmp_path / "subscribers.yaml"
    path.write_text(
        "subscribers:\n"
        f"  - {{email: ok@example.com, name: {'n' * NAME_MAX}}}\n"
        f"  - email: ada@example.com\n    name: {'Lovelace ' * 150}\n",
        encoding="utf-8",
    )
    (problem,) = validate(path)
    assert (problem.line, problem.column) == (4, 11)
    assert f"over the limit of {NAME_MAX}" in problem.message
    with pytest.raises(SubscriberFileError, match=f"subscribers.yaml:4:11: .*limit of {NAME_MAX}"):
        load(path)
