"""Reason suggestion pages: the agent's confirmation (from the case page's picker), the
model page (versions, retrain, roll back, settings, try a text) and the quality page."""

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
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from motivo.accounts.models import Role
from motivo.core.decorators import manager_required, staff_required
from motivo.core.errors import DomainError
from motivo.reasons.models import Reason
from motivo.suggest import selectors, services
from motivo.suggest.charts import quality_chart
from motivo.suggest.forms import ConfirmForm, QualityForm, SettingsForm, TryForm
from motivo.suggest.models import ModelVersion

QUALITY_DAYS = 84  # twelve weeks


# --------------------------------------------------------------------------------------------
# The case page's picker
# --------------------------------------------------------------------------------------------


@staff_required
@require_POST
def contact_confirm(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The agent chose (or confirmed) a contact's reason, or "none of our reasons"."""
    contact = selectors.contact_get_for_staff(user=request.user, contact_id=contact_id)
    back = reverse("cases:detail", args=[contact.case_id]) + "#contacts"
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the reasons in the list."))
        return redirect(back)
    reason = None
    if not form.cleaned_data["none_of_ours"]:
        reason = Reason.objects.filter(pk=form.cleaned_data["reason"]).first()
        if reason is None:
            messages.error(request, _("Choose one of the reasons in the list."))
            return redirect(back)
    try:
        services.contact_reason_confirm(
            contact=contact,
            actor=request.user,
            reason=reason,
            none_of_ours=form.cleaned_data["none_of_ours"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Noted: none of our reasons fits this contact.")
            if reason is None
            else _("Reason saved."),
        )
    return redirect(back)


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


def _settings_form(overview: selectors.ModelOverview) -> SettingsForm:
    policy = overview.settings
    return SettingsForm(
        initial={
            "auto_apply": policy.auto_apply,
            "auto_apply_percent": round(policy.auto_apply_threshold * 100),
            "retrain_after": policy.retrain_after,
        }
    )


@manager_required
@require_GET
def model(request: HttpRequest) -> HttpResponse:
    """The active version and its held-out figures, every version (activate an earlier one
    to roll back), "retrain now", the suggester's state, the policy, and a box to try."""
    overview = selectors.model_overview()
    try_form = TryForm(request.GET if "text" in request.GET else None)
    tried = None
    if try_form.is_bound and try_form.is_valid():
        try:
            tried = services.suggest_text(text=try_form.cleaned_data["text"])
        except DomainError as error:
            try_form.add_error("text", error.message)
    context = {
        "nav": "suggest",
        "overview": overview,
        "settings_form": _settings_form(overview),
        "is_admin": request.user.role == Role.ADMIN,
        "try_form": try_form,
        "tried": tried,
        "decisions": DECISIONS,
    }
    return render(request, "suggest/model.html", context)


DECISIONS = {
    "first": gettext_lazy("first version"),
    "reasons_changed": gettext_lazy("the reasons changed"),
    "no_heldout": gettext_lazy("nothing held out to compare on"),
    "not_worse": gettext_lazy("not worse than the active version"),
    "worse": gettext_lazy("worse than the active version"),
}


@manager_required
@require_POST
def model_retrain(request: HttpRequest) -> HttpResponse:
    version = services.retrain_request(trigger=ModelVersion.Trigger.MANUAL, actor=request.user)
    messages.success(
        request,
        _("Version %(number)s is queued: the suggester trains it in the background.")
        % {"number": version.number},
    )
    return redirect("suggest:model")


@manager_required
@require_POST
def model_activate(request: HttpRequest, number: int) -> HttpResponse:
    """Roll back (or forward): make this version the active one."""
    version = selectors.version_get(number=number)
    try:
        services.model_activate(version=version, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Version %(number)s is active: new contacts get its suggestions.")
            % {"number": version.number},
        )
    return redirect("suggest:model")


@manager_required
@require_POST
def model_settings(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.ADMIN:
        raise PermissionDenied
    form = SettingsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("suggest:model")
    try:
        services.settings_update(
            auto_apply=form.cleaned_data["auto_apply"],
            auto_apply_threshold=form.cleaned_data["auto_apply_percent"] / 100,
            retrain_after=form.cleaned_data["retrain_after"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Settings saved."))
    return redirect("suggest:model")


# --------------------------------------------------------------------------------------------
# Quality
# --------------------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[QualityForm, dt.date, dt.date]:
    form = QualityForm(request.GET or None)
    date_from, date_to = form.dates(timezone.localdate(), QUALITY_DAYS)
    if not form.is_bound or form.is_valid():
        form = QualityForm(initial={"date_from": date_from, "date_to": date_to})
    return form, date_from, date_to


def _chart(report: selectors.QualityReport) -> str:
    return quality_chart(
        [date_format(week.monday, "j M") for week in report.weeks],
        [week.rate.kept_pct for week in report.weeks],
        [week.rate.top3_pct for week in report.weeks],
        [week.rate.n for week in report.weeks],
    )


@manager_required
@require_GET
def quality(request: HttpRequest) -> HttpResponse:
    """How often the suggestions were right: overall, per week, per reason, and the pairs
    of reasons the model confuses."""
    form, date_from, date_to = _period(request)
    report = selectors.quality_report(date_from=date_from, date_to=date_to)
    context: dict[str, Any] = {
        "nav": "suggest",
        "form": form,
        "report": report,
        "chart": _chart(report) if report.total.n else "",
        "query": urlencode({"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}),
        "pairs_shown": report.pairs[:PAIRS_SHOWN],
    }
    return render(request, "suggest/quality.html", context)


PAIRS_SHOWN = 20


def _csv_response(filename: str) -> tuple[HttpResponse, Any]:
    """A CSV download (UTF-8 with BOM so spreadsheets read accents) and its writer."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    return response, csv.writer(response)


def _cell(text: str) -> str:
    """Keep spreadsheets from running a name as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@manager_required
@require_GET
def quality_csv(request: HttpRequest) -> HttpResponse:
    """One table of the quality page as CSV: `table=weeks`, `reasons` (default) or `pairs`."""
    _form, date_from, date_to = _period(request)
    report = selectors.quality_report(date_from=date_from, date_to=date_to)
    table = request.GET.get("table", "reasons")
    if table not in ("weeks", "reasons", "pairs"):
        table = "reasons"
    response, writer = _csv_response(
        f"motivo-suggestions-{table}-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    )
    if table == "weeks":
        writer.writerow([_("Week"), _("Confirmations"), _("Top kept %"), _("In top three %")])
        for week in report.weeks:
            rate = week.rate
            writer.writerow(
                [week.monday.isoformat(), rate.n, _pct(rate.kept_pct), _pct(rate.top3_pct)]
            )
    elif table == "pairs":
        writer.writerow(
            [_("Suggested"), _("Chosen by the agent"), _("Times"), _("Share of the suggested %")]
        )
        for pair in report.pairs:
            writer.writerow(
                [_cell(pair.suggested.name), _cell(pair.chosen.name), pair.count,
                 f"{pair.share_pct:.1f}"]
            )  # fmt: skip
    else:
        writer.writerow(
            [_("Reason"), _("Category"), _("Confirmations"), _("Top kept %"),
             _("In top three %"), _("Most often suggested instead"), _("Times")]
        )  # fmt: skip
        for row in report.reasons:
            writer.writerow(
                [_cell(row.reason.name), _cell(row.reason.category.name), row.rate.n,
                 _pct(row.rate.kept_pct), _pct(row.rate.top3_pct),
                 _cell(row.confused_with.name) if row.confused_with else "", row.confused_count]
            )  # fmt: skip
    return response


@manager_required
@require_GET
def model_csv(request: HttpRequest) -> HttpResponse:
    """The versions table as CSV."""
    response, writer = _csv_response(f"motivo-suggestion-models-{timezone.localdate()}.csv")
    writer.writerow(
        [_("Version"), _("Status"), _("Trigger"), _("Created"), _("Trained"), _("Activated"),
         _("Examples"), _("Reasons"), _("Held out"), _("Accuracy %"), _("Top three %"),
         _("Decision"), _("Seconds")]
    )  # fmt: skip
    for version in selectors.versions_list(limit=1000):
        metrics = version.metrics or {}
        writer.writerow(
            [version.number, version.status, version.trigger, version.created_at.isoformat(),
             version.trained_at.isoformat() if version.trained_at else "",
             version.activated_at.isoformat() if version.activated_at else "",
             version.n_examples, version.n_labels, metrics.get("n_heldout", 0),
             _pct(None if version.accuracy is None else version.accuracy * 100),
             _pct(None if version.top3 is None else version.top3 * 100),
             metrics.get("decision", ""), version.train_seconds or ""]
        )  # fmt: skip
    return response
