"""API v1 operations of the promises app (mounted by motivo.api.api): the promise rates and
the cases behind them (supervisors and admins), the promises, business calendar, closed days
and customer tiers (read by staff, changed by admins), and a customer's tier (staff)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthorizationError
from pydantic import ConfigDict

from motivo.accounts.models import Role, User
from motivo.api.auth import require_staff
from motivo.api.schemas import errors
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.customers.models import CustomerTier
from motivo.customers.selectors import customer_get_for_staff
from motivo.customers.services import customer_set_tier
from motivo.promises import selectors, services
from motivo.promises.businesstime import format_intervals, parse_intervals
from motivo.promises.models import ClosedDay, Promise
from motivo.promises.selectors import OUTCOMES, Figures, RateFilters

router = Router(tags=["promises"])
DEFAULT_DAYS = 30
ChannelOrAll = Literal[("", *Channel.values)]  # type: ignore[valid-type]
Outcome = Literal[OUTCOMES]  # type: ignore[valid-type]


def _manager(request: HttpRequest) -> User:
    user = require_staff(request)
    if not user.is_manager:
        raise AuthorizationError(message=_("Only supervisors and admins can do this."))
    return user


def _admin(request: HttpRequest) -> User:
    user = require_staff(request)
    if user.role != Role.ADMIN:
        raise AuthorizationError(message=_("Only admins can change promises and business hours."))
    return user


# --- rates -----------------------------------------------------------------------------


class FiguresOut(Schema):
    key: str = Field(description="channel code, tier id, team id ('0': none) or 'total'")
    label: str
    cases: int = Field(description="Promised cases opened in the period")
    pending: int = Field(description="Still within their due times: in no rate yet")
    kept: int
    breached: int
    kept_rate: float | None = Field(description="kept ÷ (cases − pending); null: none decided")
    delight_pending: int
    delighted: int = Field(description="Within the internal targets")
    delight_rate: float | None
    answered: int
    answer_pending: int
    answer_kept: int
    answer_delighted: int
    answer_kept_rate: float | None
    answer_delight_rate: float | None
    resolution_cases: int = Field(description="Cases promised a resolution")
    resolution_pending: int
    resolved: int
    resolution_kept: int
    resolution_delighted: int
    resolution_kept_rate: float | None
    resolution_delight_rate: float | None


class RatesOut(Schema):
    date_from: dt.date
    date_to: dt.date
    channel: str | None
    tier: int | None
    team: int | None
    now: dt.datetime = Field(description="The moment pending and breached were decided at")
    total: FiguresOut
    channels: list[FiguresOut]
    tiers: list[FiguresOut]
    teams: list[FiguresOut]


def _figures(row: Figures) -> dict:
    names = FiguresOut.model_fields
    return {name: getattr(row, name) for name in names}


def _filters(
    date_from: dt.date | None,
    date_to: dt.date | None,
    channel: str | None,
    tier: int | None,
    team: int | None,
) -> RateFilters:
    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to - dt.timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise DomainError(_("The start date is after the end date."), field="date_from")
    return RateFilters(
        date_from=date_from, date_to=date_to, channel=channel or None, tier=tier, team=team
    )


Tier = Annotated[int | None, Query(description="A tier id; 0: customers without a tier")]
Team = Annotated[int | None, Query(description="A team id; 0: cases without a team")]


@router.get(
    "/promises/rates",
    response={200: RatesOut, **errors(401, 403, 422)},
    summary="Promise kept rate and delight rate",
)
def promise_rates_get(
    request: HttpRequest,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel: ChannelOrAll | None = None,
    tier: Tier = None,
    team: Team = None,
) -> dict:
    """The promised cases opened in the period (local days; default: the last 30), in total
    and by channel, tier (at the case's opening) and team (current). A case still inside
    its due times is pending and in no rate; past a due time unmet it is breached.
    Supervisors and admins."""
    _manager(request)
    filters = _filters(date_from, date_to, channel, tier, team)
    report = selectors.promise_rates(filters=filters)
    return {
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "channel": filters.channel,
        "tier": filters.tier,
        "team": filters.team,
        "now": report.now,
        "total": _figures(report.total),
        "channels": [_figures(row) for row in report.channels],
        "tiers": [_figures(row) for row in report.tiers],
        "teams": [_figures(row) for row in report.teams],
    }


class PromiseCaseOut(Schema):
    id: int
    subject: str
    channel: str
    customer_id: int
    tier_id: int | None
    team_id: int | None
    created_at: dt.datetime
    first_answer_due_at: dt.datetime
    first_answer_target_at: dt.datetime
    first_reply_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    resolution_target_at: dt.datetime | None
    first_resolved_at: dt.datetime | None
    state: str = Field(description="kept, breached or pending")
    delighted: bool | None = Field(description="null: the internal target is still running")


class PromiseCasePageOut(Schema):
    items: list[PromiseCaseOut]
    next_cursor: str | None = Field(description="Pass as `before` for the next page")


@router.get(
    "/promises/cases",
    response={200: PromiseCasePageOut, **errors(401, 403, 422)},
    summary="The cases behind a promise figure",
)
def promise_cases_get(
    request: HttpRequest,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel: ChannelOrAll | None = None,
    tier: Tier = None,
    team: Team = None,
    outcome: Outcome = "all",
    before: Annotated[str | None, Query(max_length=40)] = None,
) -> dict:
    """Promised cases opened in the period, newest first, 50 a page, with their outcome:
    all, kept, breached, pending, delighted or not_delighted. Supervisors and admins."""
    _manager(request)
    filters = _filters(date_from, date_to, channel, tier, team)
    now = timezone.now()
    page = selectors.promise_case_page(filters=filters, outcome=outcome, now=now, before=before)
    items = []
    for case in page.items:
        promise = selectors.case_promise(case, now)
        items.append(
            {
                **{name: getattr(case, name) for name in PromiseCaseOut.model_fields
                   if name not in ("id", "state", "delighted")},
                "id": case.pk,
                "state": promise.state if promise else "pending",
                "delighted": promise.delighted if promise else None,
            }
        )  # fmt: skip
    return {"items": items, "next_cursor": page.next_cursor}


# --- calendar (before /promises/{promise_id}: the first matching path wins) ------


class ClosedDayOut(Schema):
    day: dt.date
    name: str


class CalendarOut(Schema):
    time_zone: str
    hours: list[str] = Field(
        description="Seven entries, Monday first: '09:00-14:00, 15:00-18:00'; '' closed"
    )
    holiday_country: str = Field(description="ISO code for the `holidays` package; '' none")
    holiday_subdivision: str
    closed_days: list[ClosedDayOut] = Field(description="Closed days from 31 days ago on")


class CalendarIn(Schema):
    model_config = ConfigDict(extra="forbid")

    time_zone: str = Field(examples=["Europe/Madrid"])
    hours: list[str] = Field(min_length=7, max_length=7, examples=[["09:00-18:00"] * 5 + ["", ""]])
    holiday_country: str = Field("", max_length=8, examples=["ES"])
    holiday_subdivision: str = Field("", max_length=16, examples=["MD"])


def _calendar_out() -> dict:
    calendar = services.calendar_get()
    return {
        "time_zone": calendar.time_zone,
        "hours": [format_intervals(day) for day in calendar.hours],
        "holiday_country": calendar.holiday_country,
        "holiday_subdivision": calendar.holiday_subdivision,
        "closed_days": selectors.closed_days(since=timezone.localdate() - dt.timedelta(days=31)),
    }


@router.get(
    "/promises/calendar",
    response={200: CalendarOut, **errors(401, 403)},
    summary="The business calendar",
)
def calendar_get(request: HttpRequest) -> dict:
    """Business hours promises are counted in. Staff."""
    require_staff(request)
    return _calendar_out()


@router.put(
    "/promises/calendar",
    response={200: CalendarOut, **errors(401, 403, 422)},
    summary="Set the business calendar",
)
def calendar_put(request: HttpRequest, payload: CalendarIn) -> dict:
    """Time zone, opening hours per weekday and whose public holidays close the business.
    Admins."""
    _admin(request)
    hours = []
    for index, text in enumerate(payload.hours):
        try:
            hours.append(parse_intervals(text))
        except ValueError:
            raise DomainError(
                _("Write the hours as 09:00-14:00, 15:00-18:00 (in order, not overlapping)."),
                field=f"hours.{index}",
            ) from None
    services.calendar_save(
        time_zone=payload.time_zone,
        hours=hours,
        holiday_country=payload.holiday_country,
        holiday_subdivision=payload.holiday_subdivision,
    )
    return _calendar_out()


class ClosedDayIn(Schema):
    model_config = ConfigDict(extra="forbid")

    day: dt.date
    name: str = Field("", max_length=100)


@router.post(
    "/promises/closed-days",
    response={201: ClosedDayOut, **errors(401, 403, 422)},
    summary="Close the business on a day",
)
def closed_day_create(request: HttpRequest, payload: ClosedDayIn) -> Status:
    """A day closed besides the public holidays; sending a day again renames it. Admins."""
    _admin(request)
    return Status(201, services.closed_day_add(day=payload.day, name=payload.name))


@router.delete(
    "/promises/closed-days/{day}",
    response={204: None, **errors(401, 403, 404)},
    summary="Open a closed day again",
)
def closed_day_delete(request: HttpRequest, day: dt.date) -> Status:
    _admin(request)
    services.closed_day_remove(closed_day=get_object_or_404(ClosedDay, day=day))
    return Status(204, None)


# --- promises --------------------------------------------------------------------------


class PromiseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    tier_id: int | None = Field(None, description="null: every customer")
    channel: ChannelOrAll = Field("", description="'' : every channel")
    first_answer_minutes: int = Field(gt=0, description="Customer-facing, business minutes")
    first_answer_target_minutes: int = Field(gt=0, description="Internal, ≤ the promise")
    resolution_minutes: int | None = Field(None, gt=0, description="null: not promised")
    resolution_target_minutes: int | None = Field(None, gt=0)


class PromiseOut(Schema):
    id: int
    tier_id: int | None
    channel: str
    first_answer_minutes: int
    first_answer_target_minutes: int
    resolution_minutes: int | None
    resolution_target_minutes: int | None
    updated_at: dt.datetime


def _tier(tier_id: int | None) -> CustomerTier | None:
    if tier_id is None:
        return None
    tier = CustomerTier.objects.filter(pk=tier_id).first()
    if tier is None:
        raise DomainError(_("Unknown tier."), field="tier_id", code="unknown")
    return tier


@router.get(
    "/promises", response={200: list[PromiseOut], **errors(401, 403)}, summary="List the promises"
)
def promise_list_get(request: HttpRequest) -> list[Promise]:
    """Every promise, general ones first. Staff."""
    require_staff(request)
    return selectors.promise_list()


@router.post(
    "/promises",
    response={201: PromiseOut, **errors(401, 403, 422)},
    summary="Add a promise",
)
def promise_create(request: HttpRequest, payload: PromiseIn) -> Status:
    """One promise per tier and channel (422 `duplicate` otherwise). It applies to cases
    opened from then on. Admins."""
    _admin(request)
    data = payload.dict()
    promise = services.promise_save(tier=_tier(data.pop("tier_id")), **data)
    return Status(201, promise)


@router.put(
    "/promises/{promise_id}",
    response={200: PromiseOut, **errors(401, 403, 404, 422)},
    summary="Change a promise",
)
def promise_update(request: HttpRequest, promise_id: int, payload: PromiseIn) -> Promise:
    """Replace a promise's tier, channel and durations. Admins."""
    _admin(request)
    promise = get_object_or_404(Promise, pk=promise_id)
    data = payload.dict()
    return services.promise_save(promise=promise, tier=_tier(data.pop("tier_id")), **data)


@router.delete(
    "/promises/{promise_id}",
    response={204: None, **errors(401, 403, 404)},
    summary="Delete a promise",
)
def promise_remove(request: HttpRequest, promise_id: int) -> Status:
    """Cases already opened keep their due times. Admins."""
    _admin(request)
    services.promise_delete(promise=get_object_or_404(Promise, pk=promise_id))
    return Status(204, None)


# --- tiers -----------------------------------------------------------------------------


class TierIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=60)
    position: int = Field(0, ge=0, le=1000)


