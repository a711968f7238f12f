"""Reads for dashboards, from the roll-ups only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.insights.models import BusinessVolume, ReasonDayCount, VolumeKind
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


# --- Reads other apps build on (targets, costs, council): stable signatures. ---------------


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week `day` (a local date) belongs to."""
    return day - dt.timedelta(days=day.weekday())


def contacts_count(
    *,
    reason_ids: Collection[int] | None,
    date_from: dt.date,
    date_to: dt.date,
    channel: str | None = None,
) -> int:
    """Contacts with a reason received in [date_from, date_to] (local days, inclusive), from
    the daily roll-up. `reason_ids` None counts every reason; an empty collection counts
    nothing. Contacts still without a reason are never counted."""
    if reason_ids is not None and not reason_ids:
        return 0
    qs = ReasonDayCount.objects.filter(day__gte=date_from, day__lte=date_to)
    if reason_ids is not None:
        qs = qs.filter(reason_id__in=list(reason_ids))
    if channel:
        qs = qs.filter(channel=channel)
    return qs.aggregate(total=Sum("count"))["total"] or 0


def volume_total(*, kind: str, date_from: dt.date, date_to: dt.date) -> Decimal | None:
    """The business volume of `kind` (a slug) over [date_from, date_to] (inclusive), or None
    when the kind is unknown, the period is empty, or any day (daily kinds) or any week
    touching the period (weekly kinds) has no value.

    A weekly value counts in proportion to the days of its week inside the period: a week
    of 700 orders adds 700 when the period covers it whole and 300 when the period holds
    three of its days. Whole-week periods (Monday to Sunday) therefore read weekly values
    exactly."""
    if date_to < date_from:
        return None
    volume_kind = VolumeKind.objects.filter(slug=kind).first()
    if volume_kind is None:
        return None
    weekly = volume_kind.period == VolumeKind.Period.WEEK
    first = week_start(date_from) if weekly else date_from
    rows = volume_kind.volumes.filter(date__gte=first, date__lte=date_to)
    values = dict(rows.values_list("date", "value"))
    if not weekly:
        days = (date_to - date_from).days + 1
        if len(values) < days:
            return None
        return sum(values.values(), Decimal(0))
    total = Decimal(0)
    monday = week_start(date_from)
    while monday <= date_to:
        if monday not in values:
            return None
        first, last = max(monday, date_from), min(monday + dt.timedelta(days=6), date_to)
        inside = (last - first).days + 1
        total += values[monday] if inside == 7 else values[monday] * inside / 7
        monday += dt.timedelta(days=7)
    return total


