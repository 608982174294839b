"""The `newsletter` command: thin wrappers that parse options, call the library, print, exit.

Subcommands live in their own modules and are imported only when invoked, so
`newsletter --help` answers at once.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from newsletter.cli.context import CliContext

# name -> "module:attribute"; each module is imported only when its command runs.
COMMANDS: dict[str, str] = {
    "init": "newsletter.cli.init:init",
    "articles": "newsletter.cli.articles:articles",
    "build": "newsletter.cli.build:build",
    "preview": "newsletter.cli.preview:preview",
    "send": "newsletter.cli.send:send",
    "status": "newsletter.cli.status:status",
    "subscribers": "newsletter.cli.subscribers:subscribers",
    "sink": "newsletter.cli.sink:sink",
    "serve": "newsletter.cli.serve:serve",
    "dkim": "newsletter.cli.dkim:dkim",
    "bounces": "newsletter.cli.bounces:bounces",
    "form": "newsletter.cli.form:form",
}

HELP_LINES: dict[str, str] = {
    "init": "Create a new newsletter folder with working sample content.",
    "articles": "List every article the sources give, as read and cleaned.",
    "build": "Build the day's issue from the sources and print it.",
    "preview": "Render exactly what a subscriber would get.",
    "send": "Send the day's issue to every active subscriber.",
    "status": "What was sent, failed, is pending, bounced or complained about.",
    "subscribers": "List, edit and check subscribers.yaml.",
    "sink": "Run a local SMTP server that stores every message it receives.",
    "serve": "Run the web side: unsubscribe, signup, preferences and the archive.",
    "dkim": "DKIM keys: generate a key pair and print the DNS record.",
    "bounces": "Read bounces and complaints back into subscribers.yaml.",
    "form": "Print an HTML signup form to paste into a website.",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0]) if args else ""
        if args and name not in COMMANDS and not name.startswith("-"):
            from newsletter.suggest import did_you_mean

            ctx.fail(
                f"no command `{name}`{did_you_mean(name, COMMANDS)}; `newsletter --help` lists them"
            )
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, HELP_LINES[name]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="The newsletter folder (default: the current directory).",
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="NEWSLETTER_CONFIG",
    help="The newsletter.yaml to use (env: NEWSLETTER_CONFIG).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and data.")
@click.version_option(package_name="newsletter")
@click.pass_context
def cli(ctx: click.Context, directory: Path | None, config: Path | None, quiet: bool) -> None:
    """A daily digest emailer: articles in, one clean issue out, one personal copy per
    subscriber over SMTP.

    \b
    Example:
        newsletter init my-letter && cd my-letter
        newsletter preview --format text
        newsletter send --to me@example.com
        newsletter send
    """
    ctx.obj = CliContext(directory=directory, config=config, quiet=quiet)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the console script and of `python -m newsletter`."""
    from newsletter import stopping

    stopping.install()
    return cli.main(args=argv, prog_name="newsletter", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
