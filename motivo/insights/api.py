"""API v1 operations of the insights app (mounted by motivo.api.api): business volumes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from motivo.api.auth import require_staff
from motivo.api.schemas import errors
from motivo.core.errors import DomainError
from motivo.insights import selectors, services

router = Router(tags=["insights"])


class VolumeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        max_length=40,
        description="orders, active_customers, shipments or any slug of your own",
        examples=["orders"],
    )
    date: dt.date = Field(
        description="The day; for a weekly kind, any day of the ISO week (stored under its Monday)",
        examples=["2026-03-09"],
    )
    value: Decimal = Field(description="0 or more, at most 4 decimals", examples=[1250])
    period: Literal["day", "week"] | None = Field(
        None, description="Whether a value covers a day (default) or a week; fixed per kind"
    )
    label: str | None = Field(
        None, max_length=100, description="How pages name a new kind, e.g. 'Returns'"
    )


class VolumesOut(Schema):
    created: int = Field(description="Values stored for the first time")
    updated: int = Field(description="Values that replaced a different stored value")
    unchanged: int = Field(description="Values already stored as sent")
    kinds_created: list[str]


class VolumeOut(Schema):
    kind: str
    period: str
    date: dt.date
    value: Decimal


@router.post(
    "/volumes",
    response={200: VolumesOut, **errors(400, 401, 403, 422)},
    summary="Send business volumes (orders, active customers, …)",
)
def volumes_send(request: HttpRequest, payload: list[VolumeIn]) -> dict:
    """Store a list of `{kind, date, value}`: the X of contacts per X. One value per kind and
    day (or ISO week), so sending a value again replaces it and sending the same list twice
    changes nothing. All or nothing: an error names the item as `<index>.<field>`. Staff."""
    require_staff(request)
    items = [services.VolumeInput(**item.dict()) for item in payload]
    result = services.volumes_upsert(items=items)
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": len(items) - result.created - result.updated,
        "kinds_created": list(result.kinds_created),
    }


@router.get(
    "/volumes",
    response={200: list[VolumeOut], **errors(401, 403, 422)},
    by_alias=True,
    summary="Read stored business volumes",
)
def volumes_read(
    request: HttpRequest,
    kind: str,
    date_from: Annotated[dt.date, Query(alias="from")],
    date_to: Annotated[dt.date, Query(alias="to")],
) -> list[dict]:
    """The stored values of `kind` between `from` and `to` (inclusive), oldest first; at most
    400 rows. Staff only."""
    require_staff(request)
    if date_from > date_to:
        raise DomainError(_("'from' must not be after 'to'."), field="from")
    return selectors.volume_rows(kind=kind, date_from=date_from, date_to=date_to, limit=400)
