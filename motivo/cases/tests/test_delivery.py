"""Which channel a reply goes out on (cases.delivery), what the case page says about it,
and that case_reply follows it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from motivo.cases.delivery import reply_channel, reply_email_resend, reply_route
from motivo.cases.models import Case
from motivo.cases.services import case_reply
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, Identity
from motivo.mail.models import InboundEmail, OutboundEmail


def _case(ingest, **kwargs) -> Case:
    return Case.objects.get(pk=ingest(**kwargs).case_id)


def _open_chat(case: Case, *, seen_minutes_ago: int = 0):
    from motivo.chat.models import ChatSession

    now = timezone.now()
    return ChatSession.objects.create(
        token_digest=f"{case.pk:064d}",
        customer=case.customer,
        case=case,
        name=case.customer.name,
        email="",
        language="en",
        status=ChatSession.Status.ACTIVE,
        started_at=now,
        updated_at=now,
        customer_seen_at=now - timezone.timedelta(minutes=seen_minutes_ago),
    )


def test_a_customer_with_an_email_address_gets_replies_by_email(ingest):
    case = _case(ingest, email="ann@example.test")
    route = reply_route(case=case)
    assert (route.channel, route.address, route.reason) == ("email", "ann@example.test", "email")
    assert reply_channel(case=case) == "email"


def test_email_wins_even_when_the_customer_prefers_phone(ingest):
    case = _case(ingest, email="ann@example.test")
    Customer.objects.filter(pk=case.customer_id).update(preferred_channel=Channel.PHONE)
    Identity.objects.create(customer_id=case.customer_id, kind="phone", value="+34600111222")
    assert reply_channel(case=case) == "email"


def test_the_address_the_customer_last_wrote_from_on_the_case_is_used(ingest):
    case = _case(ingest, email="ann@example.test")
    Identity.objects.create(customer_id=case.customer_id, kind="email", value="ann@work.test")
    assert reply_route(case=case).address == "ann@example.test"  # the first one
    InboundEmail.objects.create(
        raw=b"x",
        sha256="0" * 64,
        dedupe_key="m1@work.test",
        rfc_message_id="m1@work.test",
        transport=InboundEmail.Transport.LMTP,
        from_address="Ann@Work.test",
        received_at=timezone.now(),
        case=case,
    )
    assert reply_route(case=case).address == "ann@work.test"


def test_a_phone_only_customer_who_prefers_phone_is_called_not_mailed(
    ingest, agent, django_capture_on_commit_callbacks
):
    case = _case(ingest, channel="phone", phone="+34 600 111 222")
    Customer.objects.filter(pk=case.customer_id).update(preferred_channel=Channel.PHONE)
    route = reply_route(case=case)
    assert (route.channel, route.address, route.reason) == (None, "+34600111222", "phone")
    with django_capture_on_commit_callbacks(execute=True):
        message = case_reply(case=case, author=agent, body="Noted, we will call.")
    assert not OutboundEmail.objects.filter(message=message).exists()
    assert mail.outbox == []


def test_no_address_at_all(ingest):
    case = _case(ingest, channel="chat", chat="visitor-77")
    assert reply_route(case=case).reason == "no_address"
    assert reply_channel(case=case) is None


def test_a_live_chat_takes_the_reply_instead_of_email(
    ingest, agent, django_capture_on_commit_callbacks
):
    case = _case(ingest, email="ann@example.test")
    session = _open_chat(case)
    assert reply_route(case=case).channel == "chat"
    with django_capture_on_commit_callbacks(execute=True):
        case_reply(case=case, author=agent, body="Here in the chat.")
    assert mail.outbox == []
    session.status = session.Status.ENDED
    session.save(update_fields=["status"])
    assert reply_channel(case=case) == "email"


def test_an_idle_chat_does_not_count_as_live(ingest, settings):
    case = _case(ingest, email="ann@example.test")
    _open_chat(case, seen_minutes_ago=settings.MOTIVO_CHAT_IDLE_MINUTES + 5)
    assert reply_channel(case=case) == "email"


def test_an_email_reply_is_recorded_and_sent(ingest, agent, django_capture_on_commit_callbacks):
    case = _case(ingest, email="ann@example.test", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        message = case_reply(case=case, author=agent, body="We are on it.")
    email = OutboundEmail.objects.get(message=message)
    assert (email.kind, email.to, email.status, email.case_id) == (
        "reply",
        "ann@example.test",
        "sent",
        case.pk,
    )
    [sent] = mail.outbox
    assert sent.extra_headers["Message-ID"] == f"<{email.rfc_message_id}>"


def test_resend_is_refused_for_a_mail_that_did_not_fail(
    ingest, agent, django_capture_on_commit_callbacks
):
    case = _case(ingest, email="ann@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        message = case_reply(case=case, author=agent, body="We are on it.")
    email = OutboundEmail.objects.get(message=message)
    with pytest.raises(DomainError) as error:
        reply_email_resend(email=email, actor=agent)
    assert error.value.code == "conflict"
    assert OutboundEmail.objects.filter(message=message).count() == 1


# --------------------------------------------------------------------------- the case page


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"email": "ann@example.test"},
            "The customer gets it by email at ann@example.test, in English.",
        ),
        (
            {"channel": "phone", "phone": "+34 600 111 222"},
            "the customer has no e-mail address. Call them at +34600111222.",
        ),
        ({"channel": "chat", "chat": "visitor-9"}, "we have no e-mail address or phone number"),
    ],
)
def test_the_composer_says_where_the_reply_goes(ingest, agent, client, kwargs, expected):
    case = _case(ingest, language="en", **kwargs)
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert expected in page
    assert "The customer gets it by email, in" not in page


def test_the_composer_says_when_the_customer_is_in_the_chat(ingest, agent, client):
    case = _case(ingest, email="ann@example.test")
    _open_chat(case)
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "The customer is in the chat" in page


def test_the_conversation_shows_each_reply_delivery(
    ingest, agent, client, django_capture_on_commit_callbacks
):
    case = _case(ingest, email="ann@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        case_reply(case=case, author=agent, body="First.")
    pending = case_reply(case=case, author=agent, body="Second.")  # not committed: no mail yet
    OutboundEmail.objects.create(
        case=case, message=pending, kind="reply", rfc_message_id="p@x", to="ann@example.test"
    )
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert page.count('data-testid="delivery"') == 2
    assert "E-mailed to ann@example.test" in page
    assert "Being e-mailed to ann@example.test" in page
    assert "delivery-retry" not in page


def test_replying_to_a_phone_only_customer_says_it_was_not_sent(
    ingest, agent, client, django_capture_on_commit_callbacks
):
    case = _case(ingest, channel="phone", phone="+34 600 111 222")
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:reply", args=[case.pk]), {"body": "Call booked."}, follow=True
        )
    page = response.content.decode()
    assert "Reply saved on the case; it was not sent to the customer." in page
    assert not OutboundEmail.objects.exists()
