"""Promise pages: the dashboard and its drill-down and CSV (supervisors and admins), and the
settings — calendar, closed days, tiers, promises — (admins change them, supervisors read)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motivo.accounts.models import Role, Team
from motivo.core.choices import Channel
from motivo.core.decorators import manager_required
from motivo.core.errors import DomainError
from motivo.customers.models import CustomerTier
from motivo.promises import selectors, services
from motivo.promises.charts import rates_chart
from motivo.promises.forms import (
    CalendarForm,
    ClosedDayForm,
    OutcomeForm,
    PromiseForm,
    RateFilterForm,
    TierForm,
)
from motivo.promises.models import ClosedDay, Promise
from motivo.promises.selectors import Figures, RateFilters


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Managers may look; only admins change the settings (403)."""

    @manager_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.role != Role.ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- the dashboard ---------------------------------------------------------------------


def _params(filters: RateFilters, **extra: Any) -> dict[str, str]:
    params = {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()}
    for name in ("channel", "tier", "team"):
        value = extra.pop(name, getattr(filters, name))
        if value is not None and value != "":
            params[name] = str(value)
    params.update({k: str(v) for k, v in extra.items() if v})
    return params


def cases_url(filters: RateFilters, outcome: str = "all", **override: Any) -> str:
    """The drill-down list behind one figure."""
    return f"{reverse('promises:cases')}?{urlencode(_params(filters, outcome=outcome, **override))}"


def _links(filters: RateFilters, dimension: str, row: Figures) -> dict[str, str]:
    override = {} if dimension == "total" else {dimension: row.key}
    return {
        outcome: cases_url(filters, outcome, **override)
        for outcome in ("all", "kept", "breached", "pending", "delighted", "not_delighted")
    }


def _dashboard_data(request: HttpRequest) -> dict[str, Any]:
    form = RateFilterForm(request.GET or None)
    filters = form.filters(timezone.localdate())
    if not form.is_bound or form.is_valid():
        form = RateFilterForm(initial=_params(filters))
    report = selectors.promise_rates(filters=filters)
    return {"form": form, "filters": filters, "report": report}


