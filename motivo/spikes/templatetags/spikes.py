"""{% load spikes %}{% reason_spike_notice reason %}: the notice a reason's page shows while
the reason has an alert that nobody closed."""

from __future__ import annotations

from django import template

from motivo.spikes.selectors import open_alerts_for_reason

register = template.Library()


@register.inclusion_tag("spikes/partials/reason_notice.html")
def reason_spike_notice(reason) -> dict:  # type: ignore[no-untyped-def]
    if reason is None or not getattr(reason, "pk", None):
        return {"alerts": []}
    return {"alerts": open_alerts_for_reason(reason_id=reason.pk), "reason_id": reason.pk}
