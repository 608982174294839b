"""aiosmtplib behind the project's Transport seam: the library reference for bench/clients.py.

`newsletter send` uses its own pipelining client (newsletter/delivery/client.py), which
this benchmark measures against the library.
"""

from __future__ import annotations

import asyncio
import ssl

from newsletter.delivery.retry import Outcome, Verdict, sort_refusal
from newsletter.delivery.smtp_url import SmtpTarget
from newsletter.delivery.transport import SendOnly
from newsletter.message import Outgoing


class SmtpTransport(SendOnly):
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
        try:
            await client.connect()
        except BaseException:
            client.close()
            raise
        self.client = client
        return client

    async def send(self, message: Outgoing, after: asyncio.Future[None] | None = None) -> Outcome:
        import aiosmtplib

        if after is not None:
            await asyncio.shield(after)

        client = self.client
        if not isinstance(client, aiosmtplib.SMTP) or not client.is_connected:
            opened = await self._open()
            if isinstance(opened, Outcome):
                return opened
            client = opened
        assert isinstance(client, aiosmtplib.SMTP)
        try:
            _, response = await client.sendmail(message.sender, [message.recipient], message.data)
            return Outcome(Verdict.DELIVERED, 250, response)
        except aiosmtplib.SMTPRecipientsRefused as error:
            refused = error.recipients[0]
            outcome = sort_refusal("RCPT", refused.code, refused.message)
        except aiosmtplib.SMTPSenderRefused as error:
            outcome = sort_refusal("MAIL", error.code, error.message)
        except aiosmtplib.SMTPDataError as error:
            outcome = sort_refusal("DATA", error.code, error.message)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as error:
            await self._drop()
            return Outcome(Verdict.TRANSIENT, None, _describe(error), reconnect=True)
        except aiosmtplib.SMTPResponseException as error:
            await self._drop()
            outcome = sort_refusal("MAIL", error.code, error.message)
            return Outcome(outcome.verdict, outcome.code, outcome.text, reconnect=True)
        except aiosmtplib.SMTPNotSupported as error:
            return Outcome(Verdict.PERMANENT, None, str(error))
        except ValueError as error:  # an address aiosmtplib cannot put on the wire
            return Outcome(Verdict.PERMANENT, None, f"cannot send to this address: {error}")
        except aiosmtplib.SMTPException as error:
            await self._drop()
            return Outcome(Verdict.TRANSIENT, None, str(error), reconnect=True)
        if outcome.reconnect or outcome.verdict is Verdict.FATAL:
            await self._drop()
        return outcome

    async def _open(self) -> object:
        """A connected, logged-in client, or the Outcome saying why there is none."""
        import aiosmtplib

        await self._drop()
        where = f"{self.target.host}:{self.target.port}"
        try:
            return await self._connect()
        except aiosmtplib.SMTPAuthenticationError as error:
            return sort_refusal("AUTH", error.code, f"{error.message} (server {where})")
        except ssl.SSLError as error:
            return Outcome(Verdict.FATAL, None, f"TLS failed with {where}: {error}")
        except aiosmtplib.SMTPConnectResponseError as error:
            # The greeting: 421 "busy, come back later", or 554 "no service for you".
            return sort_refusal("connect", error.code, f"{error.message} (server {where})")
        except (
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPTimeoutError,
            aiosmtplib.SMTPServerDisconnected,
            OSError,
        ) as error:
            return Outcome(
                Verdict.TRANSIENT, None, _describe(error), reconnect=True, unreachable=True
            )
        except aiosmtplib.SMTPResponseException as error:
            return sort_refusal("EHLO", error.code, f"{error.message} (server {where})")
        except aiosmtplib.SMTPException as error:
            # STARTTLS or AUTH asked for and not offered: the settings cannot work.
            text = str(error)
            what = "TLS impossible" if "TLS" in text else "cannot log in"
            return Outcome(Verdict.FATAL, None, f"{what} with {where}: {text}")

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