def weekly_counts(
    *, reason_ids: Collection[int] | None, weeks: int, until: dt.date
) -> list[tuple[dt.date, int]]:
    """Contacts per ISO week (Monday start, local days) for the `weeks` weeks ending with
    the week that holds `until`, oldest first, as (Monday, contacts); weeks without
    contacts count 0. Days after `until` are not counted, so that last week may be partial.
    `reason_ids` None counts every reason; an empty collection gives zeros."""
    if weeks <= 0:
        return []
    mondays = week_starts(weeks=weeks, until=until)
    if reason_ids is not None and not reason_ids:
        return [(monday, 0) for monday in mondays]
    qs = ReasonDayCount.objects.filter(day__gte=mondays[0], day__lte=until)
    if reason_ids is not None:
        qs = qs.filter(reason_id__in=list(reason_ids))
    totals = [0] * weeks
    for day, total in qs.values_list("day").annotate(total=Sum("count")).order_by():
        totals[(day - mondays[0]).days // 7] += total
    return list(zip(mondays, totals, strict=True))


def week_starts(*, weeks: int, until: dt.date) -> list[dt.date]:
    """The Mondays of the `weeks` ISO weeks ending with the one that holds `until`."""
    last = week_start(until)
    return [last - dt.timedelta(weeks=weeks - 1 - index) for index in range(weeks)]


def daily_counts(
    *, date_from: dt.date, date_to: dt.date, reason_ids: Collection[int] | None = None
) -> dict[int, dict[dt.date, int]]:
    """Contacts per reason id and local day in [date_from, date_to] (inclusive), all
    channels together, from the roll-up in one grouped query: {reason_id: {day: count}}.
    Days without contacts are left out. `reason_ids` None reads every reason."""
    qs = ReasonDayCount.objects.filter(day__gte=date_from, day__lte=date_to)
    if reason_ids is not None:
        qs = qs.filter(reason_id__in=list(reason_ids))
    result: dict[int, dict[dt.date, int]] = {}
    rows = qs.values_list("reason_id", "day").annotate(total=Sum("count")).order_by()
    for reason_id, day, total in rows:
        if total:
            result.setdefault(reason_id, {})[day] = total
    return result


def volume_rows(*, kind: str, date_from: dt.date, date_to: dt.date, limit: int) -> list[dict]:
    """Stored values of one kind (slug) from date_from to date_to, oldest first."""
    rows = (
        BusinessVolume.objects.filter(kind__slug=kind, date__gte=date_from, date__lte=date_to)
        .order_by("date")
        .values("date", "value", "kind__slug", "kind__period")[:limit]
    )
    return [{"kind": row["kind__slug"], "period": row["kind__period"], **row} for row in rows]


# --- Pareto with the previous period ----------------------------------------------------------


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period of equal length that ends the day before `date_from`."""
    length = (date_to - date_from).days + 1
    return date_from - dt.timedelta(days=length), date_from - dt.timedelta(days=1)


@dataclass(frozen=True)
class ComparedRow:
    """A Pareto row with the same reason's contacts in the previous period. Reasons with
    contacts only in the previous period come last with count 0."""

    row: ParetoRow
    previous: int
    change: int  # count − previous
    change_share: float | None  # change ÷ previous; None when previous is 0

    @property
    def new(self) -> bool:
        return self.previous == 0 and self.row.count > 0


@dataclass(frozen=True)
class ParetoComparison:
    date_from: dt.date
    date_to: dt.date
    previous_from: dt.date
    previous_to: dt.date
    rows: list[ComparedRow]
    total: int
    previous_total: int

    @property
    def ranked(self) -> list[ParetoRow]:
        """The Pareto of the period itself (reasons with contacts in it)."""
        return [item.row for item in self.rows if item.row.count]

    @property
    def change(self) -> int:
        return self.total - self.previous_total

    @property
    def change_share(self) -> float | None:
        return self.change / self.previous_total if self.previous_total else None


def pareto_compare(
    *, date_from: dt.date, date_to: dt.date, channel: str | None = None
) -> ParetoComparison:
    """The Pareto of [date_from, date_to] with each reason's contacts in the previous period
    of equal length, from the roll-up in one grouped query (two filtered sums)."""
    previous_from, previous_to = previous_period(date_from, date_to)
    qs = ReasonDayCount.objects.filter(day__gte=previous_from, day__lte=date_to)
    if channel:
        qs = qs.filter(channel=channel)
    sums = (
        qs.values("reason_id")
        .annotate(
            now=Sum("count", filter=Q(day__gte=date_from)),
            before=Sum("count", filter=Q(day__lte=previous_to)),
        )
        .order_by()
    )
    counts = {
        row["reason_id"]: (row["now"] or 0, row["before"] or 0)
        for row in sums
        if row["now"] or row["before"]
    }
    reasons = Reason.objects.select_related("category", "owner").in_bulk(list(counts))
    order = sorted(counts, key=lambda pk: (-counts[pk][0], -counts[pk][1], reasons[pk].name))
    total = sum(now for now, _ in counts.values())
    previous_total = sum(before for _, before in counts.values())
    rows, running = [], 0
    for reason_id in order:
        now, before = counts[reason_id]
        running += now
        reason = reasons[reason_id]
        row = ParetoRow(
            reason_id=reason_id,
            reason=reason.name,
            category=reason.category.name,
            owner=reason.owner.name if reason.owner else "",
            action=reason.action,
            count=now,
            share=now / (total or 1),
            cumulative_share=running / (total or 1),
        )
        rows.append(
            ComparedRow(
                row=row,
                previous=before,
                change=now - before,
                change_share=(now - before) / before if before else None,
            )
        )
    return ParetoComparison(
        date_from=date_from,
        date_to=date_to,
        previous_from=previous_from,
        previous_to=previous_to,
        rows=rows,
        total=total,
        previous_total=previous_total,
    )


# --- Trend per reason and movers ----------------------------------------------------------------

TREND_WEEKS = 26
MOVER_WEEKS = 4  # the last 4 weeks against the 4 before
MOVER_MIN_CONTACTS = 20  # in either window: smaller reasons move by chance
MOVERS_SHOWN = 5


def last_full_week_end(today: dt.date) -> dt.date:
    """The Sunday that ends the last complete ISO week before `today`."""
    return week_start(today) - dt.timedelta(days=1)


@dataclass(frozen=True)
class ReasonTrend:
    reason_id: int
    reason: str
    category: str
    weeks: list[int]  # contacts per week, oldest first
    recent: int  # the last MOVER_WEEKS weeks
    before: int  # the MOVER_WEEKS weeks before those
    change: int
    change_share: float | None  # change ÷ before; None when before is 0

    @property
    def total(self) -> int:
        return sum(self.weeks)

    @property
    def eligible(self) -> bool:
        """Big enough to be called a mover."""
        return max(self.recent, self.before) >= MOVER_MIN_CONTACTS


@dataclass(frozen=True)
class Trend:
    mondays: list[dt.date]
    until: dt.date
    reasons: list[ReasonTrend]  # every reason with contacts in the weeks, largest first
    all_reasons: list[int]  # contacts per week, every reason

    @property
    def rises(self) -> list[ReasonTrend]:
        movers = [item for item in self.reasons if item.eligible and item.change > 0]
        return sorted(movers, key=lambda item: (-item.change, item.reason))[:MOVERS_SHOWN]

    @property
    def falls(self) -> list[ReasonTrend]:
        movers = [item for item in self.reasons if item.eligible and item.change < 0]
        return sorted(movers, key=lambda item: (item.change, item.reason))[:MOVERS_SHOWN]


def trend(*, until: dt.date, weeks: int = TREND_WEEKS, channel: str | None = None) -> Trend:
    """Contacts per reason per ISO week for the `weeks` weeks ending with the week that holds
    `until` (days after `until` are not counted), from the roll-up in one grouped query (one
    row per reason and day, summed into weeks here). Movers compare the last MOVER_WEEKS
    weeks with the MOVER_WEEKS before them."""
    mondays = week_starts(weeks=weeks, until=until)
    qs = ReasonDayCount.objects.filter(day__gte=mondays[0], day__lte=until)
    if channel:
        qs = qs.filter(channel=channel)
    per_reason: dict[int, list[int]] = {}
    first = mondays[0]
    rows = qs.values_list("reason_id", "day").annotate(total=Sum("count")).order_by()
    for reason_id, day, total in rows:
        counts = per_reason.get(reason_id)
        if counts is None:
            counts = per_reason[reason_id] = [0] * weeks
        counts[(day - first).days // 7] += total
    per_reason = {pk: counts for pk, counts in per_reason.items() if any(counts)}
    reasons = Reason.objects.select_related("category").in_bulk(list(per_reason))
    window = min(MOVER_WEEKS, weeks // 2)
    items = []
    for reason_id, counts in per_reason.items():
        recent = sum(counts[weeks - window :])
        before = sum(counts[weeks - 2 * window : weeks - window])
        items.append(
            ReasonTrend(
                reason_id=reason_id,
                reason=reasons[reason_id].name,
                category=reasons[reason_id].category.name,
                weeks=counts,
                recent=recent,
                before=before,
                change=recent - before,
                change_share=(recent - before) / before if before else None,
            )
        )
    items.sort(key=lambda item: (-item.total, item.reason))
    all_reasons = [sum(item.weeks[index] for item in items) for index in range(weeks)]
    return Trend(mondays=mondays, until=until, reasons=items, all_reasons=all_reasons)


# --- CPX: contacts per X --------------------------------------------------------------------------


def volume_kinds() -> list[VolumeKind]:
    return list(VolumeKind.objects.order_by("slug"))


def weekly_volumes(*, kind: VolumeKind, mondays: list[dt.date]) -> dict[dt.date, Decimal | None]:
    """The volume of each ISO week (by Monday) in one query: a weekly kind's value, or the sum
    of a daily kind's seven days; None when the week (or any of its days) has no value."""
    if not mondays:
        return {}
    last = mondays[-1] + dt.timedelta(days=6)
    values = dict(
        kind.volumes.filter(date__gte=mondays[0], date__lte=last).values_list("date", "value")
    )
    result: dict[dt.date, Decimal | None] = {}
    for monday in mondays:
        if kind.period == VolumeKind.Period.WEEK:
            result[monday] = values.get(monday)
            continue
        days = [values.get(monday + dt.timedelta(days=offset)) for offset in range(7)]
        result[monday] = None if None in days else sum(days, Decimal(0))  # type: ignore[arg-type]
    return result


def ratio(contacts: int, volume: Decimal | None) -> Decimal | None:
    """CPX: contacts ÷ volume; None (shown as missing) without a volume or with volume 0."""
    if volume is None or volume == 0:
        return None
    return Decimal(contacts) / volume


# --- Drill-down: the contacts behind a figure --------------------------------------------------

CONTACT_PAGE_SIZE = 50
UNCLASSIFIED = "none"  # the reason filter for contacts still without a reason


@dataclass(frozen=True)
class ContactPage:
    items: list[Contact]
    next_cursor: str | None  # pass as `before` for the next page; None on the last page


CURSOR_FORMAT = "%Y%m%d%H%M%S%f"  # UTC, to the microsecond


def _cursor(contact: Contact) -> str:
    return f"{contact.received_at.astimezone(dt.UTC).strftime(CURSOR_FORMAT)}_{contact.pk}"


def _parse_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    stamp, _sep, pk = cursor.partition("_")
    try:
        moment = dt.datetime.strptime(stamp, CURSOR_FORMAT).replace(tzinfo=dt.UTC)
        return moment, int(pk)
    except ValueError:
        return None


def contact_page(
    *,
    reason: int | str | None,
    date_from: dt.date,
    date_to: dt.date,
    channel: str | None = None,
    before: str | None = None,
    size: int = CONTACT_PAGE_SIZE,
    repeat: bool = False,
) -> ContactPage:
    """One page of the contacts received in [date_from, date_to] (local days), newest first,
    with a reason id, UNCLASSIFIED, or None for every contact. Read along the
    (reason, received_at) or (received_at) index, one row more than a page to know whether
    another follows: never a total count."""
    start, end = local_day_bounds(date_from, date_to)
    qs = Contact.objects.filter(received_at__gte=start, received_at__lt=end)
    if reason == UNCLASSIFIED:
        qs = qs.filter(reason__isnull=True)
    elif reason is not None:
        qs = qs.filter(reason_id=reason)
    if channel:
        qs = qs.filter(channel=channel)
    if repeat:  # only repeats: along the partial (received_at) index of repeats
        qs = qs.filter(is_repeat=True)
    position = _parse_cursor(before) if before else None
    if position is not None:
        moment, pk = position
        qs = qs.filter(Q(received_at__lt=moment) | Q(received_at=moment, id__lt=pk))
    rows = list(
        qs.select_related("case", "customer", "reason").order_by("-received_at", "-id")[: size + 1]
    )
    items = rows[:size]
    return ContactPage(
        items=items, next_cursor=_cursor(items[-1]) if len(rows) > size and items else None
    )
