"""`newsletter build`: the day's issue as an outline or JSON on stdout."""

from __future__ import annotations

import json

import click

from newsletter.cli.context import CliContext, edition_option, handle_errors, pass_cli


@click.command()
@click.option("--date", "day", metavar="D", help="YYYY-MM-DD, today (default) or yesterday.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@edition_option
@pass_cli
@handle_errors
def build(cli: CliContext, day: str | None, fmt: str, edition: str) -> None:
    """Build the day's issue from the sources and print it. Changes nothing.

    Exits 1 when a source could not be read (the issue is built from the rest).

    \b
    Example:
        newsletter build --date today --format json | jq '.items[].title'
        newsletter build --edition weekly
    """
    from newsletter.issue import load_issue
    from newsletter.outline import digest_data, digest_outline
    from newsletter.subscribers import load as load_subscribers

    folder = cli.folder()
    # The outline lists the stories linked as more by title: only JSON shows their summaries.
    issue = load_issue(folder, day, summarize_more=fmt == "json", edition=edition)
    # A broken subscriber list is caught here, before anything else.
    load_subscribers(folder.subscribers_path, smtputf8=issue.config.sending.smtputf8)
    digest = issue.digest
    if fmt == "json":
        click.echo(json.dumps(digest_data(digest), indent=2, ensure_ascii=False))
    else:
        click.echo(digest_outline(digest), nl=False)
    for note in issue.notes:
        cli.say(f"{'Warning' if note.warning else 'Note'}: {note}")
    for failure in digest.failures:
        cli.say(f"Warning: skipped {failure}")
    for warning in digest.warnings:
        cli.say(f"Warning: {warning}")
    if digest.failures:
        raise SystemExit(1)
