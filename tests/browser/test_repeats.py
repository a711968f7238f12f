"""Repeats and FCR in a real browser on the demo shop: a manager opens the page, follows a
reason's repeat count to the repeat contacts behind it, and from one of them to its case,
where the contact says which earlier contact it repeats."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.demo.seed import demo_seed_base
from motivo.insights.repeats import fcr_finalise, repeats_rebuild
from tests.browser.test_dashboards import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_repeat_count_drills_down_to_the_case(new_page, shot, supervisor):
    demo_seed_base(seed=1, today=timezone.localdate(), customers=150, contacts=1500)
    repeats_rebuild()  # the bulk loader writes no marks
    fcr_finalise()
    assert Contact.objects.filter(is_repeat=True).exists()

    page = new_page(locale="en-GB")
    sign_in(page, supervisor.username)
    page.goto("/insights/repeats/")
    page.locator("[data-testid=repeats-reasons]").wait_for()
    shot(page, "repeats-en")
    link = page.locator("[data-testid=repeats-reasons] tbody tr td a").first
    expected = int(link.inner_text())
    link.click()
    page.wait_for_url(re.compile(r"/insights/contacts/\?.*repeat=1"))
    rows = page.locator("[data-testid=contacts-table] tbody tr")
    assert rows.count() == min(expected, 50)
    assert page.locator("[data-testid=repeat-mark]").count() == rows.count()
    ids = [int(rows.nth(i).get_attribute("data-contact")) for i in range(rows.count())]
    assert Contact.objects.filter(pk__in=ids, is_repeat=True).count() == len(ids)
    shot(page, "repeats-drilldown-en")

    rows.first.locator("a").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    assert page.locator("[data-testid=repeat-of]").count() >= 1
    page.locator("#contacts").scroll_into_view_if_needed()
    shot(page, "repeats-case-en")

    page = new_page(locale="es-ES")
    sign_in(page, supervisor.username)
    page.goto("/insights/repeats/")
    page.locator("[data-testid=repeats-agents]").wait_for()
    shot(page, "repeats-es")
