"""Reads of inbound mail for the pages. Only staff reach them (the views check roles);
a message that does not exist is a 404."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, QuerySet
from django.http import Http404

from motivo.accounts.models import User
from motivo.cases.models import Message
from motivo.mail.models import InboundEmail, Mailbox

LIST_LIMIT = 100
Status = InboundEmail.Status
# The statuses the quarantine page lists (processed mail is on its case).
PAGE_STATUSES = (Status.QUARANTINED, Status.RECEIVED, Status.IGNORED)


def inbound_list(*, status: str, limit: int = LIST_LIMIT) -> list[InboundEmail]:
    """The newest messages with that status, without their raw bytes."""
    return list(
        InboundEmail.objects.filter(status=status)
        .defer("raw")
        .select_related("mailbox")
        .order_by("-received_at", "-id")[:limit]
    )


def inbound_counts() -> dict[str, int]:
    """How many messages wait in quarantine or unprocessed (small sets; served by the
    status index). Ignored mail is not counted: it only grows."""
    rows = (
        InboundEmail.objects.filter(status__in=[Status.QUARANTINED, Status.RECEIVED])
        .values("status")
        .annotate(n=Count("id"))
    )
    return {row["status"]: row["n"] for row in rows}


def inbound_get_for_user(*, user: User, inbound_id: int) -> InboundEmail:
    if not user.is_staff_member:
        raise Http404
    found = InboundEmail.objects.select_related("mailbox").filter(pk=inbound_id).first()
    if found is None:
        raise Http404
    return found


def mailbox_list() -> QuerySet[Mailbox]:
    return Mailbox.objects.order_by("name")


def inbound_emails_attach(*, messages: Sequence[Message]) -> None:
    """Set `inbound_email_id` on each inbound message of `messages` that came by e-mail (its
    InboundEmail, for the "whole e-mail" link), else None. One query, for the case page."""
    inbound = [m for m in messages if m.kind == Message.Kind.INBOUND]
    found: dict[int, int] = {}
    if inbound:
        found = dict(
            InboundEmail.objects.filter(message_id__in=[m.pk for m in inbound]).values_list(
                "message_id", "pk"
            )
        )
    for message in inbound:
        message.inbound_email_id = found.get(message.pk)
