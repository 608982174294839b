"""A fault-injecting SMTP server (aiosmtpd) for the delivery tests.

Rules say what a recipient gets: an SMTP answer at RCPT or after DATA, a connection
dropped after the message was sent but before the answer, or a stall; for its first
N attempts or every time. The server counts connections (current and peak) and keeps
every message it accepted with a 250, so tests can compare it with the ledger.

    with FaultyServer() as server:
        server.handler.rule("bob@example.com", Fault("rcpt", reply="550 5.1.1 no such user"))
        ...send to server.url...
        server.handler.accepted_by("bob@example.com")  # []

Run alone, in its own process (so the client under test does not share its GIL):

    python tests/delivery/faulty.py --port P --log FILE

it prints `ready` once listening, then appends one line per accepted message: the recipient.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult


def free_port(host: str = "127.0.0.1") -> int:
    """A free TCP port: aiosmtpd's Controller cannot take port 0 itself (its probe connects there)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Fault:
    """What goes wrong for one recipient.

    `at`: "rcpt" (answer the RCPT command) or "data" (after the message was received).
    `action`: "reply" with `reply`, "drop" the connection without answering, "stall"
    for `seconds` and then go on normally, or "hold" until the handler's `gate` is set. `times`: the first N attempts only (None: always).
    """

    at: str
    action: str = "reply"
    reply: str = "451 4.3.0 try again later"
    times: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Accepted:
    recipient: str
    data: bytes
    at: float  # time.monotonic() when the server accepted it


@dataclass
class FaultyHandler:
    """The aiosmtpd handler: applies the rules, records accepted messages and connections."""

    faults: dict[str, Fault] = field(default_factory=dict)
    accepted: list[Accepted] = field(default_factory=list)
    attempts: collections.Counter[str] = field(default_factory=collections.Counter)
    tried_at: dict[str, list[float]] = field(default_factory=dict)  # RCPT times, monotonic
    sender_reply: str | None = None  # an answer to every MAIL FROM instead of 250
    hello_reply: str | None = None  # an answer to every EHLO and HELO instead of 250
    # Offer PIPELINING (RFC 2920), as Postfix, Exim and the big relays do: the client then
    # sends message after message from its protocol callbacks. Off: one command at a time.
    pipelining: bool = True
    keep: bool = True  # keep the bytes of accepted messages
    log: TextIO | None = None
    connections: int = 0
    current: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    gate: threading.Event = field(default_factory=threading.Event)  # opens "hold" faults

    def rule(self, recipient: str, fault: Fault) -> None:
        self.faults[recipient] = fault

    def accepted_by(self, recipient: str) -> list[Accepted]:
        return [a for a in self.accepted if a.recipient == recipient]

    def recipients(self) -> list[str]:
        return [a.recipient for a in self.accepted]

    def reset_counts(self) -> None:
        """Forget connections so far (the Controller's readiness probe) once they closed."""
        deadline = time.monotonic() + 2.0
        while self.current > 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        with self.lock:
            self.connections = self.peak = self.current

    def opened(self) -> None:
        with self.lock:
            self.connections += 1
            self.current += 1
            self.peak = max(self.peak, self.current)

    def closed(self) -> None:
        with self.lock:
            self.current -= 1

    def _fault(self, recipient: str, at: str, attempt: int) -> Fault | None:
        fault = self.faults.get(recipient)
        if fault is None or fault.at != at:
            return None
        if fault.times is not None and attempt > fault.times:
            return None
        return fault

    async def _apply(self, server: SMTP, fault: Fault) -> str | None:
        """The answer to give instead of the normal one, or None to go on normally."""
        if fault.action == "stall":
            await asyncio.sleep(fault.seconds)
            return None
        if fault.action == "hold":
            while not self.gate.is_set():
                await asyncio.sleep(0.01)
            return None
        if fault.action == "drop":
            assert server.transport is not None
            server.transport.abort()
            return "421 4.4.2 connection dropped"  # never reaches the client
        return fault.reply

    async def handle_EHLO(
        self, server: SMTP, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        if self.hello_reply is not None:
            return [self.hello_reply]
        session.host_name = hostname
        if self.pipelining:
            return [responses[0], "250-PIPELINING", *responses[1:]]
        return responses

    async def handle_HELO(self, server: SMTP, session: Any, envelope: Any, hostname: str) -> str:
        if self.hello_reply is not None:
            return self.hello_reply
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_MAIL(
        self, server: SMTP, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.sender_reply is not None:
            return self.sender_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        self.attempts[address] += 1
        self.tried_at.setdefault(address, []).append(time.monotonic())
        fault = self._fault(address, "rcpt", self.attempts[address])
        if fault is not None:
            answer = await self._apply(server, fault)
            if answer is not None:
                return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        data: bytes = envelope.original_content or envelope.content
        for recipient in envelope.rcpt_tos:
            fault = self._fault(recipient, "data", self.attempts[recipient])
            if fault is not None:
                answer = await self._apply(server, fault)
                if answer is not None:
                    return answer
        for recipient in envelope.rcpt_tos:
            self.accepted.append(Accepted(recipient, data if self.keep else b"", time.monotonic()))
            if self.log is not None:
                # Written before the 250 leaves: every acceptance the client saw is in the log.
                self.log.write(recipient + "\n")
                self.log.flush()
        return "250 2.0.0 OK queued"


class _CountingSMTP(SMTP):
    def __init__(self, handler: FaultyHandler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.counter = handler

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None
        super().connection_made(transport)
        if first:
            self.counter.opened()

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        self.counter.closed()


class FaultyServer:
    """`with FaultyServer() as server:` runs the handler on a free loopback port.

    `credentials` (user, password) turns on AUTH (over plain text, for tests) and
    requires it; a client with other credentials is refused with 535. `smtputf8` offers
    SMTPUTF8 (RFC 6531).
    """

    def __init__(
        self,
        handler: FaultyHandler | None = None,
        *,
        credentials: tuple[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        smtputf8: bool = False,
    ) -> None:
        self.handler = handler or FaultyHandler()
        self.host = host
        self.port = port or free_port(host)
        kwargs: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}
        if credentials is not None:
            kwargs.update(
                authenticator=_authenticator(*credentials),
                auth_require_tls=False,
                auth_required=True,
            )
        self.controller = _Controller(self.handler, hostname=host, port=self.port, **kwargs)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def __enter__(self) -> FaultyServer:
        self.controller.start()
        self.handler.reset_counts()  # the Controller's own readiness probe is not a client
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class _Controller(Controller):  # type: ignore[misc]
    def factory(self) -> SMTP:
        return _CountingSMTP(self.handler, **self.SMTP_kwargs)


def _authenticator(user: str, password: str) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            getattr(data, "login", None) == user.encode()
            and getattr(data, "password", None) == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return check


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="An SMTP server that logs each accepted recipient."
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args(argv)
    with args.log.open("a", encoding="utf-8") as log:
        server = FaultyServer(FaultyHandler(keep=False, log=log), port=args.port)
        with server:
            print("ready", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
