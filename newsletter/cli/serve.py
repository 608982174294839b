"""`newsletter serve`: the web side (one-click unsubscribe, preferences, archive) under uvicorn."""

from __future__ import annotations

import signal
from types import FrameType

import click

from newsletter.cli.context import CliContext, handle_errors, listen_options, pass_cli


@click.command()
@listen_options(8025)
@click.option(
    "--forwarded-allow-ips",
    metavar="IPS",
    envvar="FORWARDED_ALLOW_IPS",
    help="Proxies trusted for X-Forwarded-For/-Proto, comma-separated (default: 127.0.0.1).",
)
@pass_cli
@handle_errors
def serve(cli: CliContext, host: str, port: int, forwarded_allow_ips: str | None) -> None:
    """Run the web side: one-click unsubscribe (RFC 8058), preferences, signup with
    double opt-in (/subscribe, /confirm/TOKEN), the issue archive and its Atom feed.

    Put it behind a TLS reverse proxy that answers at the config's site_url; see
    docs/deploying.md. Stop it with Ctrl-C or SIGTERM.

    \b
    Example:
        newsletter serve --port 8025
        curl -d List-Unsubscribe=One-Click http://127.0.0.1:8025/unsubscribe/TOKEN
    """
    from newsletter.config import load_config
    from newsletter.web import create_app
    from newsletter.web.server import bound_socket, make_server

    folder = cli.folder()
    app = create_app(folder)
    site_url = load_config(folder.config_path).site_url
    server = make_server(app, host, port, forwarded_allow_ips=forwarded_allow_ips)
    sock = bound_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    cli.say(
        f"Serving {folder.root} on http://{bound_host}:{bound_port}/ "
        f"(public address: {site_url}); Ctrl-C stops."
    )
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again:
    # end quietly with status 0 instead of "Aborted!" or death by signal.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        app.state.changes.fold_now()  # every change of the last moments into the file
    cli.say("Stopped.")


class _Stopped(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped
