"""A real SMTP server for tests: aiosmtpd on a free local port, capturing what it receives.

Import the fixtures into a test module (`from motivo.mail.tests.smtp_server import
smtp_server, smtp_down`) and take them as arguments:

- `smtp_server` starts the server, points `settings.MAILERS["default"]` at it (Django's own
  SMTP backend) and yields the `SmtpServer`: `.messages` are the received mails parsed with
  the modern e-mail policy, `.answer` (e.g. "451 4.3.0 Try later" or "550 5.1.1 No such
  user") makes the next DATA commands get that reply instead of 250, `.stop()` shuts it down.
- `smtp_down` points MAILERS at a local port where nothing listens (connection refused).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One SMTP transaction the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class _Handler:
    messages: list[Received] = field(default_factory=list)
    answer: str | None = None
    transactions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.transactions += 1
            if self.answer:
                return self.answer
            parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 2.0.0 Queued"


class SmtpServer:
    """aiosmtpd's threaded Controller around a capturing handler."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname=HOST, port=self.port)

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    @property
    def transactions(self) -> int:
        """DATA commands seen, accepted or not."""
        return self.handler.transactions

    @property
    def answer(self) -> str | None:
        return self.handler.answer

    @answer.setter
    def answer(self, value: str | None) -> None:
        self.handler.answer = value

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller._thread is not None:
            self.controller.stop()

    def mailer(self) -> dict:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": HOST, "port": self.port, "timeout": 5},
        }


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer().start()
    settings.MAILERS = {"default": server.mailer()}
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_down(settings) -> int:
    """MAILERS point at a port nobody listens on; returns the port."""
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": HOST, "port": port, "timeout": 5},
        }
    }
    return port
