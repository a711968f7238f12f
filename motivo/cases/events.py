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


def transferred_event(
    *,
    case: Case,
    actor: User | None,
    from_assignee_id: int | None,
    from_team_id: int | None,
    assignee_id: int | None,
    team_id: int | None,
    note: str,
) -> CaseEvent:
    """A hand-off: who had the case, who has it now, and what the receiver must know."""
    return _event(
        case,
        Kind.TRANSFERRED,
        actor,
        {
            "from_assignee_id": from_assignee_id,
            "from_team_id": from_team_id,
            "assignee_id": assignee_id,
            "team_id": team_id,
            "note": note,
        },
    )


def customer_merged_events(
    *, case_ids: list[int], actor: User | None, source_customer_id: int, target_customer_id: int
) -> None:
    """Written on every case that moved when one customer was merged into another (one
    INSERT for all of them)."""
    at = timezone.now()
    actor_id = actor.pk if actor else None
    data = {"source_customer_id": source_customer_id, "target_customer_id": target_customer_id}
    insert_rows(
        CaseEvent,
        [
            {"case_id": case_id, "kind": Kind.CUSTOMER_MERGED, "actor_id": actor_id,
             "created_at": at, "data": data}
            for case_id in case_ids
        ],
    )  # fmt: skip


def delivery_failed_event(
    *, case: Case, message_id: int | None, channel: str, error: str, attempts: int
) -> CaseEvent:
    return _event(
        case,
        Kind.DELIVERY_FAILED,
        None,
        {"message_id": message_id, "channel": channel, "error": error[:500], "attempts": attempts},
    )


def attachment_refused_event(*, case: Case, filename: str, size: int, limit: int) -> CaseEvent:
    """An inbound attachment over the size limit was kept out of the case."""
    return _event(
        case, Kind.ATTACHMENT_REFUSED, None, {"filename": filename, "size": size, "limit": limit}
    )


def call_logged_event(
    *,
    case: Case,
    contact: Contact | None,
    actor: User | None,
    direction: str,
    duration_seconds: int,
    outcome: str,
) -> CaseEvent:
    """A call on the case; `contact` is the contact an incoming call made (outgoing calls
    make none)."""
    return _event(
        case,
        Kind.CALL_LOGGED,
        actor,
        {
            "contact_id": contact.pk if contact else None,
            "direction": direction,
            "duration_seconds": duration_seconds,
            "outcome": outcome,
        },
    )


def callback_requested_event(
    *,
    case: Case,
    actor: User | None,
    callback_id: int,
    window_start: dt.datetime,
    window_end: dt.datetime,
) -> CaseEvent:
    return _event(
        case,
        Kind.CALLBACK_REQUESTED,
        actor,
        {
            "callback_id": callback_id,
            "window_start": window_start.isoformat(),
            "window_end": window_end.isoformat(),
        },
    )


def chat_started_event(*, case: Case, session_id: int) -> CaseEvent:
    return _event(case, Kind.CHAT_STARTED, None, {"session_id": session_id})


def chat_ended_event(*, case: Case, actor: User | None, session_id: int) -> CaseEvent:
    return _event(case, Kind.CHAT_ENDED, actor, {"session_id": session_id})
