"""Every e-mail Motivo sends goes through here: recorded, threaded, delivered, retried.

`email_send` stores an `OutboundEmail` row (status pending) with its own RFC 5322
Message-ID and, for mail to a customer about a case, the threading headers and the signed
Reply-To address; after commit it enqueues `motivo.mail.tasks.email_deliver_task`, which
calls `email_deliver` to hand the message to the configured mailer (SMTP in production).

Delivery outcome:
- accepted by the server → status sent, `sent_at` set;
- permanent refusal (any 5xx SMTP reply) → status failed at once;
- temporary failure (connection refused or lost, time-out, 4xx reply) → the attempt and the
  error are recorded and the delivery is tried again after a back-off
  (MOTIVO_MAIL_RETRY_SECONDS × 2^(attempt − 1)) when the task backend can defer tasks; under
  a backend that cannot (the immediate backend of the tests) it is retried at once, in the
  same call. After MOTIVO_MAIL_MAX_ATTEMPTS attempts the mail is failed.
A failed reply to a customer writes `delivery_failed_event` on its case (the timeline and the
conversation show it; staff can resend, see `cases.delivery.reply_email_resend`).

Threading: a customer mail on a case answers the newest e-mail of the case's thread — the
latest inbound e-mail of the case or our latest mail to the customer on it, whichever is
newer (failed ones excluded): `In-Reply-To` is that Message-ID and `References` its
References plus that id, deduplicated, at most `REFERENCES_LIMIT` ids (the first and the
newest ones). Message-IDs are stored without angle brackets and References as ids separated
by spaces.

The message body is not a column of `OutboundEmail`: it travels in the task's arguments
(`payload`), as do attachments (case attachments by id, others base64-encoded).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import smtplib
from collections.abc import Iterable, Sequence
from email import policy
from email.parser import BytesHeaderParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.cases.models import Attachment, Case, Message
from motivo.core.errors import DomainError
from motivo.core.tasks import enqueue_on_commit
from motivo.mail.models import InboundEmail, OutboundEmail
from motivo.mail.tokens import reply_address, support_address

logger = logging.getLogger(__name__)

KIND_REPLY = "reply"
KIND_ASSIGNMENT = "assignment"
KIND_TRANSFER = "transfer"
KIND_PORTAL_LINK = "portal_link"
# Mail to staff about a case: no reply token, not part of the customer's thread.
STAFF_KINDS = frozenset({KIND_ASSIGNMENT, KIND_TRANSFER})
REFERENCES_LIMIT = 20
HEADER_BYTES = 64 * 1024  # of a stored inbound message, read to find its References

# An attachment is a case Attachment or (filename, content, MIME type).
AttachmentInput = Attachment | tuple[str, bytes, str]


# ---------------------------------------------------------------------------- settings


def max_attempts() -> int:
    return max(1, int(getattr(settings, "MOTIVO_MAIL_MAX_ATTEMPTS", 5)))


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after failed attempt number `attempts` (1-based): exponential,
    capped at six hours."""
    base = int(getattr(settings, "MOTIVO_MAIL_RETRY_SECONDS", 60))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


# ---------------------------------------------------------------------------- threading


def _ids(text: str) -> list[str]:
    """Message-IDs in a References-like text, without angle brackets."""
    return [part.strip("<>") for part in (text or "").replace(",", " ").split() if part.strip("<>")]


def references_chain(previous: str | Iterable[str], parent: str) -> list[str]:
    """`previous` references plus `parent`, deduplicated in order, bounded to the first id
    and the newest ones (RFC 5322 §3.6.4 allows trimming the middle)."""
    ids = _ids(previous) if isinstance(previous, str) else [i.strip("<>") for i in previous]
    chain: list[str] = []
    for item in [*ids, parent.strip("<>")]:
        if item and item not in chain:
            chain.append(item)
    if len(chain) > REFERENCES_LIMIT:
        chain = [chain[0], *chain[-(REFERENCES_LIMIT - 1) :]]
    return chain


