"""Managers' dashboards. They read the roll-ups, so their cost does not grow with contacts."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from motivo.core.choices import Channel
from motivo.core.decorators import manager_required
from motivo.insights import selectors
from motivo.insights.charts import pareto_chart, vital_few_count
from motivo.insights.selectors import ParetoRow
from motivo.reasons.models import Action

DEFAULT_DAYS = 30
PRESETS = (
    ("7d", gettext_lazy("Last 7 days")),
    ("30d", gettext_lazy("Last 30 days")),
    ("month", gettext_lazy("This month")),
    ("90d", gettext_lazy("Last 90 days")),
)


def preset_range(key: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if key == "month":
        return today.replace(day=1), today
    days = int(key.removesuffix("d"))
    return today - dt.timedelta(days=days - 1), today


class PeriodForm(forms.Form):
    """The period and channel a dashboard shows; empty or invalid input → last 30 days."""

    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=[("", gettext_lazy("All channels")), *Channel.choices],
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def period(self, today: dt.date) -> tuple[dt.date, dt.date, str]:
        """(date_from, date_to, channel); a missing end is today, a missing start is
        30 days before the end."""
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("date_from")
        date_to = data.get("date_to") or max(today, start or today)
        date_from = start or date_to - dt.timedelta(days=DEFAULT_DAYS - 1)
        return date_from, date_to, data.get("channel", "")


@dataclass(frozen=True)
class TableRow:
    rank: int
    row: ParetoRow
    action_label: str
    share_pct: float
    cumulative_pct: float
    vital: bool  # among the reasons that make up the first 80% of contacts


def _table(rows: list[ParetoRow]) -> list[TableRow]:
    vital = vital_few_count(rows)
    return [
        TableRow(
            rank=index + 1,
            row=row,
            action_label=str(Action(row.action).label),
            share_pct=row.share * 100,
            cumulative_pct=row.cumulative_share * 100,
            vital=index < vital,
        )
        for index, row in enumerate(rows)
    ]


def _period(
    request: HttpRequest, today: dt.date
) -> tuple[PeriodForm, tuple[dt.date, dt.date, str]]:
    """The period asked for, and a form to show it: the bound one when it has errors,
    else one filled with the period actually shown (defaults included)."""
    form = PeriodForm(request.GET or None)
    period = form.period(today)
    if not form.is_bound or form.is_valid():
        keys = ("date_from", "date_to", "channel")
        form = PeriodForm(initial=dict(zip(keys, period, strict=True)))
    return form, period


def _presets(
    today: dt.date, current: tuple[dt.date, dt.date], channel: str
) -> list[tuple[str, str, bool]]:
    """(label, query string, is the period shown) for each preset, keeping the channel."""
    presets = []
    for key, label in PRESETS:
        start, end = preset_range(key, today)
        presets.append((str(label), _query(start, end, channel), (start, end) == current))
    return presets


def _query(date_from: dt.date, date_to: dt.date, channel: str) -> str:
    params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    return urlencode({**params, "channel": channel} if channel else params)


@manager_required
@require_GET
def pareto(request: HttpRequest) -> HttpResponse:
    """The managers' home: reasons ranked by contact count, with share and cumulative share."""
    today = timezone.localdate()
    form, (date_from, date_to, channel) = _period(request, today)
    rows = selectors.pareto(date_from=date_from, date_to=date_to, channel=channel or None)
    table = _table(rows)
    context = {
        "nav": "pareto",
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "channel_label": Channel(channel).label if channel else "",
        "presets": _presets(today, (date_from, date_to), channel),
        "query": _query(date_from, date_to, channel),
        "table": table,
        "chart": pareto_chart(rows) if rows else "",
        "total": sum(row.count for row in rows),
        "vital_count": sum(1 for item in table if item.vital),
        "unclassified": selectors.unclassified_count(
            date_from=date_from, date_to=date_to, channel=channel or None
        ),
    }
    return render(request, "insights/pareto.html", context)


@manager_required
@require_GET
def pareto_csv(request: HttpRequest) -> HttpResponse:
    """The same table as the page, as CSV (UTF-8 with BOM so spreadsheets read accents)."""
    _form, (date_from, date_to, channel) = _period(request, timezone.localdate())
    rows = selectors.pareto(date_from=date_from, date_to=date_to, channel=channel or None)
    filename = f"motivo-top-reasons-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Rank"),
            _("Reason"),
            _("Category"),
            _("Owner"),
            _("Action"),
            _("Contacts"),
            _("Share %"),
            _("Cumulative %"),
        ]
    )
    for item in _table(rows):
        writer.writerow(
            [
                item.rank,
                _cell(item.row.reason),
                _cell(item.row.category),
                _cell(item.row.owner),
                item.action_label,
                item.row.count,
                f"{item.share_pct:.1f}",
                f"{item.cumulative_pct:.1f}",
            ]
        )
    return response


def _cell(text: str) -> str:
    """Keep spreadsheets from running a name as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
