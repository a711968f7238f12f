"""Managers' dashboards. They read the roll-ups, so their cost does not grow with contacts."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from motivo.core.choices import Channel
from motivo.core.decorators import manager_required
from motivo.core.errors import DomainError
from motivo.core.forms import DATE_INPUT, DateRangeForm
from motivo.insights import selectors
from motivo.insights.charts import (
    CHART_LIMIT,
    compare_chart,
    pareto_chart,
    vital_few_count,
    week_line_chart,
)
from motivo.insights.importer import volumes_import
from motivo.insights.selectors import ComparedRow, ParetoRow
from motivo.reasons.models import Action, Reason

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


class PeriodForm(DateRangeForm):
    """The period and channel a dashboard shows; empty or invalid input → last 30 days."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=[("", gettext_lazy("All channels")), *Channel.choices],
    )

    def period(self, today: dt.date) -> tuple[dt.date, dt.date, str]:
        """(date_from, date_to, channel); a missing end is today, a missing start is
        30 days before the end."""
        date_from, date_to = self.dates(today, DEFAULT_DAYS)
        return date_from, date_to, self.cleaned_data.get("channel", "") if self.is_valid() else ""


@dataclass(frozen=True)
class TableRow:
    rank: int | None  # None: a reason with contacts only in the previous period
    row: ParetoRow
    action_label: str
    share_pct: float
    cumulative_pct: float
    vital: bool  # among the reasons that make up the first 80% of contacts
    previous: int = 0
    change: int = 0
    change_pct: float | None = None  # None when the previous period had no contacts
    link: str = ""  # the contacts behind the count
    previous_link: str = ""


def _table(
    rows: list[ParetoRow] | list[ComparedRow],
    *,
    period: tuple[dt.date, dt.date, str] | None = None,
    previous: tuple[dt.date, dt.date] | None = None,
) -> list[TableRow]:
    compared = [row for row in rows if isinstance(row, ComparedRow)]
    ranked = [row.row if isinstance(row, ComparedRow) else row for row in rows]
    vital = vital_few_count([row for row in ranked if row.count])
    table = []
    for index, row in enumerate(ranked):
        extra: dict = {}
        if compared:
            item = compared[index]
            extra = {
                "previous": item.previous,
                "change": item.change,
                "change_pct": None if item.change_share is None else item.change_share * 100,
            }
        if period:
            date_from, date_to, channel = period
            extra["link"] = contacts_url(row.reason_id, date_from, date_to, channel)
            if previous:
                extra["previous_link"] = contacts_url(row.reason_id, *previous, channel)
        table.append(
            TableRow(
                rank=index + 1 if row.count else None,
                row=row,
                action_label=str(Action(row.action).label),
                share_pct=row.share * 100,
                cumulative_pct=row.cumulative_share * 100 if row.count else 100.0,
                vital=index < vital,
                **extra,
            )
        )
    return table


def contacts_url(
    reason: int | str | None, date_from: dt.date, date_to: dt.date, channel: str = ""
) -> str:
    """The drill-down list of the contacts behind a figure."""
    params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    if reason is not None:
        params["reason"] = str(reason)
    if channel:
        params["channel"] = channel
    return f"{reverse('insights:contacts')}?{urlencode(params)}"


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
    """The managers' home: reasons ranked by contact count, with share and cumulative share,
    and each reason's contacts in the previous period of equal length."""
    today = timezone.localdate()
    form, (date_from, date_to, channel) = _period(request, today)
    comparison = selectors.pareto_compare(
        date_from=date_from, date_to=date_to, channel=channel or None
    )
    previous = (comparison.previous_from, comparison.previous_to)
    table = _table(comparison.rows, period=(date_from, date_to, channel), previous=previous)
    ranked = [item for item in table if item.rank]
    top = ranked[:CHART_LIMIT]
    context = {
        "nav": "pareto",
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "previous_from": comparison.previous_from,
        "previous_to": comparison.previous_to,
        "channel_label": Channel(channel).label if channel else "",
        "presets": _presets(today, (date_from, date_to), channel),
        "query": _query(date_from, date_to, channel),
        "table": ranked,
        "gone": [item for item in table if not item.rank],
        "chart": (
            pareto_chart([item.row for item in ranked], links=[item.link for item in top])
            if ranked
            else ""
        ),
        "compare_chart": (
            compare_chart(
                [item.row.reason for item in top],
                [item.row.count for item in top],
                [item.previous for item in top],
                current_links=[item.link for item in top],
                previous_links=[item.previous_link for item in top],
            )
            if ranked
            else ""
        ),
        "total": comparison.total,
        "previous_total": comparison.previous_total,
        "total_change": comparison.change,
        "total_change_pct": _pct(comparison.change_share),
        "total_link": contacts_url(None, date_from, date_to, channel),
        "previous_total_link": contacts_url(None, *previous, channel),
        "vital_count": sum(1 for item in ranked if item.vital),
        "unclassified": selectors.unclassified_count(
            date_from=date_from, date_to=date_to, channel=channel or None
        ),
        "unclassified_link": contacts_url(selectors.UNCLASSIFIED, date_from, date_to, channel),
    }
    return render(request, "insights/pareto.html", context)


