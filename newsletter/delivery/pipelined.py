"""`PipelinedTransport`: the Transport of real sends, over `newsletter.delivery.client`.

Sorts what the client raises into the outcomes the engine acts on:
a refusal keeps its SMTP code; a lost connection is temporary and reconnects; bad
credentials or impossible TLS stop the run.
"""

from __future__ import annotations

import collections
import ssl
from collections.abc import Sequence

from newsletter.delivery.client import (
    ConnectionLost,
    Item,
    Reply,
    ReplyError,
    SmtpClient,
    SmtpError,
    TlsUnavailable,
    Unsupported,
)
from newsletter.delivery.retry import Outcome, Verdict, sort_refusal
from newsletter.delivery.smtp_url import SmtpTarget
from newsletter.delivery.transport import Commit, Delivered, Take
from newsletter.message import Outgoing


class PipelinedTransport:
    """One SMTP connection, opened on first use and reopened after a failure."""

    def __init__(
        self,
        target: SmtpTarget | Sequence[SmtpTarget],
        timeout: float,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        # With several relays the first is this connection's own; the others are tried
        # in order when it cannot be reached, and it is tried first again on reconnect.
        self.targets = [target] if isinstance(target, SmtpTarget) else list(target)
        self.target = self.targets[0]
        self.timeout = timeout
        self.tls_context = tls_context
        self.client: SmtpClient | None = None

    async def send(self, message: Outgoing, after: Commit | None = None) -> Outcome:
        client = self.client
        if client is None or client.closed:
            opened = await self._open()
            if isinstance(opened, Outcome):
                return opened
            client = self.client = opened
        try:
            reply = await client.send(
                message.sender, message.recipient, message.data, message.data_safe, after
            )
        except (SmtpError, OSError) as error:
            return self._failed(error)
        return Outcome(Verdict.DELIVERED, reply.code, reply.text)

    async def stream(
        self, take: Take, delivered: Delivered, after: Commit | None = None
    ) -> tuple[Outgoing, Outcome] | None:
        """See `Transport.stream`: over an open connection, `SmtpClient.stream`."""
        message: Outgoing | None = None
        while (client := self.client) is None or client.closed:
            # A message at a time until one opens the connection (and is delivered).
            if (message := take()) is None:
                return None
            outcome = await self.send(message, after)
            if outcome.verdict is not Verdict.DELIVERED:
                return message, outcome
            after = delivered(message, outcome)
        taken: collections.deque[Outgoing] = collections.deque()  # the messages under way

        def item() -> Item | None:
            message = take()
            if message is None:
                return None
            taken.append(message)
            return message.sender, message.recipient, message.data, message.data_safe

        def accepted(reply: Reply) -> Commit | None:
            return delivered(taken.popleft(), Outcome(Verdict.DELIVERED, reply.code, reply.text))

        try:
            await client.stream(item, accepted, after)
        except (SmtpError, OSError) as error:
            return taken[0], self._failed(error)
        return None

    def _failed(self, error: SmtpError | OSError) -> Outcome:
        """The outcome of a message `error` stopped, the connection dropped where it must be."""
        if isinstance(error, ReplyError):
            outcome = sort_refusal(error.stage, error.code, error.text)
        elif isinstance(error, Unsupported):
            return Outcome(Verdict.PERMANENT, None, str(error))
        else:
            self._drop()
            return Outcome(Verdict.TRANSIENT, None, _describe(error), reconnect=True)
        if outcome.reconnect or outcome.verdict is Verdict.FATAL:
            self._drop()
        return outcome

    async def _open(self) -> SmtpClient | Outcome:
        """A connected, logged-in client, or the Outcome saying why there is none."""
        self._drop()
        for target in self.targets:
            opened = await self._open_one(target)
            if not isinstance(opened, Outcome) or not opened.unreachable:
                return opened
        return opened

    async def _open_one(self, target: SmtpTarget) -> SmtpClient | Outcome:
        where = f"{target.host}:{target.port}"
        try:
            return await SmtpClient.open(target, self.timeout, self.tls_context)
        except ReplyError as error:
            return sort_refusal(error.stage, error.code, f"{error.text} (server {where})")
        except ssl.SSLError as error:
            if target.security == "tls" and error.reason in _NOT_TLS:
                return Outcome(Verdict.FATAL, None, _not_tls(target))
            return Outcome(Verdict.FATAL, None, f"TLS failed with {where}: {error}")
        except TlsUnavailable as error:
            return Outcome(Verdict.FATAL, None, f"TLS impossible with {where}: {error}")
        except (ConnectionLost, OSError) as error:
            return Outcome(
                Verdict.TRANSIENT, None, _describe(error), reconnect=True, unreachable=True
            )
        except SmtpError as error:
            return Outcome(Verdict.FATAL, None, f"cannot log in with {where}: {error}")

    def _drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            client.close()

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None and not client.closed:
            try:
                await client.quit()
            except (SmtpError, OSError):
                client.close()


# What OpenSSL says when the other side answers a TLS handshake with something else,
# such as an SMTP greeting in plain text.
_NOT_TLS = frozenset(
    {
        "WRONG_VERSION_NUMBER",
        "UNKNOWN_PROTOCOL",
        "RECORD_LAYER_FAILURE",
        "PACKET_LENGTH_TOO_LONG",
        "HTTP_REQUEST",
    }
)


def _not_tls(target: SmtpTarget) -> str:
    user = f"{target.username}@" if target.username else ""
    host = f"{target.host}:{target.port}"
    return (
        f"{host} does not speak TLS (smtps:// starts with a TLS handshake; this port answered "
        f"in plain text): use smtp+starttls://{user}{host} if it offers STARTTLS, or "
        f"smtp://{user}{host} if it is a local relay that needs no encryption"
    )


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return f"connection problem: {text}"
