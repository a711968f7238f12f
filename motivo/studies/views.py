"""Pages of the repeat-contact studies: answering a study (case page panel), an agent's
open studies, the supervisors' studies page with its drill-down and CSV files, and the
list of causes (admins edit it)."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motivo.accounts.models import Role
from motivo.core.decorators import manager_required, staff_required
from motivo.core.errors import DomainError
from motivo.reasons.models import Reason
from motivo.studies import selectors, services
from motivo.studies.charts import causes_chart
from motivo.studies.forms import CauseForm, StudyFilterForm, StudyForm
from motivo.studies.models import RepeatCause
from motivo.studies.templatetags.studies_tags import panel_items

PRESETS = (
    (7, gettext_lazy("Last 7 days")),
    (30, gettext_lazy("Last 30 days")),
    (90, gettext_lazy("Last 90 days")),
)


# --------------------------------------------------------------------------------------------
# Answering a study (the case page's panel)
# --------------------------------------------------------------------------------------------


def _case_url(case_id: int, contact_id: int) -> str:
    return reverse("cases:detail", args=[case_id]) + f"#study-{contact_id}"


@staff_required
@require_POST
def answer(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Record (or change) the study of a repeat contact. htmx gets the panel back; a plain
    form post goes back to the case page."""
    contact = selectors.repeat_contact_for_user(user=request.user, contact_id=contact_id)
    study = selectors.study_for_contact(contact=contact)
    causes = selectors.causes_to_choose(studies=[study])
    form = StudyForm(request.POST, causes=causes, prefix=f"study-{contact.pk}")
    if form.is_valid():
        try:
            services.study_answer(
                contact=contact,
                cause=form.cleaned_data["cause"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except DomainError as error:
            form.add_domain_error(error)
    saved = form.is_valid()
    items = panel_items([contact], form=None if saved else form) if request.htmx else []
    if items:
        return render(
            request,
            "studies/partials/study_item.html",
            # 200 with the errors inside: htmx swaps only successful responses.
            {"item": items[0], "saved": saved, "case": contact.case},
        )
    if saved:
        messages.success(request, _("Study saved. Thank you."))
    else:
        errors = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, " ".join(errors))
    return redirect(_case_url(contact.case_id, contact.pk))


@staff_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in agent's open studies: repeats on their cases not studied yet."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    page = selectors.open_studies(user=request.user, page=number)
    return render(
        request,
        "studies/mine.html",
        {"nav": "studies_mine", "page": page, "open_days": selectors.OPEN_DAYS},
    )


# --------------------------------------------------------------------------------------------
# Supervisors: causes by count, drill-down, CSV
# --------------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[StudyFilterForm, dict[str, Any]]:
    """The period and filters asked for (bad input → the last 30 days, no filters)."""
    form = StudyFilterForm(request.GET or None)
    date_from, date_to = form.period(timezone.localdate())
    period = {
        "date_from": date_from,
        "date_to": date_to,
        "filters": selectors.StudyFilters(
            reason_id=form.value("reason"), team=form.value("team"), agent=form.value("agent")
        ),
        "cause_id": form.value("cause"),
        "before": form.value("before"),
    }
    if not form.is_bound or form.is_valid():
        form = StudyFilterForm(initial={"date_from": date_from, "date_to": date_to})
    return form, period


def _params(date_from: dt.date, date_to: dt.date, filters: selectors.StudyFilters) -> dict:
    params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    if filters.reason_id:
        params["reason"] = str(filters.reason_id)
    if filters.team:
        params["team"] = filters.team
    if filters.agent:
        params["agent"] = filters.agent
    return params


def list_url(
    date_from: dt.date, date_to: dt.date, filters: selectors.StudyFilters, **extra: Any
) -> str:
    """The drill-down list of the studies behind a figure."""
    params = _params(date_from, date_to, filters)
    params.update({key: str(value) for key, value in extra.items() if value not in (None, "")})
    return f"{reverse('studies:list')}?{urlencode(params)}"


def _filter_labels(filters: selectors.StudyFilters) -> list[str]:
    from motivo.accounts.models import Team, User

    labels = []
    if filters.reason_id:
        reason = Reason.objects.filter(pk=filters.reason_id).first()
        labels.append(_("Reason: %(name)s") % {"name": reason.name if reason else "?"})
    if filters.team:
        team = Team.objects.filter(pk=filters.team).first() if filters.team.isdigit() else None
        labels.append(_("Team: %(name)s") % {"name": team.name if team else _("No team")})
    if filters.agent:
        agent = User.objects.filter(pk=filters.agent).first() if filters.agent.isdigit() else None
        name = agent.display_name if agent else _("Nobody answered")
        labels.append(_("First answered by: %(name)s") % {"name": name})
    return labels


def report_url(date_from: dt.date, date_to: dt.date, filters: selectors.StudyFilters) -> str:
    return f"{reverse('studies:report')}?{urlencode(_params(date_from, date_to, filters))}"


def _breakdown_rows(
    name: str,
    breakdown: list[selectors.BreakdownRow],
    causes: list[selectors.CauseCount],
    period: tuple[dt.date, dt.date],
    filters: selectors.StudyFilters,
) -> list[dict[str, Any]]:
    """Each row of a breakdown table with its links: the page narrowed to it, its studies,
    and its studies of each cause."""
    rows = []
    for row in breakdown:
        reason_id = filters.reason_id
        if name == "reason":
            reason_id = int(row.key) if row.key.isdigit() else None
        narrowed = selectors.StudyFilters(
            reason_id=reason_id,
            team=row.key if name == "team" else filters.team,
            agent=row.key if name == "agent" else filters.agent,
        )
        cells = [
            (row.by_cause.get(c.cause_id, 0), list_url(*period, narrowed, cause=c.cause_id))
            for c in causes
        ]
        rows.append(
            {
                "row": row,
                "link": list_url(*period, narrowed),
                "cells": cells,
                "filter_link": report_url(*period, narrowed),
            }
        )
    return rows


def _presets(
    today: dt.date, shown: tuple[dt.date, dt.date], filters: selectors.StudyFilters
) -> list[tuple[str, str, bool]]:
    presets = []
    for days, label in PRESETS:
        start = today - dt.timedelta(days=days - 1)
        query = urlencode(_params(start, today, filters))
        presets.append((str(label), query, (start, today) == shown))
    return presets


@manager_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """Causes by count for a period, by reason, team and agent, each figure linking to the
    studies behind it."""
    form, period = _filters(request)
    date_from, date_to, filters = period["date_from"], period["date_to"], period["filters"]
    data = selectors.study_report(date_from=date_from, date_to=date_to, filters=filters)
    causes = data.causes
    links = {c.cause_id: list_url(date_from, date_to, filters, cause=c.cause_id) for c in causes}
    used = [c for c in causes if c.count]
    chart = causes_chart(
        [c.label for c in used], [c.count for c in used], [links[c.cause_id] for c in used]
    )
    shown = (date_from, date_to)
    context = {
        "nav": "studies",
        "form": form,
        "report": data,
        "date_from": date_from,
        "date_to": date_to,
        "filter_labels": _filter_labels(filters),
        "unfiltered": report_url(date_from, date_to, selectors.StudyFilters()),
        "query": urlencode(_params(date_from, date_to, filters)),
        "presets": _presets(timezone.localdate(), shown, filters),
        "cause_rows": [(c, links[c.cause_id]) for c in causes],
        "causes": causes,
        "chart": chart if used else "",
        "reason_rows": _breakdown_rows("reason", data.reasons, causes, shown, filters),
        "team_rows": _breakdown_rows("team", data.teams, causes, shown, filters),
        "agent_rows": _breakdown_rows("agent", data.agents, causes, shown, filters),
        "all_link": list_url(date_from, date_to, filters),
        "repeats_link": _repeats_link(date_from, date_to, filters),
        "reasons_with_repeats": data.repeats is not None,
    }
    return render(request, "studies/report.html", context)


def _repeats_link(date_from: dt.date, date_to: dt.date, filters: selectors.StudyFilters) -> str:
    from motivo.insights.views import contacts_url

    return contacts_url(filters.reason_id, date_from, date_to) + "&repeat=1"


def _csv_response(filename: str) -> tuple[HttpResponse, Any]:
    """A CSV download (UTF-8 with BOM so spreadsheets read accents) and its writer."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    return response, csv.writer(response)


def _cell(text: str) -> str:
    """Keep spreadsheets from running a name or note as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@manager_required
@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    """Every table of the page in one CSV: one line per cause, then per reason, team and
    agent with a column per cause."""
    _form, period = _filters(request)
    date_from, date_to = period["date_from"], period["date_to"]
    data = selectors.study_report(date_from=date_from, date_to=date_to, filters=period["filters"])
    response, writer = _csv_response(
        f"motivo-repeat-studies-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    )
    causes = data.causes
    writer.writerow(
        [_("Breakdown"), _("Name"), _("Repeat contacts"), _("Studied"), _("Studied %")]
        + [_cell(c.label) for c in causes]
    )
    writer.writerow(
        [
            _("Total"),
            _("All"),
            "" if data.repeats is None else data.repeats,
            data.studied,
            _pct(data.studied_pct),
        ]
        + [c.count for c in causes]
    )
    for title, breakdown in (
        (_("Reason"), data.reasons),
        (_("Team"), data.teams),
        (_("Agent"), data.agents),
    ):
        for row in breakdown:
            writer.writerow(
                [
                    title,
                    _cell(row.label),
                    "" if row.repeats is None else row.repeats,
                    row.studied,
                    _pct(row.studied_pct),
                ]
                + [row.by_cause.get(c.cause_id, 0) for c in causes]
            )
    return response


@manager_required
@require_GET
def study_list(request: HttpRequest) -> HttpResponse:
    """The studies behind a figure: period, cause, reason, team, agent; 50 a page, newest
    repeat first, no total count."""
    _form, period = _filters(request)
    date_from, date_to, filters = period["date_from"], period["date_to"], period["filters"]
    before = period["before"]
    cause_id = period["cause_id"]
    page = selectors.study_page(
        date_from=date_from, date_to=date_to, filters=filters, cause_id=cause_id, before=before
    )
    params = _params(date_from, date_to, filters)
    if cause_id:
        params["cause"] = str(cause_id)
    cause = RepeatCause.objects.filter(pk=cause_id).first() if cause_id else None
    context = {
        "nav": "studies",
        "page": page,
        "cause": cause,
        "date_from": date_from,
        "date_to": date_to,
        "filter_labels": _filter_labels(filters),
        "first_query": urlencode(params),
        "next_query": urlencode({**params, "before": page.next_cursor}) if page.next_cursor else "",
        "is_first": not before,
        "report_query": urlencode(_params(date_from, date_to, filters)),
    }
    return render(request, "studies/list.html", context)


CSV_LIMIT = 50_000


@manager_required
@require_GET
def study_list_csv(request: HttpRequest) -> HttpResponse:
    """The drill-down list as CSV (at most CSV_LIMIT studies, newest first)."""
    _form, period = _filters(request)
    date_from, date_to = period["date_from"], period["date_to"]
    qs = selectors.study_queryset(
        date_from=date_from, date_to=date_to, filters=period["filters"], cause_id=period["cause_id"]
    )
    response, writer = _csv_response(
        f"motivo-repeat-studies-list-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    )
    writer.writerow(
        [
            _("Repeat received"),
            _("Case"),
            _("Customer"),
            _("Reason"),
            _("Channel"),
            _("First contact"),
            _("Cause"),
            _("Note"),
            _("First answered by"),
            _("Team"),
            _("Study answered by"),
            _("Answered at"),
        ]
    )
    for study in qs[:CSV_LIMIT].iterator(chunk_size=1000):
        contact = study.contact
        writer.writerow(
            [
                timezone.localtime(study.received_at).isoformat(timespec="minutes"),
                contact.case_id,
                _cell(contact.customer.name),
                _cell(contact.reason.name if contact.reason else ""),
                contact.get_channel_display(),
                timezone.localtime(study.first_contact.received_at).isoformat(timespec="minutes")
                if study.first_contact
                else "",
                _cell(study.cause.name),
                _cell(study.note),
                _cell(study.agent.display_name if study.agent else ""),
                _cell(study.team.name if study.team else ""),
                _cell(study.answered_by.display_name if study.answered_by else ""),
                timezone.localtime(study.answered_at).isoformat(timespec="minutes"),
            ]
        )
    return response


# --------------------------------------------------------------------------------------------
# The list of causes (managers see it; admins change it)
# --------------------------------------------------------------------------------------------


def _require_admin(request: HttpRequest) -> None:
    if request.user.role != Role.ADMIN:
        raise PermissionDenied


@manager_required
@require_http_methods(["GET", "POST"])
def causes(request: HttpRequest) -> HttpResponse:
    """The causes agents choose from; admins add one with the form below the list."""
    form = CauseForm(request.POST or None)
    if request.method == "POST":
        _require_admin(request)
        if form.is_valid():
            try:
                services.cause_save(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Cause added."))
                return redirect("studies:causes")
    context = {
        "nav": "studies",
        "causes": selectors.cause_list(active_only=False),
        "form": form,
        "is_admin": request.user.role == Role.ADMIN,
    }
    return render(request, "studies/causes.html", context, status=400 if form.errors else 200)


@manager_required
@require_http_methods(["GET", "POST"])
def cause_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    cause = selectors.cause_get(cause_id=pk)
    initial = {
        "name_en": cause.name_en,
        "name_es": cause.name_es,
        "position": cause.position,
        "active": cause.active,
    }
    form = CauseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.cause_save(actor=request.user, cause=cause, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Cause saved."))
            return redirect("studies:causes")
    context = {"nav": "studies", "cause": cause, "form": form, "uses": cause.studies.count()}
    return render(request, "studies/cause_form.html", context, status=400 if form.errors else 200)
