"""Ingestion: every inbound contact, whatever its channel, comes in through `contact_ingest`.

Idempotent: a contact carrying an `external_id` that was already stored returns the first
result and writes nothing. A failure rolls back everything the contact would have written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from motivo.accounts.models import User
from motivo.cases.services import case_open
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.core.fastsql import execute
from motivo.customers.models import Identity
from motivo.customers.services import customer_find, customer_resolve, identity_normalise
from motivo.reasons.models import Reason


@dataclass(frozen=True)
class IngestResult:
    contact_id: int
    case_id: int
    customer_id: int
    created: bool


def _existing(external_id: str) -> IngestResult | None:
    """The contact already stored under `external_id` (raw SQL: this runs on every ingest)."""
    rows = execute(
        "SELECT id, case_id, customer_id FROM cases_contact WHERE external_id = %s",
        [external_id],
    )
    return IngestResult(*rows[0], created=False) if rows else None


def contact_ingest(
    *,
    channel: str,
    subject: str,
    body: str,
    name: str = "",
    email: str | None = None,
    phone: str | None = None,
    chat: str | None = None,
    body_html: str = "",
    external_id: str | None = None,
    received_at: dt.datetime | None = None,
    reason: Reason | None = None,
    language: str | None = None,
    actor: User | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> IngestResult:
    """Record one inbound contact: find or create the customer from the identity given,
    open a case with the contact as its first message."""
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if email:
        kind, value = Identity.Kind.EMAIL, email
    elif phone:
        kind, value = Identity.Kind.PHONE, phone
    elif chat:
        kind, value = Identity.Kind.CHAT, chat
    else:
        raise DomainError(_("Give the customer's email or phone."), field="customer")
    value = identity_normalise(kind=kind, value=value)
    if external_id and (found := _existing(external_id)):
        return found
    # Read before taking the write lock: most contacts come from known customers.
    known = customer_find(kind=kind, value=value)
    for attempt in range(3):
        try:
            with transaction.atomic():
                customer = (
                    known
                    or customer_resolve(kind=kind, value=value, name=name, language=language)[0]
                )
                contact = case_open(
                    customer=customer,
                    channel=channel,
                    subject=subject,
                    body=body,
                    body_html=body_html,
                    received_at=received_at,
                    reason=reason,
                    external_id=external_id,
                    actor=actor,
                    attachments=attachments,
                )
                return IngestResult(contact.pk, contact.case_id, customer.pk, created=True)
        except IntegrityError:
            # A concurrent request stored the same external_id or the same new identity.
            known = None
            if external_id and (found := _existing(external_id)):
                return found
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
