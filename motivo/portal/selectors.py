"""Reads for the portal that the cases selectors do not already give."""

from __future__ import annotations

from django.http import Http404

from motivo.accounts.models import User
from motivo.cases.models import Attachment, Message
from motivo.cases.selectors import case_visible_to


def attachment_get_for_user(*, user: User, attachment_id: int) -> Attachment:
    """An attachment of a public message on a case `user` may see; else 404 (internal
    notes' files are never handed to customers)."""
    try:
        return (
            Attachment.objects.select_related("message")
            .filter(message__case__in=case_visible_to(user))
            .exclude(message__kind=Message.Kind.NOTE)
            .get(pk=attachment_id)
        )
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
