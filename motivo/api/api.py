"""Motivo's JSON API v1: a second face over the same services and selectors as the pages.

Views only parse, call one service or selector and shape the answer; who may see what is
decided by the selectors (a customer only ever reaches their own cases).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Status, Swagger
from ninja.errors import AuthorizationError

from motivo.accounts.models import Team, User
from motivo.api.auth import api_auth, is_customer, require_staff
from motivo.api.errors import install_error_handlers, renamed_fields
from motivo.api.schemas import (
    CaseDetailOut,
    CaseOut,
    CasePageOut,
    ContactIn,
    ContactOut,
    MessageIn,
    MessageOut,
    ParetoOut,
    ReasonOut,
    TransferIn,
    errors,
)
from motivo.cases.models import Message
from motivo.cases.models import Status as CaseStatus
from motivo.cases.selectors import (
    ACTIVE,
    CaseFilters,
    case_detail_for_user,
    case_get_for_user,
    case_list_for_user,
)
from motivo.cases.services import case_add_note, case_customer_message, case_reply, case_transfer
from motivo.channels.services import contact_ingest
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.insights.selectors import pareto
from motivo.reasons.api import ReasonCreateIn, ReasonDetailOut, reason_create_apply
from motivo.reasons.models import Reason
from motivo.reasons.selectors import active_reason_names, reason_list, reason_stub

PARETO_DEFAULT_DAYS = 30
# A case status, or "active" (new, open or waiting).
StatusFilter = Literal[(*CaseStatus.values, ACTIVE)]  # type: ignore[valid-type]


class MotivoAPI(NinjaAPI):
    """Builds the OpenAPI schema once per process instead of on every request for it."""

    @cache  # noqa: B019 - one API object per process, never freed anyway
    def _schema(self, path_prefix: str) -> Any:
        return super().get_openapi_schema(path_prefix=path_prefix)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict | None = None
    ) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return self._schema(path_prefix)

    def get_openapi_operation_id(self, operation: Any) -> str:
        return operation.view_func.__name__


api = MotivoAPI(
    title="Motivo API",
    version="1",
    description=(
        "Motivo's JSON API. Authenticate with `Authorization: Bearer <token>` (staff API "
        "tokens) or with the signed-in session (send the CSRF token on unsafe requests). "
        'Errors answer `{"error": {"code", "message", "field", "details"?}}`.'
    ),
    urls_namespace="api:v1",
    auth=api_auth,
    # Served from ninja's own static files (ninja is in INSTALLED_APPS): no CDN. The
    # validator badge would load an image from an external service, so it is off.
    docs=Swagger(settings={"validatorUrl": None}),
)
install_error_handlers(api)


CUSTOMER_FIELDS = {
    "email": "customer.email",
    "phone": "customer.phone",
    "chat": "customer.chat",
}


# --------------------------------------------------------------------------------------------
# Contacts
# --------------------------------------------------------------------------------------------


def reason_from_input(value: int | str) -> Reason:
    """An active reason by id or by exact name (case-insensitive, any alphabet). On the ingest
    path: one plain query, and the reason comes back with only its id and name loaded."""
    reasons = active_reason_names()
    if isinstance(value, str):
        wanted = value.strip().casefold()
        named = [(pk, name) for pk, name in reasons if name.casefold() == wanted]
        if len(named) > 1:
            raise DomainError(
                _("Several reasons have that name; send the reason's id."),
                field="reason",
                code="ambiguous",
            )
        if named:
            return reason_stub(*named[0])
        if not wanted.isdigit():
            raise DomainError(_("Unknown reason."), field="reason", code="unknown")
        value = int(wanted)
    for pk, name in reasons:
        if pk == value:
            return reason_stub(pk, name)
    raise DomainError(_("Unknown reason."), field="reason", code="unknown")


@api.post(
    "/contacts",
    response={201: ContactOut, 200: ContactOut, **errors(400, 401, 403, 422)},
    tags=["contacts"],
    summary="Record an inbound contact",
)
def contact_create(request: HttpRequest, payload: ContactIn) -> Status:
    """Find or create the customer, open a case with the contact as its first message.
    Idempotent: an `external_id` seen before answers 200 with the first result and writes
    nothing. Staff only."""
    user = require_staff(request)
    reason = reason_from_input(payload.reason) if payload.reason is not None else None
    received_at = payload.received_at
    if received_at is not None and timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    who = payload.customer
    with renamed_fields(CUSTOMER_FIELDS):
        result = contact_ingest(
            channel=payload.channel,
            subject=payload.subject,
            body=payload.body,
            name=who.name,
            email=who.email,
            phone=who.phone,
            chat=who.chat,
            external_id=payload.external_id,
            received_at=received_at,
            reason=reason,
            actor=user,
        )
    return Status(201 if result.created else 200, result)


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@api.get(
    "/cases",
    response={200: CasePageOut, **errors(401, 422)},
    tags=["cases"],
    summary="List cases",
)
def case_list(
    request: HttpRequest,
    status: StatusFilter | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> dict:
    """Cases, most recently active first, 50 a page. Customers see only their own.
    `status=active` means new, open or waiting. No total count: follow `next` while
    `has_next`."""
    result = case_list_for_user(user=request.auth, filters=CaseFilters(status=status), page=page)
    next_url = None
    if result.has_next:
        query = request.GET.copy()
        query["page"] = str(result.number + 1)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {
        "items": result.items,
        "page": result.number,
        "has_next": result.has_next,
        "next": next_url,
    }


@api.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, **errors(401, 404, 422)},
    tags=["cases"],
    summary="Get a case",
)
def case_detail(request: HttpRequest, case_id: int) -> Any:
    """A case with its conversation (internal notes for staff only), its contacts with
    their reasons and, for staff, its timeline."""
    return case_detail_for_user(user=request.auth, case_id=case_id)


@api.post(
    "/cases/{case_id}/messages",
    response={201: MessageOut, **errors(400, 401, 403, 404, 409, 422)},
    tags=["cases"],
    summary="Add a message to a case",
)
def case_message_create(request: HttpRequest, case_id: int, payload: MessageIn) -> Status:
    """Staff: `{"kind": "reply"|"note", "body", "status"?}`; a reply is e-mailed to the
    customer. A signed-in customer: `{"body"}` on one of their own cases."""
    user: User = request.auth  # type: ignore[attr-defined]
    case = case_get_for_user(user=user, case_id=case_id)
    if is_customer(user):
        message = _customer_message(case=case, user=user, payload=payload)
    elif payload.kind == Message.Kind.REPLY:
        message = case_reply(case=case, author=user, body=payload.body, status=payload.status)
    elif payload.kind == Message.Kind.NOTE:
        if payload.status is not None:
            raise DomainError(_("Only a reply can change the status."), field="status")
        message = case_add_note(case=case, author=user, body=payload.body)
    else:
        raise DomainError(
            _("Say whether this is a reply or a note."), field="kind", code="required"
        )
    return Status(201, message)


@api.post(
    "/cases/{case_id}/transfer",
    response={200: CaseOut, **errors(400, 401, 403, 404, 409, 422)},
    tags=["cases"],
    summary="Transfer a case with a hand-off note",
)
def case_transfer_create(request: HttpRequest, case_id: int, payload: TransferIn) -> Any:
    """Staff: hand the case over to `assignee` and/or `team` (the one left out is cleared)
    with a `note` the receiver sees first on the case page. The receiver is notified and
    e-mailed; for a team alone, every member of it."""
    user = require_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    assignee = team = None
    if payload.assignee is not None:
        assignee = User.objects.filter(pk=payload.assignee).first()
        if assignee is None:
            raise DomainError(_("Unknown agent."), field="assignee", code="unknown")
    if payload.team is not None:
        team = Team.objects.filter(pk=payload.team).first()
        if team is None:
            raise DomainError(_("Unknown team."), field="team", code="unknown")
    return case_transfer(case=case, actor=user, assignee=assignee, team=team, note=payload.note)


def _customer_message(*, case: Any, user: User, payload: MessageIn) -> Message:
    if payload.kind is not None or payload.status is not None:
        raise AuthorizationError(message=_("Customers can only send a message (body)."))
    return case_customer_message(case=case, channel=Channel.PORTAL, body=payload.body, actor=user)


# --------------------------------------------------------------------------------------------
# Reasons and insights
# --------------------------------------------------------------------------------------------


@api.get(
    "/reasons",
    response={200: list[ReasonOut], **errors(401, 403)},
    tags=["reasons"],
    summary="List the reason taxonomy",
)
def reasons(request: HttpRequest) -> list[Reason]:
    """The reason taxonomy, retired reasons included (`active` false). Staff only."""
    require_staff(request)
    return list(reason_list(active_only=False))


@api.post(
    "/reasons",
    response={201: ReasonDetailOut, **errors(401, 403, 422)},
    tags=["reasons"],
    summary="Create a reason",
)
def reason_create(request: HttpRequest, payload: ReasonCreateIn) -> Status:
    """A new reason in a category, with its owner, action, description and the example
    phrases reason suggestions learn from (the suggestion model retrains with it).
    Supervisors and administrators only."""
    return Status(201, reason_create_apply(request, payload))


@api.get(
    "/insights/pareto",
    response={200: ParetoOut, **errors(401, 403, 422)},
    by_alias=True,
    tags=["insights"],
    summary="Pareto of contact reasons",
)
def insights_pareto(
    request: HttpRequest,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    channel: Channel | None = None,
) -> dict:
    """Reasons ranked by contact count between `from` and `to` (local days, inclusive;
    the last 30 days by default), with share and cumulative share (0..1). Staff only."""
    require_staff(request)
    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to - dt.timedelta(days=PARETO_DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise DomainError(_("'from' must not be after 'to'."), field="from")
    rows = pareto(date_from=date_from, date_to=date_to, channel=channel)
    return {
        "from": date_from,
        "to": date_to,
        "total": sum(row.count for row in rows),
        "rows": rows,
    }


# Operations of the channel apps, each in its own router.
from motivo.channels.api import router as channels_router  # noqa: E402
from motivo.chat.api import router as chat_router  # noqa: E402
from motivo.costs.api import router as costs_router  # noqa: E402
from motivo.council.api import router as council_router  # noqa: E402
from motivo.mail.api import router as mail_router  # noqa: E402
from motivo.voice.api import router as voice_router  # noqa: E402

api.add_router("/", channels_router)
api.add_router("/", mail_router)
api.add_router("/", chat_router)
api.add_router("/", voice_router)
api.add_router("/", costs_router)
api.add_router("/", council_router)

from motivo.customers.api import router as customers_router  # noqa: E402

api.add_router("/", customers_router)

from motivo.insights.api import router as insights_router  # noqa: E402

api.add_router("/", insights_router)

from motivo.promises.api import router as promises_router  # noqa: E402

api.add_router("/", promises_router)

from motivo.studies.api import router as studies_router  # noqa: E402

api.add_router("/", studies_router)

from motivo.reasons.api import router as reasons_router  # noqa: E402

api.add_router("/", reasons_router)

from motivo.suggest.api import router as suggest_router  # noqa: E402

api.add_router("/", suggest_router)

from motivo.themes.api import router as themes_router  # noqa: E402

api.add_router("/", themes_router)

from motivo.spikes.api import router as spikes_router  # noqa: E402

api.add_router("/", spikes_router)
