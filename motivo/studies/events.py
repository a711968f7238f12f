"""Typed study events: one function per kind, each writing one StudyEvent row.

A study's history and the audit of the cause list read these rows; nothing else writes them.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from motivo.accounts.models import User
from motivo.studies.models import RepeatCause, RepeatStudy, StudyEvent

Kind = StudyEvent.Kind


def _event(
    kind: str,
    actor: User | None,
    data: dict[str, Any],
    *,
    study: RepeatStudy | None = None,
    cause: RepeatCause | None = None,
) -> StudyEvent:
    return StudyEvent.objects.create(
        kind=kind, actor=actor, data=data, study=study, cause=cause, created_at=timezone.now()
    )


def study_answered_event(*, study: RepeatStudy, actor: User | None) -> StudyEvent:
    return _event(
        Kind.STUDY_ANSWERED,
        actor,
        {"contact": study.contact_id, "cause": study.cause_id, "note": bool(study.note)},
        study=study,
    )


def study_changed_event(
    *, study: RepeatStudy, actor: User | None, changes: dict[str, list[Any]]
) -> StudyEvent:
    """`changes`: field → [old, new] (cause ids; the note as text)."""
    return _event(
        Kind.STUDY_CHANGED, actor, {"contact": study.contact_id, "changes": changes}, study=study
    )


def cause_created_event(*, cause: RepeatCause, actor: User | None) -> StudyEvent:
    return _event(
        Kind.CAUSE_CREATED,
        actor,
        {"slug": cause.slug, "name_en": cause.name_en, "name_es": cause.name_es},
        cause=cause,
    )


def cause_changed_event(
    *, cause: RepeatCause, actor: User | None, changes: dict[str, list[Any]]
) -> StudyEvent:
    return _event(Kind.CAUSE_CHANGED, actor, {"changes": changes}, cause=cause)
