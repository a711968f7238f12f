"""Spike alerts: the list (open first), an alert with its chart and contacts, acknowledge and
close. Supervisors and admins see every alert; other staff the alerts of their reasons."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from motivo.core.decorators import staff_required
from motivo.core.errors import DomainError
from motivo.spikes import selectors, services
from motivo.spikes.charts import spike_chart
from motivo.spikes.models import SpikeAlert


class ListForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("All")), *SpikeAlert.Status.choices]
    )
    reason = forms.IntegerField(required=False, min_value=1)
    since = forms.DateField(required=False)
    page = forms.IntegerField(required=False, min_value=1)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or None,
            "reason_id": data.get("reason"),
            "since": data.get("since"),
        }


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=services.CLOSE_NOTE_MAX,
        widget=forms.TextInput(),
        help_text=gettext_lazy("What it was: explained, fixed, a false alarm…"),
    )


def _query(filters: dict[str, Any], **extra: Any) -> str:
    params = {
        "status": filters["status"] or "",
        "reason": filters["reason_id"] or "",
        "since": filters["since"].isoformat() if filters["since"] else "",
        **extra,
    }
    return urlencode({key: value for key, value in params.items() if value})


@staff_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    form = ListForm(request.GET or None)
    filters = form.filters()
    page = (form.cleaned_data.get("page") or 1) if form.is_valid() else 1
    result = selectors.alert_list(user=request.user, page=page, **filters)
    context = {
        "nav": "spikes",
        "page": result,
        "filters": filters,
        "statuses": SpikeAlert.Status.choices,
        "counts": selectors.status_counts(user=request.user),
        "query": _query(filters),
        "next_query": _query(filters, page=result.number + 1) if result.has_next else "",
        "previous_query": _query(filters, page=result.number - 1) if result.number > 1 else "",
    }
    return render(request, "spikes/list.html", context)


def _cell(text: str) -> str:
    """Keep spreadsheets from running a name as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


EXPORT_LIMIT = 10_000


@staff_required
@require_GET
def alert_list_csv(request: HttpRequest) -> HttpResponse:
    """The list's alerts (same filters, every page up to EXPORT_LIMIT) as CSV."""
    filters = ListForm(request.GET or None).filters()
    result = selectors.alert_list(user=request.user, size=EXPORT_LIMIT, **filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="motivo-spikes.csv"'
    response.write("\ufeff")  # UTF-8 BOM so spreadsheets read accents
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Category"),
            _("Reason"),
            _("First day"),
            _("Last day"),
            _("Peak day"),
            _("Contacts"),
            _("Expected"),
            _("Score"),
            _("Status"),
            _("Acknowledged by"),
        ]
    )
    for alert in result.items:
        writer.writerow(
            [
                _cell(alert.reason.category.name),
                _cell(alert.reason.name),
                alert.day.isoformat(),
                alert.last_day.isoformat(),
                alert.peak_day.isoformat(),
                alert.observed,
                f"{alert.expected:.1f}",
                f"{alert.score:.1f}",
                alert.get_status_display(),
                _cell(alert.acknowledged_by.display_name) if alert.acknowledged_by else "",
            ]
        )
    return response


@staff_required
@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, alert_id=pk)
    today = timezone.localdate()
    before = request.GET.get("before") or None
    contacts = selectors.alert_contacts(alert=alert, before=before)
    chart_days = selectors.alert_chart(alert=alert, today=today)
    days = [{**entry, "day": dt.date.fromisoformat(entry["day"])} for entry in reversed(alert.days)]
    drill = urlencode(
        {
            "reason": alert.reason_id,
            "date_from": alert.day.isoformat(),
            "date_to": alert.last_day.isoformat(),
        }
    )
    context = {
        "nav": "spikes",
        "alert": alert,
        "days": days,
        "chart": spike_chart(chart_days, chart_id=f"spike-{alert.pk}"),
        "chart_days": chart_days,
        "contacts": contacts,
        "first_page": not before,
        "drill_query": drill,
        "close_form": CloseForm(),
        "events": selectors.alert_events(alert=alert),
    }
    return render(request, "spikes/detail.html", context)


@staff_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, alert_id=pk)  # who sees it may act
    try:
        services.alert_acknowledge(alert=alert, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Alert acknowledged: the others see you are on it."))
    return redirect("spikes:detail", alert.pk)


@staff_required
@require_POST
def alert_close(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, alert_id=pk)  # who sees it may act
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Keep the note short."))
        return redirect("spikes:detail", alert.pk)
    try:
        services.alert_close(alert=alert, actor=request.user, note=form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Alert closed."))
    return redirect("spikes:detail", alert.pk)
