"""Typed improvement events: one function per kind, each writing one ImprovementEvent row.

The improvement's history reads these rows; nothing else writes them.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from motivo.accounts.models import User
from motivo.council.models import Improvement, ImprovementEvent

Kind = ImprovementEvent.Kind


def _event(improvement: Improvement, kind: str, actor: User | None, data: dict) -> ImprovementEvent:
    return ImprovementEvent.objects.create(
        improvement=improvement, kind=kind, actor=actor, data=data, created_at=timezone.now()
    )


def improvement_created_event(*, improvement: Improvement, actor: User | None) -> ImprovementEvent:
    return _event(
        improvement,
        Kind.CREATED,
        actor,
        {"status": improvement.status, "reasons": sorted(r.pk for r in improvement.reasons.all())},
    )


def improvement_changed_event(
    *, improvement: Improvement, actor: User | None, changes: dict[str, list[Any]]
) -> ImprovementEvent:
    """`changes`: field → [old, new], values as JSON (ids, ISO dates, text)."""
    return _event(improvement, Kind.CHANGED, actor, {"changes": changes})


def improvement_status_event(
    *, improvement: Improvement, actor: User | None, old: str, new: str
) -> ImprovementEvent:
    done_on = improvement.done_on.isoformat() if improvement.done_on else None
    return _event(
        improvement, Kind.STATUS_CHANGED, actor, {"from": old, "to": new, "done_on": done_on}
    )


def improvement_reasons_event(
    *, improvement: Improvement, actor: User | None, added: list[int], removed: list[int]
) -> ImprovementEvent:
    return _event(improvement, Kind.REASONS_CHANGED, actor, {"added": added, "removed": removed})
