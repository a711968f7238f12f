"""API v1 operations of the studies app (mounted by motivo.api.api): repeat contacts, the
study of each (why the first contact did not solve it) and the list of causes. Staff only
(customers get 403)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from motivo.api.auth import require_staff
from motivo.api.schemas import errors
from motivo.cases.models import Contact
from motivo.core.errors import DomainError
from motivo.studies import selectors, services
from motivo.studies.models import RepeatCause, RepeatStudy

router = Router(tags=["repeats"])

DEFAULT_DAYS = 30
PAGE_SIZE = 50


class RefOut(Schema):
    id: int
    name: str


class CauseRefOut(Schema):
    id: int
    slug: str = Field(description="Stable key, e.g. promise_not_kept")
    name: str = Field(description="In the language of the request")


class CauseOut(CauseRefOut):
    name_en: str
    name_es: str
    active: bool = Field(description="False: retired, no longer offered to agents")
    position: int = Field(description="Order in the list")


class FirstContactOut(Schema):
    contact_id: int
    case_id: int
    channel: str
    received_at: dt.datetime
    reason: RefOut | None


class StudyBriefOut(Schema):
    cause: CauseRefOut
    note: str
    answered_by: RefOut | None = Field(description="Who answered the study last")
    answered_at: dt.datetime
    updated_at: dt.datetime


class RepeatOut(Schema):
    contact_id: int
    case_id: int
    customer_id: int
    channel: str
    received_at: dt.datetime
    reason: RefOut | None
    first_contact: FirstContactOut = Field(description="The earlier contact it repeats")
    study: StudyBriefOut | None = Field(description="Null until an agent answers the study")


class RepeatPageOut(Schema):
    items: list[RepeatOut]
    page: int
    has_next: bool
    next: str | None = Field(description="URL of the next page, or null on the last one")


class StudyOut(Schema):
    contact_id: int = Field(description="The repeat contact")
    case_id: int
    first_contact: FirstContactOut = Field(description="The contact it repeats now")
    answered: bool
    counted: bool = Field(
        description="Counted in the figures: the contact is a repeat with a reason"
    )
    cause: CauseRefOut | None
    note: str
    studied_first_contact_id: int | None = Field(
        description="The first contact when the study was answered (repeats can be recomputed)"
    )
    agent: RefOut | None = Field(
        description="Who answered the first contact (last reply before the repeat, else the "
        "case's assignee)"
    )
    team: RefOut | None
    answered_by: RefOut | None
    answered_at: dt.datetime | None
    updated_at: dt.datetime | None


class StudyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    cause: int | str = Field(
        description="The cause's id or slug (GET /repeat-causes)", examples=["promise_not_kept"]
    )
    note: str = Field("", max_length=RepeatStudy.NOTE_MAX, description="Optional, one sentence")


def _person(user: Any) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def _ref(obj: Any) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _cause_ref(cause: RepeatCause) -> dict:
    return {"id": cause.pk, "slug": cause.slug, "name": cause.name}


def _first(contact: Contact) -> dict:
    return {
        "contact_id": contact.pk,
        "case_id": contact.case_id,
        "channel": contact.channel,
        "received_at": contact.received_at,
        "reason": _ref(contact.reason),
    }


def _repeat_out(contact: Contact) -> dict:
    study = getattr(contact, "repeat_study", None)
    return {
        "contact_id": contact.pk,
        "case_id": contact.case_id,
        "customer_id": contact.customer_id,
        "channel": contact.channel,
        "received_at": contact.received_at,
        "reason": _ref(contact.reason),
        "first_contact": _first(contact.repeat_of),
        "study": None
        if study is None
        else {
            "cause": _cause_ref(study.cause),
            "note": study.note,
            "answered_by": _person(study.answered_by),
            "answered_at": study.answered_at,
            "updated_at": study.updated_at,
        },
    }


def _study_out(contact: Contact, study: RepeatStudy | None) -> dict:
    return {
        "contact_id": contact.pk,
        "case_id": contact.case_id,
        "first_contact": _first(contact.repeat_of),
        "answered": study is not None,
        "counted": study is not None and contact.is_repeat and contact.reason_id is not None,
        "cause": _cause_ref(study.cause) if study else None,
        "note": study.note if study else "",
        "studied_first_contact_id": study.first_contact_id if study else None,
        "agent": _person(study.agent) if study else None,
        "team": _ref(study.team) if study else None,
        "answered_by": _person(study.answered_by) if study else None,
        "answered_at": study.answered_at if study else None,
        "updated_at": study.updated_at if study else None,
    }


@router.get(
    "/repeats",
    response={200: RepeatPageOut, **errors(401, 403, 422)},
    summary="List repeat contacts with their first contact and study",
)
def repeat_list(
    request: HttpRequest,
    since: dt.date | None = None,
    until: dt.date | None = None,
    reason: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> dict:
    """Repeat contacts (DESIGN.md: the customer had an earlier contact within the repeat
    window with the same reason or on the same case) received from `since` to `until`
    (local days, inclusive; the last 30 days by default), newest first, 50 a page, each with
    the contact it repeats, its reason and channel, and the cause its study gives (null
    while unanswered). `reason` keeps one reason's repeats. No total count: follow `next`
    while `has_next`. Staff only."""
    user = require_staff(request)
    until = until or timezone.localdate()
    since = since or until - dt.timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise DomainError(_("'since' must not be after 'until'."), field="since")
    result = selectors.repeat_page(
        user=user, date_from=since, date_to=until, reason_id=reason, page=page, size=PAGE_SIZE
    )
    next_url = None
    if result.has_next:
        query = request.GET.copy()
        query["page"] = str(result.number + 1)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {
        "items": [_repeat_out(contact) for contact in result.items],
        "page": result.number,
        "has_next": result.has_next,
        "next": next_url,
    }


@router.get(
    "/repeats/{contact_id}/study",
    response={200: StudyOut, **errors(401, 403, 404)},
    summary="Get the study of a repeat contact",
)
def study_get(request: HttpRequest, contact_id: int) -> dict:
    """Why the first contact did not solve what this repeat contact came back about:
    `answered` false (cause null) until an agent records it. 404 when the contact is not
    a repeat (now). Staff only."""
    user = require_staff(request)
    contact = selectors.repeat_contact_for_user(user=user, contact_id=contact_id)
    return _study_out(contact, selectors.study_for_contact(contact=contact))


def _cause_from_input(value: int | str) -> RepeatCause:
    cause = None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        cause = RepeatCause.objects.filter(pk=int(value)).first()
    else:
        cause = RepeatCause.objects.filter(slug=value.strip()).first()
    if cause is None:
        raise DomainError(_("Unknown cause."), field="cause", code="unknown")
    return cause


@router.post(
    "/repeats/{contact_id}/study",
    response={201: StudyOut, 200: StudyOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Record why the first contact did not solve it",
)
def study_record(request: HttpRequest, contact_id: int, payload: StudyIn) -> Status:
    """Answer (201) or change (200) the study of a repeat contact: `cause` (id or slug of
    an active cause, GET /repeat-causes) and an optional `note`. 404 when the contact is
    not a repeat (409 if it stopped being one meanwhile). Staff only (agents answer them)."""
    user = require_staff(request)
    contact = selectors.repeat_contact_for_user(user=user, contact_id=contact_id)
    existed = selectors.study_for_contact(contact=contact) is not None
    services.study_answer(
        contact=contact, cause=_cause_from_input(payload.cause), note=payload.note, actor=user
    )
    contact = selectors.repeat_contact_for_user(user=user, contact_id=contact_id)
    study = selectors.study_for_contact(contact=contact)
    return Status(200 if existed else 201, _study_out(contact, study))


@router.get(
    "/repeat-causes",
    response={200: list[CauseOut], **errors(401, 403)},
    summary="List the causes of repeat contacts",
)
def cause_list(request: HttpRequest) -> list[dict]:
    """The causes a study can give (why the first contact did not solve it), in their
    order; retired ones have `active` false. Names in English, Spanish and the language of
    the request. Staff only."""
    require_staff(request)
    return [
        {
            **_cause_ref(cause),
            "name_en": cause.name_en,
            "name_es": cause.name_es,
            "active": cause.active,
            "position": cause.position,
        }
        for cause in selectors.cause_list(active_only=False)
    ]
