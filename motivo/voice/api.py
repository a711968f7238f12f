"""API v1 operations of the voice app (mounted by motivo.api.api): callback requests and the
telephony webhook."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthorizationError
from ninja.security import APIKeyHeader
from pydantic import ConfigDict

from motivo.accounts.models import User
from motivo.api.auth import BearerTokenAuth, is_customer, require_staff
from motivo.api.errors import renamed_fields
from motivo.api.schemas import errors
from motivo.cases.selectors import case_get_for_user, customer_get_for_user
from motivo.core.errors import DomainError
from motivo.voice import selectors, services

router = Router(tags=["voice"])

SIGNATURE_HEADER = "X-Motivo-Signature"
TIMESTAMP_HEADER = "X-Motivo-Timestamp"


# --------------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------------


class CallbackIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_id: int | None = Field(
        None, description="Staff only: the customer to call back. Customers: omit (themselves)."
    )
    case_id: int | None = Field(
        None, description="The case the call is about; omit to open a new case"
    )
    phone: str | None = Field(
        None,
        max_length=40,
        description="A number to call, added to the customer's phone numbers first",
        examples=["+34 600 123 456"],
    )
    note: str = Field("", max_length=2000, description="What the customer wants to talk about")


class CallbackOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    case_id: int
    contact_id: int | None
    phone: str
    note: str
    source: str
    status: str
    window_start: dt.datetime = Field(description="Start of the window to call in")
    window_end: dt.datetime
    open_now: bool = Field(description="The window is open now: the callback may be taken")
    attempts: int
    created_at: dt.datetime


def _callback_out(
    callback: Any, *, window: tuple[dt.datetime, dt.datetime] | None = None
) -> dict[str, Any]:
    start, end = window or (callback.window_start, callback.window_end)
    now = timezone.now()
    return {
        "id": callback.pk,
        "customer_id": callback.customer_id,
        "customer_name": callback.customer.name,
        "case_id": callback.case_id,
        "contact_id": callback.contact_id,
        "phone": callback.phone,
        "note": callback.note,
        "source": callback.source,
        "status": callback.status,
        "window_start": start,
        "window_end": end,
        "open_now": start <= now < end,
        "attempts": callback.attempts,
        "created_at": callback.created_at,
    }


@router.post(
    "/callbacks",
    response={201: CallbackOut, 200: CallbackOut, **errors(401, 403, 404, 409, 422)},
    tags=["voice"],
    summary="Request a callback",
)
def callback_create(request: HttpRequest, payload: CallbackIn) -> Status:
    """Ask to be called back inside the customer's callback window (their preferences, in
    the company time zone). A signed-in customer asks for themselves; staff (token) name
    `customer_id`. Answers 200 with the waiting request when there already is one."""
    user: User = request.auth  # type: ignore[attr-defined]
    if is_customer(user):
        if payload.customer_id is not None:
            raise AuthorizationError(message=_("Customers can only ask for themselves."))
        customer = user.customer
    else:
        require_staff(request)
        if payload.customer_id is None:
            raise DomainError(
                _("Say which customer to call."), field="customer_id", code="required"
            )
        customer = customer_get_for_user(user=user, customer_id=payload.customer_id)
    case = case_get_for_user(user=user, case_id=payload.case_id) if payload.case_id else None
    created = selectors.callback_waiting(customer=customer, case=case) is None
    with renamed_fields({"case": "case_id"}), transaction.atomic():
        # All or nothing: a refused request does not keep the number either.
        if payload.phone:
            services.callback_phone_add(customer=customer, phone=payload.phone)
        callback = services.callback_request(
            customer=customer, case=case, note=payload.note, source="api", actor=user
        )
    return Status(201 if created else 200, _callback_out(callback))


@router.get(
    "/callbacks",
    response={200: list[CallbackOut], **errors(401, 403)},
    tags=["voice"],
    summary="The callback queue",
)
def callback_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Waiting callbacks, earliest window first, each with the window it waits for now and
    whether that window is open (`open_now`). Staff only."""
    user = require_staff(request)
    return [
        _callback_out(item.callback, window=(item.window_start, item.window_end))
        for item in selectors.callback_queue(user=user)
        if item.window_start is not None
    ]


