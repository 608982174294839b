"""`PipelinedTransport`: the Transport of real sends, over `newsletter.delivery.client`.

Sorts what the client raises into the outcomes the engine acts on:
a refusal keeps its SMTP code; a lost connection is temporary and reconnects; bad
credentials or impossible TLS stop the run.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence

from newsletter.delivery.client import (
    ConnectionLost,
    ReplyError,
    SmtpClient,
    SmtpError,
    TlsUnavailable,
    Unsupported,
)
from newsletter.delivery.retry import Outcome, Verdict, sort_refusal
from newsletter.delivery.smtp_url import SmtpTarget
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

    async def send(self, message: Outgoing) -> Outcome:
        client = self.client
        if client is None or client.closed:
            opened = await self._open()
            if isinstance(opened, Outcome):
                return opened
            client = self.client = opened
        try:
            reply = await client.send(
                message.sender, message.recipient, message.data, message.data_safe
            )
            return Outcome(Verdict.DELIVERED, reply.code, reply.text)
        except ReplyError as error:
            outcome = sort_refusal(error.stage, error.code, error.text)
        except Unsupported as error:
            return Outcome(Verdict.PERMANENT, None, str(error))
        except (SmtpError, OSError) as error:
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


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return f"connection problem: {text}"
