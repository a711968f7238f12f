"""API v1 operations of the costs app (mounted by motivo.api.api): goodwill on a case and the
monthly chargeback statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from motivo.api.auth import require_staff
from motivo.api.errors import renamed_fields
from motivo.api.schemas import errors
from motivo.cases.models import Contact
from motivo.cases.selectors import case_get_for_user
from motivo.core.errors import DomainError
from motivo.costs import selectors, services

router = Router(tags=["costs"])


class GoodwillIn(Schema):
    model_config = ConfigDict(extra="forbid")

    contact_id: int | None = Field(
        None, description="The contact of the case it makes up for; omit: the case's latest"
    )
    amount: Decimal = Field(description="Amount in MOTIVO_CURRENCY, > 0, two decimals at most")
    note: str = Field("", max_length=500, description="What was given")


class GoodwillOut(Schema):
    id: int
    case_id: int
    contact_id: int
    reason_id: int | None = Field(description="The contact's reason (null until it has one)")
    day: dt.date = Field(description="Local day the goodwill counts on")
    amount: Decimal
    currency: str
    note: str
    agent_id: int | None
    created_at: dt.datetime


@router.post(
    "/cases/{case_id}/goodwill",
    response={201: GoodwillOut, **errors(401, 403, 404, 422)},
    summary="Record goodwill given on a case",
)
def goodwill_create(request: HttpRequest, case_id: int, payload: GoodwillIn) -> Status:
    """Record a credit, refund or gift given to the customer for one contact of the case; it
    adds to the cost of that contact's reason (and follows the contact if its reason is
    corrected later). Staff only."""
    user = require_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    contacts = Contact.objects.filter(case_id=case.pk).order_by("-received_at", "-pk")
    contact = (
        contacts.filter(pk=payload.contact_id).first()
        if payload.contact_id is not None
        else contacts.first()
    )
    if contact is None:
        raise DomainError(_("Choose a contact of this case."), field="contact_id")
    with renamed_fields({"contact": "contact_id"}):
        given = services.goodwill_give(
            case=case, contact=contact, amount=payload.amount, agent=user, note=payload.note
        )
    return Status(
        201,
        {
            "id": given.pk,
            "case_id": given.case_id,
            "contact_id": given.contact_id,
            "reason_id": given.reason_id,
            "day": given.day,
            "amount": given.amount,
            "currency": selectors.currency(),
            "note": given.note,
            "agent_id": given.agent_id,
            "created_at": given.created_at,
        },
    )


class ChargebackReasonOut(Schema):
    reason_id: int
    reason: str
    category: str
    contacts: int
    contacts_by_channel: dict[str, int]
    call_seconds: int
    contacts_cost: Decimal
    minutes_cost: Decimal
    goodwill: Decimal
    cost: Decimal


class ChargebackDepartmentOut(Schema):
    department_id: int | None = Field(description="null: the reasons without an owner")
    department: str
    contacts: int
    call_seconds: int
    goodwill: Decimal
    cost: Decimal
    reasons: list[ChargebackReasonOut]


class ChargebackOut(Schema):
    month: str = Field(examples=["2025-03"])
    date_from: dt.date
    date_to: dt.date
    currency: str
    contacts: int
    goodwill: Decimal
    cost: Decimal
    uncosted_contacts: int = Field(description="Contacts on days their channel had no cost")
    departments: list[ChargebackDepartmentOut]


@router.get(
    "/chargeback",
    response={200: ChargebackOut, **errors(401, 403, 422)},
    summary="Monthly chargeback statement",
)
def chargeback_get(
    request: HttpRequest,
    month: Annotated[str | None, Query(description="YYYY-MM; default: last month")] = None,
) -> dict:
    """Each department's reasons with their contacts, call seconds, goodwill and cost for one
    local calendar month; a reason is charged to the department that owns it now. Staff."""
    require_staff(request)
    if month:
        try:
            first = dt.datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise DomainError(_("Give the month as YYYY-MM."), field="month") from None
    else:
        first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    statement = selectors.chargeback(month=first)
    return {
        "month": f"{first:%Y-%m}",
        "date_from": statement.month,
        "date_to": statement.date_to,
        "currency": selectors.currency(),
        "contacts": statement.contacts,
        "goodwill": statement.goodwill,
        "cost": statement.cost,
        "uncosted_contacts": statement.uncosted_contacts,
        "departments": [
            {
                "department_id": department.department_id,
                "department": department.name,
                "contacts": department.contacts,
                "call_seconds": department.call_seconds,
                "goodwill": department.goodwill,
                "cost": department.cost,
                "reasons": [
                    {
                        "reason_id": row.reason_id,
                        "reason": row.reason,
                        "category": row.category,
                        "contacts": row.line.contacts,
                        "contacts_by_channel": row.line.contacts_by_channel,
                        "call_seconds": row.line.call_seconds,
                        "contacts_cost": row.line.contacts_cost,
                        "minutes_cost": row.line.minutes_cost,
                        "goodwill": row.line.goodwill,
                        "cost": row.line.cost,
                    }
                    for row in department.rows
                ],
            }
            for department in statement.departments
        ],
    }
