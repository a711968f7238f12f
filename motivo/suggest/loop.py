"""The background suggester: one process (`motivo suggest run`, started by `motivo serve`)
that gives every new contact its suggestions within moments, and trains new model versions
when they are due, without ever touching the ingest path.

Main thread (first pass), every fifth of a second: the contacts above the watermark (one
indexed query) get suggestions from the version's lexical model (well under a millisecond
each), written in one short transaction. Refiner thread (second pass), continuously while any
are waiting: a few contacts that only have first-pass suggestions are embedded (about 40 ms
of CPU each), their suggestions replaced with the engine's, "none of our reasons" decided and
the top reason applied where the policy allows. So suggestions appear within moments even
when contacts arrive faster than they can be embedded; the second pass catches up afterwards.

Trainer thread: every few seconds asks whether a version is due (no model yet, reasons or
phrases changed, enough new confirmations) or was requested ("retrain now"), and trains it;
the other threads pick up the new active version on their next round. All three threads run
under SCHED_IDLE (the embedding model on one thread), so the web server's requests always come
first; when the machine is saturated, suggestions wait rather than ingest.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, connection
from django.utils import timezone

from motivo.suggest import services

log = logging.getLogger(__name__)

IDLE_SECONDS = 0.2  # pause between rounds when nobody is waiting
ERROR_PAUSE = 2.0
HEARTBEAT_SECONDS = 5.0
TRAINER_SECONDS = 3.0  # how often the trainer looks for due or requested versions
SWEEP_ROUNDS = 150  # every so many rounds, also look for contacts skipped below the watermark
# CPU priority: every thread of the suggester runs under SCHED_IDLE (Linux), i.e. only on CPU
# time the web server does not want, so classification never slows ingestion (measured with
# `bench/ingest.py --rollups`: nice values alone still cost ingest ~20 % at saturation; with
# SCHED_IDLE the suggester fills the idle time). Elsewhere, or where the policy is refused, a
# nice value: the first pass (cheap, what the two-second promise rests on) above the rest.
FIRST_PASS_NICENESS = 5
NICENESS = 12


def _lower_priority(niceness: int = NICENESS) -> None:
    """Lower the calling thread's CPU priority (Linux: a thread's nice value and scheduling
    policy are its own)."""
    if sys.platform.startswith("linux"):
        tid = threading.get_native_id()
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))


class Suggester:
    """Runs until `stop` is set: the first pass in the calling thread (cheap, and what the
    two-second promise rests on), the second pass and the trainer in two threads at a lower
    priority still. `report` receives one line per notable event."""

    def __init__(
        self,
        *,
        batch: int = services.BATCH,
        refine_batch: int = services.REFINE_BATCH,
        idle_seconds: float = IDLE_SECONDS,
        trainer_seconds: float = TRAINER_SECONDS,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.batch = batch
        self.refine_batch = refine_batch
        self.idle_seconds = idle_seconds
        self.trainer_seconds = trainer_seconds
        self.report = report or (lambda line: None)

    def run(self, stop: threading.Event) -> None:
        _lower_priority(FIRST_PASS_NICENESS)
        failed = services.training_interrupted(before=timezone.now())
        if failed:
            self.report(f"{failed} interrupted training(s) marked failed")
        helpers = [
            threading.Thread(target=target, args=(stop,), name=name, daemon=True)
            for target, name in (
                (self._refiner, "suggest-refiner"),
                (self._trainer, "suggest-trainer"),
            )
        ]
        for thread in helpers:
            thread.start()
        rounds, beat = 0, 0.0
        try:
            while not stop.is_set():
                handled = self._guarded(
                    lambda: services.suggest_first_pass(
                        limit=self.batch,
                        sweep=rounds % SWEEP_ROUNDS == 0,  # noqa: B023 - called at once
                    )
                )
                rounds += 1
                if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                    services.suggester_heartbeat()
                    beat = time.monotonic()
                if handled < 0:
                    stop.wait(ERROR_PAUSE)
                elif handled < self.batch:  # caught up: let the next contacts gather
                    stop.wait(self.idle_seconds)
        finally:
            stop.set()
            for thread in helpers:
                thread.join(timeout=30)
            connection.close()

    def _guarded(self, work: Callable[[], int]) -> int:
        try:
            return work()
        except Exception:
            log.exception("suggester round failed")
            close_old_connections()
            return -1

    def _refiner(self, stop: threading.Event) -> None:
        """The second pass, a few contacts at a time, as long as any are waiting."""
        _lower_priority()
        try:
            while not stop.is_set():
                handled = self._guarded(
                    lambda: services.suggest_second_pass(limit=self.refine_batch)
                )
                if handled < 0:
                    stop.wait(ERROR_PAUSE)
                elif handled < self.refine_batch:
                    stop.wait(self.idle_seconds)
        finally:
            connection.close()

    def _trainer(self, stop: threading.Event) -> None:
        _lower_priority()
        while not stop.wait(self.trainer_seconds):
            try:
                services.stale_training_fail()
                trigger = services.retrain_due()
                if trigger:
                    services.retrain_request(trigger=trigger)
                version = services.model_train_pending()
                if version is not None:
                    self.report(
                        f"model v{version.number}: {version.status} "
                        f"({version.n_examples} examples, {version.train_seconds or 0:.1f} s)"
                    )
            except Exception:
                log.exception("suggestion model training failed")
            finally:
                close_old_connections()
        connection.close()
