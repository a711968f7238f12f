"""API v1 operations on customers: their addresses (identities) and merging two customers.

Staff only; anyone else gets 404, as for a customer that does not exist. Merging is for
supervisors and admins (403 for agents)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthorizationError

from motivo.api.schemas import errors
from motivo.core.errors import DomainError
from motivo.customers import services
from motivo.customers.models import Customer, Identity
from motivo.customers.selectors import customer_get_for_staff

router = Router(tags=["customers"])


class IdentityIn(Schema):
    kind: Identity.Kind = Field(description="email, phone or chat")
    value: str = Field(max_length=254, description="The address; stored normalised")


class IdentityOut(Schema):
    id: int
    kind: str
    value: str


class CustomerOut(Schema):
    id: int
    name: str
    language: str
    merged_into: int | None = Field(None, alias="merged_into_id")
    created_at: dt.datetime
    identities: list[IdentityOut]


class MergeIn(Schema):
    into: int = Field(description="The customer that stays; this one is merged into it")


@router.get(
    "/customers/{customer_id}",
    response={200: CustomerOut, **errors(401, 404)},
    summary="Get a customer",
)
def customer_detail(request: HttpRequest, customer_id: int) -> Customer:
    """A customer with their addresses. A merged customer answers with `merged_into` set
    (and no addresses: they moved to that customer)."""
    return customer_get_for_staff(user=request.auth, customer_id=customer_id)


@router.post(
    "/customers/{customer_id}/identities",
    response={201: IdentityOut, **errors(401, 404, 409, 422)},
    summary="Add an address to a customer",
)
def customer_identity_add(request: HttpRequest, customer_id: int, payload: IdentityIn) -> Status:
    """An address of another customer is refused (422, field = the kind): merge them."""
    customer = customer_get_for_staff(user=request.auth, customer_id=customer_id)
    identity = services.customer_add_identity(
        customer=customer, kind=payload.kind, value=payload.value
    )
    return Status(201, identity)


@router.delete(
    "/customers/{customer_id}/identities/{identity_id}",
    response={204: None, **errors(401, 404, 422)},
    summary="Remove an address from a customer",
)
def customer_identity_remove(request: HttpRequest, customer_id: int, identity_id: int) -> Status:
    """The customer's last address cannot be removed (422)."""
    customer = customer_get_for_staff(user=request.auth, customer_id=customer_id)
    services.customer_remove_identity(customer=customer, identity_id=identity_id)
    return Status(204, None)


@router.post(
    "/customers/{customer_id}/merge",
    response={200: CustomerOut, **errors(401, 403, 404, 409, 422)},
    summary="Merge a customer into another",
)
def customer_merge(request: HttpRequest, customer_id: int, payload: MergeIn) -> Customer:
    """Moves the customer's addresses, cases, contacts and portal account to `into` and
    marks it merged; answers with the customer that stays. Supervisors and admins only.
    409 when either customer was already merged."""
    source = customer_get_for_staff(user=request.auth, customer_id=customer_id)
    if not request.auth.is_manager:  # type: ignore[attr-defined]
        raise AuthorizationError(message=_("Only supervisors and admins can merge customers."))
    try:
        target = customer_get_for_staff(user=request.auth, customer_id=payload.into)
    except Http404 as exc:
        raise DomainError(_("Unknown customer."), field="into", code="unknown") from exc
    merged = services.customer_merge(source=source, target=target, actor=request.auth)
    return customer_get_for_staff(user=request.auth, customer_id=merged.pk)
