"""Agent pages of the phone channel: log a call, the callback queue, live calls.

Thin: parse, call one service or selector, respond. Every state change is a POST (CSRF).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from motivo.cases.selectors import (
    case_get_for_user,
    customer_get_for_user,
    customer_history,
)
from motivo.core.decorators import staff_required
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, Identity
from motivo.customers.services import customer_find, identity_normalise
from motivo.voice import selectors, services
from motivo.voice.forms import CallbackCallForm, CallForm, NewCallForm, WrapUpForm


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _logged[T](request: HttpRequest, form: Any, log: Callable[[dict[str, Any]], T]) -> T | None:
    """A POSTed, valid form: `log(cleaned_data)` and "Call logged." for the next page.
    None when the page is to be shown (again): a GET, or the form with its error beside the
    field (a refusal of the service included) and the input kept."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = log(form.cleaned_data)
    except DomainError as error:
        _form_error(form, error)
        return None
    messages.success(request, _("Call logged."))
    return result


def _case_url(case_id: int) -> str:
    return reverse("cases:detail", args=[case_id]) + "#phone"


# ---------------------------------------------------------------------------- log a call


@staff_required
@require_http_methods(["GET", "POST"])
def case_call(request: HttpRequest, case_id: int) -> HttpResponse:
    """Log a call on a case. The case page's panel posts here; a refused call comes back on
    this page with the input kept and the error beside it."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    form = CallForm(request.POST or None)
    call = _logged(
        request,
        form,
        lambda data: services.call_log(
            case=case,
            agent=request.user,
            direction=data["direction"],
            duration_seconds=data["duration"],
            outcome=data["outcome"],
            notes=data["notes"],
            number=data["number"],
            started_at=data["started_at"],
        ),
    )
    if call is not None:
        return redirect(_case_url(case.pk))
    status = 400 if form.errors else 200
    context = {"nav": "voice", "case": case, "form": form}
    return render(request, "voice/call_form.html", context, status=status)


def _lookup(request: HttpRequest) -> tuple[str, Customer | None]:
    """The number and customer a new call is for (?phone= or ?customer=); reads only."""
    raw_customer = request.GET.get("customer", "")
    if raw_customer.isdigit():
        customer = customer_get_for_user(user=request.user, customer_id=int(raw_customer))
        return selectors.customer_phone(customer=customer), customer
    phone = (request.POST.get("phone") or request.GET.get("phone") or "").strip()
    try:
        number = identity_normalise(kind=Identity.Kind.PHONE, value=phone) if phone else ""
    except DomainError:
        return phone, None
    found = customer_find(kind=Identity.Kind.PHONE, value=number) if number else None
    if found is not None:
        found = customer_get_for_user(user=request.user, customer_id=found.pk)
    return phone, found


@staff_required
@require_http_methods(["GET", "POST"])
def call_new(request: HttpRequest) -> HttpResponse:
    """A call with a phone number: the customer is found by that number (or created when
    the call is logged). GET only looks the number up."""
    phone, customer = _lookup(request)
    cases = (
        [
            (case.pk, f"{case.number} {case.subject[:60]}")
            for case in selectors.customer_active_cases(user=request.user, customer=customer)
        ]
        if customer
        else []
    )
    form = NewCallForm(request.POST or None, cases=cases, initial={"phone": phone})
    call = _logged(
        request,
        form,
        lambda data: services.call_log_for_number(
            phone=data["phone"],
            agent=request.user,
            direction=data["direction"],
            name=data["name"],
            case=(
                case_get_for_user(user=request.user, case_id=data["case"]) if data["case"] else None
            ),
            subject=data["subject"],
            duration_seconds=data["duration"],
            outcome=data["outcome"],
            notes=data["notes"],
            started_at=data["started_at"],
        ),
    )
    if call is not None:
        return redirect(_case_url(call.case_id))
    context = {
        "nav": "voice",
        "form": form,
        "phone": phone,
        "customer": customer,
        "identities": list(customer.identities.all()) if customer else [],
        "history": customer_history(user=request.user, customer_id=customer.pk) if customer else [],
    }
    return render(request, "voice/call_new.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------- callbacks


@staff_required
@require_GET
def callbacks(request: HttpRequest) -> HttpResponse:
    """The callback queue: earliest window first; only those whose window is open now can
    be taken."""
    now = timezone.now()
    context = {
        "nav": "voice",
        "queue": selectors.callback_queue(user=request.user, now=now),
        "claimed": selectors.callbacks_claimed(user=request.user),
        "now": now,
    }
    return render(request, "voice/callbacks.html", context)


@staff_required
@require_POST
def callback_claim(request: HttpRequest, callback_id: int) -> HttpResponse:
    callback = selectors.callback_get_for_user(user=request.user, callback_id=callback_id)
    try:
        services.callback_claim(callback=callback, agent=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("voice:callbacks")
    return redirect("voice:callback", callback.pk)


@staff_required
@require_POST
def callback_release(request: HttpRequest, callback_id: int) -> HttpResponse:
    callback = selectors.callback_get_for_user(user=request.user, callback_id=callback_id)
    try:
        services.callback_release(callback=callback, agent=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The callback is back in the queue."))
    return redirect("voice:callbacks")


@staff_required
@require_http_methods(["GET", "POST"])
def callback_detail(request: HttpRequest, callback_id: int) -> HttpResponse:
    """Work a taken callback: the number, the customer's history, and the form to log the
    call and what became of the request."""
    callback = selectors.callback_get_for_user(user=request.user, callback_id=callback_id)
    form = CallbackCallForm(request.POST or None)
    call = _logged(
        request,
        form,
        lambda data: services.callback_call_log(
            callback=callback,
            agent=request.user,
            result=data["result"],
            duration_seconds=data["duration"],
            outcome=data["outcome"],
            notes=data["notes"],
        ),
    )
    if call is not None:
        return redirect("voice:callbacks")
    customer = callback.customer
    context = {
        "nav": "voice",
        "callback": callback,
        "customer": customer,
        "case": callback.case,
        "identities": list(customer.identities.order_by("kind", "value")),
        "history": customer_history(user=request.user, customer_id=customer.pk),
        "form": form,
        "mine": callback.claimed_by_id == request.user.pk,
    }
    status = 400 if form.errors else 200
    return render(request, "voice/callback_detail.html", context, status=status)


# ---------------------------------------------------------------------------- live calls


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def live(request: HttpRequest) -> HttpResponse:
    """Ringing and active calls with the caller's card and history; htmx refreshes the list
    every few seconds."""
    context = {"nav": "voice", "calls": selectors.live_calls(user=request.user)}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "voice/partials/live_calls.html", context)
    context["wrap_up"] = selectors.calls_to_wrap_up(user=request.user)
    context["wrap_form"] = WrapUpForm()
    return render(request, "voice/live.html", context)


@staff_required
@require_POST
def call_wrap_up(request: HttpRequest, call_id: int) -> HttpResponse:
    call = selectors.call_get_for_user(user=request.user, call_id=call_id)
    form = WrapUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the outcome of the call."))
        return redirect("voice:live")
    try:
        services.call_wrap_up(call=call, agent=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("voice:live")
    messages.success(request, _("Call logged."))
    return redirect(_case_url(call.case_id))
