"""API v1 operations of the spikes app (mounted by motivo.api.api): list spike alerts and
acknowledge one. Supervisors and admins see every alert; other staff the alerts of the
reasons they answer for."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from motivo.api.auth import require_staff
from motivo.api.schemas import errors
from motivo.spikes import selectors, services
from motivo.spikes.models import SpikeAlert

router = Router(tags=["spikes"])

AlertStatus = Literal[(*SpikeAlert.Status.values,)]  # type: ignore[valid-type]


class SpikeReasonOut(Schema):
    id: int
    name: str
    category: str


class SpikeDayOut(Schema):
    day: dt.date
    observed: int = Field(description="Contacts that day (so far, while it runs)")
    expected: float = Field(description="What the reason's last 8 weeks predict (by then)")
    score: float = Field(description="−log10 of the chance of so many contacts")
    significant: bool
    running: bool = Field(description="The day had not ended when it was judged")


class SpikeOut(Schema):
    id: int
    reason: SpikeReasonOut
    day: dt.date = Field(description="First day of the spike (local day)")
    last_day: dt.date
    peak_day: dt.date = Field(description="The strongest day, whose figures follow")
    observed: int
    expected: float
    score: float = Field(description="−log10 P(X ≥ observed); 4 means 1 in 10,000")
    running: bool
    status: str = Field(description="open, acknowledged or closed")
    acknowledged_by: int | None = Field(description="User id")
    acknowledged_at: dt.datetime | None
    closed_at: dt.datetime | None
    days: list[SpikeDayOut]
    url: str = Field(description="The alert's page")
    contacts_url: str = Field(description="The contacts behind it (insights drill-down)")


class SpikePageOut(Schema):
    items: list[SpikeOut]
    page: int
    has_next: bool
    next: str | None


def _out(request: HttpRequest, alert: SpikeAlert) -> dict[str, Any]:
    contacts = (
        f"{reverse('insights:contacts')}?reason={alert.reason_id}"
        f"&date_from={alert.day.isoformat()}&date_to={alert.last_day.isoformat()}"
    )
    return {
        "id": alert.pk,
        "reason": {
            "id": alert.reason_id,
            "name": alert.reason.name,
            "category": alert.reason.category.name,
        },
        "day": alert.day,
        "last_day": alert.last_day,
        "peak_day": alert.peak_day,
        "observed": alert.observed,
        "expected": round(alert.expected, 2),
        "score": round(alert.score, 2),
        "running": alert.running,
        "status": alert.status,
        "acknowledged_by": alert.acknowledged_by_id,
        "acknowledged_at": alert.acknowledged_at,
        "closed_at": alert.closed_at,
        "days": alert.days,
        "url": request.build_absolute_uri(reverse("spikes:detail", args=[alert.pk])),
        "contacts_url": request.build_absolute_uri(contacts),
    }


@router.get(
    "/spikes",
    response={200: SpikePageOut, **errors(401, 403, 422)},
    summary="List spike alerts",
)
def spike_list(
    request: HttpRequest,
    status: AlertStatus | None = None,
    reason: Annotated[int | None, Query(description="Reason id")] = None,
    since: Annotated[
        dt.date | None, Query(description="Only spikes that went on until this day or later")
    ] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> dict:
    """Spike alerts — a reason's daily contacts far above what its last 8 weeks predict —
    open ones first, then acknowledged, then closed, newest first within each; 50 a page
    (follow `next` while `has_next`). Staff: supervisors and admins see all, others the
    alerts of the reasons they answer for."""
    user = require_staff(request)
    result = selectors.alert_list(
        user=user, status=status, reason_id=reason, since=since, page=page
    )
    next_url = None
    if result.has_next:
        query = request.GET.copy()
        query["page"] = str(result.number + 1)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {
        "items": [_out(request, alert) for alert in result.items],
        "page": result.number,
        "has_next": result.has_next,
        "next": next_url,
    }


@router.post(
    "/spikes/{alert_id}/acknowledge",
    response={200: SpikeOut, **errors(401, 403, 404, 409)},
    summary="Acknowledge a spike alert",
)
def spike_acknowledge(request: HttpRequest, alert_id: int) -> dict:
    """Say someone is on it: an open alert becomes acknowledged, with who and when (409 if
    it is acknowledged or closed already). Whoever may see the alert may acknowledge it."""
    user = require_staff(request)
    alert = selectors.alert_get(user=user, alert_id=alert_id)
    alert = services.alert_acknowledge(alert=alert, actor=user)
    return _out(request, alert)
