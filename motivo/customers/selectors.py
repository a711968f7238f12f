"""Reads about customers that depend on who asks. Customers' pages and API are for staff:
anyone else gets the same 404 as for a customer that does not exist."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.http import Http404

from motivo.accounts.models import User
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, DuplicateSuggestion, Identity
from motivo.customers.services import identity_normalise


def _require_staff(user: User) -> None:
    if not (user.is_authenticated and user.is_staff_member):
        raise Http404


def customer_get_for_staff(*, user: User, customer_id: int) -> Customer:
    """A customer (merged ones too: their pages redirect), with identities. 404 unless
    `user` is staff or when there is no such customer."""
    _require_staff(user)
    try:
        return Customer.objects.prefetch_related(
            Prefetch("identities", queryset=Identity.objects.order_by("kind", "value"))
        ).get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass
class Suggestion:
    """A possible duplicate seen from one customer's page: the other customer and why."""

    pk: int
    other: Customer
    kind: str
    value: str


@dataclass
class CustomerPanel:
    """What the identities and merge panel of a customer page shows."""

    identities: list[Identity]
    suggestions: list[Suggestion] = field(default_factory=list)
    can_merge: bool = False


def customer_panel(*, user: User, customer: Customer) -> CustomerPanel:
    """Identities, open duplicate suggestions (either direction, the other customer not
    merged since) and whether `user` may merge. Two queries at most."""
    _require_staff(user)
    identities = list(customer.identities.all())
    rows = (
        DuplicateSuggestion.objects.filter(
            Q(customer=customer) | Q(other=customer), dismissed_at__isnull=True
        )
        .select_related("customer", "other")
        .order_by("-created_at")[:20]
    )
    suggestions = []
    for row in rows:
        other = row.other if row.customer_id == customer.pk else row.customer
        if other.merged_into_id is None:
            suggestions.append(Suggestion(pk=row.pk, other=other, kind=row.kind, value=row.value))
    return CustomerPanel(identities=identities, suggestions=suggestions, can_merge=user.is_manager)


def customer_search_for_merge(*, user: User, customer: Customer, query: str) -> list[Customer]:
    """Customers (not merged, not `customer` itself) whose email or phone is `query`
    (normalised, exact) or whose name contains it; at most 20."""
    _require_staff(user)
    query = (query or "").strip()
    if len(query) < 2:
        return []
    matches = Q(name__icontains=query)
    for kind in (Identity.Kind.EMAIL, Identity.Kind.PHONE, Identity.Kind.CHAT):
        try:
            value = identity_normalise(kind=kind, value=query)
        except DomainError:
            continue
        matches |= Q(identities__kind=kind, identities__value=value)
    found = (
        Customer.objects.filter(matches, merged_into__isnull=True)
        .exclude(pk=customer.pk)
        .distinct()
        .prefetch_related(
            Prefetch("identities", queryset=Identity.objects.order_by("kind", "value"))
        )
        .order_by("name", "pk")[:20]
    )
    return list(found)


def suggestion_get_for_staff(*, user: User, customer: Customer, suggestion_id: int):
    _require_staff(user)
    try:
        return DuplicateSuggestion.objects.get(
            Q(customer=customer) | Q(other=customer), pk=suggestion_id
        )
    except (DuplicateSuggestion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
