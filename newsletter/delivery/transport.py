"""The seam where the network is: a Transport sends one message and says what happened.

`SmtpTransport` keeps one reused aiosmtplib connection; `NullTransport` (dry runs)
accepts everything without sending.
"""

from __future__ import annotations

import ssl
from typing import Protocol

from newsletter.delivery.retry import Outcome, Verdict, classify_code
from newsletter.delivery.smtp_url import SmtpTarget
from newsletter.message import Outgoing


class Transport(Protocol):
    async def send(self, message: Outgoing) -> Outcome: ...

    async def close(self) -> None: ...


class NullTransport:
    """Accepts every message and sends nothing: what `--dry-run` delivers to."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, message: Outgoing) -> Outcome:
        self.count += 1
        return Outcome(Verdict.DELIVERED, 250, "dry run: not sent")

    async def close(self) -> None:
        return None


class SmtpTransport:
    """One SMTP connection, opened on first use and reopened after a failure."""

    def __init__(
        self, target: SmtpTarget, timeout: float, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.tls_context = tls_context
        self.client: object | None = None

    async def _connect(self) -> object:
        import aiosmtplib

        target = self.target
        client = aiosmtplib.SMTP(
            hostname=target.host,
            port=target.port,
            use_tls=target.security == "tls",
            start_tls=target.security == "starttls",
            timeout=self.timeout,
            tls_context=self.tls_context,
            username=target.username,
            password=target.password,
        )
        await client.connect()
        self.client = client
        return client

    async def send(self, message: Outgoing) -> Outcome:
        import aiosmtplib

        try:
            client = self.client or await self._connect()
            assert isinstance(client, aiosmtplib.SMTP)
            _, response = await client.sendmail(message.sender, [message.recipient], message.data)
            return Outcome(Verdict.DELIVERED, 250, response)
        except aiosmtplib.SMTPAuthenticationError as error:
            await self._drop()
            return Outcome(Verdict.FATAL, error.code, f"authentication refused: {error.message}")
        except aiosmtplib.SMTPRecipientsRefused as error:
            refused = error.recipients[0]
            return classify_code(refused.code, refused.message)
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError) as error:
            outcome = classify_code(error.code, error.message)
            if outcome.reconnect:
                await self._drop()
            return outcome
        except (
            aiosmtplib.SMTPServerDisconnected,
            aiosmtplib.SMTPTimeoutError,
            aiosmtplib.SMTPConnectError,
            OSError,
        ) as error:
            await self._drop()
            if isinstance(error, ssl.SSLError):
                return Outcome(Verdict.FATAL, None, f"TLS failed: {error}")
            return Outcome(Verdict.TRANSIENT, None, _describe(error), reconnect=True)
        except aiosmtplib.SMTPResponseException as error:
            await self._drop()
            if error.code in (530, 534, 535, 538):
                return Outcome(Verdict.FATAL, error.code, f"refused: {error.message}")
            outcome = classify_code(error.code, error.message)
            return Outcome(outcome.verdict, outcome.code, outcome.text, reconnect=True)
        except aiosmtplib.SMTPException as error:
            await self._drop()
            text = str(error)
            if "STARTTLS" in text or "TLS" in text:
                return Outcome(Verdict.FATAL, None, f"TLS impossible: {text}")
            return Outcome(Verdict.TRANSIENT, None, text, reconnect=True)

    async def _drop(self) -> None:
        import aiosmtplib

        client, self.client = self.client, None
        if isinstance(client, aiosmtplib.SMTP):
            client.close()

    async def close(self) -> None:
        import aiosmtplib

        client, self.client = self.client, None
        if isinstance(client, aiosmtplib.SMTP) and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return f"connection problem: {text}"
