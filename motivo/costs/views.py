"""Costs pages: channel costs (managers), the monthly chargeback statement (managers) and
the goodwill form of the case page (staff)."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motivo.cases.selectors import case_get_for_user
from motivo.core.decorators import manager_required, staff_required
from motivo.core.errors import DomainError
from motivo.costs import selectors, services
from motivo.costs.forms import ChannelCostForm, GoodwillForm, MonthForm


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@manager_required
@require_http_methods(["GET", "POST"])
def channel_costs(request: HttpRequest) -> HttpResponse:
    """What a contact costs on each channel today, scheduled changes, the history, and a
    form to set a change from a date on."""
    form = ChannelCostForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.channel_cost_set(actor=request.user, **data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Cost saved."))
            return redirect("costs:channel_costs")
    context = {
        "nav": "costs",
        "form": form,
        "current": selectors.current_costs(),
        "history": selectors.cost_history(),
        "currency": selectors.currency(),
    }
    return render(request, "costs/channel_costs.html", context, status=400 if form.errors else 200)


@manager_required
@require_GET
def chargeback(request: HttpRequest) -> HttpResponse:
    """The monthly chargeback statement per department (?month=YYYY-MM), printable."""
    month = MonthForm(request.GET).month_start(timezone.localdate())
    statement = selectors.chargeback(month=month)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    context = {
        "nav": "costs",
        "statement": statement,
        "month_value": f"{month:%Y-%m}",
        "previous": f"{previous:%Y-%m}",
        "following": f"{following:%Y-%m}",
        "generated_at": timezone.localtime(),
        "currency": selectors.currency(),
    }
    return render(request, "costs/chargeback.html", context)


@manager_required
@require_GET
def chargeback_csv(request: HttpRequest) -> HttpResponse:
    """The statement as CSV: one line per department and reason, UTF-8 with BOM."""
    month = MonthForm(request.GET).month_start(timezone.localdate())
    statement = selectors.chargeback(month=month)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="motivo-chargeback-{month:%Y-%m}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Month"),
            _("Department"),
            _("Reason"),
            _("Category"),
            _("Contacts"),
            _("Call minutes"),
            _("Goodwill"),
            _("Cost"),
            _("Currency"),
        ]
    )
    currency = selectors.currency()
    for department in statement.departments:
        name = department.name or _("No owner")
        for row in department.rows:
            line = row.line
            writer.writerow(
                [
                    f"{month:%Y-%m}",
                    _cell(name),
                    _cell(row.reason),
                    _cell(row.category),
                    line.contacts,
                    line.minutes,
                    line.goodwill,
                    line.cost,
                    currency,
                ]
            )
    return response


def _cell(text: str) -> str:
    """Keep spreadsheets from running a name as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@staff_required
@require_POST
def case_goodwill(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record goodwill from the case page's panel; a refusal comes back on its own page
    with the input kept and the error beside it."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    contacts = list(case.contacts.select_related("reason").order_by("received_at", "pk"))
    form = GoodwillForm(request.POST, contacts=contacts)
    if form.is_valid():
        data = form.cleaned_data
        contact = next(c for c in contacts if c.pk == data["contact"])
        try:
            services.goodwill_give(
                case=case,
                contact=contact,
                amount=data["amount"],
                agent=request.user,
                note=data["note"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Goodwill recorded."))
            return redirect(reverse("cases:detail", args=[case.pk]) + "#goodwill")
    context = {"nav": "inbox", "case": case, "form": form}
    return render(request, "costs/goodwill_form.html", context, status=400)
