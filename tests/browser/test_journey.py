"""The whole loop in a real browser: a customer writes in through the portal, an agent finds
the case in the inbox, sets its reason and replies, the customer reads the reply, and a
manager sees that reason in the Pareto."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from conftest import PASSWORD
from motivo.cases.models import Case, Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "El paquete llegó abierto"
REPLY = "Lo sentimos mucho, Lucía: hoy mismo le enviamos uno nuevo."


def sign_in_staff(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()


def test_customer_agent_manager_journey(new_page, shot, agent, supervisor, reason):
    # 1. A customer asks for a sign-in link and submits a request in the portal.
    customer = new_page(locale="es-ES")
    customer.goto("/portal/login/")
    shot(customer, "01-portal-login")
    customer.fill("input[name=email]", "lucia@example.test")
    customer.locator("form button[type=submit]").click()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/portal/login/\S+", mail.outbox[0].body).group(0)
    customer.goto(link)
    customer.locator("form button[type=submit]").click()  # GET alone does not sign in
    customer.goto("/portal/new/")
    customer.fill("input[name=subject]", SUBJECT)
    customer.fill("textarea[name=body]", "La caja venía rota y falta una pieza del pedido 4471.")
    shot(customer, "02-portal-new-request")
    customer.locator("form button[type=submit]").click()
    customer.get_by_text(SUBJECT).first.wait_for()
    case = Case.objects.get(subject=SUBJECT)
    assert case.channel == "portal"

    # 2. An agent finds it in the inbox, sets the reason and replies.
    desk = new_page(locale="es-ES")
    sign_in_staff(desk, agent.username)
    desk.goto("/cases/")
    shot(desk, "03-inbox")
    row = desk.locator("tr", has_text=SUBJECT)
    row.locator("[data-testid=lacks-reason]").wait_for()
    row.get_by_role("link", name=SUBJECT).click()
    desk.locator("[data-testid=reason-missing]").wait_for()
    contact = desk.locator("[data-testid=contact]").first
    contact.locator("select[name=reason]").select_option(label=reason.name)
    contact.locator("button[type=submit]").click()
    desk.locator("[data-testid=reason-missing]").wait_for(state="detached")
    assert Contact.objects.get(case=case).reason_id == reason.pk
    desk.fill("#reply-body", REPLY)
    desk.locator("[data-testid=reply-form] button[type=submit]").click()
    desk.get_by_text(REPLY).first.wait_for()
    shot(desk, "04-case-page")

    # 3. The customer sees the reply on their case (and got it by e-mail).
    customer.goto(f"/portal/cases/{case.pk}/")
    customer.get_by_text(REPLY).first.wait_for()
    shot(customer, "05-portal-case")
    assert any(REPLY in message.body for message in mail.outbox)

    # 4. A manager sees the reason in the Pareto of top reasons (their home page).
    manager = new_page(locale="en-US")
    sign_in_staff(manager, supervisor.username)
    table = manager.locator("[data-testid=pareto-table]")
    table.wait_for()
    reason_row = table.locator(f"tr[data-reason='{reason.pk}']")
    assert reason.name in reason_row.inner_text()
    assert "1" in reason_row.locator("td.num").first.inner_text()
    manager.locator("[data-testid=pareto-chart] svg").wait_for()
    shot(manager, "06-pareto")
