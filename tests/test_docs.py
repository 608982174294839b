"""The README tells the truth about the command line: how to get it, and what it takes."""

from __future__ import annotations

import re
from pathlib import Path

import click

from newsletter.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_COMMAND = re.compile(r"newsletter((?: [a-z][a-z-]*)+)")


def _options() -> dict[tuple[str, ...], set[str]]:
    """Every command path (`("subscribers", "add")`) with its long options."""
    ctx = click.Context(cli)
    found: dict[tuple[str, ...], set[str]] = {}

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        found[path] = {o for p in command.params for o in p.opts + p.secondary_opts}
        found[path] |= {"--help"}
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, (*path, name))

    walk(cli, ())
    return found


OPTIONS = _options()


def _command_of(words: list[str]) -> tuple[str, ...]:
    path: tuple[str, ...] = ()
    for word in words:
        if (*path, word) not in OPTIONS:
            break
        path = (*path, word)
    return path


def _commands_in(text: str) -> list[tuple[str, ...]]:
    return [p for m in _COMMAND.finditer(text) if (p := _command_of(m[1].split()))]


def test_the_tour_says_how_to_get_the_command() -> None:
    """Before its first `newsletter …` line, the README says how to put the command on
    the PATH after scripts/demo: the venv's own binary, activating it, or pipx."""
    before_tour = README.split("```sh\nnewsletter init", 1)[0]
    for way in (".venv/bin/newsletter", "source .venv/bin/activate", "pipx install ."):
        assert way in before_tour, way


def test_every_option_shown_after_a_command_is_one_it_takes() -> None:
    """`newsletter CMD … --opt` in the README: CMD has --opt (or it is a global option)."""
    wrong = []
    for number, line in enumerate(README.splitlines(), 1):
        for span in re.split(r"`|\|", line):
            for match in _COMMAND.finditer(span):
                path = _command_of(match[1].split())
                if not path:
                    continue
                rest = span[match.end(1) :].split("newsletter ")[0]
                for option in _OPTION.findall(match[1] + rest):
                    if option not in OPTIONS[path] | OPTIONS[()]:
                        wrong.append(f"README.md:{number}: {' '.join(path)} has no {option}")
    assert wrong == []


def test_smtputf8_is_offered_only_by_the_commands_that_take_it() -> None:
    """`send` has no --smtputf8 (the config's `sending.smtputf8` decides): every README
    paragraph naming the flag names a command that takes it."""
    takers = {path for path, options in OPTIONS.items() if "--smtputf8" in options}
    assert ("send",) not in takers and takers
    paragraphs = [p for p in re.split(r"\n\s*\n|\n(?=- )", README) if "--smtputf8" in p]
    assert paragraphs
    for paragraph in paragraphs:
        assert set(_commands_in(paragraph)) & takers, paragraph


def test_import_help_and_readme_give_the_topic_separators_the_code_reads() -> None:
    """Topics in a CSV cell may be separated by spaces, commas or semicolons: the code
    reads all three, and both `subscribers import --help` and the README say so."""
    from click.testing import CliRunner

    from newsletter.subscribers.csvio import parse_rows

    (row,) = parse_rows('email,topics\nada@example.com,"science tech,energy;cities"\n', ROOT)
    assert row.values["topics"] == frozenset({"science", "tech", "energy", "cities"})
    said = "separated by spaces, commas or semicolons"
    help_text = CliRunner().invoke(cli, ["subscribers", "import", "--help"]).output
    assert said in " ".join(help_text.split())
    assert said in " ".join(README.split())
