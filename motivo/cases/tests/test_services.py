"""Case services: replies, notes, assignment, status rules, merging, canned replies."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from motivo.accounts.models import Notification, Team
from motivo.accounts.services import notifications_mark_read_for_case
from motivo.cases.models import (
    Attachment,
    CannedReply,
    Case,
    CaseEvent,
    Contact,
    Message,
    Status,
)
from motivo.cases.services import (
    canned_reply_delete,
    canned_reply_render,
    canned_reply_save,
    case_add_note,
    case_assign,
    case_customer_message,
    case_merge,
    case_reply,
    case_set_status,
    contact_set_reason,
)
from motivo.core.errors import DomainError
from motivo.insights.models import ReasonDayCount


def _case(ingest, **kwargs) -> Case:
    return Case.objects.get(pk=ingest(**kwargs).case_id)


def _counts() -> tuple[int, int, int, int]:
    return (
        Message.objects.count(),
        Attachment.objects.count(),
        CaseEvent.objects.count(),
        Contact.objects.count(),
    )


# --------------------------------------------------------------------------- reply and note


def test_reply_stores_message_moves_new_case_to_open_and_emails_customer(
    ingest, agent, django_capture_on_commit_callbacks
):
    case = _case(ingest, email="ana@example.test", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        message = case_reply(case=case, author=agent, body="  We are on it.  ")
    case.refresh_from_db()
    assert message.kind == Message.Kind.REPLY
    assert message.body == "We are on it."
    assert case.status == Status.OPEN
    assert case.first_reply_at == message.created_at
    kinds = list(case.events.values_list("kind", flat=True))
    assert CaseEvent.Kind.REPLIED in kinds
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.test"]
    assert "We are on it." in mail.outbox[0].body


def test_reply_can_set_the_status_to_waiting(ingest, agent):
    case = _case(ingest)
    case_reply(case=case, author=agent, body="Which order?", status=Status.WAITING)
    case.refresh_from_db()
    assert case.status == Status.WAITING


def test_reply_with_resolve_is_refused_as_a_whole_while_a_contact_lacks_a_reason(ingest, agent):
    case = _case(ingest)
    before = _counts()
    with pytest.raises(DomainError) as error:
        case_reply(case=case, author=agent, body="Done!", status=Status.RESOLVED)
    assert error.value.code == "reason_missing"
    assert _counts() == before  # the reply was not stored either
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_empty_reply_is_refused(ingest, agent):
    case = _case(ingest)
    with pytest.raises(DomainError) as error:
        case_reply(case=case, author=agent, body="   ")
    assert error.value.field == "body"


def test_note_is_internal_and_not_emailed(ingest, agent, django_capture_on_commit_callbacks):
    case = _case(ingest)
    upload = SimpleUploadedFile("log.txt", b"trace", content_type="text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        note = case_add_note(
            case=case, author=agent, body="Called the carrier.", attachments=[upload]
        )
    assert note.kind == Message.Kind.NOTE
    assert not note.is_public
    assert [a.filename for a in note.attachments.all()] == ["log.txt"]
    assert note.attachments.get().file.read() == b"trace"
    assert case.events.filter(kind=CaseEvent.Kind.NOTE_ADDED).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("service", ["reply", "note"])
def test_attachment_over_the_limit_is_refused_and_nothing_is_written(
    ingest, agent, settings, service
):
    settings.MOTIVO_MAX_ATTACHMENT_BYTES = 1024 * 1024
    case = _case(ingest)
    small = SimpleUploadedFile("ok.txt", b"fine", content_type="text/plain")
    big = SimpleUploadedFile("huge.bin", b"x" * (1024 * 1024 + 1))
    before = _counts()
    call = case_reply if service == "reply" else case_add_note
    with pytest.raises(DomainError) as error:
        call(case=case, author=agent, body="Files attached", attachments=[small, big])
    assert error.value.field == "attachments"
    assert "huge.bin" in error.value.message
    assert _counts() == before


# --------------------------------------------------------------------------- assignment


def test_assign_notifies_and_emails_the_new_assignee(
    ingest, agent, supervisor, django_capture_on_commit_callbacks
):
    case = _case(ingest)
    team = Team.objects.create(name="Front line")
    with django_capture_on_commit_callbacks(execute=True):
        case_assign(case=case, actor=supervisor, assignee=agent, team=team)
    case.refresh_from_db()
    assert (case.assignee, case.team) == (agent, team)
    notification = Notification.objects.get(user=agent)
    assert (notification.case, notification.kind) == (case, Notification.Kind.CASE_ASSIGNED)
    assert [m.to for m in mail.outbox] == [["agent@x.test"]]
    event = case.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert event.data == {"assignee_id": agent.pk, "team_id": team.pk}


def test_assigning_yourself_does_not_notify(ingest, agent):
    case = _case(ingest)
    case_assign(case=case, actor=agent, assignee=agent)
    assert not Notification.objects.exists()


def test_cases_cannot_be_assigned_to_customers(ingest, supervisor, customer_user):
    user, _customer = customer_user
    case = _case(ingest)
    with pytest.raises(DomainError):
        case_assign(case=case, actor=supervisor, assignee=user)
    case.refresh_from_db()
    assert case.assignee is None


def test_opening_the_case_marks_only_its_notifications_read(ingest, agent, supervisor):
    case, other = _case(ingest), _case(ingest)
    case_assign(case=case, actor=supervisor, assignee=agent)
    case_assign(case=other, actor=supervisor, assignee=agent)
    assert notifications_mark_read_for_case(user=agent, case_id=case.pk) == 1
    unread = Notification.objects.filter(user=agent, read_at__isnull=True)
    assert list(unread.values_list("case_id", flat=True)) == [other.pk]


# --------------------------------------------------------------------------- status rules


def test_resolving_needs_a_reason_on_every_contact(ingest, agent, reason):
    case = _case(ingest)
    contact = case.contacts.get()
    with pytest.raises(DomainError) as error:
        case_set_status(case=case, actor=agent, status=Status.RESOLVED)
    assert error.value.code == "reason_missing"
    case.refresh_from_db()
    assert case.status == Status.NEW and case.resolved_at is None

    contact_set_reason(contact=contact, actor=agent, reason=reason)
    case_set_status(case=case, actor=agent, status=Status.RESOLVED)
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.resolved_at is not None
    event = case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).latest("id")
    assert event.data == {"from": Status.NEW, "to": Status.RESOLVED}


def test_a_second_contact_without_reason_blocks_resolving_again(ingest, agent, reason):
    case = _case(ingest, reason=reason)
    case_set_status(case=case, actor=agent, status=Status.RESOLVED)
    case_customer_message(case=case, channel="phone", body="It broke again")
    case.refresh_from_db()
    assert case.status == Status.OPEN
    with pytest.raises(DomainError):
        case_set_status(case=case, actor=agent, status=Status.CLOSED)


def test_unknown_status_is_refused(ingest, agent):
    case = _case(ingest)
    with pytest.raises(DomainError):
        case_set_status(case=case, actor=agent, status="archived")


def test_correcting_a_reason_moves_the_rollup_count(ingest, agent, reason, other_reason):
    case = _case(ingest, reason=reason)
    contact = case.contacts.get()
    contact_set_reason(contact=contact, actor=agent, reason=other_reason)
    counts = dict(ReasonDayCount.objects.values_list("reason_id", "count"))
    assert counts.get(reason.pk, 0) == 0
    assert counts[other_reason.pk] == 1
    event = case.events.get(kind=CaseEvent.Kind.REASON_SET)
    assert event.data["from"] == reason.pk and event.data["to"] == other_reason.pk


# --------------------------------------------------------------------------- merging


def test_merge_moves_contacts_and_messages_and_closes_the_source(ingest, agent):
    first = _case(ingest, email="same@example.test", subject="Order late")
    second = _case(ingest, email="same@example.test", subject="Order still late")
    case_merge(source=second, target=first, actor=agent)
    second.refresh_from_db()
    assert second.status == Status.CLOSED
    assert second.merged_into == first
    assert first.contacts.count() == 2
    assert first.messages.count() == 2
    assert not second.messages.exists()
    assert first.events.filter(kind=CaseEvent.Kind.MERGED).exists()
    assert second.events.filter(kind=CaseEvent.Kind.MERGED_INTO).exists()


def test_merge_reopens_a_resolved_target_when_the_source_was_active(ingest, agent, reason):
    first = _case(ingest, email="same@example.test", reason=reason)
    case_set_status(case=first, actor=agent, status=Status.RESOLVED)
    second = _case(ingest, email="same@example.test")
    case_merge(source=second, target=first, actor=agent)
    first.refresh_from_db()
    assert first.status == Status.OPEN


def test_merge_rules(ingest, agent):
    mine = _case(ingest, email="one@example.test")
    also_mine = _case(ingest, email="one@example.test")
    someone_else = _case(ingest, email="two@example.test")
    with pytest.raises(DomainError, match="same customer"):
        case_merge(source=mine, target=someone_else, actor=agent)
    with pytest.raises(DomainError, match="itself"):
        case_merge(source=mine, target=mine, actor=agent)
    case_merge(source=also_mine, target=mine, actor=agent)
    with pytest.raises(DomainError, match="already merged"):
        case_merge(source=also_mine, target=mine, actor=agent)
    with pytest.raises(DomainError):
        case_set_status(case=also_mine, actor=agent, status=Status.OPEN)


# --------------------------------------------------------------------------- canned replies


def test_canned_reply_placeholders_are_filled(ingest, agent):
    agent.first_name, agent.last_name = "Ana", "García"
    case = _case(ingest, name="María López")
    canned = CannedReply.objects.create(
        title="Hello",
        language="es",
        body="Hola {customer_name}, caso {case_number}. {unknown} Un saludo, {agent_name}",
    )
    text = canned_reply_render(canned=canned, case=case, agent=agent)
    assert text == f"Hola María López, caso #{case.pk}. {{unknown}} Un saludo, Ana García"


def test_canned_reply_save_creates_updates_and_refuses_duplicates(db):
    canned = canned_reply_save(title=" Thanks ", language="en", body="Thank you, {customer_name}")
    assert (canned.title, canned.language) == ("Thanks", "en")
    canned_reply_save(canned=canned, title="Thanks", language="en", body="Many thanks")
    canned.refresh_from_db()
    assert canned.body == "Many thanks"
    canned_reply_save(title="Thanks", language="es", body="Gracias")  # other language: fine
    with pytest.raises(DomainError) as error:
        canned_reply_save(title="Thanks", language="en", body="Again")
    assert error.value.field == "title"
    with pytest.raises(DomainError):
        canned_reply_save(title="Empty", language="en", body="  ")
    with pytest.raises(DomainError):
        canned_reply_save(title="Klingon", language="tlh", body="Qapla'")
    canned_reply_delete(canned=canned)
    assert list(CannedReply.objects.values_list("language", flat=True)) == ["es"]
