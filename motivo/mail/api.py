"""API v1 operations of the mail app (mounted by motivo.api.api)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from motivo.api.auth import BearerTokenAuth, require_staff
from motivo.api.errors import error_body
from motivo.api.schemas import errors
from motivo.mail.models import InboundEmail
from motivo.mail.services import inbound_email_receive

router = Router(tags=["mail"])

RAW_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")


class InboundEmailOut(Schema):
    id: int
    status: str
    reason: str
    error: str
    case_id: int | None
    duplicate: bool


@router.post(
    "/email/inbound",
    auth=BearerTokenAuth(),
    response={202: InboundEmailOut, 200: InboundEmailOut, **errors(401, 403, 413, 415, 422)},
    summary="Deliver a raw e-mail (webhook of a mail provider)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def email_inbound(request: HttpRequest) -> Status:
    """The body is the raw RFC 822 message (`Content-Type: message/rfc822`). It is stored
    before it is parsed, then processed like mail from the IMAP poller or the LMTP listener.
    Answers 202 with the stored id and outcome; the same Message-ID delivered again answers
    200 with the first delivery's row and writes nothing. Staff API tokens only."""
    require_staff(request)
    content_type = (request.content_type or "").lower()
    if content_type not in RAW_TYPES:
        message = _("Send the raw message with Content-Type: message/rfc822.")
        return Status(415, error_body("unsupported_media_type", message, "body"))
    limit = settings.MOTIVO_MAIL_MAX_MESSAGE_BYTES
    raw = request.read(limit + 1)  # the stream, not request.body: mail may exceed upload limits
    if len(raw) > limit:
        message = _("The message is larger than the %(limit)d MB limit.") % {
            "limit": limit // (1024 * 1024)
        }
        return Status(413, error_body("too_large", message, "body"))
    delivery = inbound_email_receive(raw=raw, transport=InboundEmail.Transport.HTTP)
    row = delivery.inbound
    out = InboundEmailOut(
        id=row.pk,
        status=row.status,
        reason=row.reason,
        error=row.error,
        case_id=row.case_id,
        duplicate=not delivery.created,
    )
    return Status(202 if delivery.created else 200, out)
