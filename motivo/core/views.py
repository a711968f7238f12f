"""Landing and health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from motivo.accounts.models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own start page."""
    if request.user.role == Role.CUSTOMER:
        return redirect("portal:home")
    if request.user.is_manager:
        return redirect("insights:pareto")
    return redirect("cases:inbox")


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
