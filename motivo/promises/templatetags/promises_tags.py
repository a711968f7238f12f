from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from motivo.cases.models import Case
from motivo.promises.selectors import CasePromise
from motivo.promises.selectors import case_promise as _case_promise

register = template.Library()


@register.simple_tag
def case_promise(case: Case) -> CasePromise | None:
    """How the case's promise stands now (from the case's own fields: no query)."""
    return _case_promise(case)


@register.filter
def business_duration(minutes: int | None) -> str:
    """540 → '9 h', 90 → '1 h 30 min', 45 → '45 min' (business time)."""
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": rest}


@register.filter
def rate(value: float | None) -> str:
    """A percentage (already × 100) with one decimal, or '–' when nothing is decided."""
    return "–" if value is None else f"{value:.1f} %"