def _pct(share: float | None) -> float | None:
    return None if share is None else share * 100


def _csv_response(filename: str) -> tuple[HttpResponse, Any]:
    """A CSV download (UTF-8 with BOM so spreadsheets read accents) and its writer."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    return response, csv.writer(response)


def _number(value: float | Decimal | None, places: int = 1) -> str:
    return "" if value is None else f"{value:.{places}f}"


@manager_required
@require_GET
def pareto_csv(request: HttpRequest) -> HttpResponse:
    """The same table as the page, as CSV, with the previous period's figures."""
    _form, (date_from, date_to, channel) = _period(request, timezone.localdate())
    comparison = selectors.pareto_compare(
        date_from=date_from, date_to=date_to, channel=channel or None
    )
    response, writer = _csv_response(
        f"motivo-top-reasons-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    )
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
            _("Previous period"),
            _("Difference"),
            _("Difference %"),
        ]
    )
    for item in _table(comparison.rows):
        writer.writerow(
            [
                item.rank or "",
                _cell(item.row.reason),
                _cell(item.row.category),
                _cell(item.row.owner),
                item.action_label,
                item.row.count,
                f"{item.share_pct:.1f}",
                f"{item.cumulative_pct:.1f}" if item.rank else "",
                item.previous,
                item.change,
                _number(item.change_pct),
            ]
        )
    return response


