"""The themes pages (supervisors and admins): the latest run's themes by size, a run's
progress, a theme's contacts, and the decisions on a theme."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from motivo.core.decorators import manager_required
from motivo.core.errors import DomainError
from motivo.themes import selectors, services
from motivo.themes.forms import MergeForm, RunForm, ToReasonForm
from motivo.themes.models import Theme, ThemeRun

DAILY_CHECK_KEY = "motivo:themes-daily"


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"nav": "themes", **context})


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _daily_if_due() -> None:
    """The daily run, asked of the worker the first time a manager opens the page on a
    day without one (at most once an hour); cron can run `manage.py themes_discover`."""
    if selectors.daily_due() and cache.add(DAILY_CHECK_KEY, 1, 3600):
        from motivo.themes.tasks import themes_daily_task

        themes_daily_task.enqueue()


def _run_page(
    request: HttpRequest, run: ThemeRun | None, form: RunForm | None = None
) -> HttpResponse:
    date_from, date_to = services.default_period()
    return _render(
        request,
        "themes/themes.html",
        {
            "run": run,
            "themes": selectors.themes_of_run(run=run) if run else [],
            "pending": selectors.pending_run(),
            "runs": selectors.runs_recent(),
            "form": form or RunForm(initial={"date_from": date_from, "date_to": date_to}),
        },
    )


@manager_required
@require_GET
def themes(request: HttpRequest) -> HttpResponse:
    _daily_if_due()
    return _run_page(request, selectors.latest_run())


@manager_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_page(request, selectors.run_get(run_id=pk))


@manager_required
@require_POST
def run_create(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            services.theme_run_request(
                actor=request.user,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Theme run started: the themes appear here when it ends."))
            return redirect("themes:themes")
    return _run_page(request, selectors.latest_run(), form)


@manager_required
@require_GET
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of a run (htmx polls it); once it has ended, the page reloads."""
    run = selectors.run_get(run_id=pk)
    if not run.is_pending:
        return HttpResponseClientRefresh() if request.htmx else redirect("themes:run", run.pk)
    return render(request, "themes/partials/run_status.html", {"pending": run})


def _csv_response(filename: str) -> tuple[HttpResponse, Any]:
    """A CSV download (UTF-8 with BOM so spreadsheets read accents) and its writer."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    return response, csv.writer(response)


def _cell(text: str) -> str:
    """Keep spreadsheets from running a text as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@manager_required
@require_GET
def run_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's themes as on the page: rank, theme, key terms, size, share, status."""
    run = selectors.run_get(run_id=pk)
    response, writer = _csv_response(
        f"motivo-themes-{run.date_from.isoformat()}-{run.date_to.isoformat()}-run{run.pk}.csv"
    )
    writer.writerow(
        [_("Rank"), _("Theme"), _("Key terms"), _("Contacts"), _("Share %"), _("Status"),
         _("Reason"), _("Examples")]
    )  # fmt: skip
    for theme in selectors.themes_of_run(run=run):
        share = theme.size * 100 / run.contacts if run.contacts else 0
        writer.writerow(
            [
                theme.rank,
                _cell(theme.label),
                _cell(" · ".join(theme.terms)),
                theme.size,
                f"{share:.1f}",
                theme.get_status_display(),
                _cell(theme.reason.name if theme.reason else ""),
                " ".join(f"#{member.contact.case_id}" for member in theme.examples),
            ]
        )
    return response


def _theme_context(request: HttpRequest, theme: Theme, **forms: Any) -> dict[str, Any]:
    to_reason = forms.get("to_reason") or ToReasonForm(
        initial={"name": theme.label[:1].upper() + theme.label[1:], "apply_to": "examples"}
    )
    return {
        "theme": theme,
        "run": theme.run,
        "page": selectors.theme_members(theme=theme, page=_page_number(request)),
        "to_reason_form": to_reason,
        "merge_form": forms.get("merge") or MergeForm(),
    }


@manager_required
@require_GET
def theme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    theme = selectors.theme_get(theme_id=pk)
    return _render(request, "themes/theme_detail.html", _theme_context(request, theme))


@manager_required
@require_GET
def theme_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every contact of the theme, most central first."""
    theme = selectors.theme_get(theme_id=pk)
    response, writer = _csv_response(f"motivo-theme-{theme.pk}.csv")
    writer.writerow(
        [_("Position"), _("Example"), _("Case"), _("Received"), _("Channel"), _("Reason"),
         _("Text")]
    )  # fmt: skip
    for member in selectors.theme_members_all(theme=theme):
        contact = member.contact
        writer.writerow(
            [
                member.position,
                _("yes") if member.is_example else "",
                f"#{contact.case_id}",
                timezone.localtime(contact.received_at).strftime("%Y-%m-%d %H:%M"),
                contact.get_channel_display(),
                _cell(contact.reason.name if contact.reason else ""),
                _cell(selectors.contact_text(contact)),
            ]
        )
    return response


@manager_required
@require_http_methods(["POST"])
def theme_to_reason(request: HttpRequest, pk: int) -> HttpResponse:
    theme = selectors.theme_get(theme_id=pk)
    form = ToReasonForm(request.POST)
    if form.is_valid():
        try:
            theme = services.theme_to_reason(theme=theme, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            if error.field not in form.fields:  # e.g. the theme was dealt with meanwhile
                messages.error(request, error.message)
                return redirect("themes:theme", theme.pk)
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("New reason “%(reason)s” created; %(n)s contacts of the theme have it now.")
                % {"reason": theme.reason.name, "n": theme.contacts_classified},
            )
            return redirect("themes:theme", theme.pk)
    context = _theme_context(request, theme, to_reason=form)
    return _render(request, "themes/theme_detail.html", context)


@manager_required
@require_POST
def theme_merge(request: HttpRequest, pk: int) -> HttpResponse:
    theme = selectors.theme_get(theme_id=pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        try:
            theme = services.theme_merge(
                theme=theme, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            if error.field not in form.fields:
                messages.error(request, error.message)
                return redirect("themes:theme", theme.pk)
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Theme merged into “%(reason)s”; %(n)s contacts have that reason now.")
                % {"reason": theme.reason.name, "n": theme.contacts_classified},
            )
            return redirect("themes:theme", theme.pk)
    return _render(request, "themes/theme_detail.html", _theme_context(request, theme, merge=form))


@manager_required
@require_POST
def theme_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    theme = selectors.theme_get(theme_id=pk)
    try:
        services.theme_dismiss(theme=theme, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Theme dismissed; later runs leave its contacts out."))
    return redirect(reverse("themes:theme", args=[theme.pk]))
