"""`manage.py fcr_finalise`: finalise the first-contact-resolution roll-up (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from motivo.insights.repeats import fcr_finalise, repeats_rebuild


class Command(BaseCommand):
    help = (
        "Finalise first-contact resolution for every resolution day whose repeat window has "
        "passed (idempotent; run once a day). With --rebuild-repeats, first recompute every "
        "contact's repeat flag and the repeat counts (after a bulk load)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rebuild-repeats", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild_repeats"]:
            customers = repeats_rebuild()
            self.stdout.write(f"repeat flags recomputed for {customers} customers")
        days = fcr_finalise()
        if days:
            self.stdout.write(f"FCR finalised for {days[0]} to {days[-1]} ({len(days)} days)")
        else:
            self.stdout.write("FCR already final")
