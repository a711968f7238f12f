"""manage.py mail_poll [--mailbox NAME] [--forever [--interval N]]: poll IMAP mailboxes."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from motivo.mail.imap import mailboxes_poll
from motivo.mail.models import Mailbox


class Command(BaseCommand):
    help = "Fetch new mail from the active IMAP mailboxes once, or again and again (--forever)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--mailbox", help="poll only the mailbox with this name")
        parser.add_argument("--forever", action="store_true", help="keep polling")
        parser.add_argument(
            "--interval",
            type=int,
            default=None,
            help="seconds between polls with --forever (MOTIVO_MAIL_POLL_SECONDS, 60)",
        )

    def handle(self, *args, **options) -> None:
        name = options["mailbox"]
        if name and not Mailbox.objects.filter(name=name).exists():
            raise CommandError(f"No mailbox named {name!r}.")
        interval = options["interval"] or settings.MOTIVO_MAIL_POLL_SECONDS
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        failed = False
        while True:
            results = mailboxes_poll(name=name)
            if not results and not options["forever"]:
                self.stdout.write("No active mailboxes.")
            for result in results:
                if options["forever"] and not result.fetched and not result.error:
                    continue  # a quiet loop: report only what happened
                line = (
                    f"{result.mailbox}: {result.fetched} fetched, {result.stored} new, "
                    f"{result.duplicates} already stored"
                    + (f", {result.skipped} too large" if result.skipped else "")
                )
                if result.error:
                    failed = True
                    self.stderr.write(f"{line}; error: {result.error}")
                else:
                    self.stdout.write(line)
            if not options["forever"]:
                break
            time.sleep(interval)
            close_old_connections()  # a long-running loop: drop stale database connections
        if failed:
            raise CommandError("Some mailboxes could not be polled (see above).")
