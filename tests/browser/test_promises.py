"""The promise dashboard in a real browser, on the demo shop: a supervisor reads the kept
and delight rates by channel, tier and team, follows the breached figure to its cases and a
bar of the chart to the kept ones, exports the CSV; an admin changes a promise."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from conftest import PASSWORD
from motivo.demo.seed import demo_seed_base
from motivo.promises.book import promise_book_clear
from motivo.promises.models import Promise
from motivo.promises.selectors import RateFilters, promise_rates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def demo_shop(db):
    promise_book_clear()
    demo_seed_base(seed=1, today=timezone.localdate(), customers=150, contacts=1500)
    yield
    promise_book_clear()


def test_dashboard_drills_down_and_exports(new_page, shot, supervisor, demo_shop):
    today = timezone.localdate()
    report = promise_rates(
        filters=RateFilters(date_from=today - dt.timedelta(days=29), date_to=today)
    )
    total = report.total
    assert total.cases > 50 and total.breached > 0

    page = new_page(locale="en-GB")
    sign_in(page, supervisor.username)
    page.goto("/promises/")
    page.locator("[data-testid=promise-chart] svg").wait_for()
    kept = page.locator("[data-testid=kpi-kept] strong").inner_text()
    assert kept == f"{total.kept_pct:.1f} %"
    tiers = page.locator("[data-testid=promise-tier] tbody tr td:first-child").all_inner_texts()
    assert set(tiers) == {"Premium", "Standard"}
    assert page.locator("[data-testid=promise-channel] tbody tr").count() == len(report.channels)
    shot(page, "promises-dashboard-en")

    # the breached figure opens exactly its cases
    page.locator("[data-testid=kpi-breached]").click()
    page.wait_for_url(re.compile(r"/promises/cases/\?.*outcome=breached"))
    rows = page.locator("[data-testid=promise-cases] tbody tr")
    assert rows.count() == min(total.breached, 50)
    pills = page.locator("[data-testid=promise-cases] tbody tr td:last-child .pill:first-child")
    assert set(pills.all_inner_texts()) == {"breached"}
    shot(page, "promises-breached-cases-en")

    # a bar of the chart opens the kept cases of its channel
    page.go_back()
    page.locator("[data-testid=promise-chart] svg a").first.click()
    page.wait_for_url(re.compile(r"/promises/cases/\?.*outcome=kept"))
    assert set(pills.all_inner_texts()) <= {"kept"}

    # the CSV has the same total
    page.go_back()
    href = page.locator("[data-testid=csv-link]").get_attribute("href")
    body = page.request.get(href).text()
    assert body.splitlines()[1].startswith(f"Total,All promised cases,{total.cases},")


def test_admin_changes_a_promise(new_page, shot, admin_user, demo_shop):
    general = Promise.objects.get(tier=None, channel="")
    page = new_page(locale="es-ES")
    sign_in(page, admin_user.username)
    page.goto("/promises/settings/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.locator(f"[data-promise='{general.pk}'] a").first.click()
    page.wait_for_url(re.compile(r"edit="))
    page.fill("#id_first_answer_hours", "8")
    page.fill("#id_first_answer_target_hours", "3")
    page.locator("[data-testid=promise-form] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/promises/settings/"))
    general.refresh_from_db()
    assert (general.first_answer_minutes, general.first_answer_target_minutes) == (480, 180)
    shot(page, "promises-settings-es")
