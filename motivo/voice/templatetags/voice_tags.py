"""Template helpers of the phone channel: the case page's phone panel."""

from __future__ import annotations

from django import template
from django.utils import timezone

from motivo.accounts.models import User
from motivo.cases.models import Case
from motivo.voice.forms import CallForm
from motivo.voice.selectors import CasePanel, case_panel, company_timezone

register = template.Library()


@register.simple_tag
def voice_case_panel(case: Case, user: User, identities: list | None = None) -> dict:
    """{% voice_case_panel case user identities as phone %}: the case's latest calls and
    callbacks (two queries) and a blank "Log a call" form, its number filled with the
    customer's phone when the page already holds their identities."""
    panel: CasePanel = case_panel(user=user, case=case)
    number = next((identity.value for identity in identities or () if identity.kind == "phone"), "")
    return {
        "calls": panel.calls,
        "callbacks": panel.callbacks,
        "form": CallForm(initial={"number": number}, auto_id="call_%s"),
    }


@register.filter
def company_time(value):
    """A datetime in the company's time zone (callback windows are wall-clock times there)."""
    return timezone.localtime(value, company_timezone()) if value else value