# --------------------------------------------------------------------------------------------
# Telephony webhook
# --------------------------------------------------------------------------------------------


class TelephonyPeer:
    """The telephony system, authenticated by the HMAC signature of its request."""

    is_staff_member = False

    def __bool__(self) -> bool:
        return True


def signature_for(*, secret: str, timestamp: str, body: bytes) -> str:
    """hex HMAC-SHA256 of `<timestamp>.<raw body>` with the shared secret."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class TelephonySignature(APIKeyHeader):
    """`X-Motivo-Signature: sha256=<hex>` over `<X-Motivo-Timestamp>.<body>`, keyed with
    MOTIVO_TELEPHONY_SECRET; the timestamp (Unix seconds) must be within
    MOTIVO_TELEPHONY_TOLERANCE seconds of now, so a captured request cannot be replayed
    later."""

    param_name = SIGNATURE_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> TelephonyPeer | None:
        secret = settings.MOTIVO_TELEPHONY_SECRET
        if not secret or not key:
            return None
        timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return None
        if abs(time.time() - int(timestamp)) > settings.MOTIVO_TELEPHONY_TOLERANCE:
            return None
        expected = "sha256=" + signature_for(secret=secret, timestamp=timestamp, body=request.body)
        # Bytes: compare_digest refuses str with non-ASCII characters (a header may have them).
        given = key.strip().encode("utf-8", "surrogateescape")
        return TelephonyPeer() if hmac.compare_digest(expected.encode(), given) else None


class TelephonyEventIn(Schema):
    model_config = ConfigDict(populate_by_name=True)

    event: Literal["started", "answered", "ended"]
    call_id: str = Field(..., min_length=1, max_length=200, description="The system's call id")
    from_: str = Field(..., alias="from", max_length=40, description="The caller's number")
    to: str = Field("", max_length=40, description="The number called")
    at: dt.datetime | None = Field(None, description="ISO 8601; when it happened (default: now)")
    agent: str | None = Field(
        None, max_length=254, description="Email or username of the agent who answered"
    )


class TelephonyEventOut(Schema):
    id: int
    call_id: str
    state: str
    case_id: int
    customer_id: int
    contact_id: int | None
    agent_id: int | None
    duration_seconds: int
    created: bool


@router.post(
    "/telephony/events",
    auth=[BearerTokenAuth(), TelephonySignature()],
    response={201: TelephonyEventOut, 200: TelephonyEventOut, **errors(401, 403, 422)},
    tags=["voice"],
    summary="Telephony webhook",
)
def telephony_events(request: HttpRequest, payload: TelephonyEventIn) -> Status:
    """One event of a call from the telephony system: `started` records an incoming call and
    its contact (the caller's customer found by number, or created), `answered` sets the
    agent (who is notified) and `ended` the duration. Idempotent on `call_id`. Authenticate
    with a staff bearer token or the HMAC signature headers (see docs/phone.md)."""
    caller = request.auth  # type: ignore[attr-defined]
    if isinstance(caller, User):
        require_staff(request)
    at = payload.at
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    call, created = services.telephony_event(
        event=payload.event,
        call_id=payload.call_id,
        from_number=payload.from_,
        to_number=payload.to,
        at=at,
        agent=payload.agent,
    )
    body = {
        "id": call.pk,
        "call_id": call.external_call_id,
        "state": call.state,
        "case_id": call.case_id,
        "customer_id": call.customer_id,
        "contact_id": call.contact_id,
        "agent_id": call.agent_id,
        "duration_seconds": call.duration_seconds,
        "created": created,
    }
    return Status(201 if created else 200, body)
