"""A small asyncio SMTP client for many messages over one connection.

Written for the sending loop, where aiosmtplib's per-message work (parsing both
addresses with `email.utils`, rewriting the data with regular expressions, one
round trip per command) was the sender's limit. When the server offers PIPELINING
(RFC 2920), MAIL, RCPT and DATA go in one write and the dot-stuffed data (RFC 5321
§4.5.2, done with `bytes.replace`) in the next, from the protocol's callbacks (`_Stream`);
`stream` sends message after message that way, each one's data in the same write as the
next one's envelope. Replies are parsed as they arrive, in the protocol.

`send` and `stream` can be told to hold the data back until a future is done (`after`:
the sending loop passes the commit of the previous message's record), so that the
envelope's round trip overlaps that wait and nothing is delivered before it.

    client = await SmtpClient.open(target, timeout=30)
    reply = await client.send("news@example.com", "ada@example.com", data)
    await client.quit()

`send` returns the server's acceptance or raises `ReplyError` carrying the stage
(MAIL, RCPT, DATA or the end of data) and the server's code.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import functools
import hmac
import socket
import ssl
from collections.abc import Callable
from typing import Any, NamedTuple, cast

from newsletter.delivery.smtp_url import SmtpTarget
from newsletter.message import crlf_line_ends

_MAX_LINE = 65536
_READ_SIZE = 16384  # replies are short; a longer one arrives in several reads


class SmtpError(Exception):
    """Something went wrong talking to the server."""


class ConnectionLost(SmtpError, ConnectionError):
    """The connection closed, failed or timed out."""


class TlsUnavailable(SmtpError):
    """TLS was asked for and the server cannot do it."""


class Unsupported(SmtpError):
    """The message needs an extension the server does not offer (SMTPUTF8)."""


class Reply(NamedTuple):
    code: int
    text: str


class ReplyError(SmtpError):
    """The server refused a command; `stage` names it: connect, EHLO, STARTTLS, AUTH,
    MAIL, RCPT, DATA or `.` (the end of the message data)."""

    def __init__(self, stage: str, reply: Reply) -> None:
        super().__init__(f"{stage}: {reply.code} {reply.text}")
        self.stage = stage
        self.code = reply.code
        self.text = reply.text


@functools.cache
def local_hostname() -> str:
    """The name given in EHLO, looked up once per process."""
    return socket.getfqdn()


def data_for_wire(data: bytes) -> bytes:
    """`data` with CRLF line ends, dot-stuffed and terminated by `CRLF.CRLF`."""
    data = crlf_line_ends(data)
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class _Protocol(asyncio.BufferedProtocol):
    """Splits what the server sends into replies and wakes whoever waits for them.

    A buffered protocol: replies are read into one buffer kept for the connection. A plain
    Protocol has asyncio allocate 256 kB for every read, a few dozen bytes used, which
    costs more than parsing the reply.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.buffer = memoryview(bytearray(_READ_SIZE))
        self.transport: asyncio.Transport | None = None
        self.pending = b""
        self.lines: list[bytes] = []
        self.replies: collections.deque[Reply] = collections.deque()
        self.waiter: asyncio.Future[Any] | None = None
        self.wanted = 0
        self.lost: SmtpError | None = None
        # One watchdog per connection instead of a timer per wait: it wakes when the
        # current wait is due and either fails the connection or sleeps until the next.
        self.deadline = 0.0
        self.timeout = 0.0
        self.watchdog: asyncio.TimerHandle | None = None
        # What a stream's next data waits for, while it waits: the watchdog then waits too.
        self.after: asyncio.Future[None] | None = None
        self.stream: _Stream | None = None  # a _Stream drives the connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self.buffer[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        lines = (self.pending + data if self.pending else data).split(b"\n")
        self.pending = lines.pop()
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            code, mark = line[:3], line[3:4]
            if not code.isdigit() or len(code) != 3 or mark not in (b" ", b"-", b""):
                self._fail(
                    SmtpError(f"the server sent something that is not an SMTP reply: {line[:80]!r}")
                )
                return
            if mark == b"-":
                self.lines.append(line[4:])
                continue
            if self.lines:
                self.lines.append(line[4:])
                text = b"\n".join(self.lines)
                self.lines = []
            else:
                text = line[4:]
            self.replies.append(Reply(int(code), text.decode("utf-8", "replace")))
        if len(self.pending) > _MAX_LINE:
            self._fail(SmtpError("the server sent a reply line too long to be SMTP"))
        self._wake()

    def _fail(self, error: SmtpError) -> None:
        if self.lost is None:
            self.lost = error
        if self.transport is not None:
            self.transport.abort()
        self._wake()

    def _wake(self) -> None:
        if self.stream is not None:
            self.stream.advance()
            return
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            if len(self.replies) >= self.wanted:
                waiter.set_result(None)
            elif self.lost is not None:
                waiter.set_exception(self.lost)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.lost is None:
            why = f": {exc}" if exc else ""
            self.lost = ConnectionLost(f"the server closed the connection{why}")
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None
        self._wake()

    def write(self, data: bytes) -> None:
        if self.lost is not None:
            raise self.lost
        assert self.transport is not None
        self.transport.write(data)

    async def read(self, count: int, timeout: float) -> list[Reply]:
        """The next `count` replies, waiting at most `timeout` seconds for them."""
        self.timeout = timeout
        if len(self.replies) < count:
            if self.lost is not None:
                raise self.lost
            waiter = self.loop.create_future()
            self.waiter, self.wanted = waiter, count
            self.deadline = self.loop.time() + timeout
            self._arm()
            try:
                await waiter
            finally:
                self.waiter = None
        replies = self.replies
        return [replies.popleft() for _ in range(count)]

    def _arm(self) -> None:
        """Make sure the watchdog wakes by the current deadline (a shorter timeout than the
        last wait's moves it earlier; a later one is seen when it wakes)."""
        watchdog = self.watchdog
        if watchdog is not None and watchdog.when() <= self.deadline:
            return
        if watchdog is not None:
            watchdog.cancel()
        self.watchdog = self.loop.call_at(self.deadline, self._watch)

    def _watch(self) -> None:
        self.watchdog = None
        if self.waiter is None or self.waiter.done():
            return  # not waiting now; the next wait starts a new watchdog
        if self.after is not None and not self.after.done():
            self.deadline = self.loop.time() + self.timeout  # waiting for ourselves, not the server
        if self.loop.time() < self.deadline:
            self.watchdog = self.loop.call_at(self.deadline, self._watch)
            return
        self._fail(ConnectionLost(f"timed out: no answer from the server in {self.timeout:g} s"))


