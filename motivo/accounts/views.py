"""Language switch and notifications (sign-in and sign-out are Django's own views)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from motivo.accounts.middleware import remember_language
from motivo.accounts.selectors import notification_list
from motivo.accounts.services import notifications_mark_read
from motivo.core.decorators import staff_required


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; a signed-in user keeps the choice on their profile."""
    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in dict(settings.LANGUAGES):
        remember_language(request, language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


@staff_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = list(notification_list(user=request.user))
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return HttpResponseRedirect(request.path)
    return render(request, "accounts/notifications.html", {"items": items})
