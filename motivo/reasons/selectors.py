"""Reads of the reason taxonomy."""

from __future__ import annotations

from django.db.models import QuerySet

from motivo.reasons.models import Department, Reason, ReasonCategory


def reason_list(*, active_only: bool = True) -> QuerySet[Reason]:
    qs = Reason.objects.select_related("category", "owner")
    return qs.filter(active=True) if active_only else qs


def category_list() -> QuerySet[ReasonCategory]:
    return ReasonCategory.objects.all()


def department_list() -> QuerySet[Department]:
    return Department.objects.all()
