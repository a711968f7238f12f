"""Answering a study and editing the list of causes: who may, what is stored, the events,
and the refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from motivo.cases.services import contact_set_reason
from motivo.core.errors import DomainError
from motivo.studies.models import RepeatCause, RepeatStudy, StudyEvent
from motivo.studies.services import cause_save, first_contact_agent, study_answer

from .conftest import DAY, assign, at, reply_at

pytestmark = pytest.mark.django_db


def test_seeded_causes_in_both_languages(db):
    """Migration 0002 wrote them (no fixture here)."""
    causes = {cause.slug: cause for cause in RepeatCause.objects.all()}
    assert list(RepeatCause.objects.values_list("slug", flat=True)) == [
        "wrong_answer",
        "promise_not_kept",
        "policy",
        "system_failure",
        "needed_more",
        "other",
    ]
    cause = causes["promise_not_kept"]
    assert cause.name_for("en") == "Promise not kept"
    assert cause.name_for("es") == "Promesa no cumplida"
    from django.utils import translation

    with translation.override("es"):
        assert cause.name == "Promesa no cumplida"
    assert cause.name == "Promise not kept"


def test_answer_stores_the_pair_agent_team_and_an_event(repeat, causes, agent, luis, team):
    first, second = repeat
    assign(first.case, luis, team)
    reply_at(first.case, agent, at(DAY, 11))  # the answer that did not solve it
    reply_at(first.case, luis, at(DAY + dt.timedelta(3), 9))  # after the repeat: not it

    study = study_answer(
        contact=second, cause=causes["promise_not_kept"], note="  Said 48 h; took 5 days. ",
        actor=luis,
    )  # fmt: skip

    study.refresh_from_db()
    assert study.contact_id == second.pk and study.first_contact_id == first.pk
    assert study.received_at == second.received_at
    assert study.cause.slug == "promise_not_kept"
    assert study.note == "Said 48 h; took 5 days."
    assert (study.agent_id, study.team_id, study.answered_by_id) == (agent.pk, team.pk, luis.pk)
    [event] = StudyEvent.objects.filter(study=study)
    assert event.kind == "study_answered" and event.actor == luis
    assert event.data == {"contact": second.pk, "cause": study.cause_id, "note": True}


def test_agent_falls_back_to_the_assignee_without_a_reply(repeat, luis, team):
    first, second = repeat
    assign(first.case, luis, team)
    first.refresh_from_db()
    assert first_contact_agent(first=first, before=second) == (luis.pk, team.pk)
    assign(first.case, None, None)
    first.refresh_from_db()
    assert first_contact_agent(first=first, before=second) == (None, None)


def test_answer_again_changes_it_with_one_event(repeat, causes, agent, supervisor):
    _first, second = repeat
    study_answer(contact=second, cause=causes["policy"], actor=agent)
    same = study_answer(contact=second, cause=causes["policy"], actor=agent)
    assert StudyEvent.objects.filter(study=same).count() == 1  # nothing changed

    changed = study_answer(
        contact=second, cause=causes["system_failure"], note="Tool down", actor=supervisor
    )
    assert RepeatStudy.objects.count() == 1
    assert changed.cause.slug == "system_failure" and changed.answered_by == supervisor
    event = StudyEvent.objects.filter(study=changed).order_by("-pk").first()
    assert event.kind == "study_changed"
    assert event.data["changes"] == {
        "cause": [causes["policy"].pk, causes["system_failure"].pk],
        "note": ["", "Tool down"],
    }


def test_refusals(repeat, causes, agent, customer_user, admin_user):
    first, second = repeat
    with pytest.raises(DomainError) as error:
        study_answer(contact=first, cause=causes["policy"], actor=agent)  # not a repeat
    assert error.value.code == "conflict"
    with pytest.raises(DomainError) as error:
        study_answer(contact=second, cause=causes["policy"], actor=customer_user[0])
    assert error.value.code == "forbidden"
    with pytest.raises(DomainError) as error:
        study_answer(contact=second, cause=causes["policy"], note="x" * 1001, actor=agent)
    assert error.value.field == "note"
    retired = cause_save(
        actor=admin_user, cause=causes["other"], name_en="Other", name_es="Otra", active=False
    )
    with pytest.raises(DomainError) as error:
        study_answer(contact=second, cause=retired, actor=agent)
    assert error.value.field == "cause"
    assert not RepeatStudy.objects.exists()


def test_a_retired_cause_stays_on_its_study(repeat, causes, agent, admin_user):
    _first, second = repeat
    study_answer(contact=second, cause=causes["other"], actor=agent)
    cause_save(
        actor=admin_user, cause=causes["other"], name_en="Other", name_es="Otra", active=False
    )
    kept = study_answer(contact=second, cause=causes["other"], note="still", actor=agent)
    assert kept.cause_id == causes["other"].pk and kept.note == "still"


def test_a_contact_that_stopped_being_a_repeat_cannot_be_answered(
    repeat, causes, agent, other_reason
):
    _first, second = repeat
    contact_set_reason(contact=second, actor=agent, reason=other_reason)  # no longer a repeat
    second.refresh_from_db()
    assert not second.is_repeat
    with pytest.raises(DomainError):
        study_answer(contact=second, cause=causes["policy"], actor=agent)


def test_cause_list_is_edited_by_admins_only(admin_user, supervisor, causes):
    with pytest.raises(DomainError) as error:
        cause_save(actor=supervisor, name_en="Transfer lost", name_es="Traspaso perdido")
    assert error.value.code == "forbidden"

    added = cause_save(actor=admin_user, name_en="Transfer lost", name_es="Traspaso perdido")
    assert added.slug == "transfer_lost" and added.active
    assert added.position == 7  # after the six seeded causes
    assert StudyEvent.objects.get(cause=added).kind == "cause_created"

    with pytest.raises(DomainError) as error:
        cause_save(actor=admin_user, name_en="promise NOT kept", name_es="Otra cosa")
    assert (error.value.field, error.value.code) == ("name_en", "duplicate")
    with pytest.raises(DomainError) as error:
        cause_save(actor=admin_user, name_en="Something", name_es=" ")
    assert error.value.field == "name_es"

    renamed = cause_save(
        actor=admin_user, cause=added, name_en="Hand-off lost", name_es="Traspaso perdido",
        position=0,
    )  # fmt: skip
    assert renamed.slug == "transfer_lost"  # the key stays
    event = StudyEvent.objects.filter(cause=added).order_by("-pk").first()
    assert event.data["changes"] == {
        "name_en": ["Transfer lost", "Hand-off lost"],
        "position": [7, 0],
    }
    assert RepeatCause.objects.first() == renamed  # ordered by position
