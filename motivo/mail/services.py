"""Inbound e-mail: every transport (IMAP poll, LMTP/SMTP listener, HTTP webhook) hands the raw
bytes to `inbound_email_receive`, the one pipeline:

1. `inbound_email_store` keeps the raw message (committed) before anything parses it; the
   same Message-ID (or, without one, the same bytes) is stored once.
2. `inbound_email_process` parses it and, in one transaction, either ignores it (auto-reply,
   bounce, list, our own mail) with the reason, adds it to the case it answers (signed reply
   address, then In-Reply-To/References), or opens a new case through `contact_ingest`.
   Any failure rolls that transaction back and leaves the message quarantined with the
   error; `inbound_email_retry` runs step 2 again.
"""

from __future__ import annotations

import hashlib
import html
import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.cases.events import attachment_refused_event
from motivo.cases.models import Case
from motivo.cases.services import case_customer_message
from motivo.channels.services import contact_ingest
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.core.fastsql import execute, insert_instance
from motivo.customers.models import Identity
from motivo.mail.htmltext import html_to_text
from motivo.mail.models import InboundEmail, Mailbox, OutboundEmail
from motivo.mail.outbound import email_bounced
from motivo.mail.parsing import (
    ParsedEmail,
    base_address,
    digest,
    parse_email,
    quick_message_id,
)
from motivo.mail.tokens import case_id_from_address, support_address

logger = logging.getLogger(__name__)

MAX_MERGE_HOPS = 10
MAX_THREAD_IDS = 50
Status = InboundEmail.Status


@dataclass(frozen=True)
class Delivery:
    """What a transport gets back: the stored row and whether this delivery stored it."""

    inbound: InboundEmail
    created: bool


def _dedupe_key(message_id: str, sha256: str) -> str:
    if not message_id:
        return "sha256:" + sha256
    if len(message_id) > 240:
        return "mid-sha256:" + hashlib.sha256(message_id.encode()).hexdigest()
    return "mid:" + message_id


def _existing(key: str) -> InboundEmail | None:
    # Raw SQL for the look-up every delivery makes; the row is loaded only when found.
    rows = execute("SELECT id FROM mail_inboundemail WHERE dedupe_key = %s", [key])
    return InboundEmail.objects.defer("raw").get(pk=rows[0][0]) if rows else None