def _latest_inbound(case: Case) -> tuple[dt.datetime, str, str] | None:
    """(received at, Message-ID, References) of the newest inbound e-mail of the case.
    References are read from the stored raw headers of that one message: only its first
    `HEADER_BYTES` are loaded (the message may carry megabytes of attachments)."""
    row = (
        InboundEmail.objects.filter(case=case)
        .exclude(rfc_message_id="")
        .order_by("-received_at", "-pk")
        .annotate(head=Substr("raw", 1, HEADER_BYTES))
        .values_list("received_at", "rfc_message_id", "head")
        .first()
    )
    if row is None:
        return None
    received_at, message_id, head = row
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(bytes(head or b""))
    references = " ".join(str(value) for value in headers.get_all("References") or [])
    return received_at, message_id, references


def thread_headers(case: Case) -> tuple[str, list[str]]:
    """(In-Reply-To id, References ids) for the next customer mail on `case`; ("", [])
    when the case has no e-mail yet."""
    ours = (
        OutboundEmail.objects.filter(case=case)
        .exclude(kind__in=STAFF_KINDS)
        .exclude(status=OutboundEmail.Status.FAILED)
        .order_by("-created_at", "-pk")
        .values_list("created_at", "rfc_message_id", "references")
        .first()
    )
    theirs = _latest_inbound(case)
    if ours is None and theirs is None:
        return "", []
    newer_inbound = theirs is not None and (ours is None or theirs[0] > ours[0])
    parent = theirs if newer_inbound else ours
    _, parent_id, previous = parent
    parent_id = parent_id.strip("<>")
    return parent_id, references_chain(previous or "", parent_id)


# ---------------------------------------------------------------------------- send


def _attachment_payload(item: AttachmentInput) -> dict[str, Any]:
    if isinstance(item, Attachment):
        return {"id": item.pk}
    filename, content, mimetype = item
    return {
        "filename": filename,
        "content_b64": base64.b64encode(content).decode("ascii"),
        "mimetype": mimetype or "application/octet-stream",
    }


def _one_line(text: str, limit: int) -> str:
    return " ".join(str(text).split())[:limit]


@transaction.atomic
def email_send(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
    case: Case | None = None,
    message: Message | None = None,
    attachments: Sequence[AttachmentInput] = (),
) -> OutboundEmail:
    """Record one e-mail and deliver it after commit (see the module doc).

    Render `subject`, `body` and `html` in the recipient's language before calling. Mail to
    a customer about `case` gets `Reply-To: reply_address(case.pk)` and joins the case's
    thread; `STAFF_KINDS` (notifications to agents) do neither."""
    address = (to or "").strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise DomainError(
            _("%(address)s is not a valid e-mail address.") % {"address": address or "—"},
            field="to",
            code="invalid",
        ) from exc
    in_reply_to, references = "", []
    if case is not None and kind not in STAFF_KINDS:
        in_reply_to, references = thread_headers(case)
    domain = support_address().partition("@")[2] or "motivo.localhost"
    email = OutboundEmail.objects.create(
        case=case,
        message=message,
        kind=kind,
        rfc_message_id=make_msgid(domain=domain).strip("<>"),
        in_reply_to=in_reply_to,
        references=" ".join(references),
        to=address,
        subject=_one_line(subject, 255),
    )
    payload = {
        "body": body,
        "html": html or "",
        "attachments": [_attachment_payload(item) for item in attachments],
    }
    from motivo.mail.tasks import email_deliver_task

    enqueue_on_commit(email_deliver_task, email.pk, payload, 0)
    return email


# ---------------------------------------------------------------------------- deliver


