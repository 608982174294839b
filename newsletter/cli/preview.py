"""`newsletter preview`: what a subscriber would get, to stdout or a browser."""

from __future__ import annotations

import sys
import tempfile
import webbrowser
from pathlib import Path

import click

from newsletter.cli.context import CliContext, handle_errors, pass_cli


@click.command()
@click.option("--date", "day", metavar="D", help="YYYY-MM-DD, today (default) or yesterday.")
@click.option("--subscriber", metavar="ADDR", help="Whose copy to show (default: a representative subscriber).")
@click.option("--format", "fmt", type=click.Choice(["html", "text", "eml", "json"]), default="html", show_default=True)
@click.option("--open", "open_browser", is_flag=True, help="Open the HTML in the default browser.")
@pass_cli
@handle_errors
def preview(cli: CliContext, day: str | None, subscriber: str | None, fmt: str, open_browser: bool) -> None:
    """Render exactly what a subscriber would get. Sends and records nothing.

    \b
    Example:
        newsletter preview --format text | less
        newsletter preview --format eml > issue.eml
        newsletter preview --subscriber ada@example.com --open
    Then a test send to yourself: newsletter send --to you@example.com
    """
    from newsletter.preview import make_preview

    shown = make_preview(cli.folder(), day, subscriber)
    for failure in shown.issue.digest.failures:
        cli.say(f"Warning: skipped {failure}")
    if open_browser:
        with tempfile.NamedTemporaryFile("wb", suffix=".html", prefix="newsletter-preview-", delete=False) as f:
            f.write(shown.render("html"))
        cli.say(f"Opened {f.name}")
        webbrowser.open(Path(f.name).as_uri())
        return
    sys.stdout.buffer.write(shown.render(fmt))
    sys.stdout.flush()
