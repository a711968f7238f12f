"""Spike alerts in a real browser: the reason's owner is notified, opens the spikes list and
the alert (chart with the expected band, the contacts behind it), acknowledges and closes it;
a manager sees the notice on the reason's page (English and Spanish)."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.utils import timezone

from conftest import PASSWORD
from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.channels.services import contact_ingest
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Action, Reason
from motivo.spikes.models import SpikeAlert
from motivo.spikes.services import spikes_detect
from motivo.spikes.synthetic import WEEKDAY, poisson
from tests.browser.test_dashboards import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECTS = [
    "Me habéis cobrado dos veces el pedido",
    "Cargo duplicado en la tarjeta",
    "Veo dos cobros del mismo importe",
]


@pytest.fixture
def spike(reason, other_reason, supervisor):
    owner = user_create(
        username="rocio", role=Role.AGENT, first_name="Rocío", last_name="Domínguez",
        email="rocio@x.test", language="es", password=PASSWORD,
    )  # fmt: skip
    reason.name, reason.owner_person = "Me han cobrado dos veces", owner
    reason.save()
    big = Reason.objects.create(
        category=reason.category, name="¿Dónde está mi pedido?", action=Action.SELF_SERVE
    )
    today = timezone.localdate()
    rng = random.Random(3)
    rows = []
    for back in range(70, 0, -1):
        day = today - dt.timedelta(days=back)
        for item, level in ((reason, 6), (other_reason, 4), (big, 40)):
            n = poisson(rng, level * WEEKDAY[day.weekday()])
            if n:
                rows.append(ReasonDayCount(day=day, reason=item, channel="email", count=n))
    ReasonDayCount.objects.bulk_create(rows)
    yesterday = today - dt.timedelta(days=1)
    zone = timezone.get_current_timezone()
    for n in range(30):  # the incident: 30 contacts more than usual, through the real ingest
        contact_ingest(
            channel="email",
            email=f"cliente{n}@example.test",
            name=f"Cliente {n}",
            subject=SUBJECTS[n % 3],
            body="Hola, me aparece el cargo dos veces.",
            reason=reason,
            received_at=dt.datetime.combine(yesterday, dt.time(9 + n % 10, n), tzinfo=zone),
        )
    spikes_detect()
    return owner, SpikeAlert.objects.get()


@pytest.mark.parametrize("locale", ["en-GB", "es-ES"])
def test_owner_follows_the_notice_to_the_alert_and_closes_it(
    new_page, shot, spike, reason, supervisor, locale
):
    owner, alert = spike
    owner.language = locale[:2]  # the user's own choice wins over the browser's
    owner.save(update_fields=["language"])
    page = new_page(locale=locale)
    sign_in(page, owner.username)
    page.goto("/accounts/notifications/")
    page.locator(f"a[href='/spikes/{alert.pk}/']").click()
    page.wait_for_url(re.compile(rf"/spikes/{alert.pk}/$"))
    assert page.locator("[data-testid=title]").inner_text() == "Me han cobrado dos veces"
    assert page.locator("[data-testid=observed]").inner_text() == str(alert.observed)
    assert page.locator("[data-testid=chart] svg").count() == 1
    assert page.locator("[data-testid=chart] svg .serie-4 .dot").count() == 1  # the spike day
    contacts = page.locator("[data-testid=contacts] tbody tr")
    assert contacts.count() == 25  # a page; older ones behind the link
    assert page.locator("[data-testid=older]").count() == 1
    assert page.locator("[data-testid=drill-down]").count() == 0  # an agent: no drill-down
    shot(page, f"spike-alert-{locale}")

    page.goto("/spikes/")
    row = page.locator(f"[data-testid=spikes] tr[data-alert='{alert.pk}']")
    assert row.locator("[data-testid=status]").get_attribute("class") == "pill spike-open"
    shot(page, f"spikes-list-{locale}")
    row.locator("a").first.click()
    page.locator("[data-testid=acknowledge]").click()
    page.wait_for_load_state()
    assert "spike-acknowledged" in page.locator(".page-head [data-testid=status]").get_attribute(
        "class"
    )
    page.fill("#id_note", "Error del TPV, devoluciones hechas")
    page.locator("[data-testid=close]").click()
    page.wait_for_load_state()
    assert "spike-closed" in page.locator(".page-head [data-testid=status]").get_attribute("class")
    assert "Error del TPV" in page.locator("[data-testid=history]").inner_text()
    alert.refresh_from_db()
    assert alert.status == SpikeAlert.Status.CLOSED and alert.acknowledged_by == owner
    shot(page, f"spike-closed-{locale}")


def test_manager_sees_the_notice_on_the_reason_page(new_page, shot, spike, reason, supervisor):
    _owner, alert = spike
    page = new_page(locale="en-GB")
    sign_in(page, supervisor.username)
    page.goto(f"/reasons/{reason.pk}/edit/")
    notice = page.locator("[data-testid=spike-notice]")
    assert notice.count() == 1
    shot(page, "spike-reason-notice-en")
    notice.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/spikes/{alert.pk}/$"))
    assert page.locator("[data-testid=drill-down]").count() == 1  # managers: the drill-down
    page.goto("/spikes/?status=closed")
    assert page.locator("[data-testid=empty]").count() == 1
