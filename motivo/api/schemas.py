"""Input and output schemas of the JSON API v1. Field names follow DESIGN.md's vocabulary."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from motivo.cases.models import Status
from motivo.core.choices import Channel

# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class ProblemOut(Schema):
    field: str | None = Field(description="Dotted path of the input at fault, e.g. customer.email")
    message: str
    code: str


class ErrorBody(Schema):
    code: str = Field(
        description="invalid, required, malformed, unauthorized, forbidden, not_found, conflict…"
    )
    message: str
    field: str | None = Field(
        None, description="Dotted path of the input at fault, when there is one"
    )
    details: list[ProblemOut] | None = Field(
        None, description="Every problem found, for validation errors"
    )


class ErrorOut(Schema):
    error: ErrorBody


# --------------------------------------------------------------------------------------------
# Contacts
# --------------------------------------------------------------------------------------------


class CustomerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(None, max_length=254, examples=["maria@example.com"])
    phone: str | None = Field(None, max_length=40, examples=["+34 600 123 456"])
    chat: str | None = Field(None, max_length=200, description="Chat handle")
    name: str = Field("", max_length=200, examples=["María López"])


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    customer: CustomerIn
    subject: str = Field(..., max_length=255)
    body: str = Field(..., max_length=100_000)
    external_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Your id for this contact; sending it again returns the first result",
    )
    received_at: dt.datetime | None = Field(
        None, description="ISO 8601; when the contact was received (imports of history)"
    )
    reason: int | str | None = Field(
        None, description="Reason id, or its exact name (case-insensitive)"
    )


class ContactOut(Schema):
    contact_id: int
    case_id: int
    customer_id: int
    created: bool = Field(description="False when external_id had been seen before")


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str


def _person(user: Any) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


class CaseOut(Schema):
    id: int
    number: str
    subject: str
    status: Status
    channel: Channel
    customer: PersonOut
    assignee: PersonOut | None
    team: PersonOut | None
    created_at: dt.datetime
    last_activity_at: dt.datetime
    first_reply_at: dt.datetime | None
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_assignee(obj: Any) -> dict | None:
        return _person(obj.assignee)


class CasePageOut(Schema):
    items: list[CaseOut]
    page: int
    has_next: bool
    next: str | None = Field(description="URL of the next page, or null on the last one")


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    kind: Literal["inbound", "reply", "note"]
    body: str
    body_html: str
    author: PersonOut | None
    contact_id: int | None
    created_at: dt.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj: Any) -> dict | None:
        return _person(obj.author)

    @staticmethod
    def resolve_attachments(obj: Any) -> list:
        return list(obj.attachments.all())


class ReasonRefOut(Schema):
    id: int
    name: str
    category: str


class ContactDetailOut(Schema):
    id: int
    channel: Channel
    received_at: dt.datetime
    external_id: str | None
    reason: ReasonRefOut | None
    is_repeat: bool = Field(
        description="A repeat: the customer had an earlier contact within the repeat window "
        "with the same reason or on the same case (its study: /repeats/{id}/study)"
    )
    repeat_of: int | None = Field(
        None, alias="repeat_of_id", description="The earlier contact it repeats"
    )

    @staticmethod
    def resolve_reason(obj: Any) -> dict | None:
        reason = obj.reason
        if reason is None:
            return None
        return {"id": reason.pk, "name": reason.name, "category": reason.category.name}


class EventOut(Schema):
    kind: str
    actor: PersonOut | None
    created_at: dt.datetime
    data: dict

    @staticmethod
    def resolve_actor(obj: Any) -> dict | None:
        return _person(obj.actor)


class CaseDetailOut(CaseOut):
    messages: list[MessageOut] = Field(description="The conversation; notes for staff only")
    contacts: list[ContactDetailOut]
    events: list[EventOut] = Field(description="The timeline; empty for customers")

    @staticmethod
    def resolve_messages(obj: Any) -> list:
        return obj.conversation

    @staticmethod
    def resolve_contacts(obj: Any) -> list:
        return obj.contact_list

    @staticmethod
    def resolve_events(obj: Any) -> list:
        return obj.timeline


class MessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["reply", "note"] | None = Field(
        None,
        description="Staff: reply (e-mailed to the customer) or note (internal). "
        "Customers leave it out.",
    )
    body: str = Field(..., max_length=100_000)
    status: Status | None = Field(None, description="Staff replies: new status of the case")


class TransferIn(Schema):
    model_config = ConfigDict(extra="forbid")

    assignee: int | None = Field(None, description="Id of the staff member to hand over to")
    team: int | None = Field(None, description="Id of the team to hand over to")
    note: str = Field(
        ...,
        max_length=4000,
        description="The hand-off note the receiver reads first: what was done, what is "
        "pending, what the customer expects",
    )


# --------------------------------------------------------------------------------------------
# Reasons and insights
# --------------------------------------------------------------------------------------------


class OwnerPersonOut(Schema):
    id: int
    name: str = Field(description="Full name, or the username when there is none")
    username: str


class ReasonOut(Schema):
    id: int
    name: str
    category: str
    owner: str | None
    owner_person: OwnerPersonOut | None = Field(
        description="The named person answerable for the reason"
    )
    action: str
    active: bool
    customer_rating: int | None = Field(
        description="Value to the customer: -2, -1 (irritating), 1, 2 (valuable); null: not rated"
    )
    company_rating: int | None = Field(description="Value to the company, same scale")
    quadrant: str | None = Field(
        description="The action the rating points to (eliminate, self_serve, simplify, "
        "leverage); null while not rated"
    )
    flagged: bool = Field(description="The chosen action disagrees with the quadrant")

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return obj.category.name

    @staticmethod
    def resolve_owner(obj: Any) -> str | None:
        return obj.owner.name if obj.owner else None

    @staticmethod
    def resolve_owner_person(obj: Any) -> dict | None:
        person = obj.owner_person
        if person is None:
            return None
        return {"id": person.pk, "name": person.display_name, "username": person.username}


class ParetoRowOut(Schema):
    reason_id: int
    reason: str
    category: str
    owner: str
    action: str
    count: int
    share: float = Field(description="0..1")
    cumulative_share: float = Field(description="0..1")


class ParetoOut(Schema):
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    total: int
    rows: list[ParetoRowOut]


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation documents (all share one shape)."""
    return dict.fromkeys(codes, ErrorOut)
