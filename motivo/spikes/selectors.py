"""Reads of spike alerts that depend on who asks, and the data the detector and the alert
page read. Supervisors and admins see every alert; other staff see the alerts of the reasons
they answer for (council.selectors.owned_reasons_q). "Not yours" is a 404.

Contact volumes come from the roll-up through insights.selectors: nothing here counts
contacts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Min, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from motivo.accounts.models import STAFF_ROLES, User
from motivo.council.selectors import owned_reasons_q
from motivo.insights import selectors as figures
from motivo.reasons.models import Reason, ReasonEvent
from motivo.spikes import detection
from motivo.spikes.models import SpikeAlert, SpikeAlertEvent

PAGE_SIZE = 50
CONTACTS_PAGE = 25

# --------------------------------------------------------------------------------------------
# Who sees what
# --------------------------------------------------------------------------------------------


def alerts_visible_to(user: User) -> QuerySet[SpikeAlert]:
    qs = SpikeAlert.objects.select_related("reason__category", "reason__owner_person")
    if user.is_manager:
        return qs
    if user.is_staff_member:
        return qs.filter(reason__in=Reason.objects.filter(owned_reasons_q(user)))
    return qs.none()


def alert_get(*, user: User, alert_id: int) -> SpikeAlert:
    alert = alerts_visible_to(user).select_related("acknowledged_by", "closed_by")
    alert = alert.filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    return alert


_STATUS_RANK = Case(
    When(status=SpikeAlert.Status.OPEN, then=Value(0)),
    When(status=SpikeAlert.Status.ACKNOWLEDGED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class AlertPage:
    items: list[SpikeAlert]
    number: int
    has_next: bool


def alert_list(
    *,
    user: User,
    status: str | None = None,
    reason_id: int | None = None,
    since: dt.date | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> AlertPage:
    """Alerts the user may see, open ones first, then acknowledged, then closed; newest
    first within each. `since`: alerts whose spike went on until that day or later. One row
    more than a page is read to know whether a next page exists."""
    qs = alerts_visible_to(user).select_related("acknowledged_by")
    if status:
        qs = qs.filter(status=status)
    if reason_id is not None:
        qs = qs.filter(reason_id=reason_id)
    if since is not None:
        qs = qs.filter(last_day__gte=since)
    qs = qs.annotate(rank=_STATUS_RANK).order_by("rank", "-last_day", "-pk")
    page = max(page, 1)
    start = (page - 1) * size
    rows = list(qs[start : start + size + 1])
    return AlertPage(items=rows[:size], number=page, has_next=len(rows) > size)


def status_counts(*, user: User) -> dict[str, int]:
    """Alerts per status among those the user may see (alerts are few: a small table)."""
    counts = dict.fromkeys(SpikeAlert.Status.values, 0)
    for status in alerts_visible_to(user).values_list("status", flat=True):
        counts[status] += 1
    return counts


def open_alerts_for_reason(*, reason_id: int) -> list[SpikeAlert]:
    """The reason's alerts nobody has closed yet, newest first (for the reason's page)."""
    return list(
        SpikeAlert.objects.filter(reason_id=reason_id)
        .exclude(status=SpikeAlert.Status.CLOSED)
        .order_by("-last_day", "-pk")
    )


def alert_events(*, alert: SpikeAlert) -> list[SpikeAlertEvent]:
    return list(alert.events.select_related("actor").order_by("created_at", "pk"))


def alert_recipients(*, reason: Reason) -> list[User]:
    """Who is told about a spike on `reason`: its owner person; without one, the head of its
    owning department (the active staff member with the department's e-mail address)."""
    person = reason.owner_person
    if person is not None and person.is_staff_member:
        return [person]
    if reason.owner is not None and reason.owner.email:
        return list(
            User.objects.filter(
                email__iexact=reason.owner.email, is_active=True, role__in=STAFF_ROLES
            ).order_by("pk")
        )
    return []


def alert_contacts(*, alert: SpikeAlert, before: str | None = None) -> figures.ContactPage:
    """One page of the contacts behind the alert (its reason, its days), newest first, along
    the (reason, received_at) index."""
    return figures.contact_page(
        reason=alert.reason_id,
        date_from=alert.day,
        date_to=alert.last_day,
        before=before,
        size=CONTACTS_PAGE,
    )


# --------------------------------------------------------------------------------------------
# What the detector reads
# --------------------------------------------------------------------------------------------


@dataclass
class History:
    """The roll-up of [date_from, date_to]: per reason id {day: contacts}, the shop's daily
    totals (every reason) and each judged reason's first day."""

    counts: dict[int, dict[dt.date, int]]
    totals: dict[dt.date, int]
    starts: dict[int, dt.date | None]


def history(*, date_from: dt.date, date_to: dt.date, reason_ids: list[int]) -> History:
    """Two queries: the roll-up per reason and day, and when each reason was created. A
    reason's history starts at its creation or at its first contact in the period, whichever
    comes first (a reason created by an import after its contacts has history all the same);
    a reason with neither has none."""
    counts = figures.daily_counts(date_from=date_from, date_to=date_to)
    totals: dict[dt.date, int] = {}
    for days in counts.values():
        for day, n in days.items():
            totals[day] = totals.get(day, 0) + n
    created = dict(
        ReasonEvent.objects.filter(kind=ReasonEvent.Kind.CREATED, reason_id__in=reason_ids)
        .values("reason_id")
        .annotate(first=Min("created_at"))
        .values_list("reason_id", "first")
    )
    starts: dict[int, dt.date | None] = {}
    for reason_id in reason_ids:
        candidates = []
        if reason_id in created:
            candidates.append(timezone.localtime(created[reason_id]).date())
        if counts.get(reason_id):
            candidates.append(min(counts[reason_id]))
        starts[reason_id] = min(candidates) if candidates else None
    return History(counts=counts, totals=totals, starts=starts)


def judged_reason_ids() -> list[int]:
    """Active reasons: the ones contacts can still be classified with."""
    return list(Reason.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))