def _cell(text: str) -> str:
    """Keep spreadsheets from running a name as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- Trend per reason -----------------------------------------------------------------------


class WeeksForm(forms.Form):
    """The weeks a weekly dashboard shows: up to the week holding `until` (default: the last
    complete week), on one channel or all, optionally one reason."""

    until = forms.DateField(
        label=gettext_lazy("Weeks up to"),
        required=False,
        widget=DATE_INPUT,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=[("", gettext_lazy("All channels")), *Channel.choices],
    )
    reason = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def values(self, today: dt.date) -> tuple[dt.date, str, int | None]:
        data = self.cleaned_data if self.is_valid() else {}
        until = data.get("until")
        if until is None:
            until = selectors.last_full_week_end(today)
        else:  # the Sunday of the chosen week, never past today
            until = min(selectors.week_start(until) + dt.timedelta(days=6), today)
        return until, data.get("channel") or "", data.get("reason")


def _week_label(monday: dt.date) -> str:
    return date_format(monday, "j M")


def _week_link(reason: int | str | None, monday: dt.date, until: dt.date, channel: str) -> str:
    return contacts_url(reason, monday, min(monday + dt.timedelta(days=6), until), channel)


@dataclass(frozen=True)
class TrendRow:
    item: selectors.ReasonTrend
    change_pct: float | None
    select_query: str  # this page with the reason selected
    recent_link: str
    before_link: str


def _trend_rows(
    trend: selectors.Trend, items: list[selectors.ReasonTrend], channel: str, base: dict
) -> list[TrendRow]:
    window = min(selectors.MOVER_WEEKS, len(trend.mondays) // 2)
    recent_from = trend.mondays[-window]
    before_from = trend.mondays[-2 * window]
    return [
        TrendRow(
            item=item,
            change_pct=_pct(item.change_share),
            select_query=urlencode({**base, "reason": item.reason_id}),
            recent_link=contacts_url(item.reason_id, recent_from, trend.until, channel),
            before_link=contacts_url(
                item.reason_id, before_from, recent_from - dt.timedelta(days=1), channel
            ),
        )
        for item in items
    ]


@manager_required
@require_GET
def trend(request: HttpRequest) -> HttpResponse:
    """Weekly contacts for the last 26 ISO weeks, all reasons and one chosen reason, with
    the movers: the largest rises and falls of the last 4 weeks against the 4 before."""
    today = timezone.localdate()
    form = WeeksForm(request.GET or None)
    until, channel, reason_id = form.values(today)
    data = selectors.trend(until=until, channel=channel or None)
    base = {"until": until.isoformat(), **({"channel": channel} if channel else {})}
    by_id = {item.reason_id: item for item in data.reasons}
    rises, falls = data.rises, data.falls
    chosen = by_id.get(reason_id) if reason_id else None
    if chosen is None and not reason_id:
        chosen = (rises or falls or data.reasons or [None])[0]
    labels = [_week_label(monday) for monday in data.mondays]
    charts = {}
    if data.reasons:
        charts["all"] = week_line_chart(
            labels,
            [
                (
                    str(_("All reasons")),
                    data.all_reasons,
                    [_week_link(None, m, until, channel) for m in data.mondays],
                )
            ],
            chart_id="trend-all",
            title=_("Contacts per week, all reasons"),
            y_title=_("Contacts"),
        )
    if chosen is not None:
        charts["reason"] = week_line_chart(
            labels,
            [
                (
                    chosen.reason,
                    chosen.weeks,
                    [_week_link(chosen.reason_id, m, until, channel) for m in data.mondays],
                )
            ],
            chart_id="trend-reason",
            title=_("Contacts per week: %(reason)s") % {"reason": chosen.reason},
            y_title=_("Contacts"),
        )
    context = {
        "nav": "trend",
        "form": WeeksForm(initial={"until": until, "channel": channel}),
        "errors": form.errors if form.is_bound else {},
        "until": until,
        "first_week": data.mondays[0],
        "channel_label": Channel(channel).label if channel else "",
        "query": urlencode(base),
        "charts": charts,
        "chosen": chosen,
        "unknown_reason": bool(reason_id) and chosen is None,
        "weeks": [
            (label, value, _week_link(chosen.reason_id if chosen else None, m, until, channel))
            for label, m, value in zip(
                labels, data.mondays, chosen.weeks if chosen else data.all_reasons, strict=True
            )
        ],
        "rises": _trend_rows(data, rises, channel, base),
        "falls": _trend_rows(data, falls, channel, base),
        "rows": _trend_rows(data, data.reasons, channel, base),
        "mover_weeks": selectors.MOVER_WEEKS,
        "mover_min": selectors.MOVER_MIN_CONTACTS,
    }
    return render(request, "insights/trend.html", context)


@manager_required
@require_GET
def trend_csv(request: HttpRequest) -> HttpResponse:
    """Every reason's contacts per week (one column per week) and its mover figures."""
    form = WeeksForm(request.GET or None)
    until, channel, _reason = form.values(timezone.localdate())
    data = selectors.trend(until=until, channel=channel or None)
    response, writer = _csv_response(f"motivo-trend-{until.isoformat()}.csv")
    writer.writerow(
        [
            _("Reason"),
            _("Category"),
            *(monday.isoformat() for monday in data.mondays),
            _("Total"),
            _("Last 4 weeks"),
            _("4 weeks before"),
            _("Difference"),
            _("Difference %"),
        ]
    )
    writer.writerow(["", _("All reasons"), *data.all_reasons, sum(data.all_reasons)])
    for item in data.reasons:
        writer.writerow(
            [
                _cell(item.reason),
                _cell(item.category),
                *item.weeks,
                item.total,
                item.recent,
                item.before,
                item.change,
                _number(_pct(item.change_share)),
            ]
        )
    return response


# --- CPX: contacts per X --------------------------------------------------------------------

CPX_WEEKS = (4, 12, 26, 52)
CPX_DEFAULT_WEEKS = 12
PER = 1000  # the page also shows contacts per 1,000 X, easier to read than 0.0123


class CpxForm(WeeksForm):
    kind = forms.SlugField(required=False)
    weeks = forms.TypedChoiceField(
        label=gettext_lazy("Weeks"),
        required=False,
        coerce=int,
        choices=[(n, n) for n in CPX_WEEKS],
        empty_value=CPX_DEFAULT_WEEKS,
    )


@dataclass(frozen=True)
class CpxWeek:
    monday: dt.date
    label: str
    contacts: int
    volume: Decimal | None
    cpx: Decimal | None
    link: str

    @property
    def per_thousand(self) -> Decimal | None:
        return None if self.cpx is None else self.cpx * PER


