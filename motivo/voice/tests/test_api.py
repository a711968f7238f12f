"""API: callback requests and the queue, and the telephony webhook (auth, idempotency,
errors naming the field)."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from motivo.accounts.models import Notification
from motivo.api.tests.helpers import error_of, post_json, session_client
from motivo.cases.models import Case, CaseEvent, Contact
from motivo.customers.models import Customer
from motivo.voice.api import signature_for
from motivo.voice.models import Call, CallbackRequest
from motivo.voice.tests.conftest import madrid

CALLBACKS = "/api/v1/callbacks"
EVENTS = "/api/v1/telephony/events"
SECRET = "s3cret-telephony"


@pytest.fixture
def customer_client(customer_user, clock):
    user, customer = customer_user
    customer.callback_allowed = True
    customer.callback_from, customer.callback_to = (
        madrid(2026, 1, 1, 9).time(),
        madrid(2026, 1, 1, 12).time(),
    )
    customer.save()
    clock(madrid(2026, 5, 4, 10, 0))
    return session_client(user)


# --------------------------------------------------------------------------- callbacks


def test_customer_asks_for_a_callback_with_a_new_number(customer_client, customer_user):
    response = post_json(customer_client, CALLBACKS, {"phone": "+34 611 222 333", "note": "Hola"})
    assert response.status_code == 201, response.content
    body = response.json()
    customer = customer_user[1]
    assert body["customer_id"] == customer.pk and body["phone"] == "+34611222333"
    assert body["open_now"] is True and body["source"] == "api"
    assert customer.identities.filter(kind="phone").count() == 1
    again = post_json(customer_client, CALLBACKS, {})
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_customer_session_needs_the_csrf_token(customer_user, customer_client):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_user[0])
    response = post_json(client, CALLBACKS, {"phone": "+34 611 222 333"})
    assert response.status_code == 403
    assert CallbackRequest.objects.count() == 0


def test_customer_cannot_ask_for_someone_else(customer_client, customer_user, ingest):
    other = ingest(phone="+34 699 000 000")
    response = post_json(customer_client, CALLBACKS, {"customer_id": other.customer_id})
    assert response.status_code == 403
    response = post_json(
        customer_client, CALLBACKS, {"case_id": other.case_id, "phone": "+34 611 222 333"}
    )
    assert response.status_code == 404


def test_callback_refused_names_the_field(customer_client, customer_user):
    response = post_json(customer_client, CALLBACKS, {})
    assert response.status_code == 422
    assert error_of(response)["field"] == "phone"
    response = post_json(customer_client, CALLBACKS, {"phone": "12"})
    assert error_of(response)["field"] == "phone"
    response = post_json(customer_client, CALLBACKS, {"phone": "+34 611 222 333", "x": 1})
    assert response.status_code == 422 and error_of(response)["field"] == "x"


def test_a_refused_request_does_not_keep_the_number_either(customer_client, customer_user):
    """All or nothing: the number given with a refused request is not stored."""
    Customer.objects.filter(pk=customer_user[1].pk).update(callback_allowed=False)
    response = post_json(customer_client, CALLBACKS, {"phone": "+34 611 222 333"})
    assert response.status_code == 422 and error_of(response)["field"] == "callback_allowed"
    assert not customer_user[1].identities.filter(kind="phone").exists()


def test_staff_asks_for_a_customer_and_reads_the_queue(api, caller, clock):
    clock(madrid(2026, 5, 4, 10, 0))
    response = post_json(api, CALLBACKS, {})
    assert response.status_code == 422 and error_of(response)["field"] == "customer_id"
    response = post_json(api, CALLBACKS, {"customer_id": caller.pk, "note": "VIP"})
    assert response.status_code == 201
    queue = api.get(CALLBACKS)
    assert queue.status_code == 200
    [item] = queue.json()
    assert item["id"] == response.json()["id"] and item["open_now"] is True
    assert item["window_start"].startswith("2026-05-04T07:00:00")  # 09:00 in Madrid


def test_customers_cannot_read_the_queue(customer_client):
    assert customer_client.get(CALLBACKS).status_code == 403


# --------------------------------------------------------------------------- telephony webhook


def event(**overrides):
    payload = {
        "event": "started",
        "call_id": "c-1",
        "from": "+34 600 111 222",
        "to": "+34 910 000 000",
    }
    payload.update(overrides)
    return payload


def signed(client: Client, payload, *, secret=SECRET, timestamp=None, body=None):
    raw = body if body is not None else json.dumps(payload).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "X-Motivo-Timestamp": stamp,
        "X-Motivo-Signature": "sha256=" + signature_for(secret=secret, timestamp=stamp, body=raw),
    }
    return client.post(EVENTS, data=raw, content_type="application/json", headers=headers)


@pytest.fixture
def hook(settings) -> Client:
    settings.MOTIVO_TELEPHONY_SECRET = SECRET
    return Client()


def test_started_creates_call_contact_and_is_idempotent(hook, caller):
    response = signed(hook, event())
    assert response.status_code == 201, response.content
    body = response.json()
    call = Call.objects.get(external_call_id="c-1")
    assert body["created"] is True and body["state"] == "ringing"
    assert call.customer == caller and call.contact.channel == "phone"  # same customer by number
    counts = (Call.objects.count(), Contact.objects.count(), Case.objects.count())
    again = signed(hook, event())
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == call.pk
    assert (Call.objects.count(), Contact.objects.count(), Case.objects.count()) == counts


def test_unknown_caller_becomes_a_customer(hook, db):
    signed(hook, event(**{"from": "+34 677 888 999"}))
    assert Customer.objects.filter(identities__value="+34677888999").count() == 1


def test_answered_and_ended(hook, caller, agent):
    signed(hook, event(at="2026-05-04T10:00:00+02:00"))
    response = signed(
        hook, event(event="answered", agent="agent@x.test", at="2026-05-04T10:00:05+02:00")
    )
    assert response.status_code == 200 and response.json()["agent_id"] == agent.pk
    call = Call.objects.get(external_call_id="c-1")
    assert call.state == "active" and call.agent == agent
    notification = Notification.objects.get(user=agent, kind=Notification.Kind.CALL_ANSWERED)
    assert notification.case_id == call.case_id
    signed(hook, event(event="answered", agent="agent"))  # repeated: nothing new
    assert Notification.objects.filter(user=agent).count() == 1
    response = signed(hook, event(event="ended", at="2026-05-04T10:04:05+02:00"))
    assert response.json()["duration_seconds"] == 240 and response.json()["state"] == "ended"
    signed(hook, event(event="ended", at="2026-05-04T10:09:05+02:00"))
    call.refresh_from_db()
    assert call.duration_seconds == 240
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.CALL_LOGGED, case=call.case).count() == 1


def test_unanswered_call_ends_as_no_answer(hook, caller):
    signed(hook, event(event="ended", call_id="c-9"))  # out of order: recorded first
    call = Call.objects.get(external_call_id="c-9")
    assert (call.state, call.outcome, call.duration_seconds) == ("ended", "no_answer", 0)


def test_bearer_token_of_staff_is_accepted(api, caller):
    assert post_json(api, EVENTS, event()).status_code == 201


def _signature_of_another_body(client: Client, payload):
    """Signed for one body, sent with another (call_id changed on the way)."""
    stamp = str(int(time.time()))
    good = signature_for(secret=SECRET, timestamp=stamp, body=json.dumps(payload).encode())
    return client.post(
        EVENTS,
        data=json.dumps({**payload, "call_id": "c-2"}),
        content_type="application/json",
        headers={"X-Motivo-Timestamp": stamp, "X-Motivo-Signature": f"sha256={good}"},
    )


def _odd_headers(timestamp: str, signature: str):
    """Headers a broken or hostile sender might send: each is a 401, never a 500."""

    def send(client: Client, payload):
        return client.post(
            EVENTS,
            data=json.dumps(payload),
            content_type="application/json",
            headers={"X-Motivo-Timestamp": timestamp, "X-Motivo-Signature": signature},
        )

    return send


@pytest.mark.parametrize(
    "send",
    [
        lambda c, p: c.post(EVENTS, data=json.dumps(p), content_type="application/json"),
        lambda c, p: signed(c, p, secret="wrong"),
        lambda c, p: signed(c, p, timestamp=int(time.time()) - 3600),
        _signature_of_another_body,
        _odd_headers(str(int(time.time())), "sha256=caf\u00e9"),
        _odd_headers("\u00b2", "sha256=00"),
        _odd_headers("9" * 5000, "sha256=00"),
    ],
    ids=[
        "unsigned",
        "wrong-secret",
        "too-old",
        "body-changed",
        "non-ascii-signature",
        "superscript-timestamp",
        "huge-timestamp",
    ],
)
def test_unauthenticated_deliveries_are_refused(hook, caller, send):
    response = send(hook, event())
    assert response.status_code == 401
    assert Call.objects.count() == 0


def test_signature_is_refused_when_no_secret_is_set(settings, caller):
    settings.MOTIVO_TELEPHONY_SECRET = ""
    assert signed(Client(), event(), secret="").status_code == 401


def test_customer_session_cannot_post_events(customer_user):
    client = session_client(customer_user[0])
    assert post_json(client, EVENTS, event()).status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"event": "started", "from": "+34 600 111 222"}, "call_id"),
        ({"event": "hung-up", "call_id": "x", "from": "+34 600 111 222"}, "event"),
        ({"event": "started", "call_id": "x"}, "from"),
        ({"event": "started", "call_id": "x", "from": "12"}, "from"),
        ({"event": "started", "call_id": "x", "from": "+34 600 111 222", "at": "yesterday"}, "at"),
        (
            {"event": "answered", "call_id": "x", "from": "+34 600 111 222", "agent": "nobody"},
            "agent",
        ),
    ],
)
def test_bad_payloads_answer_json_naming_the_field(hook, caller, payload, field):
    response = signed(hook, payload)
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field
    assert Call.objects.count() == 0


def test_malformed_json_is_a_json_error(hook):
    response = signed(hook, None, body=b"{not json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed"


def test_unknown_fields_of_a_telephony_event_are_ignored(hook, caller):
    response = signed(hook, event(provider_data={"queue": "sales"}))
    assert response.status_code == 201
