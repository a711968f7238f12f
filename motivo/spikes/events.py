"""Typed spike-alert events: one function per kind, each writing one SpikeAlertEvent row.

The alert's history reads these rows; nothing else writes them.
"""

from __future__ import annotations

from django.utils import timezone

from motivo.accounts.models import User
from motivo.spikes.models import SpikeAlert, SpikeAlertEvent

Kind = SpikeAlertEvent.Kind


def _event(alert: SpikeAlert, kind: str, actor: User | None, data: dict) -> SpikeAlertEvent:
    return SpikeAlertEvent.objects.create(
        alert=alert, kind=kind, actor=actor, data=data, created_at=timezone.now()
    )


def _figures(alert: SpikeAlert) -> dict:
    return {
        "day": alert.peak_day.isoformat(),
        "observed": alert.observed,
        "expected": round(alert.expected, 2),
        "score": round(alert.score, 2),
    }


def alert_raised_event(*, alert: SpikeAlert) -> SpikeAlertEvent:
    return _event(alert, Kind.RAISED, None, _figures(alert))


def alert_extended_event(*, alert: SpikeAlert) -> SpikeAlertEvent:
    return _event(alert, Kind.EXTENDED, None, {"last_day": alert.last_day.isoformat()})


def alert_notified_event(*, alert: SpikeAlert, users: list[User]) -> SpikeAlertEvent:
    return _event(alert, Kind.NOTIFIED, None, {"users": [user.pk for user in users]})


def alert_acknowledged_event(*, alert: SpikeAlert, actor: User | None) -> SpikeAlertEvent:
    return _event(alert, Kind.ACKNOWLEDGED, actor, {})


def alert_closed_event(*, alert: SpikeAlert, actor: User | None, note: str) -> SpikeAlertEvent:
    return _event(alert, Kind.CLOSED, actor, {"note": note} if note else {})
