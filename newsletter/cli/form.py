"""`newsletter form`: the HTML signup form to paste into a website."""

from __future__ import annotations

import click

from newsletter.cli.context import CliContext, handle_errors, pass_cli


@click.command()
@pass_cli
@handle_errors
def form(cli: CliContext) -> None:
    """Print an HTML signup form that posts to SITE_URL/subscribe (served by
    `newsletter serve`), with the topics of the config's sections and a hidden field
    that catches robots. Readers who sign up get a message to confirm first.

    \b
    Example:
        newsletter form > signup-form.html
    """
    from newsletter.config import load_config
    from newsletter.signup import form_html

    config = load_config(cli.folder().config_path)
    click.echo(form_html(config), nl=False)