@dataclass(frozen=True)
class CpxReason:
    reason_id: int
    reason: str
    category: str
    contacts: int
    cpx: Decimal | None
    last_contacts: int
    last_cpx: Decimal | None
    link: str
    select_query: str

    @property
    def per_thousand(self) -> Decimal | None:
        return None if self.cpx is None else self.cpx * PER

    @property
    def last_per_thousand(self) -> Decimal | None:
        return None if self.last_cpx is None else self.last_cpx * PER


def _cpx_data(request: HttpRequest) -> dict[str, Any]:
    """Everything the CPX page and its CSV files show: three queries (kinds, contacts per
    reason per week from the roll-up, the kind's volumes)."""
    today = timezone.localdate()
    form = CpxForm(request.GET or None)
    until, channel, reason_id = form.values(today)
    data = form.cleaned_data if form.is_valid() else {}
    weeks = data.get("weeks") or CPX_DEFAULT_WEEKS
    kinds = selectors.volume_kinds()
    wanted = data.get("kind") or "orders"
    kind = next((k for k in kinds if k.slug == wanted), kinds[0] if kinds else None)
    trend = selectors.trend(until=until, weeks=weeks, channel=channel or None)
    volumes = (
        selectors.weekly_volumes(kind=kind, mondays=trend.mondays)
        if kind
        else dict.fromkeys(trend.mondays)
    )
    chosen = next((item for item in trend.reasons if item.reason_id == reason_id), None)
    counts = chosen.weeks if chosen else trend.all_reasons
    link_reason = chosen.reason_id if chosen else None
    week_rows = [
        CpxWeek(
            monday=monday,
            label=_week_label(monday),
            contacts=count,
            volume=volumes[monday],
            cpx=selectors.ratio(count, volumes[monday]),
            link=_week_link(link_reason, monday, until, channel),
        )
        for monday, count in zip(trend.mondays, counts, strict=True)
    ]
    window_volume = (
        None
        if any(volumes[monday] is None for monday in trend.mondays)
        else sum((volumes[monday] for monday in trend.mondays), Decimal(0))
    )
    last_volume = volumes[trend.mondays[-1]]
    window_cpx = selectors.ratio(sum(counts), window_volume)
    base = {
        "until": until.isoformat(),
        "weeks": weeks,
        **({"kind": kind.slug} if kind else {}),
        **({"channel": channel} if channel else {}),
    }
    reason_rows = [
        CpxReason(
            reason_id=item.reason_id,
            reason=item.reason,
            category=item.category,
            contacts=item.total,
            cpx=selectors.ratio(item.total, window_volume),
            last_contacts=item.weeks[-1],
            last_cpx=selectors.ratio(item.weeks[-1], last_volume),
            link=contacts_url(item.reason_id, trend.mondays[0], until, channel),
            select_query=urlencode({**base, "reason": item.reason_id}),
        )
        for item in trend.reasons
    ]
    return {
        "form": CpxForm(
            initial={"until": until, "channel": channel, "weeks": weeks, "kind": kind and kind.slug}
        ),
        "errors": form.errors if form.is_bound else {},
        "kinds": kinds,
        "kind": kind,
        "until": until,
        "first_week": trend.mondays[0],
        "weeks_count": weeks,
        "channel": channel,
        "channel_label": Channel(channel).label if channel else "",
        "chosen": chosen,
        "week_rows": week_rows,
        "reason_rows": reason_rows,
        "total_contacts": sum(counts),
        "window_volume": window_volume,
        "window_cpx": window_cpx,
        "window_per_thousand": None if window_cpx is None else window_cpx * PER,
        "missing_weeks": sum(1 for row in week_rows if row.volume is None),
        "base": base,
        "query": urlencode({**base, **({"reason": chosen.reason_id} if chosen else {})}),
    }


@manager_required
@require_GET
def cpx(request: HttpRequest) -> HttpResponse:
    """Contacts per X (orders, active customers, …) per week, all reasons or one, and per
    reason over the weeks shown: contacts ÷ the volume of the same weeks."""
    context = _cpx_data(request)
    kind = context["kind"]
    week_rows: list[CpxWeek] = context["week_rows"]
    if kind and any(row.cpx is not None for row in week_rows):
        name = context["chosen"].reason if context["chosen"] else str(_("All reasons"))
        context["chart"] = week_line_chart(
            [row.label for row in week_rows],
            [
                (
                    name,
                    [None if row.cpx is None else float(row.per_thousand) for row in week_rows],
                    [row.link for row in week_rows],
                )
            ],
            chart_id="cpx",
            title=_("Contacts per 1,000 %(kind)s per week") % {"kind": kind.display_label},
            y_title=_("Contacts per 1,000"),
            value_format="{:.2f}",
        )
    context.update(
        nav="cpx",
        per=PER,
        base_query=urlencode(context["base"]),
        has_volumes=bool(kind),
    )
    return render(request, "insights/cpx.html", context)


