"""manage.py mail_lmtp [--host H] [--port P] [--smtp]: the direct-delivery listener."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from motivo.mail.lmtp import listener


class Command(BaseCommand):
    help = "Receive mail by LMTP (or SMTP with --smtp) and feed it to the inbound pipeline."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=settings.MOTIVO_MAIL_LMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.MOTIVO_MAIL_LMTP_PORT)
        parser.add_argument("--smtp", action="store_true", help="speak SMTP instead of LMTP")

    def handle(self, *args, **options) -> None:
        server = listener(host=options["host"], port=options["port"], lmtp=not options["smtp"])
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        server.start()
        protocol = "SMTP" if options["smtp"] else "LMTP"
        self.stdout.write(f"Listening for {protocol} on {options['host']}:{options['port']}")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            server.stop()
        self.stdout.write("Stopped.")
