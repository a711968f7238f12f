"""The case page's reason picker: each contact's suggestions, read once per case."""

from __future__ import annotations

from typing import Any

from django import template

from motivo.suggest.selectors import ContactSuggestions, contact_suggestions

register = template.Library()


@register.simple_tag
def contact_suggestions_for(case: Any, contact: Any) -> ContactSuggestions:
    """The suggestions of `contact`; the first call for a case reads those of all its
    contacts (three queries) and keeps them on the case object for the other contacts."""
    found = getattr(case, "_suggestions", None)
    if found is None:
        contacts = getattr(case, "contact_list", None) or [contact]
        found = contact_suggestions(contact_ids=[c.pk for c in contacts])
        case._suggestions = found
    return found.get(contact.pk) or ContactSuggestions(contact_id=contact.pk)


@register.filter
def percent(value: float | None) -> str:
    """0.873 → "87 %" (a confidence or a share, 0..1)."""
    if value is None:
        return "—"
    return f"{round(value * 100):d}\u00a0%"
