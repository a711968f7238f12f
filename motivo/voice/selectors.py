"""Reads of calls and callbacks, and the callback-window arithmetic.

Windows are wall-clock times in the company's time zone (settings.TIME_ZONE): a window
"09:00–12:00" means 09:00 to 12:00 local time on each day, whatever the UTC offset of that
day (daylight-saving days included). A window whose end is earlier than its start crosses
midnight (22:00–02:00 runs from 22:00 to 02:00 the next day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from motivo.accounts.models import User
from motivo.cases.models import ACTIVE_STATUSES, Case
from motivo.cases.selectors import case_visible_to, customer_history
from motivo.customers.models import Customer, Identity
from motivo.voice.models import Call, CallbackRequest

# The queue shows at most this many waiting callbacks (a queue longer than this is a staffing
# problem, not a page to scroll).
QUEUE_LIMIT = 200
LIVE_LIMIT = 20
CASE_PANEL_CALLS = 5


def company_timezone() -> ZoneInfo:
    return timezone.get_default_timezone()


def _local(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """`day` at wall-clock `at` in `zone`. A time that does not exist that day (the hour
    skipped when clocks go forward) lands the same distance after the jump."""
    # In UTC: Python compares and subtracts two datetimes of the same tzinfo by wall clock,
    # which is wrong across a daylight-saving change.
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


def callback_window_next(
    *, start: dt.time, end: dt.time, at: dt.datetime, zone: ZoneInfo | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """The occurrence of the daily window start–end that is open at `at`, else the next one
    to open: today's window if it is not over yet, otherwise tomorrow's. Aware, in UTC."""
    if start == end:
        raise ValueError("a callback window must not be empty")
    zone = zone or company_timezone()
    today = at.astimezone(zone).date()
    crosses_midnight = end < start
    # A window crossing midnight that opened yesterday may still be open now.
    first_day = today - dt.timedelta(days=1) if crosses_midnight else today
    for offset in range(3):
        day = first_day + dt.timedelta(days=offset)
        opens = _local(day, start, zone)
        closes = _local(day + dt.timedelta(days=1) if crosses_midnight else day, end, zone)
        if at < closes:
            return opens, closes
    raise AssertionError("unreachable: a daily window recurs within two days")


def callback_window_for(
    *, customer: Customer, at: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    """The customer's window occurrence open at or next after `at`; None when they do not
    take calls or have no window."""
    if not customer.callback_allowed or not customer.callback_from or not customer.callback_to:
        return None
    if customer.callback_from == customer.callback_to:
        return None
    return callback_window_next(start=customer.callback_from, end=customer.callback_to, at=at)


@dataclass(frozen=True)
class QueueItem:
    """A callback as the queue shows it: its current window, and whether it may be called
    now (only then the queue offers it)."""

    callback: CallbackRequest
    window_start: dt.datetime | None  # None: the customer no longer takes calls
    window_end: dt.datetime | None
    open_now: bool

    @property
    def opens_today(self) -> bool:
        if self.window_start is None:
            return False
        zone = company_timezone()
        return self.window_start.astimezone(zone).date() == timezone.now().astimezone(zone).date()


def callback_effective_window(
    *, callback: CallbackRequest, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    """The window the callback waits for now: the stored one while it has not passed, else
    the customer's next occurrence (from their current preferences)."""
    customer = callback.customer
    if not customer.callback_allowed or not customer.callback_from or not customer.callback_to:
        return None
    if now < callback.window_end:
        # Preferences may have changed since the request: follow them, never earlier
        # than the stored start.
        return callback_window_for(customer=customer, at=max(now, callback.window_start))
    return callback_window_for(customer=customer, at=now)


