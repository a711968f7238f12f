"""Writes for customers and their identities."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.core.errors import DomainError
from motivo.core.fastsql import execute, insert_instance, insert_rows
from motivo.customers.models import Customer, Identity
from motivo.search.services import search_document, search_document_put, search_documents_add


def identity_normalise(*, kind: str, value: str) -> str:
    """Emails are compared case-insensitively; phone numbers by their digits (and a +)."""
    value = (value or "").strip()
    if kind == Identity.Kind.EMAIL:
        value = value.lower()
        if "@" not in value or value.startswith("@") or value.endswith("@") or " " in value:
            raise DomainError(_("Not a valid email address."), field="email")
    elif kind == Identity.Kind.PHONE:
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) < 6:
            raise DomainError(_("Not a valid phone number."), field="phone")
        value = ("+" if value.startswith("+") else "") + digits
    elif not value:
        raise DomainError(_("The chat handle is empty."), field="chat")
    return value


def _index_customer(customer: Customer) -> None:
    identities = " ".join(customer.identities.values_list("value", flat=True))
    search_document_put(
        kind="customer",
        object_id=customer.pk,
        text=f"{customer.name} {identities}",
        customer_id=customer.pk,
    )


def customer_find(*, kind: str, value: str) -> Customer | None:
    """The customer behind an already-normalised identity, or None. One indexed lookup in
    raw SQL (it runs on every ingest); the customer's other fields load when first read."""
    rows = execute(
        "SELECT customer_id FROM customers_identity WHERE kind = %s AND value = %s",
        [kind, value],
    )
    return Customer.from_db(connection.alias, ["id"], (rows[0][0],)) if rows else None


def customer_resolve(
    *, kind: str, value: str, name: str = "", language: str | None = None
) -> tuple[Customer, bool]:
    """Find the customer behind an identity, creating customer and identity when new.
    Returns (customer, created)."""
    value = identity_normalise(kind=kind, value=value)
    with transaction.atomic(savepoint=False):
        found = customer_find(kind=kind, value=value)
        if found is not None:
            return found, False
        display = ((name or "").strip() or value)[:200]
        customer = Customer(name=display, language=language or "es", created_at=timezone.now())
        insert_instance(customer)
        insert_rows(Identity, [{"customer_id": customer.pk, "kind": kind, "value": value}])
        search_documents_add(
            documents=[
                search_document(
                    kind="customer", object_id=customer.pk, text=f"{display} {value}",
                    customer_id=customer.pk,
                )
            ]
        )  # fmt: skip
        return customer, True


@transaction.atomic
def customer_add_identity(*, customer: Customer, kind: str, value: str) -> Identity:
    value = identity_normalise(kind=kind, value=value)
    owner = Identity.objects.filter(kind=kind, value=value).values_list("customer_id", flat=True)
    if owner and owner[0] != customer.pk:
        raise DomainError(_("That address belongs to another customer."), field=kind)
    identity, _created = Identity.objects.get_or_create(customer=customer, kind=kind, value=value)
    _index_customer(customer)
    return identity


@transaction.atomic
def customer_update_preferences(
    *,
    customer: Customer,
    name: str,
    language: str,
    preferred_channel: str,
    callback_allowed: bool,
    callback_from: dt.time | None,
    callback_to: dt.time | None,
) -> Customer:
    """Change how and when the customer wants to be contacted."""
    if callback_allowed and (callback_from is None or callback_to is None):
        raise DomainError(_("Give the hours between which we may call."), field="callback_from")
    if callback_from and callback_to and callback_from >= callback_to:
        raise DomainError(_("The call window must end after it starts."), field="callback_to")
    customer.name = name.strip() or customer.name
    customer.language = language
    customer.preferred_channel = preferred_channel
    customer.callback_allowed = callback_allowed
    customer.callback_from = callback_from if callback_allowed else None
    customer.callback_to = callback_to if callback_allowed else None
    customer.full_clean(exclude=["user"])
    customer.save()
    if customer.user_id:
        customer.user.language = language
        customer.user.save(update_fields=["language"])
    _index_customer(customer)
    return customer