def _build(email: OutboundEmail, payload: dict[str, Any]) -> EmailMultiAlternatives:
    headers = {"Message-ID": f"<{email.rfc_message_id}>"}
    if email.in_reply_to:
        headers["In-Reply-To"] = f"<{email.in_reply_to}>"
    if email.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in _ids(email.references))
    if email.message_id is None:
        headers["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    reply_to = []
    if email.case_id is not None:
        headers["X-Motivo-Case"] = str(email.case_id)
        if email.kind not in STAFF_KINDS:
            reply_to = [reply_address(email.case_id)]
    mail = EmailMultiAlternatives(
        subject=email.subject,
        body=payload.get("body", ""),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=reply_to,
        headers=headers,
    )
    if payload.get("html"):
        mail.attach_alternative(payload["html"], "text/html")
    stored = {
        a.pk: a
        for a in Attachment.objects.filter(
            pk__in=[i["id"] for i in payload.get("attachments", []) if "id" in i]
        )
    }
    for item in payload.get("attachments", []):
        if "id" in item:
            attachment = stored.get(item["id"])
            if attachment is None:
                continue  # deleted since: send the rest
            with attachment.file.open("rb") as handle:
                mail.attach(attachment.filename, handle.read(), attachment.content_type)
        else:
            mail.attach(item["filename"], base64.b64decode(item["content_b64"]), item["mimetype"])
    return mail


def is_permanent(error: BaseException) -> bool:
    """5xx SMTP replies are permanent; connection problems and 4xx are worth a retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def describe_error(error: BaseException) -> str:
    def text(raw: bytes | str) -> str:
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)

    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {text(msg)}" for rcpt, (code, msg) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"[:1000]


@transaction.atomic
def _fail(email_id: int, error: str) -> OutboundEmail:
    from motivo.cases.events import delivery_failed_event

    email = (
        OutboundEmail.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=email_id)
    )
    email.status = OutboundEmail.Status.FAILED
    email.last_error = error
    email.save(update_fields=["status", "last_error"])
    if email.case is not None and email.kind not in STAFF_KINDS:
        delivery_failed_event(
            case=email.case,
            message_id=email.message_id,
            channel="email",
            error=error,
            attempts=email.attempts,
        )
    return email


def email_bounced(*, rfc_message_id: str, error: str) -> OutboundEmail | None:
    """A delivery report says a mail we sent never arrived: mark it failed, so a reply's
    case shows the failure (and "Send again"). None when the mail is not ours or already
    failed."""
    email = OutboundEmail.objects.filter(rfc_message_id=rfc_message_id).only("pk", "status")
    found = email.first()
    if found is None or found.status == OutboundEmail.Status.FAILED:
        return None
    return _fail(found.pk, f"bounced: {error}")  # as SMTP errors are kept: untranslated


def _attempt(email_id: int, payload: dict[str, Any], attempt: int) -> tuple[bool, int]:
    """One delivery attempt. Returns (retry?, attempts made so far). The row is claimed
    by moving `attempts` from `attempt` to `attempt + 1`, so a duplicated task does not
    send twice."""
    claimed = OutboundEmail.objects.filter(
        pk=email_id, status=OutboundEmail.Status.PENDING, attempts=attempt
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return False, attempt  # sent, failed, or another worker has it
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        _build(email, payload).send()
    except Exception as error:
        message = describe_error(error)
        if is_permanent(error) or email.attempts >= max_attempts():
            logger.warning("mail %s failed for good: %s", email.rfc_message_id, message)
            _fail(email_id, message)
            return False, email.attempts
        logger.info("mail %s attempt %s failed: %s", email.rfc_message_id, email.attempts, message)
        OutboundEmail.objects.filter(pk=email_id).update(last_error=message)
        return True, email.attempts
    OutboundEmail.objects.filter(pk=email_id).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return False, email.attempts


def email_deliver(*, email_id: int, payload: dict[str, Any], attempt: int = 0) -> OutboundEmail:
    """Deliver a recorded e-mail (the task's body); schedules or runs the retries."""
    from motivo.mail.tasks import email_deliver_task

    while True:
        retry, attempts = _attempt(email_id, payload, attempt)
        if not retry:
            break
        if email_deliver_task.get_backend().supports_defer:
            run_after = timezone.now() + retry_delay(attempts)
            email_deliver_task.using(run_after=run_after).enqueue(email_id, payload, attempts)
            break
        attempt = attempts  # no deferral available: try again now
    return OutboundEmail.objects.get(pk=email_id)
