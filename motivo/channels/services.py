"""Ingestion: every inbound contact, whatever its channel, comes in through `contact_ingest`.

Idempotent: a contact carrying an `external_id` that was already stored returns the first
result and writes nothing. A failure rolls back everything the contact would have written.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motivo.accounts.models import User
from motivo.cases.services import case_open
from motivo.channels import spam
from motivo.channels.models import RejectedSubmission
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.core.fastsql import execute
from motivo.customers.models import Customer, Identity
from motivo.customers.services import (
    customer_attach_identities,
    customer_find,
    customer_resolve,
    identity_normalise,
)
from motivo.reasons.models import Reason

logger = logging.getLogger(__name__)


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


def _known_by_other_identity(
    kind: str, value: str, extra: list[tuple[str, str]]
) -> tuple[Customer | None, list[tuple[str, str]]]:
    """The first identity is new: the customer behind the first known other one, and the
    identities left to attach to them (the first one instead of that one)."""
    for position, (other_kind, other_value) in enumerate(extra):
        if (found := customer_find(kind=other_kind, value=other_value)) is not None:
            return found, [(kind, value), *extra[:position], *extra[position + 1 :]]
    return None, extra


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
    open a case with the contact as its first message.

    With more than one identity (a web form with email and phone), the customer is the one
    behind the first known of them (email, phone, chat in that order); the others are added
    to that customer when free, or recorded as a possible duplicate when another customer
    has them (`customers.services.customer_attach_identities`)."""
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    given = [
        (kind, given_value)
        for kind, given_value in (
            (Identity.Kind.EMAIL, email),
            (Identity.Kind.PHONE, phone),
            (Identity.Kind.CHAT, chat),
        )
        if given_value
    ]
    if not given:
        raise DomainError(_("Give the customer's email or phone."), field="customer")
    kind, value = given[0]
    value = identity_normalise(kind=kind, value=value)
    extra = [(k, identity_normalise(kind=k, value=v)) for k, v in given[1:]]
    if external_id and (found := _existing(external_id)):
        return found
    # Read before taking the write lock: most contacts come from known customers.
    known = customer_find(kind=kind, value=value)
    if known is None and extra:
        known, extra = _known_by_other_identity(kind, value, extra)
    for attempt in range(3):
        try:
            with transaction.atomic():
                customer = (
                    known
                    or customer_resolve(kind=kind, value=value, name=name, language=language)[0]
                )
                if extra:
                    customer_attach_identities(customer=customer, identities=extra)
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
            if external_id and (found := _existing(external_id)):
                return found
            known = customer_find(kind=kind, value=value)
            if known is None and extra:
                known, extra = _known_by_other_identity(kind, value, extra)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------------
# The embeddable web contact form
# --------------------------------------------------------------------------------------------

SPAM_MESSAGE = gettext_lazy(
    "Your message looks like spam and was not sent. If it is not, remove any links and send "
    "it again, or write to us by email. We keep a copy and will review it."
)


def _reject(*, why: str, ip: str | None, language: str, fields: dict, had_attachment: bool) -> None:
    """Keep a refused submission for review (autocommit: it stays although the caller
    answers with an error), and log it."""
    RejectedSubmission.objects.create(
        why=why,
        name=(fields.get("name") or "")[:200],
        email=(fields.get("email") or "")[:254],
        phone=(fields.get("phone") or "")[:40],
        subject=(fields.get("subject") or "")[:255],
        message=fields.get("message") or "",
        language=language[:8],
        ip=ip,
        had_attachment=had_attachment,
    )
    logger.warning("web form submission rejected (%s) from %s", why, ip)


def web_form_submit(
    *,
    token: str,
    trap: str,
    name: str,
    email: str,
    phone: str,
    subject: str,
    message: str,
    language: str,
    ip: str | None,
    attachment: UploadedFile | None = None,
) -> IngestResult:
    """A visitor sent the embeddable contact form. Refusals are DomainErrors whose `code`
    says what the page does: "rate_limited" (429), "expired"/"too_fast" (the form again with
    a fresh token, input kept), "spam" (kept in RejectedSubmission for review). Accepted:
    a web contact through `contact_ingest`, once per rendered form (the token's nonce is the
    external_id, so a double submit answers with the first case)."""
    fields = {"name": name, "email": email, "phone": phone, "subject": subject}
    fields["message"] = message
    if spam.rate_limited(ip=ip, email=(email or "").strip().lower()):
        logger.warning("web form rate limit reached by %s / %s", ip, email)
        raise DomainError(
            _("Too many messages were sent from here. Please try again in an hour."),
            code="rate_limited",
        )
    try:
        parsed = spam.form_token_check(token)
    except spam.TokenRejected as refused:
        if refused.why == "expired":
            raise DomainError(
                _("The form was open for a long time. Check your message and send it again."),
                code="expired",
            ) from refused
        if refused.why == "too_fast":
            logger.info("web form sent too fast from %s", ip)
            raise DomainError(
                _("That was very quick. Check your message and send it again."),
                code="too_fast",
            ) from refused
        _reject(
            why=RejectedSubmission.Why.BAD_TOKEN, ip=ip, language=language, fields=fields,
            had_attachment=attachment is not None,
        )  # fmt: skip
        raise DomainError(str(SPAM_MESSAGE), code="spam") from refused
    why = RejectedSubmission.Why.HONEYPOT if trap else None
    if why is None and spam.content_spam_reason(name=name, subject=subject, message=message):
        why = RejectedSubmission.Why.LINKS
    if why is not None:
        _reject(
            why=why, ip=ip, language=language, fields=fields,
            had_attachment=attachment is not None,
        )  # fmt: skip
        raise DomainError(str(SPAM_MESSAGE), code="spam")
    return contact_ingest(
        channel=Channel.WEB,
        subject=subject,
        body=message,
        name=name,
        email=email,
        phone=phone or None,
        external_id=parsed.external_id,
        language=language or None,
        attachments=[attachment] if attachment is not None else (),
    )


@transaction.atomic
def rejected_submission_accept(*, submission: RejectedSubmission, actor: User) -> IngestResult:
    """A person reviewed a refused submission and it is real: record it as the web contact
    it would have been (without its attachment, which was not kept). Accepting it again
    (a double click, two reviewers) answers with the contact recorded the first time."""
    submission = RejectedSubmission.objects.select_for_update().get(pk=submission.pk)
    external_id = f"web-rejected:{submission.pk}"
    if submission.accepted_at is not None and (found := _existing(external_id)):
        return found
    result = contact_ingest(
        channel=Channel.WEB,
        subject=submission.subject,
        body=submission.message,
        name=submission.name,
        email=submission.email or None,
        phone=submission.phone or None,
        external_id=external_id,
        received_at=submission.created_at,
        language=submission.language or None,
        actor=actor,
    )
    submission.accepted_at = timezone.now()
    submission.accepted_case_id = result.case_id
    submission.save(update_fields=["accepted_at", "accepted_case_id"])
    return result
