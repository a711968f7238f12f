"""The phone channel in a real browser: an agent logs a call on a case, a customer asks for a
callback in the portal, and the agent works the callback queue; the live-calls page shows a
ringing caller with their history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.cases.models import Case
from motivo.customers.models import Customer
from motivo.voice.models import Call, CallbackRequest
from motivo.voice.services import telephony_event
from tests.browser.test_journey import sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _windows() -> tuple[tuple[dt.time, dt.time], tuple[dt.time, dt.time]]:
    """A window open now, and one that is not, in the company's time zone (no window may
    cross midnight: the customer model keeps them ordered)."""
    now = timezone.localtime()
    start = (now - dt.timedelta(hours=1)).time() if now.hour >= 1 else dt.time(0, 0)
    end = (now + dt.timedelta(hours=1)).time() if now.hour < 23 else dt.time(23, 59, 59)
    later = (
        ((now + dt.timedelta(hours=2)).time(), (now + dt.timedelta(hours=3)).time())
        if now.hour < 20
        else (dt.time(1, 0), dt.time(2, 0))
    )
    return (start.replace(microsecond=0), end.replace(microsecond=0)), (
        later[0].replace(second=0, microsecond=0),
        later[1].replace(second=0, microsecond=0),
    )


def _sign_in_customer(page, user, live_server) -> None:
    """Put a signed-in session of `user` into the browser (the magic link is tested in
    test_journey.py)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_agent_logs_a_call_and_works_the_callback_queue(new_page, shot, live_server, agent, ingest):
    now_window, later_window = _windows()
    lucia = Customer.objects.get(
        pk=ingest(phone="+34 600 111 222", name="Lucía Prieto", channel="phone",
                  subject="No me llega la factura").customer_id
    )  # fmt: skip
    Customer.objects.filter(pk=lucia.pk).update(
        callback_allowed=True, callback_from=now_window[0], callback_to=now_window[1]
    )
    tomas = Customer.objects.get(
        pk=ingest(phone="+34 633 000 111", name="Tomás Vidal", channel="phone").customer_id
    )
    Customer.objects.filter(pk=tomas.pk).update(
        callback_allowed=True, callback_from=later_window[0], callback_to=later_window[1]
    )
    case = Case.objects.get(customer=lucia)

    # 1. The agent logs an outgoing call on the case from the case page's phone panel.
    desk = new_page(locale="en-US")
    sign_in_staff(desk, agent.username)
    desk.goto(f"/cases/{case.pk}/")
    panel = desk.locator("[data-testid=phone-panel]")
    panel.locator("summary", has_text="Log a call").click()
    form = panel.locator("[data-testid=call-form]")
    form.get_by_label("Outgoing").check()
    form.locator("input[name=duration]").fill("3:15")
    form.locator("select[name=outcome]").select_option("callback_promised")
    form.locator("textarea[name=notes]").fill("Le reenvío la factura por correo hoy.")
    form.locator("button[type=submit]").click()
    desk.locator("[data-testid=case-calls]").wait_for()
    assert "3:15" in desk.locator("[data-testid=case-calls]").inner_text()
    desk.get_by_text("Le reenvío la factura por correo hoy.").first.wait_for()
    call = Call.objects.get(case=case)
    assert (call.direction, call.duration_seconds, call.agent_id) == ("out", 195, agent.pk)
    assert call.contact is None  # an outgoing call is not a contact
    panel.scroll_into_view_if_needed()
    shot(desk, "phone-01-case-panel")

    # 2. Two customers ask for a callback in the portal; one of them is shown the form.
    for person, email in ((lucia, "lucia@example.test"), (tomas, "tomas@example.test")):
        user = user_create(username=email, role=Role.CUSTOMER, email=email, password=PASSWORD)
        Customer.objects.filter(pk=person.pk).update(user=user)
        portal = new_page(locale="es-ES")
        _sign_in_customer(portal, user, live_server)
        portal.goto("/portal/")
        portal.locator("[data-testid=call-me-back]").click()
        portal.locator("[data-testid=callback-window]").wait_for()
        portal.locator("textarea[name=note]").fill("Prefiero hablarlo por teléfono.")
        if person == lucia:
            shot(portal, "phone-02-portal-callback-form")
        portal.locator("[data-testid=callback-form] button[type=submit]").click()
        portal.locator("[data-testid=my-callbacks]").wait_for()
        if person == lucia:
            shot(portal, "phone-03-portal-callback-sent")
    assert CallbackRequest.objects.count() == 2

    # 3. The agent works the queue: only Lucía's window is open now; Tomás's is shown later.
    desk.goto("/voice/callbacks/")
    rows = desk.locator("[data-testid=callback-row]")
    rows.first.wait_for()
    assert "Lucía Prieto" in rows.nth(0).inner_text()
    assert rows.nth(1).locator("[data-testid=later]").count() == 1
    assert rows.nth(1).get_by_role("button", name="Take").count() == 0
    shot(desk, "phone-04-callback-queue")
    rows.nth(0).get_by_role("button", name="Take").click()
    desk.locator("[data-testid=callback-log-form]").wait_for()
    assert desk.locator("[data-testid=callback-number]").inner_text() == "+34600111222"
    shot(desk, "phone-05-callback-work")
    log = desk.locator("[data-testid=callback-log-form]")
    log.locator("input[name=duration]").fill("2:40")
    log.locator("select[name=outcome]").select_option("resolved")
    log.locator("textarea[name=notes]").fill("Factura reenviada y confirmada.")
    log.locator("button[type=submit]").click()
    desk.locator("[data-testid=callback-queue]").wait_for()
    lucia_callback = CallbackRequest.objects.get(customer=lucia)
    assert lucia_callback.status == "done"
    assert lucia_callback.calls.get().duration_seconds == 160

    # 4. A call rings: the live page shows the caller's card and history, and refreshes.
    desk.goto("/voice/live/")
    desk.locator("[data-testid=no-live-calls]").wait_for()
    telephony_event(event="started", call_id="pbx-1", from_number="+34 633 000 111")
    desk.locator("[data-testid=live-call]").wait_for(timeout=10_000)  # htmx polling
    assert "Tomás Vidal" in desk.locator("[data-testid=live-call]").inner_text()
    shot(desk, "phone-06-live-calls")
