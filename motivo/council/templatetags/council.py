"""Wording of the council's figures in templates (localised numbers)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from motivo.council.measures import TargetState
from motivo.council.models import Improvement, Metric, Target

register = template.Library()

PER = 100  # contacts per business volume are shown per 100 units (e.g. per 100 orders)

STATE_CLASSES = {
    TargetState.ACHIEVED: "ok",
    TargetState.ON_TRACK: "ok",
    TargetState.OFF_TRACK: "bad",
    TargetState.MISSED: "bad",
    TargetState.NO_VOLUME: "warn",
}


@register.filter
def figure(value: Decimal | None, target: Target) -> str:
    """A target's value in its metric's words: "12.5 a week" or "3.20 per 100 orders"."""
    if value is None:
        return "—"
    if target.metric == Metric.CPX:
        kind = target.volume_kind.display_label.lower() if target.volume_kind else ""
        return _("%(value)s per %(per)s %(kind)s") % {
            "value": number_format(value * PER, 2),
            "per": PER,
            "kind": kind,
        }
    return _("%(value)s a week") % {"value": number_format(value, 1)}


@register.filter
def pct(value: Decimal | None, places: int = 1) -> str:
    """A signed percentage: "−12.5 %" / "+3.0 %"."""
    if value is None:
        return "—"
    sign = "−" if value < 0 else "+" if value > 0 else ""
    return f"{sign}{number_format(abs(value), places)} %"


@register.filter
def num(value: Decimal | None, places: int = 2) -> str:
    return "—" if value is None else number_format(value, places)


@register.filter
def state_class(state: str) -> str:
    return STATE_CLASSES.get(state, "")


@register.filter
def state_label(state: str) -> str:
    labels = {
        TargetState.ACHIEVED: _("Achieved"),
        TargetState.ON_TRACK: _("On track"),
        TargetState.OFF_TRACK: _("Off track"),
        TargetState.MISSED: _("Missed"),
        TargetState.NO_VOLUME: _("No volume yet"),
    }
    return labels.get(state, state)


@register.filter
def cssnum(value: Decimal | float | None) -> str:
    """A number for a CSS length: dot decimal, never localised."""
    return "0" if value is None else f"{float(value):.1f}"


@register.filter
def improvement_status(value: str) -> str:
    """An improvement status value ("in_progress") in words, in the active language."""
    statuses = Improvement.Status
    return str(statuses(value).label) if value in statuses.values else str(value or "")


@register.filter
def signed(value: int | None) -> str:
    """A signed whole number: "+3", "−2", "0"."""
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "0"
