"""Logging calls, callback requests and the atomic claim."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.cases.models import Case, CaseEvent, Contact, Message, Status
from motivo.cases.services import case_set_status
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, Identity
from motivo.voice.models import Call, CallbackRequest
from motivo.voice.services import (
    call_log,
    call_log_for_number,
    callback_call_log,
    callback_claim,
    callback_release,
    callback_request,
)
from motivo.voice.tests.conftest import madrid


def _case_of(customer: Customer) -> Case:
    return Case.objects.filter(customer=customer).latest("pk")


# --------------------------------------------------------------------------- logging calls


def test_incoming_call_is_a_contact_on_the_case(caller, agent):
    case = _case_of(caller)
    call = call_log(
        case=case, agent=agent, direction="in", duration_seconds=272, outcome="resolved",
        notes="Quería saber el plazo de entrega.",
    )  # fmt: skip
    assert call.contact is not None
    assert call.contact.channel == "phone" and call.contact.case_id == case.pk
    assert call.contact.message.kind == Message.Kind.INBOUND
    assert "4:32" in call.contact.message.body and "plazo de entrega" in call.contact.message.body
    assert call.from_number == "+34600111222" and call.customer_id == caller.pk
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.CALL_LOGGED)
    assert event.data == {
        "contact_id": call.contact_id, "direction": "in", "duration_seconds": 272,
        "outcome": "resolved",
    }  # fmt: skip
    assert event.actor == agent


def test_incoming_call_answering_our_question_is_not_a_contact(caller, agent):
    case = _case_of(caller)
    case_set_status(case=case, actor=agent, status=Status.WAITING)
    contacts = Contact.objects.count()
    call = call_log(case=case, agent=agent, direction="in", duration_seconds=60)
    assert call.contact is None and Contact.objects.count() == contacts
    assert case.messages.filter(kind=Message.Kind.INBOUND).count() == 2
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.CALL_LOGGED)  # in the timeline all the same
    assert event.case_id == case.pk and event.data["contact_id"] is None


def test_outgoing_call_is_a_note_not_a_contact(caller, agent):
    case = _case_of(caller)
    contacts = Contact.objects.count()
    call = call_log(
        case=case, agent=agent, direction="out", duration_seconds=30, outcome="voicemail",
        notes="Dejé un mensaje.",
    )  # fmt: skip
    assert call.contact is None and Contact.objects.count() == contacts
    note = case.messages.get(kind=Message.Kind.NOTE)
    assert note.author == agent and "Dejé un mensaje." in note.body and "Voicemail" in note.body
    assert call.to_number == "+34600111222"
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.CALL_LOGGED)
    assert event.data == {
        "contact_id": None, "direction": "out", "duration_seconds": 30, "outcome": "voicemail",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"direction": "in", "duration_seconds": -1}, "duration"),
        ({"direction": "in", "duration_seconds": 90_000}, "duration"),
        ({"direction": "in", "outcome": "great"}, "outcome"),
        ({"direction": "in", "number": "12"}, "phone"),
        ({"direction": "in", "started_at": madrid(2099, 1, 1, 9)}, "started_at"),
    ],
)
def test_bad_call_input_is_refused_and_writes_nothing(caller, agent, kwargs, field):
    case = _case_of(caller)
    before = (Call.objects.count(), Message.objects.count(), Contact.objects.count())
    with pytest.raises(DomainError) as error:
        call_log(case=case, agent=agent, **kwargs)
    assert error.value.field == field
    assert (Call.objects.count(), Message.objects.count(), Contact.objects.count()) == before


def test_a_new_number_is_remembered_for_the_customer(caller, agent):
    call_log(case=_case_of(caller), agent=agent, direction="out", number="+34 911 000 000")
    assert caller.identities.filter(kind="phone", value="+34911000000").exists()


def test_call_for_an_unknown_number_creates_the_customer_and_a_case(agent):
    call = call_log_for_number(
        phone="+34 622 000 999", name="Pedro", agent=agent, direction="in", duration_seconds=95,
        outcome="callback_promised", notes="Llamar mañana.",
    )  # fmt: skip
    customer = Customer.objects.get(identities__kind="phone", identities__value="+34622000999")
    assert customer.name == "Pedro" and call.customer == customer
    assert call.case.channel == "phone" and call.contact.case == call.case
    # A national number is read in the company's country (MOTIVO_PHONE_REGION, Spain).
    for written in ("622000999", "+34-622-000-999", "0034 622 000 999"):
        same = call_log_for_number(phone=written, agent=agent, direction="in")
        assert same.customer_id == customer.pk, written
    other = call_log_for_number(phone="+33 6 22 00 09 99", agent=agent, direction="in")
    assert other.customer_id != customer.pk  # France: another number


def test_outgoing_call_for_a_number_needs_a_case(caller, agent):
    with pytest.raises(DomainError) as error:
        call_log_for_number(phone="+34 600 111 222", agent=agent, direction="out")
    assert error.value.field == "case"
    call = call_log_for_number(
        phone="+34 600 111 222", agent=agent, direction="out", case=_case_of(caller)
    )
    assert call.contact is None


def test_number_of_another_customer_cannot_go_on_this_case(caller, agent, ingest):
    other = ingest(phone="+34 655 000 111", channel="phone")
    with pytest.raises(DomainError) as error:
        call_log_for_number(
            phone="+34 655 000 111", agent=agent, direction="in", case=_case_of(caller)
        )
    assert error.value.field == "case"
    assert Call.objects.count() == 0 and other.created


# --------------------------------------------------------------------------- callback requests


def test_callback_request_without_a_case_opens_a_phone_case(caller, clock):
    clock(madrid(2026, 5, 4, 10, 0))
    cases = Case.objects.count()
    callback = callback_request(customer=caller, note="Sobre la factura", source="widget")
    assert Case.objects.count() == cases + 1
    assert callback.case.customer == caller and callback.case.channel == "phone"
    assert callback.contact.channel == "phone" and callback.contact.case == callback.case
    assert (callback.window_start, callback.window_end) == (
        madrid(2026, 5, 4, 9),
        madrid(2026, 5, 4, 12),
    )
    assert callback.phone == "+34600111222" and callback.source == "widget"
    assert "Sobre la factura" in callback.contact.message.body
    event = CaseEvent.objects.get(case=callback.case, kind=CaseEvent.Kind.CALLBACK_REQUESTED)
    assert event.data["callback_id"] == callback.pk


def test_callback_after_todays_window_is_for_tomorrow(caller, clock):
    clock(madrid(2026, 5, 4, 12, 30))
    callback = callback_request(customer=caller)
    assert callback.window_start == madrid(2026, 5, 5, 9)


def test_callback_on_a_case_is_a_contact_there(caller, customer_user, clock):
    clock(madrid(2026, 5, 4, 10, 0))
    case = _case_of(caller)
    callback = callback_request(customer=caller, case=case, actor=customer_user[0])
    assert callback.case == case and callback.contact.case == case
    assert callback.requested_by == customer_user[0]


def test_asking_twice_returns_the_waiting_request(caller, clock):
    clock(madrid(2026, 5, 4, 10, 0))
    first = callback_request(customer=caller)
    contacts = Contact.objects.count()
    assert callback_request(customer=caller, note="otra vez") == first
    assert Contact.objects.count() == contacts and CallbackRequest.objects.count() == 1


def test_callback_refused_without_permission_window_or_phone(caller, ingest, clock):
    clock(madrid(2026, 5, 4, 10, 0))
    caller.callback_allowed = False
    caller.save()
    with pytest.raises(DomainError) as error:
        callback_request(customer=caller)
    assert error.value.field == "callback_allowed" and "switched off" in error.value.message
    Customer.objects.filter(pk=caller.pk).update(
        callback_allowed=True, callback_from=None, callback_to=None
    )
    with pytest.raises(DomainError) as error:
        callback_request(customer=caller)
    assert error.value.field == "callback_from"
    mailer = Customer.objects.get(pk=ingest(email="solo@mail.test").customer_id)
    Customer.objects.filter(pk=mailer.pk).update(
        callback_allowed=True, callback_from=dt.time(9), callback_to=dt.time(12)
    )
    with pytest.raises(DomainError) as error:
        callback_request(customer=mailer)
    assert error.value.field == "phone"
    assert CallbackRequest.objects.count() == 0


def test_callback_on_someone_elses_case_is_refused(caller, ingest, clock):
    clock(madrid(2026, 5, 4, 10, 0))
    other_case = Case.objects.get(pk=ingest(email="x@y.test").case_id)
    with pytest.raises(DomainError) as error:
        callback_request(customer=caller, case=other_case)
    assert error.value.field == "case"


# --------------------------------------------------------------------------- the queue


@pytest.fixture
def waiting(caller, clock) -> CallbackRequest:
    clock(madrid(2026, 5, 4, 10, 0))
    return callback_request(customer=caller, note="Llámenme")


def test_claim_outside_the_window_is_refused(waiting, agent, clock):
    with pytest.raises(DomainError) as error:
        callback_claim(callback=waiting, agent=agent, now=madrid(2026, 5, 4, 13, 0))
    assert error.value.code == "window_closed" and "09:00" in error.value.message
    waiting.refresh_from_db()
    assert waiting.status == "pending" and waiting.claimed_by is None


def test_second_claim_is_refused(waiting, agent, supervisor):
    callback_claim(callback=waiting, agent=agent)
    with pytest.raises(DomainError) as error:
        callback_claim(callback=waiting, agent=supervisor)
    assert error.value.code == "conflict"
    waiting.refresh_from_db()
    assert waiting.claimed_by == agent


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_give_the_callback_to_exactly_one_agent(caller, clock):
    clock(madrid(2026, 5, 4, 10, 0))
    callback = callback_request(customer=caller)
    agents = [user_create(username=f"a{n}", role=Role.AGENT) for n in range(4)]
    barrier = threading.Barrier(len(agents))
    results: list[str] = []

    def take(user):
        try:
            barrier.wait()
            callback_claim(callback=callback, agent=user)
            results.append("won")
        except DomainError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(user,)) for user in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict", "conflict", "conflict", "won"]
    callback.refresh_from_db()
    assert callback.status == "claimed" and callback.claimed_by in agents


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_one_customer_book_one_callback(caller, clock):
    """A double submit of the portal form: both requests answer with one callback."""
    clock(madrid(2026, 5, 4, 10, 0))
    contacts = Contact.objects.count()
    barrier = threading.Barrier(3)
    booked: list[int] = []

    def ask():
        try:
            barrier.wait()
            booked.append(callback_request(customer=caller, note="la factura").pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(booked) == 3 and len(set(booked)) == 1
    assert CallbackRequest.objects.count() == 1
    assert Contact.objects.count() == contacts + 1


def test_callback_done_links_the_call_to_the_requests_contact(waiting, agent):
    callback_claim(callback=waiting, agent=agent)
    contacts = Contact.objects.count()
    call = callback_call_log(
        callback=waiting, agent=agent, result="done", duration_seconds=180, outcome="resolved",
        notes="Resuelto.",
    )  # fmt: skip
    waiting.refresh_from_db()
    assert waiting.status == "done" and waiting.completed_at and waiting.attempts == 1
    assert call.callback == waiting and call.direction == "out"
    assert call.contact == waiting.contact  # the request was the contact; no second one
    assert Contact.objects.count() == contacts
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.CALL_LOGGED, case=waiting.case).count() == 1


def test_callback_retry_goes_back_to_the_queue(waiting, agent):
    callback_claim(callback=waiting, agent=agent)
    call = callback_call_log(callback=waiting, agent=agent, result="retry", outcome="no_answer")
    waiting.refresh_from_db()
    assert waiting.status == "pending" and waiting.claimed_by is None and waiting.attempts == 1
    assert call.contact is None and call.callback == waiting


def test_callback_failed_and_only_the_taker_logs(waiting, agent, supervisor):
    callback_claim(callback=waiting, agent=agent)
    with pytest.raises(DomainError):
        callback_call_log(callback=waiting, agent=supervisor, result="done")
    callback_call_log(callback=waiting, agent=agent, result="failed", outcome="wrong_number")
    waiting.refresh_from_db()
    assert waiting.status == "failed"


def test_release_puts_it_back(waiting, agent):
    callback_claim(callback=waiting, agent=agent)
    callback_release(callback=waiting, agent=agent)
    waiting.refresh_from_db()
    assert waiting.status == "pending" and waiting.claimed_by is None
    assert Identity.objects.filter(customer=waiting.customer, kind="phone").count() == 1


def test_a_call_we_spoke_in_is_the_first_answer_a_voicemail_is_not(caller, agent):
    case = _case_of(caller)
    assert case.first_reply_at is None
    call_log(case=case, agent=agent, direction="out", duration_seconds=30, outcome="voicemail")
    case.refresh_from_db()
    assert case.first_reply_at is None
    call = call_log(case=case, agent=agent, direction="in", duration_seconds=90)
    case.refresh_from_db()
    assert case.first_reply_at == call.answered_at
    later = call_log(case=case, agent=agent, direction="out", duration_seconds=60)
    case.refresh_from_db()
    assert case.first_reply_at == call.answered_at != later.answered_at
