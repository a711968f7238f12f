"""Spike alerts for the demo shop: its generated history plants an incident ("Me han cobrado
dos veces" five times its usual volume for four days, 45 days before the demo's day, see
motivo.demo.generator); judging the last 8 weeks finds it, as detection would have then."""

from __future__ import annotations

import datetime as dt

from motivo.spikes.detection import BASELINE_DAYS
from motivo.spikes.services import DetectResult, spikes_backfill


def spikes_demo_seed(*, today: dt.date) -> DetectResult:
    """Judge the BASELINE_DAYS days before `today` (the demo's history ends yesterday).
    Alerts older than a couple of days are recorded without notifying anyone."""
    return spikes_backfill(
        since=today - dt.timedelta(days=BASELINE_DAYS), until=today - dt.timedelta(days=1)
    )