@manager_required
@require_GET
def cpx_csv(request: HttpRequest) -> HttpResponse:
    """The CPX page's tables as CSV: per week (`?table=weeks`, default) or per reason."""
    context = _cpx_data(request)
    kind = context["kind"]
    slug = kind.slug if kind else "none"
    if request.GET.get("table") == "reasons":
        response, writer = _csv_response(f"motivo-cpx-{slug}-reasons-{context['until']}.csv")
        writer.writerow(
            [
                _("Reason"),
                _("Category"),
                _("Contacts"),
                _("Contacts per X"),
                _("Contacts per 1,000"),
                _("Last week contacts"),
                _("Last week contacts per X"),
            ]
        )
        for row in context["reason_rows"]:
            writer.writerow(
                [
                    _cell(row.reason),
                    _cell(row.category),
                    row.contacts,
                    _number(row.cpx, 6),
                    _number(row.per_thousand, 3),
                    row.last_contacts,
                    _number(row.last_cpx, 6),
                ]
            )
        return response
    response, writer = _csv_response(f"motivo-cpx-{slug}-weeks-{context['until']}.csv")
    writer.writerow(
        [
            _("Week"),
            _("Contacts"),
            _("Volume"),
            _("Contacts per X"),
            _("Contacts per 1,000"),
        ]
    )
    for row in context["week_rows"]:
        writer.writerow(
            [
                row.monday.isoformat(),
                row.contacts,
                "" if row.volume is None else format(row.volume.normalize(), "f"),
                _number(row.cpx, 6),
                _number(row.per_thousand, 3),
            ]
        )
    return response


# --- Drill-down: the contacts behind a figure -------------------------------------------------


class ContactsForm(PeriodForm):
    reason = forms.CharField(required=False, max_length=12)
    before = forms.CharField(required=False, max_length=40)
    repeat = forms.BooleanField(required=False)  # only the repeat contacts


@manager_required
@require_GET
def contacts(request: HttpRequest) -> HttpResponse:
    """The contacts behind a figure: reason (id, "none" for unclassified, or all), period and
    channel; one page of 50, newest first, read along an index. No total count: "next
    page" appears when one row more than a page was found."""
    today = timezone.localdate()
    form = ContactsForm(request.GET or None)
    date_from, date_to, channel = form.period(today)
    data = form.cleaned_data if form.is_valid() else {}
    raw_reason = (data.get("reason") or "").strip()
    reason: int | str | None = None
    reason_obj = None
    if raw_reason == selectors.UNCLASSIFIED:
        reason = selectors.UNCLASSIFIED
    elif raw_reason.isdigit():
        reason_obj = Reason.objects.select_related("category").filter(pk=int(raw_reason)).first()
        if reason_obj is None:
            raise Http404
        reason = reason_obj.pk
    page = selectors.contact_page(
        reason=reason,
        date_from=date_from,
        date_to=date_to,
        channel=channel or None,
        before=data.get("before") or None,
        repeat=bool(data.get("repeat")),
    )
    params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    if reason is not None:
        params["reason"] = str(reason)
    if channel:
        params["channel"] = channel
    if data.get("repeat"):
        params["repeat"] = "1"
    context = {
        "nav": "pareto",
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "reason": reason_obj,
        "unclassified": reason == selectors.UNCLASSIFIED,
        "repeat": bool(data.get("repeat")),
        "channel_label": Channel(channel).label if channel else "",
        "page": page,
        "first_query": urlencode(params),
        "next_query": urlencode({**params, "before": page.next_cursor}) if page.next_cursor else "",
        "is_first": not data.get("before"),
        "pareto_query": _query(date_from, date_to, channel),
    }
    return render(request, "insights/contacts.html", context)


# --- Business volumes: upload and overview ----------------------------------------------------


class VolumeUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns kind, date, value (optional: period, label). Sending a day again "
            "replaces its value."
        ),
    )


