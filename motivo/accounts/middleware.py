"""Use the signed-in user's chosen language, else the browser's (LocaleMiddleware)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    """Runs before LocaleMiddleware: puts the user's language in the language cookie slot
    so LocaleMiddleware picks it up; anonymous visitors fall through to Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.session.get("motivo_language") if hasattr(request, "session") else None
        if language and language in dict(settings.LANGUAGES):
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
        return self.get_response(request)


def remember_language(request: HttpRequest, language: str) -> None:
    """Called on sign-in and when the user changes language."""
    if language in dict(settings.LANGUAGES):
        request.session["motivo_language"] = language
        translation.activate(language)
