"""manage.py spikes_detect [--since DAY [--until DAY]] [--forever [--interval N]] [--quiet-notify]:
judge the reasons' daily contacts for spikes (motivo/spikes)."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from motivo.spikes.services import DetectResult, spikes_backfill, spikes_detect


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a day like 2026-03-31.") from exc


class Command(BaseCommand):
    help = (
        "Judge yesterday and today so far for spikes (or every day from --since), once or "
        "again and again (--forever). Idempotent."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="judge every day from this one (e.g. after an import)")
        parser.add_argument("--until", help="with --since: the last day (default today)")
        parser.add_argument("--forever", action="store_true", help="keep judging")
        parser.add_argument(
            "--interval",
            type=int,
            default=None,
            help="seconds between runs with --forever (MOTIVO_SPIKE_SECONDS, 300)",
        )
        parser.add_argument(
            "--quiet-notify",
            action="store_true",
            help="record alerts without notifying the reasons' owners",
        )

    def _report(self, result: DetectResult, *, quiet: bool = False) -> None:
        if quiet and not result.raised:
            return
        days = (
            (
                f"{result.days[0]}..{result.days[-1]}"
                if len(result.days) > 1
                else str(result.days[0])
            )
            if result.days
            else "no day"
        )
        self.stdout.write(
            f"{days}: {result.judged} reason-days judged, {len(result.raised)} alerts raised, "
            f"{len(set(result.updated))} updated, {len(result.notified)} notified "
            f"({result.seconds * 1000:.0f} ms)"
        )

    def handle(self, *args, **options) -> None:
        notify = not options["quiet_notify"]
        if options["since"]:
            since = _day(options["since"])
            until = _day(options["until"]) if options["until"] else None
            self._report(spikes_backfill(since=since, until=until, notify=notify))
            return
        interval = options["interval"] or settings.MOTIVO_SPIKE_SECONDS
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        while True:
            self._report(spikes_detect(notify=notify), quiet=options["forever"])
            if not options["forever"]:
                break
            time.sleep(interval)
            close_old_connections()  # a long-running loop: drop stale database connections
