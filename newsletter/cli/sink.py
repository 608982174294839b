"""`newsletter sink`: a local SMTP server that stores what it receives."""

from __future__ import annotations

import threading
from pathlib import Path

import click

from newsletter.cli.context import CliContext, handle_errors, listen_options, pass_cli


@click.command()
@listen_options(2525)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sink"),
    show_default=True,
    help="Folder for the .eml files.",
)
@pass_cli
@handle_errors
def sink(cli: CliContext, host: str, port: int, out: Path) -> None:
    """Run a local SMTP server that stores every message as an .eml file.

    Prints one line per stored message on stdout. Stop it with Ctrl-C.

    \b
    Example:
        newsletter sink --port 2525 --out sink/ &
        newsletter send --smtp-url smtp://127.0.0.1:2525
    """
    from newsletter.sink import Sink

    server = Sink(out, host, port, announce=lambda line: click.echo(line))
    with server:
        cli.say(f"Listening on {server.url}; storing messages in {out.resolve()}/ (Ctrl-C stops)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            cli.say("Stopped.")
