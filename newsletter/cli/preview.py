"""`newsletter preview`: what a subscriber would get, to stdout, a browser, a live page or a PNG."""

from __future__ import annotations

import sys
import tempfile
import webbrowser
from pathlib import Path

import click

from newsletter.cli.context import (
    CliContext,
    edition_option,
    handle_errors,
    listen_options,
    pass_cli,
)


@click.command()
@click.option("--date", "day", metavar="D", help="YYYY-MM-DD, today (default) or yesterday.")
@click.option(
    "--subscriber",
    metavar="ADDR",
    help="Whose copy to show: their topics and format (default: a representative subscriber).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "text", "eml", "json"]),
    help="What to print (default: the format the subscriber is sent, html or text).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the copy in the default browser.")
@click.option(
    "--serve", is_flag=True, help="A live page that reloads on every edit (Ctrl-C stops)."
)
@listen_options(8030, when="With --serve: ")
@click.option(
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.png",
    help="Save a PNG made by headless Chromium.",
)
@click.option(
    "--width",
    type=click.IntRange(200, 2400),
    default=600,
    show_default=True,
    help="Viewport width in CSS pixels: 600 desktop, 375 phone.",
)
@click.option(
    "--height",
    type=click.IntRange(100, 16000),
    help="With --screenshot: cut the picture at this height (default: the whole issue).",
)
@click.option(
    "--dark", is_flag=True, help="Show the dark colour scheme, as a phone in dark mode would."
)
@edition_option
@pass_cli
@handle_errors
def preview(
    cli: CliContext,
    day: str | None,
    subscriber: str | None,
    fmt: str | None,
    open_browser: bool,
    serve: bool,
    host: str,
    port: int,
    screenshot: Path | None,
    width: int,
    height: int | None,
    dark: bool,
    edition: str,
) -> None:
    """Render exactly what a subscriber would get. Sends and records nothing.

    \b
    Example:
        newsletter preview --format text | less
        newsletter preview --format eml > issue.eml
        newsletter preview --subscriber ada@example.com --open
        newsletter preview --serve
        newsletter preview --screenshot phone.png --width 375 --dark
        newsletter preview --edition weekly --format text
    Then a test send to yourself: newsletter send --to you@example.com
    """
    if serve and (screenshot or fmt in ("eml", "json")):
        raise click.UsageError(
            "--serve shows the issue in a browser; drop --screenshot and --format eml/json"
        )
    if screenshot is not None and fmt in ("eml", "json"):
        raise click.UsageError(
            "--screenshot pictures the html or text copy; drop --format eml/json"
        )
    if serve and edition != "daily":
        raise click.UsageError("--serve shows the daily issue; drop --edition")
    if serve:
        _serve(cli, day, subscriber, fmt, host, port, width, dark, open_browser)
        return

    from newsletter.preview import make_preview

    shown = make_preview(cli.folder(), day, subscriber, edition)
    for source_note in shown.issue.notes:
        cli.say(f"{'Warning' if source_note.warning else 'Note'}: {source_note}")
    for failure in shown.issue.digest.failures:
        cli.say(f"Warning: skipped {failure}")
    for warning in shown.issue.digest.warnings:
        cli.say(f"Warning: {warning}")
    shown.personalizer.audience(shown.subscriber)
    for warning in shown.personalizer.warnings:
        cli.say(f"Warning: {warning}")
    for note in shown.notes():
        cli.say(f"Note: {note}")
    fmt = fmt or shown.reads
    if fmt == "html" and shown.reads == "text":
        cli.say(
            "Note: printing the HTML that HTML readers get; --format text shows this reader's copy"
        )
    if screenshot is not None or open_browser:
        from newsletter.previewing.documents import force_scheme, text_page

        subject = shown.personalizer.audience(shown.subscriber)[0].subject
        scheme = "dark" if dark else "light"
        page = shown.html() if fmt == "html" else text_page(shown.text(), subject, scheme)
        if screenshot is not None:
            # Chromium is told the device prefers `scheme`; the page is the reader's, unchanged.
            _screenshot(cli, page, screenshot, width, height, dark)
        if open_browser:
            # Without --dark the page follows the browser's own scheme, as in a mail client.
            shown_page = force_scheme(page, scheme) if dark and fmt == "html" else page
            with tempfile.NamedTemporaryFile(
                "wb", suffix=".html", prefix="newsletter-preview-", delete=False
            ) as f:
                f.write(shown_page.encode("utf-8"))
            if not webbrowser.open(Path(f.name).as_uri()):
                # Said even with -q: the user asked for a window and got none.
                click.echo(
                    f"Error: no browser found to open the preview; it is saved at {f.name}: "
                    "open that file yourself, or set BROWSER to your browser's command",
                    err=True,
                )
                raise SystemExit(1)
            cli.say(f"Opened {f.name}")
        return
    sys.stdout.buffer.write(shown.render(fmt))
    sys.stdout.flush()


def _screenshot(
    cli: CliContext, page: str, target: Path, width: int, height: int | None, dark: bool
) -> None:
    from newsletter.errors import InputError
    from newsletter.screenshot import screenshot

    png = screenshot(page, width=width, height=height, dark=dark)
    try:
        target.write_bytes(png)
    except OSError as error:
        raise InputError(f"cannot write {target}: {error.strerror}") from None
    scheme = "dark" if dark else "light"
    cli.say(f"Saved {target} ({width} px wide, {scheme}, {len(png) // 1024} KB)")


def _serve(
    cli: CliContext,
    day: str | None,
    subscriber: str | None,
    fmt: str | None,
    host: str,
    port: int,
    width: int,
    dark: bool,
    open_browser: bool,
) -> None:
    from newsletter.previewing.server import View, serve

    folder = cli.folder()
    view = View(
        day=day, subscriber=subscriber, format=fmt, width=width, scheme="dark" if dark else "light"
    )

    def ready(url: str) -> None:
        cli.say(f"Preview of {folder.root} at {url}  (reloads on every edit; Ctrl-C stops)")
        if host not in ("127.0.0.1", "localhost", "::1"):
            cli.say(
                f"Warning: listening on {host}: anyone who can reach it sees the subscriber list"
            )
        if open_browser and not webbrowser.open(url):
            cli.say(f"Warning: no browser found; open {url} yourself")

    try:
        serve(folder, view, host, port, ready)
    except KeyboardInterrupt:  # Ctrl-C is how this command is meant to end
        cli.say("Stopped.")
