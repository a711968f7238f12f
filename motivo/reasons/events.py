"""Typed reason events: one function per kind, each writing one ReasonEvent row.

The reason's history (its edit page) and the council read these rows; nothing else writes
them. Each row keeps the names as they were, so the history still reads right after a
department, category or person is renamed or deleted.
"""

from __future__ import annotations

from django.utils import timezone

from motivo.accounts.models import User
from motivo.reasons.models import Department, Reason, ReasonCategory, ReasonEvent, quadrant_for

Kind = ReasonEvent.Kind


def _event(reason: Reason, kind: str, actor: User | None, data: dict) -> ReasonEvent:
    return ReasonEvent.objects.create(
        reason=reason, kind=kind, actor=actor, data=data, created_at=timezone.now()
    )


def _ref(obj: Department | ReasonCategory | None) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _person(user: User | None) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def _rating(customer: int | None, company: int | None) -> dict:
    return {"customer": customer, "company": company, "quadrant": quadrant_for(customer, company)}


def reason_created_event(*, reason: Reason, actor: User | None) -> ReasonEvent:
    return _event(
        reason,
        Kind.CREATED,
        actor,
        {
            "name": reason.name,
            "category": _ref(reason.category),
            "owner": _ref(reason.owner),
            "owner_person": _person(reason.owner_person),
            "action": reason.action,
        },
    )


def reason_renamed_event(*, reason: Reason, actor: User | None, old_name: str) -> ReasonEvent:
    return _event(reason, Kind.RENAMED, actor, {"from": old_name, "to": reason.name})


def reason_moved_event(
    *, reason: Reason, actor: User | None, old_category: ReasonCategory
) -> ReasonEvent:
    return _event(
        reason, Kind.MOVED, actor, {"from": _ref(old_category), "to": _ref(reason.category)}
    )


def owner_changed_event(
    *,
    reason: Reason,
    actor: User | None,
    old_owner: Department | None,
    old_person: User | None,
) -> ReasonEvent:
    """The owning department, the owner person or both changed."""
    return _event(
        reason,
        Kind.OWNER_CHANGED,
        actor,
        {
            "owner": {"from": _ref(old_owner), "to": _ref(reason.owner)},
            "owner_person": {"from": _person(old_person), "to": _person(reason.owner_person)},
        },
    )


def action_changed_event(*, reason: Reason, actor: User | None, old_action: str) -> ReasonEvent:
    return _event(
        reason,
        Kind.ACTION_CHANGED,
        actor,
        {"from": old_action, "to": reason.action, "quadrant": reason.quadrant},
    )


def rated_event(
    *, reason: Reason, actor: User | None, old_customer: int | None, old_company: int | None
) -> ReasonEvent:
    return _event(
        reason,
        Kind.RATED,
        actor,
        {
            "from": _rating(old_customer, old_company),
            "to": _rating(reason.customer_rating, reason.company_rating),
            "action": reason.action,
        },
    )


def active_changed_event(*, reason: Reason, actor: User | None) -> ReasonEvent:
    return _event(reason, Kind.ACTIVE_CHANGED, actor, {"active": reason.active})


def reason_merged_events(
    *, source: Reason, target: Reason, actor: User | None, moved: dict
) -> tuple[ReasonEvent, ReasonEvent]:
    """Both sides of a merge: `source` was merged into `target`, with what moved."""
    into = _event(
        source, Kind.MERGED_INTO, actor, {"into": {"id": target.pk, "name": target.name}, **moved}
    )
    absorbed = _event(
        target, Kind.ABSORBED, actor, {"from": {"id": source.pk, "name": source.name}, **moved}
    )
    return into, absorbed


def described_event(
    *, reason: Reason, actor: User | None, old_description: str, old_examples: list[str]
) -> ReasonEvent:
    """The description or the example phrases (what the suggestion model learns a reason
    from before any contact is confirmed) changed."""
    return _event(
        reason,
        Kind.DESCRIBED,
        actor,
        {
            "description": {"from": old_description, "to": reason.description},
            "examples": {"from": list(old_examples), "to": list(reason.examples)},
        },
    )
