"""Taxonomy pages: categories, reasons and departments, for supervisors and admins."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motivo.core.decorators import manager_required
from motivo.core.errors import DomainError
from motivo.insights.selectors import reason_contact_counts
from motivo.reasons import selectors, services
from motivo.reasons.forms import (
    ACTION_HELP,
    CategoryForm,
    DepartmentForm,
    MatrixForm,
    RatingForm,
    ReasonForm,
)
from motivo.reasons.history import describe
from motivo.reasons.models import Action, Department, Rating, Reason, ReasonCategory

COUNT_DAYS = 30
MATRIX_DAYS = 90


@manager_required
def taxonomy(request: HttpRequest) -> HttpResponse:
    """Category › reason, with owner, action, active flag and last-30-days contact count."""
    today = timezone.localdate()
    since = today - dt.timedelta(days=COUNT_DAYS - 1)
    counts = reason_contact_counts(date_from=since, date_to=today)
    categories = list(selectors.taxonomy())
    for category in categories:
        for reason in category.reasons.all():
            reason.recent_count = counts.get(reason.pk, 0)
        category.recent_count = sum(r.recent_count for r in category.reasons.all())
    context = {
        "categories": categories,
        "departments": list(selectors.department_list_with_reason_count()),
        "actions": [(Action(value), ACTION_HELP[value]) for value in Action.values],
        "since": since,
        "today": today,
        "count_days": COUNT_DAYS,
        "total": sum(counts.values()),
        "flagged_count": sum(
            1 for category in categories for reason in category.reasons.all() if reason.flagged
        ),
    }
    return _render(request, "reasons/taxonomy.html", context)


@manager_required
@require_http_methods(["GET", "POST"])
def reason_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    reason = get_object_or_404(Reason, pk=pk) if pk else None
    if reason:
        initial = {
            "name": reason.name,
            "category": reason.category_id,
            "owner": reason.owner_id,
            "owner_person": reason.owner_person_id,
            "action": reason.action,
            "description": reason.description,
            "examples": "\n".join(reason.examples),
            "active": reason.active,
        }
    else:
        initial = {"category": request.GET.get("category"), "action": Action.ELIMINATE}
    form = ReasonForm(
        request.POST or None,
        initial=initial,
        owner_person_id=reason.owner_person_id if reason else None,
    )
    context: dict[str, Any] = {
        "reason": reason,
        "in_use": reason is not None and reason.contacts.exists(),
        "action_help": ACTION_HELP,
    }
    if reason is not None:
        context["rating_form"] = RatingForm(
            initial={
                "customer_rating": reason.customer_rating,
                "company_rating": reason.company_rating,
            },
            auto_id="id_rating_%s",
        )
        context["history"] = [
            (event, describe(event)) for event in selectors.reason_history(reason=reason)
        ]
    return _form_page(
        request,
        form,
        lambda data: services.reason_save(reason=reason, actor=request.user, **data),
        _("Reason saved."),
        "reasons/reason_form.html",
        context,
    )


@manager_required
@require_POST
def reason_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    reason = get_object_or_404(Reason, pk=pk)
    active = request.POST.get("active") == "1"
    services.reason_set_active(reason=reason, active=active, actor=request.user)
    message = _("“%(name)s” is active again.") if active else _("“%(name)s” was deactivated.")
    messages.success(request, message % {"name": reason.name})
    return _back_to_taxonomy(f"reason-{reason.pk}")


@manager_required
@require_POST
def reason_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reason = get_object_or_404(Reason, pk=pk)
    back = reverse("reasons:reason_edit", args=[reason.pk])
    return _delete(request, lambda: services.reason_delete(reason=reason), reason.name, back)


@manager_required
@require_POST
def reason_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The council's rating of one reason (from its edit page or the matrix)."""
    reason = get_object_or_404(Reason, pk=pk)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("reasons:reason_edit", args=[reason.pk]) + "#rating"
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from the list."))
        return redirect(back)
    try:
        reason = services.reason_rate(reason=reason, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    if reason.quadrant:
        message = _("“%(name)s” rated: %(quadrant)s.") % {
            "name": reason.name,
            "quadrant": reason.quadrant_label,
        }
        if reason.flagged:
            message += " " + _("Its action (%(action)s) disagrees with its quadrant.") % {
                "action": reason.get_action_display()
            }
    else:
        message = _("“%(name)s” is no longer rated.") % {"name": reason.name}
    messages.success(request, message)
    return redirect(back)


def _matrix_period(request: HttpRequest) -> tuple[MatrixForm, tuple[dt.date, dt.date, str]]:
    form = MatrixForm(request.GET or None)
    period = form.period(timezone.localdate(), MATRIX_DAYS)
    if not form.is_bound or form.is_valid():
        form = MatrixForm(initial=dict(zip(("date_from", "date_to", "sort"), period, strict=True)))
    return form, period


@manager_required
@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    """The value–irritant matrix: every rated reason in its quadrant with its volume and
    cost in the period, the reasons whose action disagrees, and the reasons still to rate."""
    form, (date_from, date_to, sort) = _matrix_period(request)
    data = selectors.matrix(date_from=date_from, date_to=date_to, sort=sort)
    biggest = max((row.volume for row in data.rated), default=0) or 1
    period_query = urlencode({"date_from": date_from.isoformat(), "date_to": date_to.isoformat()})
    context = {
        "form": form,
        "matrix": data,
        "sort": sort,
        "query": f"{period_query}&{urlencode({'sort': sort})}",
        "period_query": period_query,
        "quadrants": [
            {
                "action": Action(value),
                "help": ACTION_HELP[value],
                "rows": [(row, 0.35 + 0.65 * (row.volume / biggest) ** 0.5) for row in rows],
                "volume": sum(row.volume for row in rows),
                "cost": sum(row.cost for row in rows) if data.costs_available else None,
            }
            for value, rows in data.quadrants.items()
        ],
        "ratings": Rating.choices,
        "rating_form": RatingForm(auto_id=False),
        "currency": _currency(),
        "back": request.get_full_path(),
    }
    return _render(request, "reasons/matrix.html", context)


@manager_required
@require_GET
def matrix_csv(request: HttpRequest) -> HttpResponse:
    """The matrix table as CSV (UTF-8 with BOM so spreadsheets read accents)."""
    _form, (date_from, date_to, sort) = _matrix_period(request)
    data = selectors.matrix(date_from=date_from, date_to=date_to, sort=sort)
    filename = f"motivo-matrix-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    currency = _currency()
    writer.writerow(
        [
            _("Reason"),
            _("Category"),
            _("Owner"),
            _("Owner person"),
            _("Value to the customer"),
            _("Value to the company"),
            _("Quadrant"),
            _("Action"),
            _("Flagged"),
            _("Contacts"),
            _("Cost (%(currency)s)") % {"currency": currency},
            _("Cost per contact (%(currency)s)") % {"currency": currency},
        ]
    )
    for row in data.rated + data.to_rate:
        reason = row.reason
        writer.writerow(
            [
                _cell(reason.name),
                _cell(reason.category.name),
                _cell(reason.owner.name if reason.owner else ""),
                _cell(reason.owner_person.display_name if reason.owner_person else ""),
                "" if reason.customer_rating is None else reason.customer_rating,
                "" if reason.company_rating is None else reason.company_rating,
                reason.quadrant_label,
                reason.get_action_display(),
                _("yes") if row.flagged else "",
                row.volume,
                "" if row.cost is None else f"{row.cost:.2f}",
                "" if row.cost_per_contact is None else f"{row.cost_per_contact:.2f}",
            ]
        )
    return response


def _currency() -> str:
    return getattr(settings, "MOTIVO_CURRENCY", "EUR")


def _cell(text: str) -> str:
    """Keep spreadsheets from running a name as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@manager_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    category = get_object_or_404(ReasonCategory, pk=pk) if pk else None
    initial = {"name": category.name, "position": category.position} if category else {}
    form = CategoryForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        lambda data: services.category_save(category=category, **data),
        _("Category saved."),
        "reasons/category_form.html",
        {"category": category, "reason_count": category.reasons.count() if category else 0},
    )


@manager_required
@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(ReasonCategory, pk=pk)
    back = reverse("reasons:category_edit", args=[category.pk])
    delete = lambda: services.category_delete(category=category)  # noqa: E731
    return _delete(request, delete, category.name, back)


@manager_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    department = get_object_or_404(Department, pk=pk) if pk else None
    initial = {"name": department.name, "email": department.email} if department else {}
    form = DepartmentForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        lambda data: services.department_save(department=department, **data),
        _("Department saved."),
        "reasons/department_form.html",
        {
            "department": department,
            "owned": department.reasons.select_related("category") if department else [],
        },
    )


@manager_required
@require_POST
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(Department, pk=pk)
    back = reverse("reasons:department_edit", args=[department.pk])
    delete = lambda: services.department_delete(department=department)  # noqa: E731
    return _delete(request, delete, department.name, back)


def _form_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict[str, Any]], object],
    success: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """Shared create/edit flow: valid POST → service; a DomainError goes to its field."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, success)
            anchor = f"{type(saved).__name__.lower()}-{saved.pk}"
            return _back_to_taxonomy(anchor)
    return _render(request, template, {**context, "form": form})


def _delete(request: HttpRequest, delete: Callable[[], None], name: str, back: str) -> HttpResponse:
    """Delete, or explain on the edit page (`back`) why not."""
    try:
        delete()
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
    return redirect("reasons:taxonomy")


def _back_to_taxonomy(anchor: str) -> HttpResponse:
    response = redirect("reasons:taxonomy")
    response["Location"] += f"#{anchor}"
    return response


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"nav": "taxonomy", **context})