def callback_queue(*, user: User, now: dt.datetime | None = None) -> list[QueueItem]:
    """Waiting callbacks, earliest window first (those open now before later ones at the
    same start). Staff only; customers get nothing."""
    if not user.is_authenticated or not user.is_staff_member:
        return []
    now = now or timezone.now()
    rows = (
        CallbackRequest.objects.filter(status=CallbackRequest.Status.PENDING)
        .select_related("customer", "case")
        .order_by("window_start", "id")[:QUEUE_LIMIT]
    )
    items = []
    for callback in rows:
        window = callback_effective_window(callback=callback, now=now)
        start, end = window if window else (None, None)
        items.append(
            QueueItem(
                callback=callback,
                window_start=start,
                window_end=end,
                open_now=bool(window and start <= now < end),
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda item: (item.window_start or far, item.callback.pk))
    return items


def callbacks_claimed(*, user: User) -> list[CallbackRequest]:
    """Callbacks taken by agents and not finished yet; the user's own first."""
    if not user.is_authenticated or not user.is_staff_member:
        return []
    rows = list(
        CallbackRequest.objects.filter(status=CallbackRequest.Status.CLAIMED)
        .select_related("customer", "case", "claimed_by")
        .order_by("claimed_at", "id")
    )
    rows.sort(key=lambda cb: cb.claimed_by_id != user.pk)
    return rows


def callback_get_for_user(*, user: User, callback_id: int) -> CallbackRequest:
    """A callback of a case the user may see (staff: all; customers: their own)."""
    try:
        return CallbackRequest.objects.select_related("customer", "case", "claimed_by").get(
            pk=callback_id, case__in=case_visible_to(user)
        )
    except (CallbackRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def callback_waiting(*, customer: Customer, case: Case | None = None) -> CallbackRequest | None:
    """The customer's callback request still waiting (or taken), on `case` when given."""
    waiting = CallbackRequest.objects.filter(
        customer_id=customer.pk,
        status__in=(CallbackRequest.Status.PENDING, CallbackRequest.Status.CLAIMED),
    )
    if case is not None:
        waiting = waiting.filter(case_id=case.pk)
    return waiting.order_by("id").first()


def callbacks_of_customer(*, customer: Customer, limit: int = 10) -> list[CallbackRequest]:
    """A customer's latest callback requests (the portal shows them to the customer)."""
    return list(
        CallbackRequest.objects.filter(customer=customer)
        .select_related("case")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class CasePanel:
    calls: list[Call]
    callbacks: list[CallbackRequest]


def case_panel(*, user: User, case: Case) -> CasePanel:
    """The case page's phone panel: its latest calls and its callbacks (two queries)."""
    if not user.is_authenticated or not user.is_staff_member:
        return CasePanel(calls=[], callbacks=[])
    calls = list(
        Call.objects.filter(case_id=case.pk)
        .select_related("agent")
        .order_by("-started_at", "-id")[:CASE_PANEL_CALLS]
    )
    callbacks = list(
        CallbackRequest.objects.filter(case_id=case.pk)
        .select_related("claimed_by")
        .order_by("-created_at", "-id")[:CASE_PANEL_CALLS]
    )
    return CasePanel(calls=calls, callbacks=callbacks)


def call_get_for_user(*, user: User, call_id: int) -> Call:
    if not user.is_authenticated or not user.is_staff_member:
        raise Http404
    try:
        return Call.objects.select_related("customer", "case", "agent").get(pk=call_id)
    except (Call.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class LiveCall:
    call: Call
    identities: list[Identity]
    history: list[Case]


def live_calls(*, user: User) -> list[LiveCall]:
    """Ringing and active calls, newest first, each with the caller's card and history.
    Staff only. A handful of calls at a time, so a few queries per call is fine."""
    if not user.is_authenticated or not user.is_staff_member:
        return []
    calls = list(
        Call.objects.exclude(state=Call.State.ENDED)
        .select_related("customer", "case", "agent")
        .prefetch_related(
            Prefetch("customer__identities", queryset=Identity.objects.order_by("kind", "value"))
        )
        .order_by("-started_at", "-id")[:LIVE_LIMIT]
    )
    return [
        LiveCall(
            call=call,
            identities=list(call.customer.identities.all()),
            history=customer_history(user=user, customer_id=call.customer_id, limit=20),
        )
        for call in calls
    ]


def calls_to_wrap_up(*, user: User, limit: int = 10) -> list[Call]:
    """Ended calls the user answered that have no outcome yet (the live page asks for it)."""
    if not user.is_authenticated or not user.is_staff_member:
        return []
    return list(
        Call.objects.filter(agent=user, state=Call.State.ENDED, outcome="")
        .select_related("customer", "case")
        .order_by("-ended_at", "-id")[:limit]
    )


def customer_phone(*, customer: Customer) -> str:
    """The customer's most recently added phone number, or ""."""
    value = (
        Identity.objects.filter(customer=customer, kind=Identity.Kind.PHONE)
        .order_by("-created_at", "-id")
        .values_list("value", flat=True)
        .first()
    )
    return value or ""


def customer_active_cases(*, user: User, customer: Customer) -> QuerySet[Case]:
    return (
        case_visible_to(user)
        .filter(customer=customer, status__in=ACTIVE_STATUSES, merged_into__isnull=True)
        .order_by("-last_activity_at")
    )
