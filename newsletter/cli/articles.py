"""`newsletter articles`: every article the sources give, as read and cleaned."""

from __future__ import annotations

import json

import click

from newsletter.cli.context import CliContext, handle_errors, pass_cli


@click.command()
@click.option(
    "--date", "day", metavar="D", help="Only the articles of D: YYYY-MM-DD, today or yesterday."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_cli
@handle_errors
def articles(cli: CliContext, day: str | None, fmt: str) -> None:
    """List every article the sources give, as read and cleaned: where it came from,
    title, author, source, language, date, image and body. Changes nothing.

    Without --date, all of them; with it, those published (or first seen) that day.
    Exits 1 when a source could not be read (the others are listed).

    \b
    Example:
        newsletter articles --date today
        newsletter articles --format json | jq '.[] | {title, language, source}'
    """
    from datetime import datetime

    from newsletter.articles import article_data, articles_of_day, articles_text
    from newsletter.config import load_config
    from newsletter.issue import resolve_date
    from newsletter.sources import gather

    folder = cli.folder()
    config = load_config(folder.config_path)
    now = datetime.now(config.timezone)
    gathered = gather(config, now)
    found = list(gathered.articles)
    if day is not None:
        found = articles_of_day(found, resolve_date(day, now), config.timezone)
    if fmt == "json":
        click.echo(json.dumps([article_data(a) for a in found], indent=2, ensure_ascii=False))
    else:
        click.echo(articles_text(found), nl=False)
    for failure in gathered.failures:
        cli.say(f"Warning: skipped {failure}")
    if gathered.failures:
        raise SystemExit(1)
