"""Writes for customers and their identities."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import phonenumbers
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.core.errors import DomainError
from motivo.core.fastsql import execute, insert_instance, insert_rows
from motivo.customers.models import Customer, CustomerTier, DuplicateSuggestion, Identity
from motivo.search.services import (
    search_document,
    search_document_put,
    search_documents_add,
    search_documents_move_customer,
)

if TYPE_CHECKING:
    from motivo.accounts.models import User

logger = logging.getLogger(__name__)


def identity_normalise(*, kind: str, value: str) -> str:
    """Emails are compared case-insensitively. Phone numbers are stored in E.164
    (+34600111222) when `phonenumbers` can read them — a national number is read in the
    company's country, MOTIVO_PHONE_REGION — so "600 111 222", "+34 600-111-222" and
    "0034600111222" are one identity; otherwise by their digits (and a leading +)."""
    value = (value or "").strip()
    if kind == Identity.Kind.EMAIL:
        value = value.lower()
        if "@" not in value or value.startswith("@") or value.endswith("@") or " " in value:
            raise DomainError(_("Not a valid email address."), field="email")
    elif kind == Identity.Kind.PHONE:
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) < 6:
            raise DomainError(_("Not a valid phone number."), field="phone")
        value = _phone_e164(value) or ("+" if value.startswith("+") else "") + digits
    elif not value:
        raise DomainError(_("The chat handle is empty."), field="chat")
    return value


def _phone_e164(value: str) -> str | None:
    region = settings.MOTIVO_PHONE_REGION or None
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
    raw SQL (it runs on every ingest), with the customer's tier (the promises of a new case
    depend on it); the customer's other fields load when first read."""
    rows = execute(
        "SELECT i.customer_id, c.tier_id FROM customers_identity i"
        " JOIN customers_customer c ON c.id = i.customer_id"
        " WHERE i.kind = %s AND i.value = %s",
        [kind, value],
    )
    return Customer.from_db(connection.alias, ["id", "tier_id"], rows[0]) if rows else None


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


def _not_merged(customer: Customer, field: str = "customer") -> None:
    if customer.merged_into_id:
        raise DomainError(
            _("This customer was merged into another one; change that one instead."),
            field=field,
            code="merged",
        )


@transaction.atomic
def customer_add_identity(*, customer: Customer, kind: str, value: str) -> Identity:
    """Give the customer one more address. An address belongs to one customer only: one of
    another customer's is refused (merge the two customers instead)."""
    if kind not in Identity.Kind.values:
        raise DomainError(_("Unknown kind of address."), field="kind")
    value = identity_normalise(kind=kind, value=value)
    _not_merged(customer, field=kind)
    owner = Identity.objects.filter(kind=kind, value=value).values_list("customer_id", flat=True)
    if owner and owner[0] != customer.pk:
        raise DomainError(_("That address belongs to another customer."), field=kind)
    identity, _created = Identity.objects.get_or_create(customer=customer, kind=kind, value=value)
    _index_customer(customer)
    return identity


@transaction.atomic
def customer_remove_identity(*, customer: Customer, identity_id: int) -> None:
    """Take an address off the customer. The last one stays: without an address no channel
    could find the customer again."""
    identities = list(
        Identity.objects.select_for_update().filter(customer=customer).values_list("pk", flat=True)
    )
    if identity_id not in identities:
        raise DomainError(
            _("That address is not this customer's."), field="identity", code="unknown"
        )
    if len(identities) == 1:
        raise DomainError(
            _("A customer keeps at least one address."), field="identity", code="last"
        )
    Identity.objects.filter(pk=identity_id).delete()
    _index_customer(customer)


def customer_attach_identities(
    *, customer: Customer, identities: Sequence[tuple[str, str]]
) -> None:
    """Further (kind, normalised value) addresses that came with one contact: a free one is
    added to the customer; one of another customer is left where it is and recorded as a
    possible duplicate (shown on both customer pages). Runs inside the caller's transaction
    (contact ingest); one look-up for all, and writes only for what is new."""
    if not identities:
        return
    wanted = Q()
    for kind, value in identities:
        wanted |= Q(kind=kind, value=value)
    owners = {
        (kind, value): owner
        for kind, value, owner in Identity.objects.filter(wanted).values_list(
            "kind", "value", "customer_id"
        )
    }
    added = False
    for kind, value in identities:
        owner = owners.get((kind, value))
        if owner is None:
            insert_rows(Identity, [{"customer_id": customer.pk, "kind": kind, "value": value}])
            owners[(kind, value)] = customer.pk
            added = True
        elif owner != customer.pk:
            DuplicateSuggestion.objects.get_or_create(
                customer_id=customer.pk, other_id=owner, defaults={"kind": kind, "value": value}
            )
    if added:
        _index_customer(customer)


@transaction.atomic
def duplicate_suggestion_dismiss(*, suggestion: DuplicateSuggestion) -> None:
    """These two are different people after all: stop suggesting the merge."""
    DuplicateSuggestion.objects.filter(pk=suggestion.pk).update(dismissed_at=timezone.now())


def _move_references(*, source: Customer, target: Customer) -> None:
    """Point every other row that refers to `source` at `target`: the foreign keys of
    apps that this module does not know by name (chat sessions, callbacks…) are found
    from the model metadata, so a new app's references move too."""
    from motivo.cases.models import Case, Contact

    handled = {Identity, DuplicateSuggestion, Customer, Case, Contact}
    for rel in Customer._meta.related_objects:
        model = rel.related_model
        if model in handled or rel.many_to_many:
            continue
        name = rel.field.name
        manager = model._base_manager
        if rel.one_to_one:
            # One per customer: it moves only if the target has none.
            if not manager.filter(**{name: target}).exists():
                manager.filter(**{name: source}).update(**{name: target})
        else:
            manager.filter(**{name: source}).update(**{name: target})


