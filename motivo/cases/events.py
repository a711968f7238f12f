"""Typed case events: one function per kind, each writing one CaseEvent row.

The timeline, the audit trail and analytics read these rows; nothing else writes them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from motivo.accounts.models import User
from motivo.cases.models import Case, CaseEvent, Contact, Message
from motivo.core.fastsql import insert_rows

Kind = CaseEvent.Kind


def _event(
    case: Case, kind: str, actor: User | None, data: dict, at: dt.datetime | None = None
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, data=data, created_at=at or timezone.now()
    )


def case_opened_events(*, case: Case, contact: Contact, actor: User | None) -> None:
    """`created` and the first `contact_added`, written with one INSERT (ingest hot path)."""
    actor_id = actor.pk if actor else None
    insert_rows(
        CaseEvent,
        [
            {"case_id": case.pk, "kind": Kind.CREATED, "actor_id": actor_id,
             "created_at": case.created_at, "data": {"channel": case.channel}},
            {"case_id": case.pk, "kind": Kind.CONTACT_ADDED, "actor_id": actor_id,
             "created_at": contact.received_at,
             "data": {"contact_id": contact.pk, "channel": contact.channel}},
        ],
    )  # fmt: skip


def contact_added_event(*, contact: Contact, actor: User | None) -> CaseEvent:
    return _event(
        contact.case,
        Kind.CONTACT_ADDED,
        actor,
        {"contact_id": contact.pk, "channel": contact.channel},
        contact.received_at,
    )


def replied_event(*, message: Message) -> CaseEvent:
    return _event(message.case, Kind.REPLIED, message.author, {"message_id": message.pk})


def note_added_event(*, message: Message) -> CaseEvent:
    return _event(message.case, Kind.NOTE_ADDED, message.author, {"message_id": message.pk})


def assigned_event(
    *, case: Case, actor: User | None, assignee_id: int | None, team_id: int | None
) -> CaseEvent:
    return _event(case, Kind.ASSIGNED, actor, {"assignee_id": assignee_id, "team_id": team_id})


def status_changed_event(*, case: Case, actor: User | None, old: str, new: str) -> CaseEvent:
    return _event(case, Kind.STATUS_CHANGED, actor, {"from": old, "to": new})


def reason_set_event(
    *, contact: Contact, actor: User | None, old_reason_id: int | None
) -> CaseEvent:
    return _event(
        contact.case,
        Kind.REASON_SET,
        actor,
        {"contact_id": contact.pk, "from": old_reason_id, "to": contact.reason_id},
    )


def merged_events(*, source: Case, target: Case, actor: User | None) -> None:
    _event(target, Kind.MERGED, actor, {"case_id": source.pk})
    _event(source, Kind.MERGED_INTO, actor, {"case_id": target.pk})
