"""Reason suggestions in a real browser, on the demo shop: an agent opens a case, sees the
model's suggestions first with their confidence and confirms the top one; a supervisor reads
the quality page and the model page, tries a text and asks for a retraining."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from motivo.cases.models import ACTIVE_STATUSES, Contact
from motivo.demo.seed import demo_seed_base
from motivo.suggest.demo import suggest_demo_seed
from motivo.suggest.models import Confirmation, ContactPrediction, ModelVersion
from tests.browser.test_dashboards import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_shop(db):
    demo_seed_base(seed=1, today=timezone.localdate(), customers=150, contacts=1500)
    report = suggest_demo_seed(per_reason=4, history_per_week=5, open_contacts=40)
    assert report.version.status == ModelVersion.Status.ACTIVE
    return report


def test_agent_confirms_a_suggestion_and_managers_read_the_quality(
    new_page, shot, agent, supervisor, demo_shop
):
    contact = (
        Contact.objects.filter(case__status__in=ACTIVE_STATUSES, prediction__isnull=False)
        .order_by("-pk")
        .first()
    )
    top = ContactPrediction.objects.select_related("reason_1").get(contact=contact).reason_1

    page = new_page(locale="es-ES")
    sign_in(page, agent.username)
    page.goto(f"/cases/{contact.case_id}/#contacts")
    item = page.locator("[data-testid=contact]").filter(
        has=page.locator(f"form[action='/suggest/contacts/{contact.pk}/confirm/']")
    )
    buttons = item.locator("[data-testid=suggestion]")
    buttons.first.wait_for()
    assert buttons.count() == 3
    first = buttons.first.inner_text()
    assert top.name in first and re.search(r"\d+\s%", first)
    item.scroll_into_view_if_needed()
    shot(page, "suggest-case-es")

    buttons.first.click()
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    item.locator("[data-testid=confirmed]").wait_for()
    contact.refresh_from_db()
    assert contact.reason_id == top.pk
    confirmation = Confirmation.objects.get(contact=contact)
    assert confirmation.kept and confirmation.actor_id == agent.pk
    item.scroll_into_view_if_needed()
    shot(page, "suggest-case-confirmed-es")

    manager = new_page(locale="en-GB")
    sign_in(manager, supervisor.username)
    manager.goto("/suggest/quality/")
    manager.locator("[data-testid=quality-chart] svg").wait_for()
    assert manager.locator("[data-testid=quality-reasons] tbody tr").count() >= 3
    assert "%" in manager.locator("[data-testid=kpi-kept] strong").inner_text()
    shot(manager, "suggest-quality-en")

    manager.goto("/suggest/model/")
    manager.locator("[data-testid=versions]").wait_for()
    manager.fill("textarea[name=text]", "Me habéis cobrado dos veces el pedido")
    manager.locator("[data-testid=try-form] button[type=submit]").click()
    manager.locator("[data-testid=try-result]").wait_for()
    assert (
        "Me han cobrado dos veces"
        in manager.locator("[data-testid=try-result] li").first.inner_text()
    )
    shot(manager, "suggest-model-try-en")
    manager.locator("[data-testid=retrain]").click()
    manager.locator("[data-testid=pending]").wait_for()
    shot(manager, "suggest-model-en")

    spanish = new_page(locale="es-ES")
    sign_in(spanish, supervisor.username)
    spanish.goto("/suggest/quality/")
    spanish.locator("[data-testid=quality-pairs]").wait_for()
    assert spanish.locator("html").get_attribute("lang") == "es"
    shot(spanish, "suggest-quality-es")