def _move_suggestions(*, source: Customer, target: Customer) -> None:
    pair = Q(customer=source, other=target) | Q(customer=target, other=source)
    DuplicateSuggestion.objects.filter(pair).delete()
    known_as_customer = DuplicateSuggestion.objects.filter(customer=target).values("other_id")
    known_as_other = DuplicateSuggestion.objects.filter(other=target).values("customer_id")
    DuplicateSuggestion.objects.filter(customer=source, other_id__in=known_as_customer).delete()
    DuplicateSuggestion.objects.filter(other=source, customer_id__in=known_as_other).delete()
    DuplicateSuggestion.objects.filter(customer=source).update(customer=target)
    DuplicateSuggestion.objects.filter(other=source).update(other=target)


def _move_portal_account(*, source: Customer, target: Customer) -> None:
    """The target keeps its own portal account; if it has none it takes the source's.
    A second account is switched off (it would belong to no customer): its owner signs in
    by link with any of the addresses and lands on the target's account."""
    from motivo.accounts.models import User

    if not source.user_id:
        return
    user_id = source.user_id
    Customer.objects.filter(pk=source.pk).update(user=None)
    source.user_id = None
    if target.user_id is None:
        Customer.objects.filter(pk=target.pk).update(user_id=user_id)
        target.user_id = user_id
    else:
        User.objects.filter(pk=user_id).update(is_active=False)


@transaction.atomic
def customer_merge(*, source: Customer, target: Customer, actor: User | None) -> Customer:
    """Make `source` and `target` one customer with one history: the source's addresses,
    cases, contacts, portal account and everything else pointing at it move to the target;
    each moved case gets a `customer_merged` event; the source stays, marked
    `merged_into` the target (its page redirects there). All or nothing; repeating it
    moves only what still points at the source. Returns the target."""
    from motivo.cases import events
    from motivo.cases.models import Case, Contact, Message

    if source.pk == target.pk:
        raise DomainError(_("A customer cannot be merged into itself."), field="into")
    # Lock both rows in id order: two merges of the same pair cannot interleave. FOR NO KEY
    # UPDATE (PostgreSQL), not FOR UPDATE: a transaction that holds one of the source's cases
    # and writes a row referring to the customer (a contact: foreign-key check = key-share
    # lock) must not wait for us while we wait for its case (deadlock).
    locked = {
        row.pk: row
        for row in Customer.objects.select_for_update(no_key=True)
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise DomainError(_("Unknown customer."), field="into", code="unknown")
    source, target = locked[source.pk], locked[target.pk]
    # Merging again into the same target is allowed and moves whatever still points at the
    # source (e.g. a contact ingested in the instant of the first merge): idempotent.
    if source.merged_into_id not in (None, target.pk):
        _not_merged(source)
    if target.merged_into_id:
        raise DomainError(
            _("That customer was merged into another one; merge into that one."),
            field="into",
            code="merged",
        )
    case_ids = list(Case.objects.filter(customer=source).values_list("pk", flat=True))
    Case.objects.filter(customer=source).update(customer=target)
    Contact.objects.filter(customer=source).update(customer=target)
    Identity.objects.filter(customer=source).update(customer=target)
    _move_suggestions(source=source, target=target)
    _move_references(source=source, target=target)
    _move_portal_account(source=source, target=target)
    # Customers merged into the source earlier now point at the target: one hop, always.
    absorbed = list(Customer.objects.filter(merged_into=source).values_list("pk", flat=True))
    Customer.objects.filter(pk__in=absorbed).update(merged_into=target)
    search_documents_move_customer(
        from_customer_id=source.pk,
        to_customer_id=target.pk,
        case_ids=case_ids,
        message_ids=list(Message.objects.filter(case_id__in=case_ids).values_list("pk", flat=True)),
        absorbed_customer_ids=absorbed,
    )
    source.merged_into = target
    source.merged_at = source.merged_at or timezone.now()
    Customer.objects.filter(pk=source.pk).update(merged_into=target, merged_at=source.merged_at)
    if target.tier_id is None and source.tier_id is not None:  # the promises follow
        target.tier_id = source.tier_id
        Customer.objects.filter(pk=target.pk).update(tier_id=source.tier_id)
    if case_ids:
        events.customer_merged_events(
            case_ids=case_ids,
            actor=actor,
            source_customer_id=source.pk,
            target_customer_id=target.pk,
        )
    from motivo.insights.repeats import customer_repeats_recompute

    customer_repeats_recompute(customer_id=target.pk)  # one history: repeats across both
    _index_customer(target)
    logger.info("customer %s merged into %s (%d cases)", source.pk, target.pk, len(case_ids))
    return target


@transaction.atomic
def customer_set_tier(*, customer: Customer, tier: CustomerTier | None) -> Customer:
    """Put the customer in a tier (None: no tier). Their cases opened from now on get that
    tier's promises; cases already open keep the promise made when they were opened."""
    _not_merged(customer, field="tier")
    if customer.tier_id != (tier.pk if tier else None):
        customer.tier = tier
        Customer.objects.filter(pk=customer.pk).update(tier=tier)
    return customer


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
