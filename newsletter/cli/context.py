"""What every command shares: the folder options, error printing, exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from newsletter.errors import NewsletterError
from newsletter.folder import Folder, locate

F = TypeVar("F", bound=Callable[..., Any])

edition_option = click.option(
    "--edition",
    type=click.Choice(["daily", "weekly"]),
    default="daily",
    show_default=True,
    help="The weekly edition is for readers with `frequency: weekly`.",
)


@dataclass
class CliContext:
    directory: Path | None
    config: Path | None
    quiet: bool = False

    def folder(self) -> Folder:
        return locate(self.directory, self.config)

    def say(self, message: str) -> None:
        """Chatter for people: stderr, silenced by -q."""
        if not self.quiet:
            click.echo(message, err=True)


def fail(error: NewsletterError) -> None:
    """Print `Error: …` on stderr and exit with the error's code; never a traceback."""
    click.echo(f"Error: {error}", err=True)
    raise SystemExit(error.exit_code)


def handle_errors(func: F) -> F:
    """Turn a NewsletterError raised by a command into `Error: …` and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewsletterError as error:
            fail(error)

    return wrapper  # type: ignore[return-value]


pass_cli = click.make_pass_decorator(CliContext)


def listen_options(default_port: int, when: str = "") -> Callable[[F], F]:
    """`--host` and `--port/-p` for the commands that run a server on loopback by default."""

    def decorate(func: F) -> F:
        func = click.option(
            "--port",
            "-p",
            type=click.IntRange(0, 65535),
            default=default_port,
            show_default=True,
            help=f"{when}Port to listen on (0: any free port).",
        )(func)
        return click.option(
            "--host", default="127.0.0.1", show_default=True, help=f"{when}Address to listen on."
        )(func)

    return decorate
