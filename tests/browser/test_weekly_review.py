"""The weekly review in a real browser (Spanish and English): the latest full week with its
top reasons, movers, a target off track and improvements due; printed (print media: no
navigation, no buttons); and mailed to the participants with the manager's button."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from conftest import PASSWORD
from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.council.models import Improvement, Metric, WeeklyReviewSent
from motivo.council.review import latest_full_week
from motivo.council.services import improvement_create, target_set
from motivo.insights.services import reason_count_add
from motivo.reasons.models import Reason

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def week_data(reason, other_reason, supervisor):
    owner = user_create(
        username="rocio", role=Role.AGENT, first_name="Rocío", last_name="Domínguez",
        password=PASSWORD, email="rocio@example.test", language="en",
    )  # fmt: skip
    supervisor.email, supervisor.language = "boss@example.test", "es"
    supervisor.save()
    Reason.objects.filter(pk=other_reason.pk).update(owner_person=owner)
    week = latest_full_week()
    # 10 weeks ending with the review's week: reason rises 20 → 30, other falls 25 → 10.
    for index, (a, b) in enumerate([(20, 25)] * 6 + [(26, 14), (28, 12), (30, 11), (30, 10)]):
        day = week.start - dt.timedelta(weeks=9 - index) + dt.timedelta(days=2)
        reason_count_add(reason_id=reason.pk, channel="email", day=day, delta=a)
        reason_count_add(reason_id=other_reason.pk, channel="chat", day=day, delta=b)
    for target_reason in (reason, other_reason):  # reason off track, other on track
        target_set(
            reasons=[target_reason], metric=Metric.CONTACTS, change_pct=Decimal(-20),
            due_on=week.end + dt.timedelta(weeks=10), actor=supervisor,
            set_on=week.start - dt.timedelta(weeks=2),
        )  # fmt: skip
    improvement_create(
        title="Aviso de seguimiento por SMS", reasons=[reason], actor=supervisor, owner=owner,
        status=Improvement.Status.IN_PROGRESS, due_on=week.end + dt.timedelta(days=5),
    )  # fmt: skip
    improvement_create(
        title="Embalaje reforzado", reasons=[other_reason], actor=supervisor, owner=owner,
        status=Improvement.Status.PLANNED, due_on=week.start - dt.timedelta(days=2),
    )  # fmt: skip
    assert week.end < timezone.localdate()
    return week, owner


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_weekly_review_page_print_and_send(
    new_page, shot, week_data, reason, other_reason, supervisor, locale
):
    week, _owner = week_data
    supervisor.language = locale[:2]  # staff pages and mail follow the user's language
    supervisor.save()
    page = new_page(locale=locale)
    sign_in(page, supervisor.username)
    page.goto("/council/review/")
    top = page.locator("[data-testid=review-top]")
    top.wait_for()
    assert week.key in page.locator("h1").inner_text()
    first = top.locator(f"tr[data-reason='{reason.pk}']")
    assert first.locator("[data-testid=count]").inner_text() == "30"
    assert first.locator("[data-testid=previous]").inner_text() == "30"
    second = top.locator(f"tr[data-reason='{other_reason.pk}']")
    assert second.locator("[data-testid=change]").inner_text().startswith("−1")
    assert page.locator("[data-testid=kpi-total] strong").inner_text() == "40"
    assert page.locator("[data-testid=rises] li").count() == 1
    assert page.locator("[data-testid=falls] li").count() == 1
    assert page.locator("[data-testid=review-off-track] tbody tr").count() == 1
    assert page.locator("[data-testid=review-due] tbody tr").count() == 2
    assert page.locator("[data-testid=review-recognition] li").count() == 1
    assert page.locator("[data-testid=review-studies]").is_visible()  # no repeats this week
    # The figure links to the contacts behind it.
    href = first.locator("[data-testid=count]").get_attribute("href")
    assert href.startswith("/insights/contacts/?") and f"reason={reason.pk}" in href
    assert page.locator("[data-testid=previous-week]").is_visible()
    shot(page, f"weekly-review-{locale[:2]}")

    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.locator("[data-testid=print]").is_visible()
    assert not page.locator("[data-testid=send]").is_visible()
    assert top.is_visible() and page.locator("#studies").is_visible()
    shot(page, f"weekly-review-print-{locale[:2]}")
    page.emulate_media(media="screen")

    page.locator("[data-testid=send]").click()
    page.wait_for_load_state()
    assert page.locator(".flash li.success").count() == 1
    sent = sorted(WeeklyReviewSent.objects.values_list("to", "language"))
    assert sent == [("boss@example.test", locale[:2]), ("rocio@example.test", "en")]
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@example.test", "rocio@example.test"]
