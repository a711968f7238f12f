"""Cost and chargeback in a real browser, on the demo shop: a manager reads and changes the
cost per contact, reads last month's chargeback statement (Spanish and English, screen and
print) and an agent records goodwill on a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD
from motivo.cases.models import Contact
from motivo.costs.models import ChannelCost, Goodwill
from motivo.costs.selectors import chargeback
from motivo.demo.seed import demo_seed_base

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def demo_shop(db):
    demo_seed_base(seed=1, today=timezone.localdate(), customers=150, contacts=1500)


def _last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_costs_page_and_chargeback_statement(new_page, shot, supervisor, demo_shop):
    page = new_page(locale="es-ES")
    sign_in(page, supervisor.username)
    page.goto("/costs/")
    assert page.locator("html").get_attribute("lang") == "es"
    rows = page.locator("[data-testid=current-costs] tbody tr")
    assert rows.count() == 5
    assert "6,00 EUR" in page.locator("tr[data-channel=phone]").inner_text()
    # a change from tomorrow on: scheduled, today's cost unchanged
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.select_option("#id_channel", "email")
    page.fill("#id_effective_from", tomorrow.isoformat())
    page.fill("#id_per_contact", "4.20")
    page.fill("#id_note", "Nuevo contrato")
    page.locator("[data-testid=cost-form] button[type=submit]").click()
    page.wait_for_url("**/costs/")
    email = page.locator("tr[data-channel=email]").inner_text()
    assert "4,00 EUR" in email and "4,20 EUR" in email
    assert ChannelCost.objects.filter(channel="email").count() == 2
    shot(page, "costs-channel-costs-es")

    month = _last_month()
    statement = chargeback(month=month)
    assert statement.departments and statement.cost > 0
    page.goto(f"/costs/chargeback/?month={month:%Y-%m}")
    departments = page.locator("[data-testid=department]")
    assert departments.count() == len(statement.departments)
    first = statement.departments[0]
    total = departments.first.locator("[data-testid=department-total]").inner_text()
    assert total.replace(".", "").replace(",", ".").split()[0] == f"{first.cost:.2f}"
    shot(page, "costs-chargeback-es")

    english = new_page(locale="en-GB")
    sign_in(english, supervisor.username)
    english.goto(f"/costs/chargeback/?month={month:%Y-%m}")
    assert english.locator("html").get_attribute("lang") == "en"
    assert "Chargeback statement" in english.locator("h1").inner_text()
    shot(english, "costs-chargeback-en")
    english.emulate_media(media="print")
    assert not english.locator(".topbar").is_visible()
    assert not english.locator("[data-testid=csv-link]").is_visible()
    shot(english, "costs-chargeback-print-en")


def test_agent_records_goodwill_on_a_case(new_page, shot, agent, reason, ingest):
    case_id = ingest(reason=reason, subject="Paquete roto").case_id
    page = new_page(locale="en-GB")
    sign_in(page, agent.username)
    page.goto(f"/cases/{case_id}/")
    panel = page.locator("[data-testid=goodwill-panel]")
    panel.locator("summary").click()
    panel.locator("#goodwill_amount").fill("15.00")
    panel.locator("#goodwill_note").fill("Voucher for the broken parcel")
    panel.locator("button[type=submit]").click()
    page.wait_for_url(f"**/cases/{case_id}/#goodwill")
    assert "15.00 EUR" in page.locator("[data-testid=goodwill-list]").inner_text()
    given = Goodwill.objects.get()
    assert given.contact == Contact.objects.get(case_id=case_id) and given.reason == reason
    page.locator("#goodwill").scroll_into_view_if_needed()
    shot(page, "costs-goodwill-en")
