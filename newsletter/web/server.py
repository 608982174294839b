"""Running the web app under uvicorn with the limits and logs `newsletter serve` promises.

server = make_server(create_app(folder), "127.0.0.1", 8025)
server.run()
"""

from __future__ import annotations

import copy
import socket
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from newsletter.listen import listening_socket

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "bound_socket", "make_server", "uvicorn_config"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8025


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, plus our access log (whose paths hide tokens) on stderr."""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["newsletter.web"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def uvicorn_config(
    app: ASGIApp,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    forwarded_allow_ips: str | None = None,
    log: bool = True,
) -> uvicorn.Config:
    """Bounded and quick to give up: small headers, few idle seconds, a cap on concurrent
    requests (503 beyond it). Trusts X-Forwarded-For/-Proto only from
    `forwarded_allow_ips` (default: 127.0.0.1, a proxy on the same host)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http="h11",
        lifespan="off",
        access_log=False,  # uvicorn's would print tokens; AccessLog redacts them
        log_config=_log_config() if log else None,
        log_level="info" if log else "warning",
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
        limit_concurrency=256,
        backlog=512,
        h11_max_incomplete_event_size=16 * 1024,
    )


def make_server(
    app: ASGIApp, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, **options: Any
) -> uvicorn.Server:
    """A uvicorn server for `app`; `run()` blocks until SIGINT/SIGTERM."""
    return uvicorn.Server(uvicorn_config(app, host, port, **options))


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free one), for `Server.run(sockets=…)`;
    an InputError saying what to change when the port is taken."""
    return listening_socket(host, port, backlog=512)
