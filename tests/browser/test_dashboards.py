"""The dashboards in a real browser, on the demo shop: a manager clicks a bar of the top
reasons chart and lands on the contacts behind it, follows a mover of the trend to its
contacts, and reads contacts per order — in Spanish and in English."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from conftest import PASSWORD
from motivo.cases.models import Contact
from motivo.demo.seed import demo_seed_base
from motivo.insights.models import BusinessVolume
from motivo.insights.selectors import local_day_bounds, pareto

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


def test_a_bar_drills_down_to_its_contacts(new_page, shot, supervisor, demo_shop):
    today = timezone.localdate()
    date_from = today - dt.timedelta(days=29)
    top = pareto(date_from=date_from, date_to=today)[0]

    page = new_page(locale="es-ES")
    sign_in(page, supervisor.username)
    page.goto("/insights/pareto/")
    page.locator("[data-testid=compare-chart] svg").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    shot(page, "dashboards-pareto-es")

    # the first bar of the Pareto chart is the top reason: click it
    page.locator("[data-testid=pareto-chart] svg a").first.click()
    page.wait_for_url(re.compile(r"/insights/contacts/\?"))
    assert page.locator("[data-testid=drill-title]").inner_text().strip() == top.reason
    rows = page.locator("[data-testid=contacts-table] tbody tr")
    shown = min(top.count, 50)
    assert rows.count() == shown
    start, end = local_day_bounds(date_from, today)
    expected = list(
        Contact.objects.filter(reason_id=top.reason_id, received_at__gte=start, received_at__lt=end)
        .order_by("-received_at", "-id")
        .values_list("pk", flat=True)[:shown]
    )
    assert [int(rows.nth(i).get_attribute("data-contact")) for i in range(shown)] == expected
    assert (page.locator("[data-testid=next-page]").count() == 1) == (top.count > 50)
    shot(page, "dashboards-contacts-es")

    # a contact leads to its case
    rows.first.locator("a").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))


def test_trend_mover_and_cpx_in_english(new_page, shot, supervisor, demo_shop):
    assert BusinessVolume.objects.filter(kind__slug="orders").count() == 182
    page = new_page(locale="en-GB")
    sign_in(page, supervisor.username)
    page.goto("/insights/trend/")
    page.locator("[data-testid=all-chart] svg").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "dashboards-trend-en")

    # a row of the trend table: its "last 4 weeks" count lists exactly that many contacts
    row = page.locator("[data-testid=trend-table] tbody tr").last
    recent = row.locator("td").nth(4)
    count = int(recent.inner_text())
    recent.locator("a").click()
    page.wait_for_url(re.compile(r"/insights/contacts/\?"))
    assert page.locator("[data-testid=contacts-table] tbody tr").count() == min(count, 50)

    page.goto("/insights/cpx/")
    page.locator("[data-testid=cpx-chart] svg").wait_for()
    weeks = page.locator("[data-testid=cpx-weeks] tbody tr")
    assert weeks.count() == 12
    assert "missing" not in weeks.nth(0).inner_text()
    shot(page, "dashboards-cpx-en")
    page.goto("/insights/volumes/")
    page.locator("[data-testid=volumes-table]").wait_for()
    shot(page, "dashboards-volumes-en")