Item = tuple[str, str, bytes, bool]  # sender, recipient, data, safe (see SmtpClient.send)

_START, _ENVELOPE, _WAITING, _DATA = range(4)


class _Stream:
    """`SmtpClient.stream` as a state machine driven by the protocol.

    A message's envelope goes out; once DATA is answered 354 and `after` is done, its
    data, and in the same write the next message's envelope (RFC 2920 lets a client
    pipeline past the end of data). So a message costs one write and one read: the
    answer to a message's data and to the next one's envelope arrive together.
    The next message's data waits for the future `delivered` returns.
    """

    def __init__(
        self,
        client: SmtpClient,
        take: Callable[[], Item | None],
        delivered: Callable[[Reply], asyncio.Future[None] | None],
        after: asyncio.Future[None] | None,
    ) -> None:
        self.client = client
        self.protocol = client.protocol
        self.take = take
        self.delivered = delivered
        self.after = after
        self.state = _START
        self.wire = b""  # the data of the message in hand
        # The next message, its envelope already on the wire behind the data: its data.
        self.ahead: bytes | None = None
        # Taking or preparing the next message failed: raised once the one in hand is done.
        self.error: BaseException | None = None
        # None: `take` said stop; a list: the envelope's replies, one of them a refusal.
        self.done: asyncio.Future[list[Reply] | None] = self.protocol.loop.create_future()

    @property
    def between_messages(self) -> bool:
        """Whether the server has no message open: the connection can go on."""
        return self.state == _START and self.ahead is None

    def advance(self) -> None:
        """Move on with whatever replies are in; called on every arrival."""
        protocol = self.protocol
        replies = protocol.replies
        while not self.done.done():
            if protocol.lost is not None:
                self.done.set_exception(protocol.lost)
            elif self.state == _START:
                self._next()
            elif self.state == _ENVELOPE:
                if len(replies) < 3:
                    return
                mail, rcpt, go = replies[0], replies[1], replies[2]
                if mail.code // 100 != 2 or rcpt.code // 100 != 2 or go.code != 354:
                    self.done.set_result([replies.popleft() for _ in range(3)])
                elif (after := self.after) is None or after.done():
                    if (failure := _failure(after)) is None:
                        self._write_data()
                    else:
                        self.done.set_exception(failure)
                else:
                    self.state = _WAITING
                    protocol.after = after
                    after.add_done_callback(self._after_done)
                    return
            elif self.state == _DATA:
                if not replies:
                    return
                reply = replies.popleft()
                self.state = _START
                if reply.code // 100 != 2:
                    self.done.set_exception(ReplyError(".", reply))
                    return
                try:
                    self.after = self.delivered(reply)
                except BaseException as error:
                    self.done.set_exception(error)
                    return
                if self.error is not None:
                    self.done.set_exception(self.error)
                elif self.ahead is not None:
                    self.wire, self.ahead = self.ahead, None
                    self.state = _ENVELOPE
            else:
                return  # _WAITING: `_after_done` goes on

    def _prepare(self) -> tuple[bytes, bytes] | None:
        """The next message's envelope and data, or None when `take` says stop."""
        item = self.take()
        if item is None:
            return None
        mail, rcpt, wire = self.client._envelope(*item)
        return mail + rcpt + b"DATA\r\n", wire

    def _next(self) -> None:
        try:
            prepared = self._prepare()
        except BaseException as error:
            self.done.set_exception(error)
            return
        if prepared is None:
            self.done.set_result(None)
            return
        envelope, self.wire = prepared
        self.state = _ENVELOPE
        self._write(envelope)

    def _write_data(self) -> None:
        for _ in range(3):  # the envelope's answers, all successes
            self.protocol.replies.popleft()
        self.state = _DATA
        self.protocol.after = None
        try:
            prepared = self._prepare()
        except BaseException as error:
            prepared, self.error = None, error
        if prepared is None:
            self._write(self.wire)
            return
        envelope, self.ahead = prepared
        self._write(self.wire + envelope)

    def _write(self, data: bytes) -> None:
        protocol = self.protocol
        assert protocol.transport is not None
        protocol.transport.write(data)
        protocol.deadline = protocol.loop.time() + protocol.timeout

    def _after_done(self, after: asyncio.Future[None]) -> None:
        if self.state != _WAITING or self.done.done():
            return
        if (failure := _failure(after)) is None:
            self._write_data()
            self.advance()
        else:
            self.done.set_exception(failure)


