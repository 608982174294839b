"""The `newsletter subscribers` commands: output, exit codes, and `Error:` messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from conftest import FIXTURES, ROOT, Invoke, run_process

from newsletter.cli import cli
from newsletter.model import Status
from newsletter.subscribers import load

GOLDEN = FIXTURES / "golden" / "subscribers.yaml"
COMMANDS = ["list", "add", "remove", "unsubscribe", "resubscribe", "import", "export", "validate"]


@pytest.fixture
def golden(subscribers_file: Path) -> Path:
    shutil.copyfile(GOLDEN, subscribers_file)
    return subscribers_file


def test_list_prints_columns(golden: Path, invoke: Invoke) -> None:
    """`list` prints one line per subscriber on stdout and a count on stderr."""
    result = invoke("list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert lines[0].split() == [
        "Ada@example.com",
        "active",
        "html",
        "science,tech",
        "Ada",
        "Lovelace",
    ]
    assert "5 of 5 subscribers" in result.stderr


def test_list_filters_by_status_as_json(golden: Path, invoke: Invoke) -> None:
    """`list --status S --json` prints a JSON array of just those subscribers."""
    result = invoke("list", "--status", "unsubscribed", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {
            "email": "zoe@example.com",
            "name": 'Zoë "Z" O\'Brien <zoe>',
            "status": "unsubscribed",
            "topics": [],
            "format": "html",
            "frequency": "daily",
            "joined": "2023-12-31",
            "fields": {},
        }
    ]


def test_add_then_list(subscribers_file: Path, invoke: Invoke) -> None:
    """`add` creates the file if needed and stores every option given."""
    result = invoke(
        "add", "Ada@EXAMPLE.com", "--name", "Ada", "--topic", "tech", "--topic", "science",
        "--format", "text", "--field", "city=London", "--joined", "2024-01-15",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Added Ada@example.com." in result.stderr
    assert subscribers_file.read_text(encoding="utf-8") == (
        "subscribers:\n"
        "  - email: Ada@example.com\n"
        "    name: Ada\n"
        "    topics: [science, tech]\n"
        "    format: text\n"
        "    joined: 2024-01-15\n"
        "    fields:\n"
        "      city: London\n"
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["add", "ada@example.com"], "already in"),
        (["add", "zoe@example.com"], "resubscribe"),
        (["add", "not-an-address"], "not a valid email address"),
        (["add", "x@example.com", "--name", "a\nb"], "line break"),
        (["add", "x@example.com", "--field", "city"], "KEY=VALUE"),
        (["add", "x@example.com", "--field", "first-name=X"], "letters, digits and _"),
        (["add", "jörg@example.com"], "SMTPUTF8"),
        (["remove", "nobody@example.com"], "is not in"),
        (["unsubscribe", "nobody@example.com"], "is not in"),
        (["resubscribe", "nobody@example.com"], "is not in"),
    ],
)
def test_invalid_input_exits_2_and_changes_nothing(
    args: list[str], words: str, golden: Path, invoke: Invoke
) -> None:
    """A wrong address, value or unknown subscriber: `Error: …` on stderr, exit 2, file as it was."""
    before = golden.read_bytes()
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert words in result.stderr
    assert result.stdout == ""
    assert golden.read_bytes() == before


def test_smtputf8_flag_admits_non_ascii_local_part(subscribers_file: Path, invoke: Invoke) -> None:
    """`--smtputf8` accepts what the default refuses, for a relay that supports it."""
    assert invoke("add", "jörg@example.com", "--smtputf8").exit_code == 0
    assert invoke("validate").exit_code == 2
    assert invoke("validate", "--smtputf8").exit_code == 0


def test_unsubscribe_resubscribe_round(golden: Path, invoke: Invoke) -> None:
    """`unsubscribe` then `resubscribe` says what happened and leaves the file as it began."""
    before = golden.read_bytes()
    first = invoke("unsubscribe", "grace@example.org")
    assert (first.exit_code, first.stderr) == (0, "grace@example.org is now unsubscribed.\n")
    again = invoke("unsubscribe", "grace@example.org")
    assert (again.exit_code, again.stderr) == (0, "grace@example.org was already unsubscribed.\n")
    assert load(golden)[1].status is Status.UNSUBSCRIBED
    assert invoke("resubscribe", "grace@example.org").exit_code == 0
    assert golden.read_bytes() == before


def test_remove(golden: Path, invoke: Invoke) -> None:
    """`remove` deletes the entry and says so."""
    result = invoke("remove", "linus@example.net")
    assert (result.exit_code, result.stderr) == (0, "Removed linus@example.net.\n")
    assert [s.email for s in load(golden)] == [
        "Ada@example.com", "grace@example.org", "zoe@example.com", "bob@example.net",
    ]  # fmt: skip


def test_validate_fine_prints_count(golden: Path, invoke: Invoke) -> None:
    """`validate` on a good file exits 0 and prints the count of each status."""
    result = invoke("validate")
    assert result.exit_code == 0
    assert result.stdout.endswith(
        "subscribers.yaml: 5 subscribers (3 active, 1 unsubscribed, 1 bounced); no problems\n"
    )


def test_validate_prints_every_problem(subscribers_file: Path, invoke: Invoke) -> None:
    """`validate` prints each problem as FILE:LINE:COL on stdout and exits 2."""
    shutil.copyfile(FIXTURES / "broken" / "values.yaml", subscribers_file)
    result = invoke("validate")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert len(lines) == 14
    assert lines[0] == (
        f"{subscribers_file}:2:12: 'not-an-address' is not a valid email address: "
        "An email address must have an @-sign."
    )
    assert result.stderr.startswith("Error: 14 problem(s) in ")


def test_commands_on_broken_file_point_to_validate(subscribers_file: Path, invoke: Invoke) -> None:
    """Reading commands refuse a broken file with every problem and the way to see them."""
    shutil.copyfile(FIXTURES / "broken" / "typo_key.yaml", subscribers_file)
    for args in (["list"], ["export"], ["add", "b@example.com"]):
        result = invoke(*args)
        assert result.exit_code == 2
        assert ":3:5: unknown key `staus`" in result.stderr
        assert "newsletter subscribers validate" in result.stderr


def test_export_yaml_and_csv(golden: Path, invoke: Invoke, tmp_path: Path) -> None:
    """`export` prints normalized YAML that loads back equal; `--csv` prints a header row."""
    result = invoke("export")
    assert result.exit_code == 0
    exported = tmp_path / "exported.yaml"
    exported.write_text(result.stdout, encoding="utf-8")
    assert load(exported) == load(golden)
    csv_text = invoke("export", "--csv").stdout
    assert (
        csv_text.splitlines()[0] == "email,name,status,topics,format,joined,fields.city,fields.vip"
    )
    assert 'zoe@example.com,"Zoë ""Z"" O\'Brien <zoe>",unsubscribed,,html,2023-12-31,,' in csv_text


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    """Outside a newsletter folder the commands say how to point at one."""
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "subscribers", "list"])
    assert result.exit_code == 2
    assert "newsletter init" in result.stderr


def test_real_process_exit_codes(golden: Path) -> None:
    """Run as a real program, the exit codes and streams are the documented ones."""
    bad = run_process(golden.parent, "unsubscribe", "nobody@example.com")
    out, err = bad.communicate(timeout=30)
    assert (bad.returncode, out) == (2, "")
    assert err.startswith("Error: nobody@example.com is not in")
    good = run_process(golden.parent, "validate")
    out, _ = good.communicate(timeout=30)
    assert good.returncode == 0 and "no problems" in out


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_an_example_and_docs_mention_the_command(name: str) -> None:
    """Every command's --help shows an Example, and the README documents it."""
    group = cli.get_command(click.Context(cli), "subscribers")
    assert isinstance(group, click.Group)
    command = group.get_command(click.Context(group), name)
    assert command is not None and "Example:" in (command.help or "")
    docs = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"newsletter subscribers {name}" in docs


def test_group_lists_exactly_the_documented_commands() -> None:
    """The group holds the commands of the product contract, no more, no fewer."""
    group = cli.get_command(click.Context(cli), "subscribers")
    assert isinstance(group, click.Group)
    assert sorted(group.list_commands(click.Context(group))) == sorted(COMMANDS)