def inbound_email_store(
    *,
    raw: bytes,
    transport: str,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: Sequence[str] = (),
) -> Delivery:
    """Keep the raw message before parsing it. A message already stored (same Message-ID,
    or same bytes when it has none) is returned instead (`created` False)."""
    if transport not in InboundEmail.Transport.values:
        raise DomainError(_("Unknown mail transport."), field="transport")
    if not raw or not raw.strip():
        raise DomainError(_("The message is empty."), field="message", code="required")
    limit = settings.MOTIVO_MAIL_MAX_MESSAGE_BYTES
    if len(raw) > limit:
        raise DomainError(
            _("The message is larger than the %(limit)d MB limit.")
            % {"limit": limit // (1024 * 1024)},
            field="message",
            code="too_large",
        )
    sha256 = digest(raw)
    message_id = quick_message_id(raw)
    key = _dedupe_key(message_id, sha256)
    if found := _existing(key):
        return Delivery(found, created=False)
    inbound = InboundEmail(
        raw=raw,
        size=len(raw),
        sha256=sha256,
        rfc_message_id=message_id[:255],
        dedupe_key=key,
        transport=transport,
        mailbox=mailbox,
        envelope_from=(envelope_from or "")[:255],
        envelope_to="\n".join(envelope_to),
        received_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            insert_instance(inbound)
    except IntegrityError:
        # The same message arrived at the same moment through another transport.
        if found := _existing(key):
            return Delivery(found, created=False)
        raise
    return Delivery(inbound, created=True)


def inbound_email_receive(
    *,
    raw: bytes,
    transport: str,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: Sequence[str] = (),
) -> Delivery:
    """The pipeline every transport calls: store, then process. A duplicate delivery of a
    message that is already processed, ignored or quarantined changes nothing; one still
    `received` (a crash stopped it midway) is processed now."""
    delivery = inbound_email_store(
        raw=raw,
        transport=transport,
        mailbox=mailbox,
        envelope_from=envelope_from,
        envelope_to=envelope_to,
    )
    if delivery.created or delivery.inbound.status == Status.RECEIVED:
        inbound = delivery.inbound
        if not delivery.created:
            inbound = InboundEmail.objects.get(pk=inbound.pk)
        return Delivery(inbound_email_process(inbound=inbound), delivery.created)
    return delivery


def inbound_email_retry(*, inbound: InboundEmail) -> InboundEmail:
    """Process a quarantined (or stuck) message again."""
    if inbound.status not in (Status.QUARANTINED, Status.RECEIVED):
        raise DomainError(_("Only quarantined messages can be processed again."), field="status")
    return inbound_email_process(inbound=InboundEmail.objects.get(pk=inbound.pk), retry=True)


def inbound_email_process(*, inbound: InboundEmail, retry: bool = False) -> InboundEmail:
    """Parse and route one stored message that is still `received` (or, with `retry`, also
    quarantined); in any other state it is returned as it is stored. Not atomic as a whole
    on purpose: the routing is one transaction, and when it fails the quarantine status is
    written after its rollback."""
    own = own_addresses()
    try:
        parsed = parse_email(bytes(inbound.raw), support_addresses=own)
    except Exception as exc:  # the parser must never lose a message
        return _quarantine(inbound, exc)
    workable = {Status.RECEIVED, Status.QUARANTINED} if retry else {Status.RECEIVED}
    try:
        with transaction.atomic():
            # A concurrent delivery of the same message may have finished it meanwhile
            # (processed, ignored, or quarantined: a quarantined one waits for a person).
            if _locked_status(inbound.pk) not in workable:
                return InboundEmail.objects.defer("raw").get(pk=inbound.pk)
            _route(inbound, parsed, own)
            inbound.attempts += 1
            inbound.error = ""
            inbound.processed_at = timezone.now()
            _save_outcome(inbound)
    except Exception as exc:  # whatever fails is quarantined, not lost
        return _quarantine(inbound, exc)
    return inbound


_OUTCOME_FIELDS = (
    "from_address", "subject", "status", "reason", "error", "attempts", "processed_at",
    "case_id", "contact_id", "message_id",
)  # fmt: skip


def _save_outcome(inbound: InboundEmail) -> None:
    """UPDATE of the processing outcome in plain SQL (the ORM's save costs more than the
    rest of the write on this path); values converted by each field as the ORM would."""
    fields = [InboundEmail._meta.get_field(name) for name in _OUTCOME_FIELDS]
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    values = [f.get_db_prep_save(getattr(inbound, f.attname), connection) for f in fields]
    execute(f"UPDATE mail_inboundemail SET {sets} WHERE id = %s", [*values, inbound.pk])  # noqa: S608


def _locked_status(pk: int) -> str | None:
    """The stored status, the row locked until commit where the database can (a second
    process handling the same message waits, then sees it processed)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    rows = execute(f"SELECT status FROM mail_inboundemail WHERE id = %s{lock}", [pk])  # noqa: S608
    return rows[0][0] if rows else None


def _quarantine(inbound: InboundEmail, exc: BaseException) -> InboundEmail:
    if isinstance(exc, DomainError):
        error = f"{exc.message}"
        logger.warning("inbound e-mail %s quarantined: %s", inbound.pk, error)
    else:
        error = "".join(traceback.format_exception(exc, limit=-8))[-4000:]
        logger.exception("inbound e-mail %s quarantined", inbound.pk)
    inbound.status = Status.QUARANTINED
    inbound.error = error
    inbound.attempts += 1
    inbound.case = inbound.contact = inbound.message = None
    InboundEmail.objects.filter(pk=inbound.pk).update(
        status=Status.QUARANTINED,
        error=error,
        attempts=inbound.attempts,
        case=None,
        contact=None,
        message=None,
    )
    return inbound


# --------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------


def own_addresses() -> frozenset[str]:
    """Addresses mail from which is our own (a loop): the support address and every
    mailbox's address, with and without +tags."""
    rows = execute("SELECT address FROM mail_mailbox WHERE address <> %s", [""])
    return frozenset(filter(None, {support_address(), *(row[0].lower() for row in rows)}))


def _ignore(inbound: InboundEmail, reason: str) -> None:
    inbound.status = Status.IGNORED
    inbound.reason = reason[:255]


def _live_case(case_id: int) -> Case | None:
    """The case with that id, following merges to the case that absorbed it."""
    case = Case.objects.filter(pk=case_id).only("id", "customer_id", "merged_into_id").first()
    hops = 0
    while case is not None and case.merged_into_id and hops < MAX_MERGE_HOPS:
        case = (
            Case.objects.filter(pk=case.merged_into_id)
            .only("id", "customer_id", "merged_into_id")
            .first()
        )
        hops += 1
    return case


def _token_case(recipients: Sequence[str]) -> Case | None:
    for address in recipients:
        case_id = case_id_from_address(address) if "+c" in address else None
        if case_id is not None and (case := _live_case(case_id)):
            return case
    return None


def _thread_case(parsed: ParsedEmail) -> Case | None:
    """The case of the most recent message this one answers that we know (ours or theirs)."""
    ids = list(dict.fromkeys(parsed.in_reply_to + parsed.references[::-1]))[:MAX_THREAD_IDS]
    if not ids:
        return None
    found: dict[str, int] = {}
    for mid, case_id, message_case_id in OutboundEmail.objects.filter(
        rfc_message_id__in=ids
    ).values_list("rfc_message_id", "case_id", "message__case_id"):
        if case_id or message_case_id:
            found[mid] = case_id or message_case_id
    for mid, case_id in InboundEmail.objects.filter(
        rfc_message_id__in=ids, case__isnull=False
    ).values_list("rfc_message_id", "case_id"):
        found.setdefault(mid, case_id)
    for mid in ids:
        if mid in found and (case := _live_case(found[mid])):
            return case
    return None


def _is_customer_address(case: Case, address: str) -> bool:
    return Identity.objects.filter(
        kind=Identity.Kind.EMAIL, value=address, customer_id=case.customer_id
    ).exists()


def _uploads(parsed: ParsedEmail) -> tuple[list[SimpleUploadedFile], list[tuple[str, int]]]:
    limit = settings.MOTIVO_MAX_ATTACHMENT_BYTES
    kept, refused = [], []
    for item in parsed.attachments:
        if item.size > limit:
            refused.append((item.filename, item.size))
        else:
            kept.append(SimpleUploadedFile(item.filename, item.data, item.content_type))
    return kept, refused


def _bodies(parsed: ParsedEmail) -> tuple[str, str]:
    """(plain text, HTML) for the case: the new part of the text, and HTML where quoted
    history and signature are folded into a closed `<details>` (one click away, never lost;
    the whole e-mail stays on the staff page /mail/inbound/<id>/). The case services
    sanitise the HTML."""
    body = parsed.body or (html_to_text(parsed.body_html) if parsed.body_html else "")
    body_html = parsed.body_html
    if parsed.quoted:
        if not body_html:
            body_html = _paragraphs(body)
        folded = _paragraphs(parsed.quoted)
        body_html += f'<details class="quoted"><summary>…</summary>{folded}</details>'
    return body, body_html


def _paragraphs(text: str) -> str:
    return "".join(
        "<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in text.split("\n\n")
    )


def _external_id(inbound: InboundEmail) -> str:
    if inbound.rfc_message_id and len(inbound.rfc_message_id) <= 190:
        return "email:" + inbound.rfc_message_id
    return "email-sha256:" + hashlib.sha256(inbound.dedupe_key.encode()).hexdigest()


def _route(inbound: InboundEmail, parsed: ParsedEmail, own: frozenset[str]) -> None:
    inbound.from_address = parsed.from_address[:254]
    inbound.subject = parsed.subject[:255]
    if parsed.automated:
        if parsed.bounce_of and email_bounced(
            rfc_message_id=parsed.bounce_of, error=parsed.bounce_error
        ):
            return _ignore(inbound, f"bounce of our <{parsed.bounce_of}>: marked failed")
        return _ignore(inbound, parsed.automated)
    if inbound.rfc_message_id and execute(
        "SELECT 1 FROM mail_outboundemail WHERE rfc_message_id = %s", [inbound.rfc_message_id]
    ):
        return _ignore(inbound, "loop: a message we sent")
    sender = parsed.from_address
    if not sender:
        raise DomainError(_("The message has no sender address."), field="from")
    if base_address(sender) in {base_address(a) for a in own}:
        return _ignore(inbound, "loop: sent from our own address")
    body, body_html = _bodies(parsed)
    if not body.strip() and not body_html.strip() and not parsed.attachments:
        if not parsed.subject.strip():
            return _ignore(inbound, "empty message")
        body = parsed.subject  # everything was said in the subject
    attachments, refused = _uploads(parsed)
    if not body.strip() and not attachments:
        body = _("(The e-mail had only attachments that were too large to keep.)")
    recipients = parsed.recipients + [a.lower() for a in inbound.envelope_to.split("\n") if a]
    case = _token_case(recipients)
    how = "reply address"
    if case is not None:
        # The signed address proves the sender saw our mail about this case, not that they
        # are the customer (a colleague in Cc, someone it was forwarded to): the message goes
        # to the case, but the address is not made the customer's (it would open their
        # portal account, with every case of theirs).
        if not _is_customer_address(case, sender):
            how = "reply address, from an address that is not the customer's"
    else:
        case, how = _thread_case(parsed), "thread"
        if case is not None and not _is_customer_address(case, sender):
            case, how = None, "new case (thread sender is not the case's customer)"
    if case is not None:
        message = case_customer_message(
            case=case,
            channel=Channel.EMAIL,
            body=body,
            body_html=body_html,
            attachments=attachments,
            received_at=parsed.date,
        )
        inbound.case_id, inbound.message, inbound.contact_id = case.pk, message, message.contact_id
        inbound.reason = f"added to case ({how})"
    else:
        subject = parsed.subject.strip() or body.strip().split("\n", 1)[0][:120].strip()
        result = contact_ingest(
            channel=Channel.EMAIL,
            email=sender,
            name=parsed.from_name,
            subject=subject or _("E-mail without a subject"),
            body=body,
            body_html=body_html,
            external_id=_external_id(inbound),
            received_at=parsed.date,
            attachments=attachments,
        )
        inbound.case_id, inbound.contact_id = result.case_id, result.contact_id
        rows = execute("SELECT id FROM cases_message WHERE contact_id = %s", [result.contact_id])
        inbound.message_id = rows[0][0] if rows else None
        if how.startswith("new case"):
            inbound.reason = how
        else:
            inbound.reason = "new case" if result.created else "already recorded"
        case = Case(pk=result.case_id)
    for filename, size in refused:
        attachment_refused_event(
            case=case, filename=filename, size=size, limit=settings.MOTIVO_MAX_ATTACHMENT_BYTES
        )
    inbound.status = Status.PROCESSED
    return None
