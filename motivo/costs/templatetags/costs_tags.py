"""Template helpers of the costs app: money formatting and the case page's goodwill panel."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from motivo.cases.models import Case
from motivo.costs.forms import GoodwillForm
from motivo.costs.selectors import case_goodwill, currency

register = template.Library()


@register.filter
def money(value: Decimal | int | None) -> str:
    """12.5 → "12,50 EUR" / "12.50 EUR" (the active language's separators)."""
    amount = Decimal(value or 0)
    return f"{number_format(amount, 2, use_l10n=True, force_grouping=True)} {currency()}"


@register.simple_tag
def costs_case_panel(case: Case) -> dict:
    """{% costs_case_panel case as goodwill %}: the goodwill given on the case (one query)
    and a blank form listing the case's contacts (already loaded by the case page)."""
    given = case_goodwill(case_id=case.pk)
    contacts = getattr(case, "contact_list", None)
    if contacts is None:
        contacts = list(case.contacts.select_related("reason").order_by("received_at", "pk"))
    return {
        "given": given,
        "total": sum((item.amount for item in given), Decimal(0)),
        "form": GoodwillForm(contacts=contacts, auto_id="goodwill_%s"),
        "currency": currency(),
    }
