"""Reads of costs: the cost of each reason for a period and the monthly chargeback statement.

Everything here reads the daily roll-ups (insights.ReasonDayCount, costs.ReasonDayCallSeconds)
and the small Goodwill table through its (day, reason) index, so the number of queries and the
rows read depend on days × reasons × channels and on the number of cost changes, never on the
number of contacts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils import timezone

from motivo.core.choices import Channel
from motivo.costs.models import ChannelCost, Goodwill, ReasonDayCallSeconds
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Reason

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Segment:
    """Days [start, end] of one channel on which one ChannelCost row is in force."""

    channel: str
    start: dt.date
    end: dt.date
    per_contact: Decimal
    per_minute: Decimal


@dataclass
class ReasonCost:
    """One reason's figures for a period. `cost` = contacts_cost + minutes_cost + goodwill."""

    reason_id: int
    contacts: int = 0
    contacts_by_channel: dict[str, int] = field(default_factory=dict)
    contacts_cost: Decimal = ZERO
    call_seconds: int = 0
    minutes_cost: Decimal = ZERO
    goodwill: Decimal = ZERO
    uncosted_contacts: int = 0  # contacts on days their channel had no cost yet

    @property
    def minutes(self) -> Decimal:
        return (Decimal(self.call_seconds) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def cost(self) -> Decimal:
        return self.contacts_cost + self.minutes_cost + self.goodwill


def cost_segments(*, date_from: dt.date, date_to: dt.date) -> list[Segment]:
    """For each channel, the cost rows in force on some day of [date_from, date_to], cut to
    the days each one applies (a row applies from its date until the next row's date)."""
    segments: list[Segment] = []
    by_channel: dict[str, list[ChannelCost]] = defaultdict(list)
    for row in ChannelCost.objects.filter(effective_from__lte=date_to).order_by(
        "channel", "effective_from"
    ):
        by_channel[row.channel].append(row)
    for channel, rows in by_channel.items():
        for index, row in enumerate(rows):
            following = rows[index + 1].effective_from if index + 1 < len(rows) else None
            start = max(row.effective_from, date_from)
            end = min(following - dt.timedelta(days=1), date_to) if following else date_to
            if start <= end:
                segments.append(Segment(channel, start, end, row.per_contact, row.per_minute))
    return segments


def _segment_case(segments: list[Segment], *, with_channel: bool) -> Case:
    """SQL CASE giving the index of the segment a roll-up row falls in (-1: none)."""
    whens = [
        When(
            day__gte=seg.start,
            day__lte=seg.end,
            **({"channel": seg.channel} if with_channel else {}),
            then=Value(index),
        )
        for index, seg in enumerate(segments)
    ]
    if not whens:
        return Value(-1, output_field=IntegerField())
    return Case(*whens, default=Value(-1), output_field=IntegerField())


def reason_cost_lines(*, date_from: dt.date, date_to: dt.date) -> dict[int, ReasonCost]:
    """Figures per reason id for the local days [date_from, date_to] (inclusive), DESIGN.md:
    Σ over channels of contacts × that channel's cost per contact in force on the contact's day
    + call seconds ÷ 60 × the phone cost per minute in force on the call's contact's day
    (rounded to the cent once per reason) + goodwill given in the period for the reason.
    Four queries whatever the number of contacts. Reasons with no figure are left out."""
    lines: dict[int, ReasonCost] = {}

    def line(reason_id: int) -> ReasonCost:
        if reason_id not in lines:
            lines[reason_id] = ReasonCost(reason_id=reason_id)
        return lines[reason_id]

    segments = cost_segments(date_from=date_from, date_to=date_to)
    counts = (
        ReasonDayCount.objects.filter(day__gte=date_from, day__lte=date_to)
        .annotate(segment=_segment_case(segments, with_channel=True))
        .values("reason_id", "channel", "segment")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for row in counts:
        if not row["total"]:
            continue
        item = line(row["reason_id"])
        item.contacts += row["total"]
        by_channel = item.contacts_by_channel
        by_channel[row["channel"]] = by_channel.get(row["channel"], 0) + row["total"]
        if row["segment"] >= 0:
            item.contacts_cost += row["total"] * segments[row["segment"]].per_contact
        else:
            item.uncosted_contacts += row["total"]

    phone = [seg for seg in segments if seg.channel == Channel.PHONE]
    seconds = (
        ReasonDayCallSeconds.objects.filter(day__gte=date_from, day__lte=date_to)
        .annotate(segment=_segment_case(phone, with_channel=False))
        .values("reason_id", "segment")
        .annotate(total=Sum("seconds"))
        .order_by()
    )
    exact_minutes: dict[int, Decimal] = defaultdict(Decimal)
    for row in seconds:
        if not row["total"]:
            continue
        item = line(row["reason_id"])
        item.call_seconds += row["total"]
        if row["segment"] >= 0:
            exact_minutes[row["reason_id"]] += (
                Decimal(row["total"]) * phone[row["segment"]].per_minute / 60
            )
    for reason_id, amount in exact_minutes.items():
        lines[reason_id].minutes_cost = amount.quantize(CENT, ROUND_HALF_UP)

    goodwill = (
        Goodwill.objects.filter(day__gte=date_from, day__lte=date_to, reason__isnull=False)
        .values("reason_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in goodwill:
        if row["total"]:
            line(row["reason_id"]).goodwill = Decimal(row["total"]).quantize(CENT)
    return lines


def reason_costs(*, date_from: dt.date, date_to: dt.date) -> dict[int, Decimal]:
    """Cost of each reason (id → amount in settings.MOTIVO_CURRENCY) for the local days
    [date_from, date_to], inclusive; see reason_cost_lines. Every reason with contacts, call
    seconds or goodwill in the period is present (0 when its channels have no cost yet)."""
    lines = reason_cost_lines(date_from=date_from, date_to=date_to)
    return {reason_id: item.cost for reason_id, item in lines.items()}


# ---------------------------------------------------------------------------- chargeback


@dataclass(frozen=True)
class StatementRow:
    reason_id: int
    reason: str
    category: str
    line: ReasonCost


@dataclass
class DepartmentStatement:
    """One department's part of a month: its reasons (by cost, highest first) and totals.
    `department_id` None gathers the reasons without an owner."""

    department_id: int | None
    name: str
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def contacts(self) -> int:
        return sum(row.line.contacts for row in self.rows)

    @property
    def call_seconds(self) -> int:
        return sum(row.line.call_seconds for row in self.rows)

    @property
    def minutes(self) -> Decimal:
        return (Decimal(self.call_seconds) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def goodwill(self) -> Decimal:
        return sum((row.line.goodwill for row in self.rows), ZERO)

    @property
    def cost(self) -> Decimal:
        return sum((row.line.cost for row in self.rows), ZERO)


@dataclass
class Statement:
    month: dt.date  # first day
    date_to: dt.date  # last day
    departments: list[DepartmentStatement]
    uncosted_contacts: int

    @property
    def contacts(self) -> int:
        return sum(d.contacts for d in self.departments)

    @property
    def minutes(self) -> Decimal:
        seconds = sum(d.call_seconds for d in self.departments)
        return (Decimal(seconds) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def goodwill(self) -> Decimal:
        return sum((d.goodwill for d in self.departments), ZERO)

    @property
    def cost(self) -> Decimal:
        return sum((d.cost for d in self.departments), ZERO)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def chargeback(*, month: dt.date) -> Statement:
    """The chargeback statement of the local calendar month containing `month`: each
    department with the reasons it owns *now* (the owner when the statement is drawn up),
    their contacts, call minutes, goodwill and cost; departments by cost, highest first, the
    reasons without an owner last. Five queries whatever the number of contacts."""
    date_from, date_to = month_bounds(month)
    lines = reason_cost_lines(date_from=date_from, date_to=date_to)
    reasons = Reason.objects.select_related("category", "owner").in_bulk(list(lines))
    departments: dict[int | None, DepartmentStatement] = {}
    for reason_id, line in lines.items():
        reason = reasons[reason_id]
        key = reason.owner_id
        if key not in departments:
            departments[key] = DepartmentStatement(
                department_id=key, name=reason.owner.name if reason.owner else ""
            )
        departments[key].rows.append(
            StatementRow(reason_id, reason.name, reason.category.name, line)
        )
    for department in departments.values():
        department.rows.sort(key=lambda row: (-row.line.cost, -row.line.contacts, row.reason))
    ordered = sorted(
        departments.values(),
        key=lambda d: (d.department_id is None, -d.cost, d.name),
    )
    return Statement(
        month=date_from,
        date_to=date_to,
        departments=ordered,
        uncosted_contacts=sum(line.uncosted_contacts for line in lines.values()),
    )


def current_costs() -> list[tuple[str, str, ChannelCost | None, ChannelCost | None]]:
    """(channel, label, cost in force today, next scheduled change) for every channel."""
    today = timezone.localdate()
    rows = list(ChannelCost.objects.order_by("channel", "effective_from"))
    result = []
    for channel, label in Channel.choices:
        mine = [row for row in rows if row.channel == channel]
        current = next((r for r in reversed(mine) if r.effective_from <= today), None)
        upcoming = next((r for r in mine if r.effective_from > today), None)
        result.append((channel, str(label), current, upcoming))
    return result


def cost_history(*, limit: int = 200) -> list[ChannelCost]:
    """Every cost row, newest change first (the page shows who set what, and when)."""
    return list(
        ChannelCost.objects.select_related("created_by").order_by("-effective_from", "channel")[
            :limit
        ]
    )


def case_goodwill(*, case_id: int) -> list[Goodwill]:
    """Goodwill given on one case, newest first (the case page's panel)."""
    return list(Goodwill.objects.filter(case_id=case_id).select_related("agent", "reason"))


def currency() -> str:
    """ISO 4217 code of every amount (settings.MOTIVO_CURRENCY)."""
    from django.conf import settings

    return settings.MOTIVO_CURRENCY
