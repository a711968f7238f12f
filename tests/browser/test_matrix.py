"""The value–irritant matrix in a real browser, on the demo shop: a manager sees every rated
reason in its quadrant with its contacts and cost, the flagged ones, rates a reason that was
still to rate, and reads the change in the reason's history — in Spanish and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD
from motivo.costs.models import ChannelCost
from motivo.costs.services import channel_cost_set
from motivo.demo import catalog
from motivo.demo.seed import demo_seed_base
from motivo.reasons.models import Action, Reason, ReasonEvent

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
    if not ChannelCost.objects.exists():  # the demo sets channel costs; make sure of it
        start = timezone.localdate() - dt.timedelta(days=400)
        for channel in ("email", "chat", "phone", "web", "portal"):
            channel_cost_set(channel=channel, effective_from=start, per_contact="3", actor=None)


def test_matrix_in_spanish_and_english(new_page, shot, supervisor, demo_shop):
    rated = Reason.objects.exclude(customer_rating=None)
    assert rated.count() == len(catalog.RATINGS)
    to_rate = Reason.objects.get(name="Mi producto se ha estropeado")
    assert to_rate.customer_rating is None and to_rate.owner_person is not None

    page = new_page(locale="es-ES")
    sign_in(page, supervisor.username)
    page.goto("/reasons/")
    page.locator("[data-testid=matrix-link]").click()
    grid = page.locator("[data-testid=matrix-grid]")
    grid.wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    for action in Action.values:
        quadrant = page.locator(f"[data-testid=quadrant-{action}]")
        expected = [r for r in rated if r.quadrant == action]
        assert quadrant.locator("li.vi-chip").count() == len(expected) > 0
    flagged = [r for r in rated.select_related("category") if r.flagged]
    assert len(flagged) == 2
    assert page.locator(".vi-chip.flagged").count() == 2
    assert page.locator("[data-testid=kpi-flagged] strong").inner_text().strip() == "2"
    where = page.locator("[data-testid=quadrant-eliminate] li.vi-chip").first.inner_text()
    assert "¿Dónde está mi pedido?" in where and "EUR" in where  # the costliest reason first
    shot(page, "matrix-es")

    # Rate the reason that was still to rate, straight from the matrix.
    row = page.locator(f"[data-testid=to-rate] tr[data-reason='{to_rate.pk}']")
    row.locator("select[name=customer_rating]").select_option("-2")
    row.locator("select[name=company_rating]").select_option("-1")
    row.locator("button[type=submit]").click()
    page.locator(f"[data-testid=quadrant-eliminate] li[data-reason='{to_rate.pk}']").wait_for()
    to_rate.refresh_from_db()
    assert (to_rate.customer_rating, to_rate.company_rating) == (-2, -1)
    assert to_rate.quadrant == Action.ELIMINATE and to_rate.flagged  # its action is simplify
    event = ReasonEvent.objects.get(reason=to_rate, kind="rated")
    assert event.actor == supervisor

    # Its edit page flags it and shows the change in the history.
    page.goto(f"/reasons/{to_rate.pk}/edit/")
    page.locator("[data-testid=flag]").wait_for()
    assert page.locator("[data-testid=history] li[data-kind=rated]").count() == 1
    shot(page, "matrix-reason-es")

    english = new_page(locale="en-US")
    sign_in(english, supervisor.username)
    english.goto("/reasons/matrix/?sort=volume")
    english.locator("[data-testid=matrix-grid]").wait_for()
    assert "Value–irritant matrix" in english.locator("h1").inner_text()
    assert english.locator(".vi-chip.flagged").count() == 3
    shot(english, "matrix-en")
