"""The one way every server of the package (`sink`, `serve`, `preview --serve`) takes its port.

sock = listening_socket("127.0.0.1", 8025)   # or InputError: what to change, exit 2
"""

from __future__ import annotations

import errno
import socket

from newsletter.errors import InputError

_HINTS = {
    errno.EADDRINUSE: "another program is using it: pick another with --port, "
    "or --port 0 for any free one",
    errno.EACCES: "ports below 1024 need root: pick one above 1024 with --port",
    errno.EADDRNOTAVAIL: "this machine has no such address: pick another with --host, "
    "such as 127.0.0.1",
}


def listening_socket(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A TCP socket listening on host:port (port 0: any free one), or an InputError
    naming the address and what to change."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets that say so,
    # and without it every keep-alive response waits for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        raise InputError(listen_problem(host, port, error)) from None
    sock.set_inheritable(True)
    return sock


def listen_problem(host: str, port: int, error: OSError) -> str:
    """`cannot listen on host:port (reason); what to do`."""
    reason = error.strerror or str(error)
    if isinstance(error, socket.gaierror):
        hint = "no such host name: pick another with --host, such as 127.0.0.1"
    else:
        hint = _HINTS.get(error.errno or 0, "pick another with --host or --port")
    shown = f"[{host}]" if ":" in host else host
    return f"cannot listen on {shown}:{port} ({reason}); {hint}"