class TierOut(Schema):
    id: int
    name: str
    position: int


@router.get(
    "/customer-tiers",
    response={200: list[TierOut], **errors(401, 403)},
    summary="List the customer tiers",
)
def tier_list(request: HttpRequest) -> list[CustomerTier]:
    require_staff(request)
    return list(CustomerTier.objects.all())


@router.post(
    "/customer-tiers",
    response={201: TierOut, **errors(401, 403, 422)},
    summary="Add a customer tier",
)
def tier_create(request: HttpRequest, payload: TierIn) -> Status:
    _admin(request)
    return Status(201, services.tier_save(name=payload.name, position=payload.position))


@router.put(
    "/customer-tiers/{tier_id}",
    response={200: TierOut, **errors(401, 403, 404, 422)},
    summary="Rename a customer tier",
)
def tier_update(request: HttpRequest, tier_id: int, payload: TierIn) -> CustomerTier:
    _admin(request)
    tier = get_object_or_404(CustomerTier, pk=tier_id)
    return services.tier_save(tier=tier, name=payload.name, position=payload.position)


@router.delete(
    "/customer-tiers/{tier_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    summary="Delete a customer tier",
)
def tier_remove(request: HttpRequest, tier_id: int) -> Status:
    """Refused (422 `in_use`) once cases were opened for customers of the tier. Admins."""
    _admin(request)
    services.tier_delete(tier=get_object_or_404(CustomerTier, pk=tier_id))
    return Status(204, None)


class CustomerTierIn(Schema):
    model_config = ConfigDict(extra="forbid")

    tier_id: int | None = Field(description="null: no tier")


class CustomerTierOut(Schema):
    customer_id: int
    tier_id: int | None


@router.put(
    "/customers/{customer_id}/tier",
    response={200: CustomerTierOut, **errors(401, 404, 422)},
    summary="Put a customer in a tier",
)
def customer_tier_put(request: HttpRequest, customer_id: int, payload: CustomerTierIn) -> dict:
    """The customer's new cases get that tier's promises; open cases keep theirs. Staff."""
    customer = customer_get_for_staff(user=request.auth, customer_id=customer_id)
    customer = customer_set_tier(customer=customer, tier=_tier(payload.tier_id))
    return {"customer_id": customer.pk, "tier_id": customer.tier_id}
