"""The improvement council in a real browser: an owner's "my reasons" page with its target,
progress and weekly sparkline, and a done improvement's measured effect (Spanish and English)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import PASSWORD
from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.council.models import Improvement, Metric
from motivo.council.services import improvement_create, target_set
from motivo.insights.selectors import week_start
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
def council(reason, other_reason, supervisor):
    owner = user_create(
        username="rocio", role=Role.AGENT, first_name="Rocío", last_name="Domínguez",
        password=PASSWORD,
    )  # fmt: skip
    Reason.objects.filter(pk__in=[reason.pk, other_reason.pk]).update(owner_person=owner)
    today = timezone.localdate()
    monday = week_start(today)
    # 12 full weeks: 20 a week for 8 weeks, then 14 a week; the other reason steady at 6.
    for index, n in enumerate([20] * 8 + [14] * 4):
        day = monday - dt.timedelta(weeks=12 - index) + dt.timedelta(days=2)
        reason_count_add(reason_id=reason.pk, channel="email", day=day, delta=n)
        reason_count_add(reason_id=other_reason.pk, channel="chat", day=day, delta=6)
    target = target_set(
        reasons=[reason], metric=Metric.CONTACTS, change_pct=Decimal(-20),
        due_on=today + dt.timedelta(weeks=12), actor=supervisor,
        set_on=monday - dt.timedelta(weeks=4),
    )  # fmt: skip
    done = improvement_create(
        title="Aviso de seguimiento por SMS",
        reasons=[reason],
        actor=supervisor,
        owner=owner,
        hypothesis="Con el enlace de seguimiento en el móvil no preguntarán dónde está su pedido.",
        status=Improvement.Status.DONE,
        done_on=monday - dt.timedelta(weeks=4) - dt.timedelta(days=1),  # effect is ready
    )
    pending = improvement_create(
        title="Página de estado del pedido", reasons=[reason, other_reason], actor=supervisor,
        owner=owner, status=Improvement.Status.DONE, done_on=today - dt.timedelta(days=3),
    )  # fmt: skip
    return owner, target, done, pending


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_owner_sees_my_reasons_with_target_progress_and_trend(
    new_page, shot, council, reason, other_reason, locale
):
    owner, target, _done, _pending = council
    page = new_page(locale=locale)
    sign_in(page, owner.username)
    page.goto("/council/mine/")
    table = page.locator("[data-testid=my-reasons]")
    table.wait_for()
    row = table.locator(f"tr[data-reason='{reason.pk}']")
    assert row.locator("[data-testid=recent]").inner_text() == str(20 * 4 + 14 * 4)
    assert row.locator("[data-testid=sparkline] svg").count() == 1
    assert table.locator(f"tr[data-reason='{other_reason.pk}']").count() == 1
    card = page.locator(f"[data-testid=my-target][data-target='{target.pk}']")
    # Baseline 20 a week; now (last 8 weeks) 17 a week: −15 %, ahead of the line → on track.
    assert card.locator("[data-testid=progress]").get_attribute("data-state") == "on_track"
    baseline = card.locator("[data-testid=baseline]").inner_text()
    assert ("20.0" in baseline) if locale == "en-US" else ("20,0" in baseline)
    assert "−15" in card.locator("[data-testid=current]").inner_text()
    shot(page, f"council-mine-{locale[:2]}")


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_improvement_shows_its_effect(new_page, shot, council, supervisor, locale):
    _owner, _target, done, pending = council
    page = new_page(locale=locale)
    sign_in(page, supervisor.username)
    page.goto("/council/improvements/")
    listing = page.locator("[data-testid=improvements]")
    listing.wait_for()
    assert (
        listing.locator(f"tr[data-improvement='{pending.pk}'] [data-testid=effect-pending]").count()
        == 1
    )
    shot(page, f"council-improvements-{locale[:2]}")
    page.goto(f"/council/improvements/{done.pk}/")
    effect = page.locator("[data-testid=effect-card] [data-testid=effect]")
    effect.wait_for()
    # 4 weeks before: 20 × 4 = 80; 4 weeks after: 14 × 4 = 56 → −30 %.
    assert "−30" in effect.inner_text()
    facts = page.locator("[data-testid=effect-facts]").inner_text()
    assert "80" in facts and "56" in facts
    shot(page, f"council-improvement-{locale[:2]}")