# --------------------------------------------------------------------------------------------
# The alert's chart
# --------------------------------------------------------------------------------------------

CHART_DAYS = 56


@dataclass(frozen=True)
class ChartDay:
    day: dt.date
    observed: int
    expected: float | None  # None before the reason had enough history
    low: int | None
    high: int | None
    spike: bool  # a day of this alert


def alert_chart(*, alert: SpikeAlert, today: dt.date) -> list[ChartDay]:
    """The reason's daily contacts over CHART_DAYS days around the alert (up to a week after
    its last day; today only while the alert runs, since a day in progress would look like
    a drop), with what the 8 weeks before the alert's peak day predict for each day: the
    expectation and its 95 % band (two roll-up reads)."""
    last_closed = today - dt.timedelta(days=1)
    end = max(alert.last_day, min(last_closed, alert.last_day + dt.timedelta(days=7)))
    start = end - dt.timedelta(days=CHART_DAYS - 1)
    first = min(start, alert.peak_day - dt.timedelta(days=detection.BASELINE_DAYS))
    data = history(date_from=first, date_to=end, reason_ids=[alert.reason_id])
    counts = data.counts.get(alert.reason_id, {})
    days = detection.window(alert.peak_day)
    shop = detection.shop_factors(data.totals, days)
    unusual = detection.unusual_days(detection.shop_dips(data.totals, alert.peak_day, shop))
    baseline = detection.reason_baseline(
        counts,
        day=alert.peak_day,
        shop=shop,
        history_start=data.starts.get(alert.reason_id),
        exclude=unusual,
        days=days,
    )
    spike_days = {alert.day + dt.timedelta(days=i) for i in range(alert.length)}
    result = []
    for offset in range(CHART_DAYS):
        day = start + dt.timedelta(days=offset)
        expected = low = high = None
        if baseline is not None:
            expected = baseline.mean(day)
            low, high = detection.limits(expected, baseline.spread(day))
        result.append(
            ChartDay(
                day=day,
                observed=counts.get(day, 0),
                expected=expected,
                low=low,
                high=high,
                spike=day in spike_days,
            )
        )
    return result
