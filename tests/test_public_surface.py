"""The package's public names and the command-line surface stay as documented."""

from __future__ import annotations

from pathlib import Path

import newsletter
from newsletter.cli import COMMANDS
from tests.conftest import run_cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_exported_members() -> None:
    """Everything in __all__ exists, and __all__ is sorted."""
    assert newsletter.__all__ == sorted(newsletter.__all__)
    for name in newsletter.__all__:
        assert getattr(newsletter, name) is not None


def test_every_command_has_help_with_an_example_and_is_in_the_readme() -> None:
    """Each subcommand answers --help with an example, and the README names it."""
    for name in COMMANDS:
        result = run_cli(name, "--help")
        assert result.returncode == 0, (name, result.stderr)
        assert b"Example" in result.stdout, name
        assert f"newsletter {name}" in README, name


def test_contract_commands_exist() -> None:
    """The commands the product contract names are all there."""
    assert {"init", "build", "preview", "send", "status", "subscribers", "sink", "serve"} <= set(
        COMMANDS
    )
