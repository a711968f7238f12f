"""Writes of the studies app: answering a repeat contact's study, and the list of causes.

Nothing here runs at ingest: a repeat contact's study is answered (and only then written)
by an agent, from the case page or the API.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from motivo.accounts.models import Role, User
from motivo.cases.models import Contact
from motivo.core.errors import DomainError
from motivo.studies import events
from motivo.studies.models import RepeatCause, RepeatStudy
from motivo.studies.selectors import first_answer


def first_contact_agent(*, first: Contact, before: Contact) -> tuple[int | None, int | None]:
    """(agent id, team id) of the first contact: the author of the last reply on its case
    sent after it and before the repeat `before` arrived (the answer that did not solve
    it), else the case's assignee; the team is the case's."""
    answer = first_answer(first=first, before=before)
    case = first.case
    return (answer.author_id if answer else case.assignee_id), case.team_id


@transaction.atomic
def study_answer(
    *, contact: Contact, cause: RepeatCause, actor: User, note: str = ""
) -> RepeatStudy:
    """Record why the first contact did not solve what `contact` (a repeat) came back
    about: the first answer creates the study, a later one changes it. Staff only; the
    contact must still be a repeat, the cause active (or the study's current one)."""
    if not actor.is_staff_member:
        raise DomainError(_("Only staff members answer studies."), code="forbidden")
    # Re-read (and on PostgreSQL lock) the contact: its repeat flag may have just changed.
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("repeat_of__case")
        .get(pk=contact.pk)
    )
    if not contact.is_repeat or contact.repeat_of is None:
        raise DomainError(
            _("This contact is no longer a repeat: there is nothing to study."),
            field="contact",
            code="conflict",
        )
    note = (note or "").strip()
    if len(note) > RepeatStudy.NOTE_MAX:
        raise DomainError(
            _("The note is too long (at most %(max)s characters).") % {"max": RepeatStudy.NOTE_MAX},
            field="note",
        )
    study = RepeatStudy.objects.filter(contact=contact).first()
    if not cause.active and (study is None or study.cause_id != cause.pk):
        raise DomainError(_("This cause is no longer in use."), field="cause", code="inactive")
    now = timezone.now()
    if study is None:
        agent_id, team_id = first_contact_agent(first=contact.repeat_of, before=contact)
        study = RepeatStudy.objects.create(
            contact=contact,
            first_contact=contact.repeat_of,
            received_at=contact.received_at,
            cause=cause,
            note=note,
            agent_id=agent_id,
            team_id=team_id,
            answered_by=actor,
            answered_at=now,
            updated_at=now,
        )
        events.study_answered_event(study=study, actor=actor)
        return study
    changes: dict[str, list] = {}
    if study.cause_id != cause.pk:
        changes["cause"] = [study.cause_id, cause.pk]
    if study.note != note:
        changes["note"] = [study.note, note]
    if not changes:
        return study
    study.cause, study.note, study.updated_at = cause, note, now
    study.answered_by = actor
    study.save(update_fields=["cause", "note", "answered_by", "updated_at"])
    events.study_changed_event(study=study, actor=actor, changes=changes)
    return study


def _unique_slug(name: str) -> str:
    base = (slugify(name).replace("-", "_") or "cause")[:32]
    slug, n = base, 1
    while RepeatCause.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}_{n}"
    return slug


@transaction.atomic
def cause_save(
    *,
    actor: User,
    name_en: str,
    name_es: str,
    active: bool = True,
    position: int | None = None,
    cause: RepeatCause | None = None,
) -> RepeatCause:
    """Add a cause (cause=None) or change one. Admins only. Names are required in both
    languages and unique among causes (case-insensitive); a retired cause (active=False)
    is no longer offered but stays on the studies that chose it."""
    if actor.role != Role.ADMIN or not actor.is_active:
        raise DomainError(_("Only administrators change the list of causes."), code="forbidden")
    names = {"name_en": (name_en or "").strip(), "name_es": (name_es or "").strip()}
    for field, value in names.items():
        if not value:
            raise DomainError(_("Give the cause a name."), field=field, code="required")
        if len(value) > 100:
            raise DomainError(_("At most 100 characters."), field=field)
        clash = RepeatCause.objects.filter(**{f"{field}__iexact": value})
        if cause is not None:
            clash = clash.exclude(pk=cause.pk)
        if clash.exists():
            raise DomainError(_("Another cause has this name."), field=field, code="duplicate")
    if position is None:
        position = (
            cause.position
            if cause is not None
            else (
                RepeatCause.objects.order_by("-position").values_list("position", flat=True).first()
                or 0
            )
            + 1
        )
    if position < 0:
        raise DomainError(_("The order is a number from 0 up."), field="position")
    if cause is None:
        cause = RepeatCause.objects.create(
            slug=_unique_slug(names["name_en"]), active=active, position=position, **names
        )
        events.cause_created_event(cause=cause, actor=actor)
        return cause
    new = {**names, "active": active, "position": position}
    changes = {
        field: [getattr(cause, field), value]
        for field, value in new.items()
        if getattr(cause, field) != value
    }
    if changes:
        for field, value in new.items():
            setattr(cause, field, value)
        cause.save()
        events.cause_changed_event(cause=cause, actor=actor, changes=changes)
    return cause
