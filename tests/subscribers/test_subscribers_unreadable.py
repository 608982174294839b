"""Characters YAML refuses and dates no calendar has: a problem at their line and column
with what to do, through `load`, `validate`, the commands and `send`; never a traceback,
and the file is left as it was."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Invoke

from newsletter.cli import cli
from newsletter.cli.init import create_folder
from newsletter.errors import SubscriberFileError
from newsletter.model import Status
from newsletter.subscribers import load, nodes, set_status, validate
from newsletter.subscribers.parse import load_full
from newsletter.subscribers.schema import calendar_date
from newsletter.subscribers.simple import read_simple
from tests.conftest import SmtpServer

# name -> (file text, line, column, words the one problem must hold)
# fmt: off
BAD: dict[str, tuple[str, int, int, list[str]]] = {
    "bell in a comment": (
        "subscribers:\n  - email: ada@example.com  # ring\x07\n",
        2, 35, ["control character U+0007", "even in a comment", "remove it"],
    ),
    "NUL in an address": (
        "subscribers:\n  - email: ada@exa\x00mple.com\n    name: Ada\n",
        2, 19, ["control character U+0000", "remove it", "save it as UTF-8"],
    ),
    "DEL before the list": (
        "# list\x7f\nsubscribers:\n  - email: ada@example.com\n",
        1, 7, ["control character U+007F", "remove it"],
    ),
    "noncharacter in a name": (
        "subscribers:\n  - email: ada@example.com\n    name: 'Ada \uffff'\n",
        3, 16, ["character U+FFFF is not allowed in YAML", "remove it"],
    ),
    "control character after CRLF lines": (
        "subscribers:\r\n  - email: ada@example.com\r\n    name: Ada\x1b[0m\r\n",
        3, 14, ["control character U+001B", "remove it"],
    ),
    "custom field 2024-02-30 in braces": (
        "subscribers:\n  - email: ada@example.com\n    fields: {joined: 2024-02-30}\n",
        3, 22, [
            "custom field `joined` 2024-02-30 is not a date (February has 28 or 29 days)",
            'write a real date, or quote it to keep it as text: joined: "2024-02-30"',
        ],
    ),
    "custom field 2023-02-29 on its own line": (
        "subscribers:\n  - email: ada@example.com\n    fields:\n      since: 2023-02-29\n",
        4, 14, ["`since` 2023-02-29 is not a date (2023 is not a leap year", "quote it"],
    ),
    "custom field with a time on a day that is not": (
        "subscribers:\n  - email: ada@example.com\n    fields: {at: 2024-04-31 10:00:00}\n",
        3, 18, ["2024-04-31 10:00:00 is not a date (April has 30 days)", "quote it"],
    ),
    "custom field that reads as a number": (
        "subscribers:\n  - email: ada@example.com\n    fields: {code: 0x_}\n",
        3, 20, ["`code` 0x_ reads as a number in YAML but is not one", 'code: "0x_"'],
    ),
    "joined 2024-02-30": (
        "subscribers:\n  - email: ada@example.com\n    joined: 2024-02-30\n",
        3, 13, ["`joined` 2024-02-30 is not a date (February has 28 or 29 days)", "real date"],
    ),
}
# fmt: on
CASES = sorted(BAD)


def _write(path: Path, text: str) -> bytes:
    data = text.encode("utf-8")
    path.write_bytes(data)
    return data


def _check(message: str, words: list[str]) -> None:
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("case", CASES)
def test_validate_reports_the_place(case: str, tmp_path: Path) -> None:
    """`validate` returns one problem at the character's or the value's line and column,
    saying what it is and what to do."""
    text, line, column, words = BAD[case]
    path = tmp_path / "subscribers.yaml"
    before = _write(path, text)
    [problem] = validate(path)
    assert (problem.line, problem.column) == (line, column), str(problem)
    assert str(problem).startswith(f"{path}:{line}:{column}: ")
    _check(problem.message, words)
    assert path.read_bytes() == before


@pytest.mark.parametrize("case", CASES)
def test_load_refuses_with_the_problem(case: str, tmp_path: Path) -> None:
    """`load` (and the full walk alone) raise SubscriberFileError carrying the problem; the
    quick reader does not take such a file."""
    text, line, column, words = BAD[case]
    path = tmp_path / "subscribers.yaml"
    before = _write(path, text)
    for read in (load, load_full):
        with pytest.raises(SubscriberFileError) as caught:
            read(path)
        [problem] = caught.value.problems
        assert (problem.line, problem.column) == (line, column)
        _check(problem.message, words)
        assert f"{path}:{line}:{column}: " in str(caught.value)
    assert read_simple(text) is None
    assert path.read_bytes() == before


@pytest.mark.parametrize("case", CASES)
def test_validate_command_exits_2(case: str, subscribers_file: Path, invoke: Invoke) -> None:
    """`newsletter subscribers validate` prints FILE:LINE:COL and the message, exits 2 with
    no traceback, and leaves the file as it was."""
    text, line, column, words = BAD[case]
    before = _write(subscribers_file, text)
    result = invoke("validate")
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    [printed] = result.stdout.splitlines()
    assert printed.startswith(f"{subscribers_file}:{line}:{column}: ")
    _check(printed, words)
    assert result.stderr.startswith("Error: 1 problem(s) in ")
    assert "Traceback" not in result.output
    assert subscribers_file.read_bytes() == before


@pytest.mark.parametrize("case", CASES)
def test_list_command_exits_2(case: str, subscribers_file: Path, invoke: Invoke) -> None:
    """A reading command refuses the file with the problem and points at `validate`."""
    text, line, column, words = BAD[case]
    before = _write(subscribers_file, text)
    result = invoke("list")
    assert result.exit_code == 2, result.output
    assert f"subscribers.yaml:{line}:{column}: " in result.stderr
    _check(result.stderr, words)
    assert "newsletter subscribers validate" in result.stderr
    assert subscribers_file.read_bytes() == before


@pytest.mark.parametrize("case", ["bell in a comment", "custom field 2024-02-30 in braces"])
def test_send_stops_before_sending(case: str, tmp_path: Path, smtp_server: SmtpServer) -> None:
    """`newsletter send` stops with exit 2 and the problem's place: nothing is sent and no
    file changes."""
    text, line, column, words = BAD[case]
    folder = tmp_path / "letter"
    create_folder(folder)
    _write(folder / "subscribers.yaml", text)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli, ["-C", str(folder), "send", "--smtp-url", smtp_server.url])
    assert result.exit_code == 2, result.output
    assert f"subscribers.yaml:{line}:{column}: " in result.stderr
    _check(result.stderr, words)
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert smtp_server.messages == []


def test_edits_refuse_a_file_with_a_control_character(
    subscribers_file: Path, invoke: Invoke
) -> None:
    """An edit of a file YAML refuses changes nothing, by the API and by the command, even
    when the character is in a comment and the entry is elsewhere."""
    text = "subscribers:\n  - email: ada@example.com\n  - email: bob@example.com  # \x07\n"
    before = _write(subscribers_file, text)
    with pytest.raises(SubscriberFileError) as caught:
        set_status(subscribers_file, "ada@example.com", Status.UNSUBSCRIBED)
    assert "Nothing was changed" in str(caught.value)
    assert ":3:31: control character U+0007" in str(caught.value)
    for args in (["unsubscribe", "ada@example.com"], ["add", "cy@example.com"]):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert "subscribers.yaml:3:31: control character U+0007" in result.stderr
    assert subscribers_file.read_bytes() == before


def test_other_lines_are_still_checked(tmp_path: Path) -> None:
    """A control character is reported once for its line, and the rest of the file is
    checked as usual; what else its line holds waits until it is removed."""
    path = tmp_path / "subscribers.yaml"
    _write(
        path,
        "subscribers:\n"
        "  - email: ada@exa\x00mple\x00.com\n"  # the address reads `ada@exa mple .com`
        "    staus: active\n"
        "  - email: bob@example.com\n"
        "    fields: {since: 2024-02-30}\n",
    )
    problems = [(p.line, p.column, p.message) for p in validate(path)]
    assert [(line, column) for line, column, _ in problems] == [(2, 19), (3, 5), (5, 21)]
    assert "U+0000" in problems[0][2]
    assert "unknown key `staus`" in problems[1][2]
    assert "2024-02-30 is not a date" in problems[2][2]


def test_a_file_saved_as_utf16_says_so(tmp_path: Path) -> None:
    """UTF-16 without a byte-order mark decodes as UTF-8 full of NULs: one problem per line,
    each naming the cause."""
    path = tmp_path / "subscribers.yaml"
    path.write_bytes("subscribers:\n  - email: ada@example.com\n".encode("utf-16-le"))
    problems = validate(path)
    assert [(p.line, p.column) for p in problems] == [(1, 2), (2, 1), (3, 1)]
    assert all("saved as UTF-16: save it as UTF-8" in p.message for p in problems)


def test_quoted_dates_stay_text(tmp_path: Path) -> None:
    """Quoting a value that is no date keeps it as text, as the message says; a real date
    is still read as a date."""
    path = tmp_path / "subscribers.yaml"
    _write(
        path,
        "subscribers:\n"
        "  - email: ada@example.com\n"
        '    fields: {joined: "2024-02-30", code: "0x_", since: 2024-02-29}\n',
    )
    [ada] = load(path)
    assert dict(ada.fields) == {"joined": "2024-02-30", "code": "0x_", "since": date(2024, 2, 29)}


@pytest.mark.parametrize(
    ("year", "month", "day", "reason"),
    [
        (2024, 2, 30, "February has 28 or 29 days"),
        (2023, 2, 29, "2023 is not a leap year, so February has 28 days"),
        (2024, 4, 31, "April has 30 days"),
        (2024, 13, 1, "months run from 01 to 12"),
        (2024, 0, 1, "months run from 01 to 12"),
        (2024, 1, 0, "days start at 01"),
        (0, 1, 1, "years start at 0001"),
    ],
)
def test_calendar_date_says_why(year: int, month: int, day: int, reason: str) -> None:
    """`calendar_date` names what is wrong with a day that does not exist."""
    assert calendar_date(year, month, day) == (None, reason)


def test_calendar_date_of_real_days() -> None:
    """Real days, leap days among them, are dates."""
    assert calendar_date(2024, 2, 29) == (date(2024, 2, 29), "")
    assert calendar_date(2000, 2, 29) == (date(2000, 2, 29), "")
    assert calendar_date(2023, 12, 31) == (date(2023, 12, 31), "")


def test_reader_error_is_placed_by_character(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the YAML reader refuse a character the scan let through, its error is still a
    problem at the character's line and column (libyaml counts its position in UTF-8 bytes,
    so a non-ASCII character before it must not shift the column)."""
    monkeypatch.setattr(nodes, "_REFUSED", re.compile("(?!)"))
    path = tmp_path / "subscribers.yaml"
    _write(path, "subscribers:\n  - email: ada@example.com\n    name: Zoë\x07\n")
    [problem] = validate(path)
    assert (problem.line, problem.column) == (3, 14)
    assert "control character U+0007" in problem.message


def test_lines_are_counted_as_yaml_counts_them(tmp_path: Path) -> None:
    """A form feed does not end a line for YAML (str.splitlines says it does): the tab
    below one is reported at its own line, where the editor shows it."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(
        "subscribers:\n  # a page \x0c break\n  - email: ada@example.com\n\t  name: Ada\n",
        encoding="utf-8",
    )
    with pytest.raises(SubscriberFileError) as raised:
        load(path)
    tabs = [p for p in raised.value.problems if "tab in the indentation" in p.message]
    assert [(p.line, p.column) for p in tabs] == [(4, 1)]
    assert nodes.yaml_lines("a\x0cb\r\nc\rd\u2028e\n") == ["a\x0cb", "c", "d", "e"]
