"""Reads of the reason taxonomy."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from motivo.reasons.models import Department, Reason, ReasonCategory


def reason_list(*, active_only: bool = True) -> QuerySet[Reason]:
    qs = Reason.objects.select_related("category", "owner")
    return qs.filter(active=True) if active_only else qs


def category_list() -> QuerySet[ReasonCategory]:
    return ReasonCategory.objects.all()


def department_list() -> QuerySet[Department]:
    return Department.objects.all()


def taxonomy() -> QuerySet[ReasonCategory]:
    """Every category with its reasons (active or not) and their owners: two queries."""
    reasons = Reason.objects.select_related("owner").order_by("name")
    return ReasonCategory.objects.prefetch_related(Prefetch("reasons", queryset=reasons))


def department_list_with_reason_count() -> QuerySet[Department]:
    """Departments, each annotated with `reason_count` (how many reasons it owns)."""
    return Department.objects.annotate(reason_count=Count("reasons"))
