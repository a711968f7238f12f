"""Customer panel actions: addresses (identities), duplicate suggestions and merging.

Staff only; anyone else gets a 404 (as for a customer that does not exist). Agents add and
remove addresses and dismiss suggestions; supervisors and admins merge (403 for agents).
Every change is a CSRF-checked POST; GET pages change nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motivo.cases.selectors import customer_history
from motivo.core.errors import DomainError
from motivo.customers import services
from motivo.customers.forms import IdentityForm, MergeSearchForm, TierForm
from motivo.customers.models import Customer
from motivo.customers.selectors import (
    customer_get_for_staff,
    customer_panel,
    customer_search_for_merge,
    suggestion_get_for_staff,
)


def customer_page_extras(*, request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """Context the panel (customers/partials/customer_merge.html) needs on the customer
    page; cases.views.customer adds it."""
    return {
        "panel": customer_panel(user=request.user, customer=customer),
        "identity_form": IdentityForm(),
        "tier_form": TierForm(initial={"tier": customer.tier_id}),
    }


def _customer_page(
    request: HttpRequest, customer: Customer, *, status: int, **forms: Any
) -> HttpResponse:
    """The customer page again, a refused form in it with its error and input."""
    context = {
        "nav": "inbox",
        "customer": customer,
        "history": customer_history(user=request.user, customer_id=customer.pk, limit=200),
        **customer_page_extras(request=request, customer=customer),
        **forms,
    }
    return render(request, "cases/customer.html", context, status=status)


def _back(customer: Customer) -> HttpResponse:
    return redirect("cases:customer", customer.pk)


@login_required
@require_POST
def identity_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_get_for_staff(user=request.user, customer_id=customer_id)
    form = IdentityForm(request.POST)
    if form.is_valid():
        try:
            services.customer_add_identity(customer=customer, **form.cleaned_data)
        except DomainError as error:
            form.add_error("value", error.message)
        else:
            messages.success(request, _("Address added."))
            return _back(customer)
    return _customer_page(request, customer, status=400, identity_form=form)


@login_required
@require_POST
def tier_set(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Put the customer in a tier: their new cases get its promises (motivo.promises)."""
    customer = customer_get_for_staff(user=request.user, customer_id=customer_id)
    form = TierForm(request.POST)
    if form.is_valid():
        try:
            services.customer_set_tier(customer=customer, tier=form.cleaned_data["tier"])
        except DomainError as error:
            form.add_error("tier", error.message)
        else:
            messages.success(request, _("Tier saved."))
            return _back(customer)
    return _customer_page(request, customer, status=400, tier_form=form)


@login_required
@require_POST
def identity_remove(request: HttpRequest, customer_id: int, identity_id: int) -> HttpResponse:
    customer = customer_get_for_staff(user=request.user, customer_id=customer_id)
    try:
        services.customer_remove_identity(customer=customer, identity_id=identity_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Address removed."))
    return _back(customer)


@login_required
@require_POST
def suggestion_dismiss(request: HttpRequest, customer_id: int, suggestion_id: int) -> HttpResponse:
    customer = customer_get_for_staff(user=request.user, customer_id=customer_id)
    suggestion = suggestion_get_for_staff(
        user=request.user, customer=customer, suggestion_id=suggestion_id
    )
    services.duplicate_suggestion_dismiss(suggestion=suggestion)
    messages.success(request, _("Suggestion dismissed."))
    return _back(customer)


def _manager(request: HttpRequest, customer_id: int) -> Customer:
    customer = customer_get_for_staff(user=request.user, customer_id=customer_id)
    if not request.user.is_manager:
        raise PermissionDenied
    return customer


@login_required
@require_http_methods(["GET"])
def merge_search(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Find the customer this one should be merged into."""
    customer = _manager(request, customer_id)
    if customer.merged_into_id:
        return _back(customer.merged_into)
    form = MergeSearchForm(request.GET or None)
    results = []
    if form.is_valid():
        results = customer_search_for_merge(
            user=request.user, customer=customer, query=form.cleaned_data["q"]
        )
    context = {"nav": "inbox", "customer": customer, "form": form, "results": results}
    return render(request, "customers/merge_search.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def merge_confirm(request: HttpRequest, customer_id: int, target_id: int) -> HttpResponse:
    """Both customers side by side; the POST merges `customer_id` into `target_id`."""
    source = _manager(request, customer_id)
    target = customer_get_for_staff(user=request.user, customer_id=target_id)
    error = None
    if request.method == "POST":
        try:
            services.customer_merge(source=source, target=target, actor=request.user)
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(
                request,
                _("%(source)s was merged into %(target)s.")
                % {"source": source.name, "target": target.name},
            )
            return _back(target)
    context = {
        "nav": "inbox",
        "source": source,
        "target": target,
        "source_cases": source.cases.count(),
        "target_cases": target.cases.count(),
        "error": error,
    }
    return render(request, "customers/merge_confirm.html", context, status=400 if error else 200)
