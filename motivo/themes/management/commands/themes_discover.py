"""`manage.py themes_discover`: the daily theme run (cron), or a run over chosen days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motivo.core.errors import DomainError
from motivo.themes import services
from motivo.themes.models import ThemeRun


class Command(BaseCommand):
    help = (
        "Group the contacts that fit none of our reasons into themes, now. Without options: "
        "today's daily run over the last MOTIVO_THEMES_DAYS days (once a day; run it from "
        "cron). With --from/--to: a run over those local days."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="date_from", type=dt.date.fromisoformat)
        parser.add_argument("--to", dest="date_to", type=dt.date.fromisoformat)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["date_from"] or options["date_to"]:
            try:
                queued = services.theme_run_request(
                    actor=None,
                    date_from=options["date_from"],
                    date_to=options["date_to"],
                    enqueue=False,
                )
            except DomainError as error:
                raise CommandError(error.message) from error
            run = services.theme_run_execute(run_id=queued.pk)
        else:
            run = services.themes_daily()
            if run is None:
                self.stdout.write("Today's daily theme run exists already.")
                return
        if run.status != ThemeRun.Status.DONE:
            raise CommandError(f"Theme run {run.pk} {run.status}: {run.error}")
        self.stdout.write(
            f"Theme run {run.pk} ({run.date_from} to {run.date_to}): "
            f"{run.themes.count()} themes from {run.contacts} contacts, "
            f"{run.noise} in none, {run.seconds:.1f} s."
        )
