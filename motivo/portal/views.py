"""The customer portal: sign in by e-mailed link, follow and answer one's own cases,
open new requests and set contact preferences. Staff get 403 on the customer pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from motivo.accounts.middleware import remember_language
from motivo.accounts.models import Role
from motivo.cases.selectors import (
    CaseFilters,
    case_detail_for_user,
    case_get_for_user,
    case_list_for_user,
)
from motivo.cases.services import case_customer_message, case_open
from motivo.core.choices import Channel
from motivo.core.decorators import customer_required
from motivo.core.errors import DomainError
from motivo.customers.services import customer_update_preferences
from motivo.portal.forms import (
    CallbackForm,
    MagicLinkRequestForm,
    NewRequestForm,
    PreferencesForm,
    ReplyForm,
)
from motivo.portal.selectors import attachment_get_for_user
from motivo.portal.services import portal_link_request, portal_sign_in
from motivo.portal.tokens import magic_link_email
from motivo.voice.selectors import (
    callback_waiting,
    callback_window_for,
    callbacks_of_customer,
    customer_phone,
)
from motivo.voice.services import callback_phone_add, callback_request

PAGE_SIZE = 20


def _form_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer never tells whether the address is a customer's."""
    if request.user.is_authenticated and request.user.role == Role.CUSTOMER:
        return redirect("portal:home")
    form = MagicLinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portal_link_request(email=form.cleaned_data["email"], language=get_language())
        except DomainError as error:
            _form_error(form, error)
            status = 429 if error.code == "rate_limited" else 400
            return render(request, "portal/login.html", {"form": form}, status=status)
        return redirect("portal:login_sent")
    return render(request, "portal/login.html", {"form": form})


@require_GET
def login_sent(request: HttpRequest) -> HttpResponse:
    minutes = settings.MOTIVO_MAGIC_LINK_MAX_AGE // 60
    return render(request, "portal/login_sent.html", {"magic_link_minutes": minutes})


@require_http_methods(["GET", "POST"])
def magic(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button (mail scanners open links); the POST signs in."""
    try:
        email = magic_link_email(token=token)
        if request.method == "POST":
            user = portal_sign_in(token=token, language=get_language())
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            remember_language(request, user.language or user.customer.language)
            return redirect("portal:home")
    except DomainError as error:
        return render(request, "portal/magic_invalid.html", {"error": error}, status=400)
    return render(request, "portal/magic.html", {"email": email})


@customer_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    page = case_list_for_user(
        user=request.user, filters=CaseFilters(), page=_page_number(request), page_size=PAGE_SIZE
    )
    return render(request, "portal/home.html", {"page": page, "nav": "portal"})


@customer_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    form = NewRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = case_open(
                customer=request.user.customer,
                channel=Channel.PORTAL,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                actor=request.user,
                attachments=form.cleaned_data["attachments"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Thank you. We received your request %(number)s.")
                % {"number": contact.case.number},
            )
            return redirect("portal:case", contact.case_id)
    return render(request, "portal/new_request.html", {"form": form, "nav": "portal_new"})


@customer_required
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_detail_for_user(user=request.user, case_id=case_id)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_customer_message(
                case=case,
                channel=Channel.PORTAL,
                body=form.cleaned_data["body"],
                actor=request.user,
                attachments=form.cleaned_data["attachments"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your message was sent. We will get back to you."))
            return redirect("portal:case", case.pk)
    return render(request, "portal/case.html", {"case": case, "form": form, "nav": "portal"})


@customer_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    item = attachment_get_for_user(user=request.user, attachment_id=attachment_id)
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename)
    response["Content-Type"] = item.content_type or "application/octet-stream"
    return response


@customer_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    customer = request.user.customer
    initial = {
        "name": customer.name,
        "language": customer.language,
        "preferred_channel": customer.preferred_channel,
        "callback_allowed": customer.callback_allowed,
        "callback_from": customer.callback_from,
        "callback_to": customer.callback_to,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update_preferences(customer=customer, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            remember_language(request, form.cleaned_data["language"])
            messages.success(request, _("Your preferences were saved."))
            return redirect("portal:preferences")
    return render(request, "portal/preferences.html", {"form": form, "nav": "preferences"})


@customer_required
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    """Ask us to call back, inside the window set in the preferences (voice.services)."""
    customer = request.user.customer
    raw_case = request.POST.get("case") or request.GET.get("case") or ""
    case = None
    if raw_case.isdigit():
        case = case_get_for_user(user=request.user, case_id=int(raw_case))
    phone = customer_phone(customer=customer)
    form = CallbackForm(request.POST or None, need_phone=not phone)
    if request.method == "POST" and form.is_valid():
        already = callback_waiting(customer=customer, case=case)
        try:
            with transaction.atomic():  # a refused request does not keep the number either
                if form.cleaned_data.get("phone"):
                    callback_phone_add(customer=customer, phone=form.cleaned_data["phone"])
                callback_request(
                    customer=customer,
                    case=case,
                    note=form.cleaned_data["note"],
                    source="portal",
                    actor=request.user,
                )
        except DomainError as error:
            _form_error(form, error)
        else:
            if already is None:
                messages.success(request, _("Thank you. We will call you back."))
            else:
                messages.success(request, _("You already asked us to call you back."))
            return redirect("portal:callback")
    context = {
        "form": form,
        "case": case,
        "phone": phone,
        "window": callback_window_for(customer=customer, at=timezone.now()),
        "callbacks": callbacks_of_customer(customer=customer),
        "nav": "portal_callback",
    }
    return render(request, "portal/callback.html", context, status=400 if form.errors else 200)
