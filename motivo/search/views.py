"""Search over cases and customers, for staff."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from motivo.core.decorators import staff_required
from motivo.search.selectors import search_for_user


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    results = search_for_user(user=request.user, query=query)
    context = {"nav": "search", "query": query, "results": results}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "search/partials/results.html", context)
    return render(request, "search/search.html", context)
