"""The improvement council's pages: targets (managers), "my reasons" (owners), the
recognition board (staff) and improvements (staff read; managers and owners change)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motivo.core.decorators import manager_required, staff_required
from motivo.core.errors import DomainError
from motivo.council import review as weekly
from motivo.council import selectors, services
from motivo.council.charts import sparkline
from motivo.council.forms import ImprovementForm, ReasonMergeForm, StatusForm, TargetForm
from motivo.council.models import Improvement, Target


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    nav = "improvements" if template.startswith("council/improvement") else "council"
    return render(request, template, {"nav": nav, **context})


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


@manager_required
@require_GET
def targets(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Target.Status.ACTIVE)
    if status not in Target.Status.values:
        status = Target.Status.ACTIVE
    progress = selectors.targets_with_progress(
        selectors.target_list(status=status), today=timezone.localdate()
    )
    return _render(
        request,
        "council/targets.html",
        {"progress": progress, "status": status, "statuses": Target.Status.choices},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def target_create(request: HttpRequest) -> HttpResponse:
    initial = {"reasons": request.GET.getlist("reason"), "change_pct": -20}
    form = TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.target_set(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Target set; its baseline is stored."))
            return redirect("council:target_edit", target.pk)
    return _render(request, "council/target_form.html", {"form": form, "target": None})


@manager_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(target_id=pk)
    initial = {"change_pct": target.change_pct, "due_on": target.due_on, "note": target.note}
    form = TargetForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_update(target=target, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Target saved."))
            return redirect("council:target_edit", target.pk)
    [progress] = selectors.targets_with_progress([target], today=timezone.localdate())
    return _render(
        request,
        "council/target_form.html",
        {"form": form, "target": target, "item": progress},
    )


@manager_required
@require_POST
def target_close(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(target_id=pk)
    try:
        services.target_close(target=target, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Target closed."))
    return redirect("council:target_edit", target.pk)


# --------------------------------------------------------------------------------------------
# Merging reasons
# --------------------------------------------------------------------------------------------


@manager_required
@require_http_methods(["GET", "POST"])
def reason_merge(request: HttpRequest) -> HttpResponse:
    form = ReasonMergeForm(request.POST or None, initial={"source": request.GET.get("source")})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.reason_merge(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Merged: %(contacts)s contacts now have the reason “%(name)s”.")
                % {"contacts": result.contacts, "name": result.target.name},
            )
            return redirect("reasons:reason_edit", result.target.pk)
    source_id = form["source"].value()
    preview = selectors.reason_merge_preview(source_id=source_id) if source_id else None
    return _render(request, "council/reason_merge.html", {"form": form, "preview": preview})


# --------------------------------------------------------------------------------------------
# Owners and recognition
# --------------------------------------------------------------------------------------------


@staff_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    data = selectors.my_reasons(user=request.user, today=timezone.localdate())
    sparks = {
        row.reason.pk: sparkline(row.weekly, chart_id=f"spark-{row.reason.pk}") for row in data.rows
    }
    rows = [(row, sparks[row.reason.pk]) for row in data.rows]
    return _render(
        request,
        "council/mine.html",
        {"data": data, "rows": rows, "nav": "mine"},
    )


@staff_required
@require_GET
def recognition(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return _render(
        request,
        "council/recognition.html",
        {"board": selectors.recognition(today=today), "today": today, "nav": "recognition"},
    )


# --------------------------------------------------------------------------------------------
# Improvements
# --------------------------------------------------------------------------------------------


@staff_required
@require_GET
def improvements(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    if status not in Improvement.Status.values:
        status = ""
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    result = selectors.improvement_list(
        today=timezone.localdate(), status=status or None, page=page
    )
    return _render(
        request,
        "council/improvements.html",
        {"page": result, "status": status, "statuses": Improvement.Status.choices},
    )


@staff_required
@require_GET
def improvement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.improvement_detail(improvement_id=pk, today=timezone.localdate())
    may = selectors.improvement_may_edit(user=request.user, improvement=item.improvement)
    status_form = StatusForm(
        initial={"status": item.improvement.status, "done_on": item.improvement.done_on}
    )
    return _render(
        request,
        "council/improvement_detail.html",
        {
            "item": item,
            "improvement": item.improvement,
            "effect": item.effect,
            "may_edit": may,
            "status_form": status_form,
            "events": selectors.improvement_events(improvement=item.improvement),
        },
    )


@manager_required
@require_http_methods(["GET", "POST"])
def improvement_create(request: HttpRequest) -> HttpResponse:
    form = ImprovementForm(request.POST or None, initial={"reasons": request.GET.getlist("reason")})
    if request.method == "POST" and form.is_valid():
        try:
            improvement = services.improvement_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Improvement saved."))
            return redirect("council:improvement_detail", improvement.pk)
    return _render(request, "council/improvement_form.html", {"form": form, "improvement": None})


@manager_required
@require_http_methods(["GET", "POST"])
def improvement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    improvement = selectors.improvement_get(improvement_id=pk)
    initial = {
        "title": improvement.title,
        "reasons": [reason.pk for reason in improvement.reasons.all()],
        "hypothesis": improvement.hypothesis,
        "owner": improvement.owner_id,
        "status": improvement.status,
        "due_on": improvement.due_on,
        "done_on": improvement.done_on,
        "volume_kind": improvement.volume_kind_id,
    }
    form = ImprovementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.improvement_update(
                improvement=improvement, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Improvement saved."))
            return redirect("council:improvement_detail", improvement.pk)
    return _render(
        request, "council/improvement_form.html", {"form": form, "improvement": improvement}
    )


@staff_required
@require_POST
def improvement_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an improvement along: managers and the improvement's owner."""
    improvement = selectors.improvement_get(improvement_id=pk)
    if selectors.improvement_may_edit(user=request.user, improvement=improvement) is None:
        raise PermissionDenied
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.improvement_update(
                improvement=improvement, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Status saved."))
    else:
        messages.error(request, _("Choose a valid status and date."))
    return redirect("council:improvement_detail", improvement.pk)


# --------------------------------------------------------------------------------------------
# Weekly review
# --------------------------------------------------------------------------------------------


@staff_required
@require_GET
def review(request: HttpRequest, week: str | None = None) -> HttpResponse:
    """The weekly review: managers and reason owners."""
    if not weekly.review_may_view(request.user):
        raise PermissionDenied
    shown = weekly.week_for_page(week)
    latest = weekly.latest_full_week()
    return _render(
        request,
        "council/review.html",
        {
            "review": weekly.weekly_review(week=shown),
            "week": shown,
            "has_next": shown.start < latest.start,
            "nav": "review",
        },
    )


@manager_required
@require_POST
def review_send(request: HttpRequest, week: str) -> HttpResponse:
    """Mail the week's review to the participants (once per person and week)."""
    shown = weekly.week_for_page(week)
    result = services.weekly_review_send(week=shown)
    messages.success(
        request,
        _("Weekly review mailed to %(sent)s participants; %(already)s had it already.")
        % {"sent": len(result.sent), "already": len(result.already)},
    )
    if result.unreachable:
        messages.warning(
            request,
            _("Not mailed (no valid e-mail address): %(names)s")
            % {"names": ", ".join(result.unreachable)},
        )
    return redirect(shown.url())