def _failure(after: asyncio.Future[None] | None) -> BaseException | None:
    """What `after` failed with (CancelledError if it was cancelled): None while it is not
    done, or once it succeeded, when the data held back for it may go."""
    if after is None or not after.done():
        return None
    return asyncio.CancelledError() if after.cancelled() else after.exception()


class SmtpClient:
    """One open SMTP session, after greeting, EHLO, STARTTLS and AUTH as the target asks."""

    def __init__(self, protocol: _Protocol, timeout: float) -> None:
        self.protocol = protocol
        self.timeout = timeout
        self.extensions: dict[str, str] = {}

    @classmethod
    async def open(
        cls, target: SmtpTarget, timeout: float, tls_context: ssl.SSLContext | None = None
    ) -> SmtpClient:
        """Connect to `target`; raises OSError, SmtpError or ssl.SSLError."""
        loop = asyncio.get_running_loop()
        context = tls_context
        if target.security != "plain" and context is None:
            context = ssl.create_default_context()
        implicit = target.security == "tls"
        try:
            _, protocol = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Protocol(loop),
                    target.host,
                    target.port,
                    ssl=context if implicit else None,
                    server_hostname=target.host if implicit else None,
                ),
                timeout,
            )
        except TimeoutError:
            raise ConnectionLost(
                f"could not connect to {target.host}:{target.port} in {timeout:g} s"
            ) from None
        client = cls(protocol, timeout)
        try:
            await client._expect("connect", None, 220)
            await client._hello()
            if target.security == "starttls":
                await client._starttls(target.host, context)
            if target.username:
                await client._login(target.username, target.password or "")
        except BaseException:
            client.close()
            raise
        return client

    async def command(self, line: bytes) -> Reply:
        self.protocol.write(line + b"\r\n")
        (reply,) = await self.protocol.read(1, self.timeout)
        return reply

    async def _expect(self, stage: str, line: bytes | None, *codes: int) -> Reply:
        if line is None:
            (reply,) = await self.protocol.read(1, self.timeout)
        else:
            reply = await self.command(line)
        if reply.code not in codes:
            raise ReplyError(stage, reply)
        return reply

    async def _hello(self) -> None:
        name = local_hostname().encode("idna")
        reply = await self.command(b"EHLO " + name)
        if reply.code == 250:
            self.extensions = {}
            for line in reply.text.split("\n")[1:]:
                keyword, _, params = line.strip().partition(" ")
                self.extensions[keyword.lower()] = params
            return
        if reply.code == 421:
            raise ReplyError("EHLO", reply)
        await self._expect("HELO", b"HELO " + name, 250)
        self.extensions = {}

    async def _starttls(self, host: str, context: ssl.SSLContext | None) -> None:
        if "starttls" not in self.extensions:
            raise TlsUnavailable("the server does not offer STARTTLS")
        await self._expect("STARTTLS", b"STARTTLS", 220)
        protocol = self.protocol
        assert protocol.transport is not None and context is not None
        loop = asyncio.get_running_loop()
        transport = await asyncio.wait_for(
            loop.start_tls(protocol.transport, protocol, context, server_hostname=host),
            self.timeout,
        )
        protocol.transport = cast(asyncio.Transport, transport)
        await self._hello()

    async def _login(self, username: str, password: str) -> None:
        methods = self.extensions.get("auth", "").upper().split()
        user, secret = username.encode(), password.encode()
        if "PLAIN" in methods:
            token = base64.b64encode(b"\0" + user + b"\0" + secret)
            await self._expect("AUTH", b"AUTH PLAIN " + token, 235, 503)
        elif "LOGIN" in methods:
            await self._expect("AUTH", b"AUTH LOGIN " + base64.b64encode(user), 334)
            await self._expect("AUTH", base64.b64encode(secret), 235, 503)
        elif "CRAM-MD5" in methods:
            challenge = await self._expect("AUTH", b"AUTH CRAM-MD5", 334)
            digest = hmac.new(secret, base64.b64decode(challenge.text), "md5").hexdigest()
            await self._expect("AUTH", base64.b64encode(user + b" " + digest.encode()), 235, 503)
        else:
            raise SmtpError(
                "the server offers no authentication method this client knows (PLAIN, LOGIN, CRAM-MD5)"
            )

    async def send(
        self,
        sender: str,
        recipient: str,
        data: bytes,
        safe: bool = False,
        after: asyncio.Future[None] | None = None,
    ) -> Reply:
        """Send one message to one recipient; the server's acceptance, or ReplyError.

        `safe`: the caller vouches that `data` has CRLF line ends only, no line starting
        with "." and a final CRLF, which spares scanning it again here.
        `after`: the data is sent only once this future is done; if it fails, the
        connection is closed instead, the message undelivered, and its exception raised.
        """
        if "pipelining" in self.extensions:
            items: list[Item] = [(sender, recipient, data, safe)]
            accepted: list[Reply] = []
            await self._pipelined(
                lambda: items.pop() if items else None, lambda r: accepted.append(r), after
            )
            return accepted[0]
        mail, rcpt, wire = self._envelope(sender, recipient, data, safe)
        protocol = self.protocol
        replies: list[Reply] = []
        for line, ok in ((mail, 2), (rcpt, 2), (b"DATA\r\n", 3)):
            protocol.write(line)
            replies += await protocol.read(1, self.timeout)
            if replies[-1].code // 100 != ok:
                await self._abandon(replies)
                raise ReplyError(("MAIL", "RCPT", "DATA")[len(replies) - 1], replies[-1])
        if after is not None and not after.done():
            await asyncio.wait((after,), timeout=None)
        if (failure := _failure(after)) is not None:
            self.close()
            raise failure
        protocol.write(wire)
        (reply,) = await protocol.read(1, self.timeout)
        if reply.code // 100 != 2:
            raise ReplyError(".", reply)
        return reply

    def _envelope(
        self, sender: str, recipient: str, data: bytes, safe: bool
    ) -> tuple[bytes, bytes, bytes]:
        """MAIL and RCPT as they go on the wire, and the data terminated for it."""
        ascii_only = sender.isascii() and recipient.isascii()
        eight_bit = not data.isascii()
        options = b""
        if "size" in self.extensions:
            options += b" SIZE=%d" % len(data)
        if not ascii_only or (eight_bit and "smtputf8" in self.extensions):
            if "smtputf8" not in self.extensions:
                raise Unsupported("the server does not offer SMTPUTF8, which this address needs")
            options += b" SMTPUTF8"
        if eight_bit and "8bitmime" in self.extensions:
            options += b" BODY=8BITMIME"
        encoding = "ascii" if ascii_only else "utf-8"
        mail = b"MAIL FROM:<" + sender.encode(encoding) + b">" + options + b"\r\n"
        rcpt = b"RCPT TO:<" + recipient.encode(encoding) + b">\r\n"
        wire = data + b".\r\n" if safe else data_for_wire(data)
        return mail, rcpt, wire

    async def stream(
        self,
        take: Callable[[], Item | None],
        delivered: Callable[[Reply], asyncio.Future[None] | None],
        after: asyncio.Future[None] | None = None,
    ) -> None:
        """Send message after message: `take()` gives the next (sender, recipient, data,
        safe) or None to stop; `delivered(reply)` is told each acceptance and returns what
        the next message's data waits for (as `after` in `send`).

        Returns once `take` says stop. The first message not accepted ends it with what
        `send` would raise for it; whatever `take` or `delivered` raise ends it too. With
        PIPELINING the whole exchange runs in the protocol's callbacks, no task switch per
        message, and `take` is called for the next message while the one before is still
        open (its envelope rides with that one's data): a message taken and neither
        delivered nor the one that ended the stream was not sent.
        """
        if "pipelining" not in self.extensions:
            while (item := take()) is not None:
                after = delivered(await self.send(*item, after=after))
            return
        await self._pipelined(take, delivered, after)

    async def _pipelined(
        self,
        take: Callable[[], Item | None],
        delivered: Callable[[Reply], asyncio.Future[None] | None],
        after: asyncio.Future[None] | None,
    ) -> None:
        """`stream` over a server that offers PIPELINING: a _Stream drives the protocol."""
        protocol = self.protocol
        if protocol.lost is not None:
            raise protocol.lost
        stream = _Stream(self, take, delivered, after)
        protocol.stream, protocol.waiter = stream, stream.done
        protocol.timeout = self.timeout
        protocol.deadline = protocol.loop.time() + self.timeout
        protocol._arm()
        try:
            stream.advance()
            refused = await stream.done
        except BaseException:
            if not stream.between_messages:  # a message was under way: its end is unknown
                self.close()
            raise
        finally:
            protocol.stream = protocol.waiter = protocol.after = None
        if refused:
            for stage, reply, ok in zip(("MAIL", "RCPT", "DATA"), refused, (2, 2, 3), strict=True):
                if reply.code // 100 != ok:
                    await self._abandon(refused)
                    raise ReplyError(stage, reply)

    async def _abandon(self, replies: list[Reply]) -> None:
        """After a refusal, end any data phase the server opened and reset the envelope."""
        try:
            if len(replies) == 3 and replies[2].code == 354:
                # RFC 2920 §3.1: a server that took DATA after refusing every recipient
                # gets an empty message, which it must then refuse.
                self.protocol.write(b".\r\n")
                await self.protocol.read(1, self.timeout)
            if all(r.code != 421 for r in replies) and (await self.command(b"RSET")).code == 250:
                return
        except (SmtpError, OSError):
            pass
        self.close()

    async def quit(self) -> None:
        try:
            await self.command(b"QUIT")
        finally:
            self.close()

    @property
    def closed(self) -> bool:
        transport = self.protocol.transport
        return self.protocol.lost is not None or transport is None or transport.is_closing()

    def close(self) -> None:
        transport = self.protocol.transport
        if transport is not None:
            transport.close()
