"""Reads for dashboards, from the roll-ups only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Reason


@dataclass(frozen=True)
class ParetoRow:
    reason_id: int
    reason: str
    category: str
    owner: str
    action: str
    count: int
    share: float  # 0..1
    cumulative_share: float  # 0..1


def pareto(*, date_from: dt.date, date_to: dt.date, channel: str | None = None) -> list[ParetoRow]:
    """Reasons ranked by contact count in [date_from, date_to] (local days, inclusive), with
    share and cumulative share. Reads the daily roll-up, so its cost depends on days and
    reasons, not on the number of contacts."""
    qs = ReasonDayCount.objects.filter(day__gte=date_from, day__lte=date_to)
    if channel:
        qs = qs.filter(channel=channel)
    totals = [
        (row["reason_id"], row["total"])
        for row in qs.values("reason_id").annotate(total=Sum("count")).order_by()
        if row["total"] > 0
    ]
    reasons = Reason.objects.select_related("category", "owner").in_bulk(
        [reason_id for reason_id, _ in totals]
    )
    totals.sort(key=lambda item: (-item[1], reasons[item[0]].name))
    grand = sum(total for _, total in totals) or 1
    rows, running = [], 0
    for reason_id, total in totals:
        running += total
        reason = reasons[reason_id]
        rows.append(
            ParetoRow(
                reason_id=reason_id,
                reason=reason.name,
                category=reason.category.name,
                owner=reason.owner.name if reason.owner else "",
                action=reason.action,
                count=total,
                share=total / grand,
                cumulative_share=running / grand,
            )
        )
    return rows


def reason_contact_counts(*, date_from: dt.date, date_to: dt.date) -> dict[int, int]:
    """Contacts per reason id in [date_from, date_to] (local days, inclusive), from the
    roll-up in one grouped query. Reasons without contacts are left out."""
    rows = (
        ReasonDayCount.objects.filter(day__gte=date_from, day__lte=date_to)
        .values("reason_id")
        .annotate(total=Sum("count"))
        .order_by()
    )
    return {row["reason_id"]: row["total"] for row in rows if row["total"]}


def local_day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) as aware datetimes covering the local days date_from..date_to."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def unclassified_count(*, date_from: dt.date, date_to: dt.date, channel: str | None = None) -> int:
    """Contacts received in [date_from, date_to] (local days) that still have no reason.
    One count on the (reason, received_at) index: unclassified contacts are few, since a
    case cannot be resolved while one of its contacts lacks a reason."""
    start, end = local_day_bounds(date_from, date_to)
    qs = Contact.objects.filter(reason__isnull=True, received_at__gte=start, received_at__lt=end)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.count()
