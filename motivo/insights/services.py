"""Writes to the roll-ups. Called inside the transaction that changes the contacts."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from motivo.insights.models import ReasonDayCount


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def reason_count_add(*, reason_id: int, channel: str, day: dt.date, delta: int) -> None:
    """Add `delta` contacts to the (day, reason, channel) counter, creating it if needed."""
    keys = {"day": day, "reason_id": reason_id, "channel": channel}
    if ReasonDayCount.objects.filter(**keys).update(count=F("count") + delta):
        return
    try:
        with transaction.atomic():
            ReasonDayCount.objects.create(count=delta, **keys)
    except IntegrityError:  # created concurrently: add to it instead
        ReasonDayCount.objects.filter(**keys).update(count=F("count") + delta)
