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


def free_port(host: str = "127.0.0.1") -> int:
    """A free TCP port; aiosmtpd's Controller cannot take port 0 itself."""
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


class Sink:
    """`with Sink(out) as sink:` runs the server on loopback; `sink.url` is its SMTP URL."""

    def __init__(
        self,
        out: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        announce: Callable[[str], None] = lambda s: None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.handler = StoringHandler(out, announce)
        self.controller = Controller(
            self.handler, hostname=host, port=self.port, data_size_limit=50 * 1024 * 1024
        )

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