@manager_required
def volumes(request: HttpRequest) -> HttpResponse:
    """The business volumes stored (last 8 weeks per kind) and a CSV upload."""
    form = VolumeUploadForm()
    if request.method == "POST":
        form = VolumeUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = volumes_import(form.cleaned_data["file"].read())
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(
                    request,
                    _("%(created)s values added, %(updated)s replaced.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("insights:volumes")
    today = timezone.localdate()
    mondays = selectors.week_starts(weeks=8, until=selectors.last_full_week_end(today))
    kinds = [
        (kind, list(selectors.weekly_volumes(kind=kind, mondays=mondays).values()))
        for kind in selectors.volume_kinds()
    ]
    context = {
        "nav": "cpx",
        "form": form,
        "kinds": kinds,
        "week_labels": [_week_label(monday) for monday in mondays],
    }
    return render(request, "insights/volumes.html", context, status=400 if form.errors else 200)


# --- Repeats and first-contact resolution ----------------------------------------------------


def _repeats_data(request: HttpRequest) -> dict[str, Any]:
    from motivo.insights import repeats

    today = timezone.localdate()
    form, (date_from, date_to, channel) = _period(request, today)
    report = repeats.repeat_report(date_from=date_from, date_to=date_to, channel=channel or None)
    return {
        "form": form,
        "report": report,
        "date_from": date_from,
        "date_to": date_to,
        "channel": channel,
        "channel_label": Channel(channel).label if channel else "",
        "window_days": settings.MOTIVO_REPEAT_DAYS,
        "fcr_current": repeats.fcr_is_current(today),
    }


def _repeat_link(reason: str | None, date_from: dt.date, date_to: dt.date, channel: str) -> str:
    return contacts_url(reason or None, date_from, date_to, channel) + "&repeat=1"


@manager_required
@require_GET
def repeats(request: HttpRequest) -> HttpResponse:
    """Repeat rate and first-contact resolution by reason, channel, team and agent, read
    from the roll-ups. When the FCR figures of the last final day are missing, the worker
    is asked to finalise them (once an hour at most)."""
    from django.core.cache import cache

    from motivo.insights.tasks import fcr_finalise_task

    today = timezone.localdate()
    data = _repeats_data(request)
    if not data["fcr_current"] and cache.add("motivo:fcr-finalise", 1, 3600):
        fcr_finalise_task.enqueue()
    date_from, date_to, channel = data["date_from"], data["date_to"], data["channel"]
    report = data["report"]
    reason_links = {
        row.key: _repeat_link(row.key, date_from, date_to, channel) for row in report.reasons
    }
    channel_links = {
        row.key: _repeat_link(None, date_from, date_to, channel or row.key)
        for row in report.channels
    }
    context = {
        **data,
        "nav": "repeats",
        "presets": _presets(today, (date_from, date_to), channel),
        "query": _query(date_from, date_to, channel),
        "reason_rows": [(row, reason_links[row.key]) for row in report.reasons],
        "channel_rows": [(row, channel_links[row.key]) for row in report.channels],
        "total_link": _repeat_link(None, date_from, date_to, channel),
    }
    return render(request, "insights/repeats.html", context)


@manager_required
@require_GET
def repeats_csv(request: HttpRequest) -> HttpResponse:
    """Every breakdown of the page in one CSV."""
    data = _repeats_data(request)
    report = data["report"]
    response, writer = _csv_response(
        f"motivo-repeats-{report.date_from.isoformat()}-{report.date_to.isoformat()}.csv"
    )
    writer.writerow(
        [
            _("Breakdown"),
            _("Name"),
            _("Contacts"),
            _("Repeats"),
            _("Repeat rate %"),
            _("Resolved cases"),
            _("Resolved at first contact"),
            _("FCR %"),
            _("Repeated after resolution %"),
        ]
    )
    sections = (
        (_("Total"), [report.total]),
        (_("Reason"), report.reasons),
        (_("Channel"), report.channels),
        (_("Team"), report.teams),
        (_("Agent"), report.agents),
    )
    for title, rows in sections:
        for row in rows:
            writer.writerow(
                [
                    title,
                    _cell(row.label),
                    "" if row.contacts is None else row.contacts,
                    "" if row.repeats is None else row.repeats,
                    _number(_pct(row.repeat_rate)),
                    row.resolved,
                    row.first_contact,
                    _number(_pct(row.fcr)),
                    _number(_pct(row.repeated_share)),
                ]
            )
    return response
