"""A local SMTP server (aiosmtpd) that stores every message it receives as an .eml file."""

from __future__ import annotations

import itertools
import re
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from newsletter.listen import listening_socket


def free_port(host: str = "127.0.0.1") -> int:
    """A free TCP port, for servers started by tests."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class StoringHandler:
    """Writes each message to `out/NNNNNN-recipient.eml`, one file per recipient."""

    def __init__(self, out: Path, announce: Callable[[str], None] = lambda line: None) -> None:
        self.out = out
        self.announce = announce
        self.lock = threading.Lock()
        out.mkdir(parents=True, exist_ok=True)
        existing = [
            int(m.group(1)) for p in out.glob("*.eml") if (m := re.match(r"(\d+)-", p.name))
        ]
        self.counter = itertools.count(max(existing, default=0) + 1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data: bytes = envelope.original_content or envelope.content
        for rcpt in envelope.rcpt_tos:
            with self.lock:
                number = next(self.counter)
            safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", rcpt)[:80]
            path = self.out / f"{number:06d}-{safe}.eml"
            path.write_bytes(data)
            self.announce(f"{path}  from {envelope.mail_from} to {rcpt} ({len(data)} bytes)")
        return "250 OK stored"


class _SocketController(Controller):
    """aiosmtpd's Controller serving a socket already bound, so a busy port is an error
    at once, not a thread that times out."""

    def __init__(self, handler: Any, sock: socket.socket, **kwargs: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self.sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self.sock, ssl=self.ssl_context)


class Sink:
    """`with Sink(out) as sink:` runs the server on loopback; `sink.url` is its SMTP URL.

    A port that cannot be taken is an InputError (from `listening_socket`) at construction.
    """

    def __init__(
        self,
        out: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        announce: Callable[[str], None] = lambda s: None,
    ) -> None:
        sock = listening_socket(host, port)
        self.host = host
        self.port = int(sock.getsockname()[1])
        try:
            self.handler = StoringHandler(out, announce)
        except BaseException:
            sock.close()
            raise
        self.controller = _SocketController(self.handler, sock, data_size_limit=50 * 1024 * 1024)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"smtp://{host}:{self.port}"

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
