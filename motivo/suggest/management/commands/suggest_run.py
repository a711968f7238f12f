"""manage.py suggest_run [--once] [--batch N]: the background suggester (loop.py)."""

from __future__ import annotations

import os
import signal
import threading

from django.core.management.base import BaseCommand

from motivo.suggest import services
from motivo.suggest.loop import Suggester


class Command(BaseCommand):
    help = (
        "Give new contacts their reason suggestions and train due model versions, until "
        "stopped (SIGTERM/Ctrl+C); with --once, work through what is waiting and exit."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="handle what is waiting now, then exit"
        )
        parser.add_argument(
            "--batch", type=int, default=services.BATCH, help="contacts per round (200)"
        )

    def handle(self, *args, **options) -> None:
        # The embedding model computes in the thread that calls it (the low-priority
        # refiner), not in an OpenMP pool at normal priority: on a small machine the web
        # server needs those cycles. Read when the model first loads.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        if options["once"]:
            self._once(options["batch"])
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda _signum, _frame: stop.set())
        Suggester(batch=options["batch"], report=self.stdout.write).run(stop)

    def _once(self, batch: int) -> None:
        trigger = services.retrain_due()
        if trigger:
            services.retrain_request(trigger=trigger)
        version = services.model_train_pending()
        if version is not None:
            self.stdout.write(f"Model v{version.number}: {version.get_status_display()}.")
        total = 0
        while handled := services.suggest_pending(limit=batch, sweep=total == 0):
            total += handled
        self.stdout.write(f"Suggestions for {total} contacts.")
