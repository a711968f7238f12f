"""Merging two reasons from the reason's page in a real browser: the link, the preview,
the merge, and the merged reason pointing at the one that absorbed it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.reasons.models import Reason
from tests.browser.test_council import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_merge_a_reason_from_its_page(new_page, shot, ingest, reason, other_reason, supervisor):
    for n in range(3):
        ingest(email=f"c{n}@example.test", reason=other_reason, received_at=timezone.now())
    ingest(email="d@example.test", reason=reason, received_at=timezone.now())
    page = new_page(locale="en-US")
    sign_in(page, supervisor.username)
    page.goto(f"/reasons/{other_reason.pk}/edit/")
    page.locator("[data-testid=merge-link]").click()
    page.wait_for_load_state()
    assert "3 contacts" in page.locator("[data-testid=merge-preview]").inner_text()
    page.select_option("#id_target", str(reason.pk))
    shot(page, "reason-merge-en")
    page.locator("[data-testid=merge]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/reasons/{reason.pk}/edit/")
    history = page.locator("[data-testid=history]").inner_text()
    assert other_reason.name in history and "3 contacts" in history
    assert Contact.objects.filter(reason=reason).count() == 4
    assert Reason.objects.get(pk=other_reason.pk).merged_into_id == reason.pk
    page.goto(f"/reasons/{other_reason.pk}/edit/")
    assert reason.name in page.locator("[data-testid=merged-into]").inner_text()
