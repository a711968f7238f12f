"""The embeddable web contact form (framed by the company's own site) and the review of
submissions the spam checks refused.

The form view is CSRF-exempt on purpose: it is embedded cross-site in an iframe, where
Django's CSRF cookie (SameSite=Lax) is not sent. What CSRF protects against — a request
made on behalf of a signed-in user — does not apply (the view reads no session or user and
acts for nobody), and the signed form token proves the form was rendered by us and is used
once (see channels/spam.py and docs/web-forms.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motivo.channels import spam
from motivo.channels.forms import ContactForm, SizeLimitUploadHandler
from motivo.channels.models import RejectedSubmission
from motivo.channels.services import rejected_submission_accept, web_form_submit
from motivo.core.decorators import manager_required
from motivo.core.errors import DomainError

THANKS_SALT = "motivo.channels.contact-form.thanks"
STATUS = {"rate_limited": 429, "spam": 400, "expired": 400, "too_fast": 400}


def _language(request: HttpRequest) -> str:
    """?lang= (or the form's hidden copy of it) when it is one of ours, else the browser's."""
    wanted = (request.GET.get("lang") or request.POST.get("lang") or "")[:2].lower()
    return wanted if wanted in dict(settings.LANGUAGES) else translation.get_language()[:2]


def _frameable(response: HttpResponse) -> HttpResponse:
    """Only these pages may be framed, and only by MOTIVO_FORM_ALLOWED_ORIGINS."""
    origins = " ".join(settings.MOTIVO_FORM_ALLOWED_ORIGINS) or "'none'"
    response["Content-Security-Policy"] = f"frame-ancestors 'self' {origins}"
    return response


def _form_page(
    request: HttpRequest, form: ContactForm, lang: str, status: int = 200
) -> HttpResponse:
    """The form with a fresh token (a refused form is sent again as a new attempt) and
    whatever the visitor typed."""
    context = {"form": form, "lang": lang, "token": spam.form_token_new()}
    return _frameable(render(request, "channels/contact_form.html", context, status=status))


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def contact_form(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":  # before the body is parsed
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    lang = _language(request)
    with translation.override(lang):
        form = ContactForm(
            request.POST or None, request.FILES or None, upload_handlers=request.upload_handlers
        )
        if request.method != "POST":
            return _form_page(request, form, lang)
        if not form.is_valid():
            return _form_page(request, form, lang, status=400)
        data = form.cleaned_data
        try:
            result = web_form_submit(
                token=data["token"], trap=data["website"], name=data["name"],
                email=data["email"], phone=data["phone"], subject=data["subject"],
                message=data["message"], language=lang, ip=spam.client_ip(request),
                attachment=data["attachment"],
            )  # fmt: skip
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return _form_page(request, form, lang, status=STATUS.get(error.code, 400))
    done = signing.dumps({"c": result.case_id, "l": lang}, salt=THANKS_SALT)
    return redirect(reverse("channels:contact_thanks", args=[done]))


@xframe_options_exempt
@require_GET
def contact_thanks(request: HttpRequest, done: str) -> HttpResponse:
    try:
        data = signing.loads(done, salt=THANKS_SALT, max_age=24 * 3600)
        case_id, lang = int(data["c"]), str(data["l"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise Http404 from exc
    with translation.override(lang):
        response = render(
            request, "channels/contact_thanks.html", {"number": f"#{case_id}", "lang": lang}
        )
    return _frameable(response)


@require_GET
def embed_script(request: HttpRequest) -> HttpResponse:
    """`<script src=".../forms/contact/embed.js" data-lang="es" async></script>` puts the
    form where the tag is, in an iframe that grows with its content."""
    form_url = request.build_absolute_uri(reverse("channels:contact_form"))
    origin = request.build_absolute_uri("/").rstrip("/")
    response = render(
        request,
        "channels/embed_js.txt",
        {"form_url": form_url, "origin": origin},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


# ---------------------------------------------------------------------------- review


@manager_required
@require_GET
def rejected_list(request: HttpRequest) -> HttpResponse:
    items = RejectedSubmission.objects.order_by("-created_at")[:200]
    return render(request, "channels/rejected_list.html", {"items": items, "nav": "rejected"})


@manager_required
@require_POST
def rejected_accept(request: HttpRequest, submission_id: int) -> HttpResponse:
    from django.contrib import messages

    submission = get_object_or_404(RejectedSubmission, pk=submission_id)
    try:
        result = rejected_submission_accept(submission=submission, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("channels:rejected_list")
    messages.success(request, _("Accepted: case #%(id)s.") % {"id": result.case_id})
    return redirect("cases:detail", result.case_id)
