"""The LMTP (or SMTP) listener for direct delivery: the mail server (Postfix, Exim, Dovecot's
LDA…) hands each message over; it is stored and processed before the answer, so a 250 means
the message is safe in Motivo. A failure to store answers 451 (the server retries later);
a message over the size limit answers 552.

Built on aiosmtpd (asyncio); the Django work runs in one worker thread (`sync_to_async`)."""

from __future__ import annotations

import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection

from motivo.core.errors import DomainError
from motivo.mail.models import InboundEmail
from motivo.mail.services import inbound_email_receive

logger = logging.getLogger(__name__)


def _deliver(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> InboundEmail:
    close_old_connections()
    try:
        return inbound_email_receive(
            raw=raw,
            transport=InboundEmail.Transport.LMTP,
            envelope_from=mail_from or "",
            envelope_to=rcpt_tos,
        ).inbound
    finally:
        # The worker thread is asgiref's; it must not keep a connection between messages.
        connection.close()


class InboundHandler:
    """aiosmtpd handler: every accepted message goes through the pipeline."""

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        reply = await self._store(envelope)
        if isinstance(server, LMTP):
            # LMTP (RFC 2033 §4.2) answers DATA once per accepted recipient; the message is
            # stored once, so every recipient gets the same answer.
            return "\r\n".join([reply] * max(1, len(envelope.rcpt_tos)))
        return reply

    async def _store(self, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            inbound = await sync_to_async(_deliver, thread_sensitive=True)(
                raw, envelope.mail_from, list(envelope.rcpt_tos)
            )
        except DomainError as exc:
            if exc.code == "too_large":
                return "552 5.3.4 Message too big"
            return f"554 5.6.0 {exc.message}"
        except Exception:
            logger.exception("LMTP: could not store a message")
            return "451 4.3.0 Could not store the message; try again later"
        return f"250 2.0.0 Stored as {inbound.pk}"


class _Controller(Controller):
    def __init__(self, handler: Any, *, lmtp: bool, **kwargs: Any) -> None:
        self.lmtp = lmtp
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        return (LMTP if self.lmtp else SMTP)(self.handler, **self.SMTP_kwargs)


def listener(*, host: str | None = None, port: int | None = None, lmtp: bool = True) -> Controller:
    """A started-on-demand listener (call `.start()` / `.stop()`); runs in its own thread."""
    return _Controller(
        InboundHandler(),
        lmtp=lmtp,
        hostname=host or settings.MOTIVO_MAIL_LMTP_HOST,
        port=port if port is not None else settings.MOTIVO_MAIL_LMTP_PORT,
        data_size_limit=settings.MOTIVO_MAIL_MAX_MESSAGE_BYTES,
        decode_data=False,
        enable_SMTPUTF8=True,
        server_hostname="motivo",
    )
