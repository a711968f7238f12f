"""Mail the weekly review to its participants: `manage.py weekly_review_send [--week 2026-W12]`
(default: the most recent full week). Safe to run again: each person gets a week's review
once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from motivo.council import review
from motivo.council.services import weekly_review_send


class Command(BaseCommand):
    help = "Mail the weekly review (default: the last full ISO week) to the participants."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO week, e.g. 2026-W12 (default: last full week)")

    def handle(self, *args, **options):
        key = options.get("week")
        latest = review.latest_full_week()
        if key:
            try:
                week = review.week_parse(key)
            except ValueError as exc:
                raise CommandError(f"--week must look like 2026-W12, not {key!r}") from exc
            if week.start > latest.start:
                raise CommandError(f"{week.key} has not ended yet (latest: {latest.key}).")
        else:
            week = latest
        result = weekly_review_send(week=week)
        self.stdout.write(
            f"{week.key}: mailed {len(result.sent)}, already mailed {len(result.already)}, "
            f"no valid address {len(result.unreachable)}"
        )
        for name in result.unreachable:
            self.stdout.write(f"  not mailed (no valid address): {name}")
