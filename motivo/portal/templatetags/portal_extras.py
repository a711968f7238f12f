"""Customer-facing wording for case states."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from motivo.cases.models import Status

register = template.Library()

CUSTOMER_STATUS = {
    Status.NEW: _("Received"),
    Status.OPEN: _("In progress"),
    Status.WAITING: _("Waiting for your answer"),
    Status.RESOLVED: _("Resolved"),
    Status.CLOSED: _("Closed"),
}


@register.filter
def customer_status(status: str) -> str:
    """The status as we tell it to the customer ("In progress" rather than "Open")."""
    return str(CUSTOMER_STATUS.get(status, status))
