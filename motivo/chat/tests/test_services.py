"""The chat's writes: a session is one contact; lines are messages; replies; availability."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motivo.accounts.services import user_create
from motivo.cases.models import Case, CaseEvent, Contact, Message, Status
from motivo.cases.services import case_reply, case_set_status
from motivo.chat.models import AgentPresence, ChatSession
from motivo.chat.selectors import (
    chat_agents_available,
    chat_is_live,
    chat_messages,
    chat_session_for_token,
    token_digest,
)
from motivo.chat.services import (
    chat_agent_message,
    chat_customer_message,
    chat_leave_message,
    chat_presence_set,
    chat_session_end,
    chat_session_start,
    chat_session_take,
    chat_sessions_expire,
)
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, Identity

pytestmark = pytest.mark.django_db


def test_a_new_chat_is_a_chat_contact_on_a_new_case_of_the_customer_found_by_email(
    ingest, start_chat
):
    earlier = ingest(email="Lucia@Example.test", name="Lucía")
    started = start_chat(email="LUCIA@example.test")
    session = started.session
    assert not started.continued
    assert session.customer_id == earlier.customer_id  # the same customer, by email
    assert session.case_id != earlier.case_id
    case = Case.objects.get(pk=session.case_id)
    assert case.channel == "chat" and case.subject == "Hola, mi pedido 4471 no llega."
    contact = Contact.objects.get(case=case)
    assert (contact.pk, contact.channel) == (session.contact_id, "chat")
    assert contact.message.body == "Hola, mi pedido 4471 no llega."
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["created", "contact_added", "chat_started"]
    assert CaseEvent.objects.get(case=case, kind="chat_started").data == {"session_id": session.pk}
    # Only the digest of the widget's secret is stored.
    assert session.token_digest == token_digest(started.token) != started.token
    assert chat_session_for_token(token=started.token) == session


def test_customer_lines_are_messages_not_contacts_and_agent_lines_are_replies(
    start_chat, available_agent
):
    session = start_chat().session
    line = chat_customer_message(session=session, body="¿Hay alguien?")
    assert (line.kind, line.contact_id) == (Message.Kind.INBOUND, None)
    reply = chat_agent_message(session=session, agent=available_agent, body="Hola Lucía, dime.")
    assert (reply.kind, reply.author_id) == (Message.Kind.REPLY, available_agent.pk)
    session.refresh_from_db()
    # Writing in a waiting chat takes it; the case goes to the agent.
    assert (session.status, session.agent_id) == ("active", available_agent.pk)
    case = Case.objects.get(pk=session.case_id)
    assert case.assignee_id == available_agent.pk and case.status == Status.OPEN
    assert Contact.objects.filter(case=case).count() == 1
    assert [m.body for m in chat_messages(session=session)] == [
        "Hola, mi pedido 4471 no llega.",
        "¿Hay alguien?",
        "Hola Lucía, dime.",
    ]


def test_a_reply_from_the_case_page_belongs_to_the_live_chat_but_notes_do_not(start_chat, agent):
    from motivo.cases.services import case_add_note

    session = start_chat().session
    case = session.case
    case_add_note(case=case, author=agent, body="internal")
    case_reply(case=case, author=agent, body="Desde la ficha del caso")
    assert [m.body for m in chat_messages(session=session)][-1] == "Desde la ficha del caso"
    assert "internal" not in [m.body for m in chat_messages(session=session)]


def test_a_customer_line_reopens_a_case_that_was_waiting_on_them(start_chat, agent):
    session = start_chat().session
    chat_agent_message(session=session, agent=agent, body="¿Número de pedido?")
    case_set_status(case=session.case, actor=agent, status=Status.WAITING)
    chat_customer_message(session=session, body="4471")
    assert Case.objects.get(pk=session.case_id).status == Status.OPEN


def test_taking_a_chat_someone_else_took_is_refused(start_chat, available_agent):
    other = user_create(username="pablo", role="agent", first_name="Pablo")
    session = start_chat().session
    chat_session_take(session=session, agent=other)
    with pytest.raises(DomainError) as refused:
        chat_session_take(session=session, agent=available_agent)
    assert refused.value.code == "taken" and "Pablo" in refused.value.message
    # The case went to the first agent only.
    assert Case.objects.get(pk=session.case_id).assignee_id == other.pk


def test_ending_writes_the_event_once_and_closes_the_chat(start_chat, agent):
    session = start_chat().session
    chat_session_end(session=session, actor=agent)
    chat_session_end(session=session, actor=agent)
    session.refresh_from_db()
    assert (session.status, session.ended_by) == ("ended", "agent")
    ended = CaseEvent.objects.filter(case=session.case, kind="chat_ended")
    assert ended.count() == 1 and ended.get().actor_id == agent.pk
    with pytest.raises(DomainError) as refused:
        chat_customer_message(session=session, body="¿Sigues ahí?")
    assert refused.value.code == "ended"
    with pytest.raises(DomainError):
        chat_agent_message(session=session, agent=agent, body="Hola")


def test_chat_is_live_only_while_open_and_the_customer_is_connected(start_chat, settings):
    session = start_chat().session
    assert chat_is_live(case_id=session.case_id)
    stale = timezone.now() - dt.timedelta(minutes=settings.MOTIVO_CHAT_IDLE_MINUTES + 1)
    ChatSession.objects.filter(pk=session.pk).update(customer_seen_at=stale)
    assert not chat_is_live(case_id=session.case_id)
    assert chat_sessions_expire() == 1
    session.refresh_from_db()
    assert (session.status, session.ended_by) == ("ended", "idle")
    assert not chat_is_live(case_id=session.case_id)
    assert not chat_is_live(case_id=999_999)


def test_availability_needs_the_switch_on_and_a_recent_visit(agent, settings):
    assert not chat_agents_available()
    chat_presence_set(user=agent, available=True)
    assert chat_agents_available()
    old = timezone.now() - dt.timedelta(minutes=settings.MOTIVO_CHAT_PRESENCE_MINUTES + 1)
    AgentPresence.objects.filter(user=agent).update(last_seen_at=old)
    assert not chat_agents_available()
    chat_presence_set(user=agent, available=False)
    assert not chat_agents_available()
    chat_presence_set(user=agent, available=True)
    type(agent).objects.filter(pk=agent.pk).update(is_active=False)  # a deactivated agent
    assert not chat_agents_available()


def test_without_an_agent_a_chat_cannot_start_and_nothing_is_written(db):
    with pytest.raises(DomainError) as refused:
        chat_session_start(name="Ana", email="ana@example.test", body="Hola")
    assert refused.value.code == "unavailable"
    assert not Case.objects.exists() and not Customer.objects.exists()


def test_customers_need_a_name_an_email_and_a_message_of_bounded_size(start_chat, settings):
    for kwargs, field in (
        ({"name": " "}, "name"),
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"body": "   "}, "body"),
        ({"body": "x" * (settings.MOTIVO_CHAT_MAX_MESSAGE_CHARS + 1)}, "body"),
    ):
        with pytest.raises(DomainError) as refused:
            start_chat(**kwargs)
        assert refused.value.field == field, kwargs
    assert not ChatSession.objects.exists()
    session = start_chat(body="x" * settings.MOTIVO_CHAT_MAX_MESSAGE_CHARS).session
    with pytest.raises(DomainError) as refused:
        chat_customer_message(session=session, body="y" * 5000)
    assert refused.value.code == "too_long"


def test_sessions_and_messages_are_rate_limited(start_chat, settings):
    settings.MOTIVO_CHAT_MAX_SESSIONS_PER_IP = 2
    settings.MOTIVO_CHAT_MAX_MESSAGES_PER_MINUTE = 3
    start_chat(ip="10.0.0.1", email="a@example.test")
    session = start_chat(ip="10.0.0.1", email="b@example.test").session
    with pytest.raises(DomainError) as refused:
        start_chat(ip="10.0.0.1", email="c@example.test")
    assert refused.value.code == "rate_limited"
    start_chat(ip="10.0.0.2", email="d@example.test")  # another visitor is not affected
    for n in range(3):
        chat_customer_message(session=session, body=f"line {n}")
    with pytest.raises(DomainError) as refused:
        chat_customer_message(session=session, body="one too many")
    assert refused.value.code == "rate_limited"


def test_the_same_customer_continues_on_their_open_case_with_the_previous_secret(start_chat):
    first = start_chat()
    chat_session_end(session=first.session, actor=None, by="customer")
    again = start_chat(body="Sigo esperando", resume_token=first.token)
    assert again.continued and again.session.case_id == first.session.case_id
    case = Case.objects.get(pk=first.session.case_id)
    # A further contact on the same case (it was not waiting on the customer).
    assert Contact.objects.filter(case=case, channel="chat").count() == 2
    assert again.session.contact_id is not None


def test_a_secret_of_another_customer_or_an_old_case_starts_a_new_case(start_chat, agent):
    first = start_chat()
    chat_session_end(session=first.session, actor=None, by="customer")
    other = start_chat(email="someone-else@example.test", resume_token=first.token)
    assert not other.continued and other.session.case_id != first.session.case_id
    third = start_chat()  # no secret: a new case too
    assert third.session.case_id not in (first.session.case_id, other.session.case_id)
    chat_session_end(session=third.session, actor=None, by="customer")
    case = third.session.case
    from motivo.reasons.models import Reason  # noqa: F401 - resolved cases need reasons

    Case.objects.filter(pk=case.pk).update(status=Status.RESOLVED)
    fourth = start_chat(resume_token=third.token)
    assert not fourth.continued and fourth.session.case_id != case.pk


def test_a_signed_in_portal_customer_chats_as_themselves_and_continues(
    customer_user, available_agent
):
    user, customer = customer_user
    first = chat_session_start(body="Hola", customer_user=user, name="x", email="x@evil.test")
    assert first.session.customer_id == customer.pk
    assert (first.session.email, first.session.name) == ("maria@example.test", "María")
    chat_session_end(session=first.session, actor=None, by="customer")
    again = chat_session_start(body="Otra cosa", customer_user=user)
    assert again.continued and again.session.case_id == first.session.case_id


def test_leaving_a_message_makes_a_chat_contact(db):
    left = chat_leave_message(name="Ana", email="ana@example.test", body="Llamadme", language="en")
    contact = Contact.objects.get(case_id=left.case_id)
    assert contact.channel == "chat" and contact.message.body == "Llamadme"
    assert (left.callback_id, left.callback_error) == (None, "")
    assert Customer.objects.get(pk=left.customer_id).language == "en"


def test_a_refused_callback_keeps_the_message_and_says_why(db):
    left = chat_leave_message(
        name="Ana", email="ana@example.test", body="Llamadme", callback=True, phone="600 111 222"
    )
    assert left.callback_id is None and left.callback_error  # calls not allowed (default)
    assert Contact.objects.get(case_id=left.case_id).channel == "chat"
    customer = Customer.objects.get(pk=left.customer_id)
    assert customer.identities.filter(kind=Identity.Kind.PHONE, value="+34600111222").exists()


def test_a_callback_in_the_customers_window_is_the_contact(db):
    from motivo.voice.models import CallbackRequest

    customer = Customer.objects.create(
        name="Ana",
        created_at=timezone.now(),
        callback_allowed=True,
        callback_from=dt.time(0, 0),
        callback_to=dt.time(23, 59),
    )
    Identity.objects.create(customer=customer, kind="email", value="ana@example.test")
    left = chat_leave_message(
        name="Ana", email="ana@example.test", body="Sobre mi factura", callback=True,
        phone="+34 600 111 222",
    )  # fmt: skip
    assert left.callback_error == "" and left.callback_id is not None
    callback = CallbackRequest.objects.get(pk=left.callback_id)
    assert callback.customer_id == customer.pk and callback.note == "Sobre mi factura"
    assert Contact.objects.filter(customer=customer).count() == 1  # the callback only


def test_a_message_left_while_a_callback_already_waits_joins_its_case(db):
    """callback_request answers a second request with the waiting one and writes nothing:
    the second message must not be dropped."""
    from motivo.voice.models import CallbackRequest

    customer = Customer.objects.create(
        name="Ana",
        created_at=timezone.now(),
        callback_allowed=True,
        callback_from=dt.time(0, 0),
        callback_to=dt.time(23, 59),
    )
    Identity.objects.create(customer=customer, kind="email", value="ana@example.test")
    first = chat_leave_message(
        name="Ana", email="ana@example.test", body="Sobre mi factura", callback=True,
        phone="+34 600 111 222",
    )  # fmt: skip
    second = chat_leave_message(
        name="Ana", email="ana@example.test", body="Y también el pedido 88", callback=True,
        phone="+34 600 111 222",
    )  # fmt: skip
    assert (second.case_id, second.callback_id, second.callback_error) == (
        first.case_id,
        first.callback_id,
        "",
    )
    assert CallbackRequest.objects.filter(customer=customer).count() == 1
    bodies = list(
        Message.objects.filter(case_id=first.case_id, kind=Message.Kind.INBOUND).values_list(
            "body", flat=True
        )
    )
    assert "Y también el pedido 88" in bodies