@manager_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Promise kept rate and delight rate of the cases opened in a period, by channel, tier
    and team; every figure links to its cases."""
    data = _dashboard_data(request)
    filters, report = data["filters"], data["report"]
    sections = [
        ("channel", _("By channel"), report.channels),
        ("tier", _("By tier"), report.tiers),
        ("team", _("By team"), report.teams),
    ]
    channels = report.channels
    context = {
        **data,
        "nav": "promises",
        "query": urlencode(_params(filters)),
        "total_links": _links(filters, "total", report.total),
        "sections": [
            (dimension, title, [(row, _links(filters, dimension, row)) for row in rows])
            for dimension, title, rows in sections
        ],
        "chart": rates_chart(
            [row.label for row in channels],
            [row.kept_pct for row in channels],
            [row.delight_pct for row in channels],
            kept_links=[cases_url(filters, "kept", channel=row.key) for row in channels],
            delighted_links=[cases_url(filters, "delighted", channel=row.key) for row in channels],
        )
        if channels
        else "",
        "promises": selectors.promise_list(),
        "calendar": services.calendar_get(),
        "is_admin": request.user.role == Role.ADMIN,
    }
    return render(request, "promises/dashboard.html", context)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


@manager_required
@require_GET
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    """Every row of the dashboard in one CSV."""
    data = _dashboard_data(request)
    filters, report = data["filters"], data["report"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"motivo-promises-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Breakdown"), _("Name"), _("Cases"), _("Pending"), _("Kept"), _("Breached"),
            _("Promise kept rate %"), _("Delighted"), _("Delight rate %"),
            _("Answered"), _("First answer kept rate %"), _("Resolution promised"),
            _("Resolved"), _("Resolution kept rate %"),
        ]
    )  # fmt: skip
    sections = (
        (_("Total"), [report.total]),
        (_("Channel"), report.channels),
        (_("Tier"), report.tiers),
        (_("Team"), report.teams),
    )
    for title, rows in sections:
        for row in rows:
            label = row.label
            if label[:1] in ("=", "+", "-", "@"):
                label = "'" + label  # not a formula in a spreadsheet
            writer.writerow(
                [
                    title, label, row.cases, row.pending, row.kept, row.breached,
                    _number(row.kept_rate), row.delighted, _number(row.delight_rate),
                    row.answered, _number(row.answer_kept_rate), row.resolution_cases,
                    row.resolved, _number(row.resolution_kept_rate),
                ]
            )  # fmt: skip
    return response


OUTCOME_TITLES = {
    "all": _("Promised cases"),
    "kept": _("Promise kept"),
    "breached": _("Promise breached"),
    "pending": _("Promise still running"),
    "delighted": _("Internal target met"),
    "not_delighted": _("Internal target missed"),
}


@manager_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    """The cases behind a figure of the dashboard, newest first, a page at a time."""
    form = RateFilterForm(request.GET or None)
    filters = form.filters(timezone.localdate())
    extra = OutcomeForm(request.GET)
    outcome = (extra.cleaned_data.get("outcome") if extra.is_valid() else "") or "all"
    before = extra.cleaned_data.get("before") if extra.is_valid() else ""
    now = timezone.now()
    page = selectors.promise_case_page(filters=filters, outcome=outcome, now=now, before=before)
    params = _params(filters, outcome=outcome)
    team = Team.objects.filter(pk=filters.team).first() if filters.team else None
    tier = CustomerTier.objects.filter(pk=filters.tier).first() if filters.tier else None
    context = {
        "nav": "promises",
        "filters": filters,
        "title": OUTCOME_TITLES.get(outcome, OUTCOME_TITLES["all"]),
        "rows": [(case, selectors.case_promise(case, now)) for case in page.items],
        "page": page,
        "channel_label": Channel(filters.channel).label if filters.channel else "",
        "tier_label": tier.name if tier else (_("No tier") if filters.tier == 0 else ""),
        "team_label": team.name if team else (_("No team") if filters.team == 0 else ""),
        "first_query": urlencode(params),
        "next_query": urlencode({**params, "before": page.next_cursor}) if page.next_cursor else "",
        "is_first": not before,
        "dashboard_query": urlencode(_params(filters)),
    }
    return render(request, "promises/cases.html", context)


# --- settings --------------------------------------------------------------------------


def _settings_page(request: HttpRequest, *, status: int = 200, **forms: Any) -> HttpResponse:
    calendar = services.calendar_get()
    edit = None
    if "promise_form" not in forms and request.GET.get("edit", "").isdigit():
        edit = Promise.objects.filter(pk=int(request.GET["edit"])).first()
        if edit is not None:
            forms["promise_form"] = PromiseForm.for_promise(edit)
    context = {
        "nav": "promises",
        "calendar": calendar,
        "calendar_form": forms.get("calendar_form") or CalendarForm.for_calendar(calendar),
        "closed_form": forms.get("closed_form") or ClosedDayForm(),
        "tier_form": forms.get("tier_form") or TierForm(),
        "promise_form": forms.get("promise_form") or PromiseForm(),
        "editing": forms.get("editing") or edit,
        "closed_days": selectors.closed_days(since=timezone.localdate() - dt.timedelta(days=31)),
        "tiers": selectors.tiers_with_use(),
        "promises": selectors.promise_list(),
        "is_admin": request.user.role == Role.ADMIN,
    }
    return render(request, "promises/settings.html", context, status=status)


def _refused(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@manager_required
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    """The calendar, closed days, tiers and promises (forms for admins)."""
    return _settings_page(request)


@admin_required
@require_POST
def calendar_save(request: HttpRequest) -> HttpResponse:
    form = CalendarForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.calendar_save(
                time_zone=data["time_zone"],
                hours=data["hours"],
                holiday_country=data["holiday_country"],
                holiday_subdivision=data["holiday_subdivision"],
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Business hours saved."))
            return redirect("promises:settings")
    return _settings_page(request, status=400, calendar_form=form)


@admin_required
@require_POST
def closed_day_add(request: HttpRequest) -> HttpResponse:
    form = ClosedDayForm(request.POST)
    if form.is_valid():
        services.closed_day_add(**form.cleaned_data)
        messages.success(request, _("Closed day added."))
        return redirect(reverse("promises:settings") + "#closed-days")
    return _settings_page(request, status=400, closed_form=form)


@admin_required
@require_POST
def closed_day_remove(request: HttpRequest, closed_id: int) -> HttpResponse:
    services.closed_day_remove(closed_day=get_object_or_404(ClosedDay, pk=closed_id))
    messages.success(request, _("Closed day removed."))
    return redirect(reverse("promises:settings") + "#closed-days")


@admin_required
@require_POST
def tier_add(request: HttpRequest) -> HttpResponse:
    form = TierForm(request.POST)
    if form.is_valid():
        try:
            services.tier_save(
                name=form.cleaned_data["name"], position=form.cleaned_data["position"] or 0
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Tier added."))
            return redirect(reverse("promises:settings") + "#tiers")
    return _settings_page(request, status=400, tier_form=form)


@admin_required
@require_POST
def tier_delete(request: HttpRequest, tier_id: int) -> HttpResponse:
    tier = get_object_or_404(CustomerTier, pk=tier_id)
    try:
        services.tier_delete(tier=tier)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Tier deleted."))
    return redirect(reverse("promises:settings") + "#tiers")


@admin_required
@require_POST
def promise_save(request: HttpRequest, promise_id: int | None = None) -> HttpResponse:
    promise = get_object_or_404(Promise, pk=promise_id) if promise_id else None
    form = PromiseForm(request.POST)
    if form.is_valid():
        try:
            services.promise_save(promise=promise, **form.minutes())
        except DomainError as error:
            field = {
                "first_answer_minutes": "first_answer_hours",
                "first_answer_target_minutes": "first_answer_target_hours",
                "resolution_minutes": "resolution_hours",
                "resolution_target_minutes": "resolution_target_hours",
            }.get(error.field or "", error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, _("Promise saved."))
            return redirect(reverse("promises:settings") + "#promises")
    return _settings_page(request, status=400, promise_form=form, editing=promise)


@admin_required
@require_POST
def promise_delete(request: HttpRequest, promise_id: int) -> HttpResponse:
    services.promise_delete(promise=get_object_or_404(Promise, pk=promise_id))
    messages.success(request, _("Promise deleted."))
    return redirect(reverse("promises:settings") + "#promises")
