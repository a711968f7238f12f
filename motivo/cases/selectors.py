"""Reads of cases. Every read that depends on who asks goes through here: staff see every
case, a customer only their own; "not yours" and "does not exist" are the same 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from motivo.accounts.models import Role, User
from motivo.cases.models import Case, CaseEvent, Contact, Message

PAGE_SIZE = 50


def case_visible_to(user: User) -> QuerySet[Case]:
    """The cases `user` may see at all."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if user.role == Role.CUSTOMER:
        return Case.objects.filter(customer__user=user)
    return Case.objects.all()


def case_get_for_user(*, user: User, case_id: int) -> Case:
    try:
        return case_visible_to(user).select_related("customer", "assignee", "team").get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    team_id: int | None = None
    assignee_id: int | None = None  # 0 means "unassigned"
    reason_id: int | None = None
    channel: str | None = None
    customer_id: int | None = None


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def case_list_for_user(
    *, user: User, filters: CaseFilters, page: int = 1, page_size: int = PAGE_SIZE
) -> Page:
    """A page of cases, most recently active first. No COUNT over the whole table: the
    page reads one extra row to know whether there is a next page."""
    qs = case_visible_to(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.assignee_id is not None:
        qs = qs.filter(assignee_id=filters.assignee_id or None)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.reason_id:
        qs = qs.filter(
            Exists(Contact.objects.filter(case_id=OuterRef("pk"), reason_id=filters.reason_id))
        )
    page = max(1, page)
    start = (page - 1) * page_size
    rows = list(
        qs.select_related("customer", "assignee", "team").order_by("-last_activity_at", "-id")[
            start : start + page_size + 1
        ]
    )
    return Page(items=rows[:page_size], number=page, has_next=len(rows) > page_size)


def case_detail_for_user(*, user: User, case_id: int) -> Case:
    """A case with its conversation, contacts and timeline loaded in a fixed number of
    queries. Customers never see internal notes."""
    case = case_get_for_user(user=user, case_id=case_id)
    messages = Message.objects.select_related("author").prefetch_related("attachments")
    if user.role == Role.CUSTOMER:
        messages = messages.exclude(kind=Message.Kind.NOTE)
    case.conversation = list(messages.filter(case=case).order_by("created_at", "id"))
    case.contact_list = list(
        Contact.objects.filter(case=case)
        .select_related("reason", "reason__category")
        .order_by("received_at", "id")
    )
    case.timeline = (
        list(
            CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id")
        )
        if user.role != Role.CUSTOMER
        else []
    )
    return case


def customer_history(*, user: User, customer_id: int, limit: int = 50) -> list[Case]:
    """The customer's cases with their contacts (any channel), newest first."""
    return list(
        case_visible_to(user)
        .filter(customer_id=customer_id)
        .prefetch_related(
            Prefetch(
                "contacts",
                queryset=Contact.objects.select_related("reason").order_by("received_at"),
            )
        )
        .order_by("-created_at")[:limit]
    )
