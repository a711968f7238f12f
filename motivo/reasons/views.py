"""Taxonomy pages: categories, reasons and departments, for supervisors and admins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motivo.core.decorators import manager_required
from motivo.core.errors import DomainError
from motivo.insights.selectors import reason_contact_counts
from motivo.reasons import selectors, services
from motivo.reasons.forms import ACTION_HELP, CategoryForm, DepartmentForm, ReasonForm
from motivo.reasons.models import Action, Department, Reason, ReasonCategory

COUNT_DAYS = 30


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
            "action": reason.action,
            "description": reason.description,
            "active": reason.active,
        }
    else:
        initial = {"category": request.GET.get("category"), "action": Action.ELIMINATE}
    form = ReasonForm(request.POST or None, initial=initial)
    context = {
        "reason": reason,
        "in_use": reason is not None and reason.contacts.exists(),
        "action_help": ACTION_HELP,
    }
    return _form_page(
        request,
        form,
        lambda data: services.reason_save(reason=reason, **data),
        _("Reason saved."),
        "reasons/reason_form.html",
        context,
    )


@manager_required
@require_POST
def reason_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    reason = get_object_or_404(Reason, pk=pk)
    active = request.POST.get("active") == "1"
    services.reason_set_active(reason=reason, active=active)
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
    return render(request, template, {**context, "nav": "taxonomy"})
