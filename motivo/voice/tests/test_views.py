"""Phone pages: the case panel, logging calls, the queue, live calls and the portal's
"Call me back"; a GET never changes anything and every POST needs the CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from motivo.accounts.models import Notification
from motivo.cases.models import Case, CaseEvent, Contact, Message
from motivo.customers.models import Customer, Identity
from motivo.voice.models import Call, CallbackRequest
from motivo.voice.services import callback_request, telephony_event
from motivo.voice.tests.conftest import madrid


def _snapshot() -> tuple:
    return (
        Call.objects.count(),
        list(CallbackRequest.objects.order_by("pk").values()),
        Case.objects.count(),
        Contact.objects.count(),
        Message.objects.count(),
        CaseEvent.objects.count(),
        Customer.objects.count(),
        Identity.objects.count(),
        Notification.objects.count(),
    )


def _case(customer: Customer) -> Case:
    return Case.objects.filter(customer=customer).latest("pk")


@pytest.fixture
def queue(caller, ingest, clock) -> tuple[CallbackRequest, CallbackRequest]:
    """At 10:00 in Madrid: one callback whose window is open, one that opens at 16:00."""
    clock(madrid(2026, 5, 4, 10, 0))
    later = Customer.objects.get(pk=ingest(phone="+34 633 000 111", name="Tomás").customer_id)
    Customer.objects.filter(pk=later.pk).update(
        callback_allowed=True, callback_from="16:00", callback_to="18:00"
    )
    return callback_request(customer=caller), callback_request(customer=later)


def test_pages_are_for_staff(client, customer_user, caller):
    client.force_login(customer_user[0])
    for name, args in [
        ("voice:callbacks", []),
        ("voice:live", []),
        ("voice:call_new", []),
        ("voice:case_call", [_case(caller).pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403
    anonymous = Client().get(reverse("voice:callbacks"))
    assert anonymous.status_code == 302


def test_case_page_shows_the_phone_panel(agent_client, caller, clock):
    clock(madrid(2026, 5, 4, 10, 0))
    callback_request(customer=caller, case=_case(caller))
    html = agent_client.get(reverse("cases:detail", args=[_case(caller).pk])).content.decode()
    assert 'data-testid="phone-panel"' in html and 'data-testid="call-form"' in html
    assert reverse("voice:case_call", args=[_case(caller).pk]) in html
    assert 'value="+34600111222"' in html  # the number is filled in
    assert 'data-testid="case-callbacks"' in html and "09:00–12:00" in html


def test_log_a_call_from_the_case_page(agent_client, caller):
    case = _case(caller)
    response = agent_client.post(
        reverse("voice:case_call", args=[case.pk]),
        {"direction": "out", "duration": "2:05", "outcome": "resolved", "notes": "Hecho"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/{case.pk}/#phone")
    call = Call.objects.get()
    assert (call.direction, call.duration_seconds, call.case) == ("out", 125, case)
    page = agent_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="case-calls"' in page and "2:05" in page


def test_refused_call_keeps_the_input(agent_client, caller):
    case = _case(caller)
    response = agent_client.post(
        reverse("voice:case_call", args=[case.pk]),
        {"direction": "in", "duration": "4 minutos", "notes": "No lo pierdas"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "minutes:seconds" in html and "No lo pierdas" in html
    assert Call.objects.count() == 0


def test_posts_need_the_csrf_token(agent, caller, queue):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = _snapshot()
    posts = [
        (reverse("voice:case_call", args=[_case(caller).pk]), {"direction": "in"}),
        (reverse("voice:call_new"), {"phone": "+34 600 000 000", "direction": "in"}),
        (reverse("voice:callback_claim", args=[queue[0].pk]), {}),
        (reverse("portal:callback"), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert _snapshot() == before


def test_gets_change_nothing(agent_client, caller, queue):
    telephony_event(event="started", call_id="live-1", from_number="+34 600 111 222")
    before = _snapshot()
    for url in [
        reverse("voice:callbacks"),
        reverse("voice:live"),
        reverse("voice:call_new") + "?phone=%2B34%20699%20999%20999",
        reverse("voice:call_new") + f"?customer={caller.pk}",
        reverse("voice:case_call", args=[_case(caller).pk]),
        reverse("voice:callback", args=[queue[0].pk]),
        reverse("cases:detail", args=[_case(caller).pk]),
    ]:
        assert agent_client.get(url).status_code == 200, url
    assert _snapshot() == before
    assert agent_client.post(reverse("voice:live")).status_code == 405


def test_queue_offers_only_open_windows(agent_client, queue):
    open_now, later = queue
    html = agent_client.get(reverse("voice:callbacks")).content.decode()
    assert reverse("voice:callback_claim", args=[open_now.pk]) in html
    assert reverse("voice:callback_claim", args=[later.pk]) not in html
    assert "later, from 16:00" in html
    assert html.index("Lucía") < html.index("Tomás")  # earliest window first


def test_take_call_and_log_a_callback(agent_client, agent, queue):
    callback = queue[0]
    response = agent_client.post(reverse("voice:callback_claim", args=[callback.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("voice:callback", args=[callback.pk])
    page = agent_client.get(response["Location"]).content.decode()
    assert 'data-testid="callback-log-form"' in page and "tel:+34600111222" in page
    response = agent_client.post(
        reverse("voice:callback", args=[callback.pk]),
        {"result": "done", "duration": "3", "outcome": "resolved", "notes": "Todo bien"},
    )
    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.status == "done" and callback.calls.get().duration_seconds == 180


def test_a_closed_window_cannot_be_taken_by_posting(agent_client, queue):
    response = agent_client.post(reverse("voice:callback_claim", args=[queue[1].pk]), follow=True)
    assert "has not opened yet" in response.content.decode()
    queue[1].refresh_from_db()
    assert queue[1].status == "pending"


def test_new_call_by_number_looks_up_then_logs(agent_client, caller):
    found = agent_client.get(reverse("voice:call_new") + "?phone=600999999").content.decode()
    assert "No customer has this number" in found
    for written in ("%2B34600111222", "600111222", "600+11+12+22"):  # the same number
        found = agent_client.get(reverse("voice:call_new") + f"?phone={written}").content.decode()
        assert "Lucía" in found and 'data-testid="history"' in found, written
    response = agent_client.post(
        reverse("voice:call_new"),
        {"phone": "+34 688 123 456", "name": "Nueva", "direction": "in", "duration": "1:00"},
    )
    assert response.status_code == 302
    call = Call.objects.get()
    assert call.customer.name == "Nueva" and call.contact is not None


def test_new_outgoing_call_without_a_case_is_refused_on_the_page(agent_client):
    response = agent_client.post(
        reverse("voice:call_new"), {"phone": "+34 688 123 456", "direction": "out"}
    )
    assert response.status_code == 400
    assert "choose the case" in response.content.decode()
    assert Customer.objects.count() == 0


def test_live_page_shows_the_caller_history_and_polls(agent_client, caller):
    telephony_event(event="started", call_id="live-1", from_number="+34 600 111 222")
    html = agent_client.get(reverse("voice:live")).content.decode()
    assert 'hx-trigger="every 4s"' in html and 'data-testid="live-call"' in html
    assert "Lucía" in html and 'data-testid="history"' in html
    partial = agent_client.get(reverse("voice:live"), headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b'data-testid="live-call"' in partial.content
    telephony_event(event="ended", call_id="live-1", from_number="+34 600 111 222")
    assert b'data-testid="no-live-calls"' in agent_client.get(reverse("voice:live")).content


def test_wrap_up_an_answered_call(agent_client, agent, caller):
    number = "+34 600 111 222"
    telephony_event(event="answered", call_id="w-1", from_number=number, agent="agent")
    telephony_event(event="ended", call_id="w-1", from_number=number)
    html = agent_client.get(reverse("voice:live")).content.decode()
    assert 'data-testid="wrap-up"' in html
    call = Call.objects.get()
    response = agent_client.post(
        reverse("voice:call_wrap_up", args=[call.pk]), {"outcome": "resolved", "notes": "Ok"}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.outcome == "resolved"
    assert call.case.messages.filter(kind="note", body__contains="Ok").exists()


# --------------------------------------------------------------------------- portal


@pytest.fixture
def portal(client, customer_user, clock):
    user, customer = customer_user
    clock(madrid(2026, 5, 4, 10, 0))
    client.force_login(user)
    return client, customer


def test_portal_explains_when_calls_are_off(portal):
    client, _customer = portal
    html = client.get(reverse("portal:callback")).content.decode()
    assert 'data-testid="callback-off"' in html and reverse("portal:preferences") in html
    response = client.post(reverse("portal:callback"), {"phone": "+34 611 000 000"})
    assert response.status_code == 400 and "switched off" in response.content.decode()
    assert CallbackRequest.objects.count() == 0
    # All or nothing: the number typed with the refused request is not stored either.
    assert not Identity.objects.filter(customer=_customer, kind="phone").exists()


def test_portal_call_me_back(portal):
    client, customer = portal
    Customer.objects.filter(pk=customer.pk).update(
        callback_allowed=True, callback_from="09:00", callback_to="12:00"
    )
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:callback") in home
    page = client.get(reverse("portal:callback")).content.decode()
    assert "between 09:00 and 12:00" in page and 'name="phone"' in page
    response = client.post(reverse("portal:callback"), {"phone": "+34 611 000 000", "note": "Hola"})
    assert response.status_code == 302
    callback = CallbackRequest.objects.get()
    assert callback.customer == customer and callback.source == "portal"
    assert callback.requested_by == customer.user and callback.phone == "+34611000000"
    page = client.get(reverse("portal:callback")).content.decode()
    assert 'data-testid="my-callbacks"' in page and 'name="phone"' not in page


def test_portal_callback_about_a_case_of_someone_else_is_404(portal, ingest):
    client, customer = portal
    other = ingest(email="otra@example.test")
    assert client.get(reverse("portal:callback") + f"?case={other.case_id}").status_code == 404
    mine = _case(customer)
    assert client.get(reverse("portal:callback") + f"?case={mine.pk}").status_code == 200
