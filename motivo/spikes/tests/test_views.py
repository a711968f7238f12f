"""The spike pages: who sees which alerts, open first, the alert page with its chart and
contacts, acknowledge/close by POST with CSRF, the CSV, the notice on the reason's page,
and the JSON API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from motivo.accounts.services import api_token_create
from motivo.insights.services import reason_count_add
from motivo.spikes.models import SpikeAlert
from motivo.spikes.services import spikes_detect
from motivo.spikes.tests.conftest import local_noon

pytestmark = pytest.mark.django_db


def make_alert(reason, day, status=SpikeAlert.Status.OPEN, observed=40, **fields):
    entry = {
        "day": day.isoformat(),
        "observed": observed,
        "expected": 8.0,
        "score": 9.5,
        "significant": True,
        "running": False,
        "as_of": "2026-01-01T12:00:00+00:00",
    }
    dated = {}
    if status == SpikeAlert.Status.ACKNOWLEDGED:
        dated["acknowledged_at"] = timezone.now()
    if status == SpikeAlert.Status.CLOSED:
        dated["closed_at"] = timezone.now()
    return SpikeAlert.objects.create(
        reason=reason, day=day, last_day=day, peak_day=day, observed=observed, expected=8.0,
        score=9.5, days=[entry], status=status, **dated, **fields,
    )  # fmt: skip


@pytest.fixture
def spiked(shop, reason, today, owner):
    """`reason` (owned by Rocío) spiked yesterday: the real detector's alert."""
    yesterday = today - dt.timedelta(days=1)
    reason_count_add(reason_id=reason.pk, channel="chat", day=yesterday, delta=45)
    spikes_detect(now=local_noon(today))
    return SpikeAlert.objects.get()


def test_managers_see_all_owners_theirs_other_agents_none(
    manager_client, owner_client, agent_client, reason, other_reason, owner, today
):
    reason.owner_person = owner
    reason.save()
    mine = make_alert(reason, today - dt.timedelta(days=3), status=SpikeAlert.Status.CLOSED)
    mine_open = make_alert(reason, today - dt.timedelta(days=9))
    theirs = make_alert(other_reason, today - dt.timedelta(days=1),
                        status=SpikeAlert.Status.ACKNOWLEDGED)  # fmt: skip
    url = reverse("spikes:list")

    def listed(client: Client, query: str = "") -> list[int]:
        html = client.get(url + query).content.decode()
        return [a.pk for a in (mine, mine_open, theirs) if f'data-alert="{a.pk}"' in html]

    response = manager_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # open first, then acknowledged, then closed (whatever the days)
    positions = [html.index(f'data-alert="{a.pk}"') for a in (mine_open, theirs, mine)]
    assert positions == sorted(positions)
    assert set(listed(owner_client)) == {mine.pk, mine_open.pk}
    assert listed(agent_client) == []
    assert "No spikes on the reasons you answer for." in agent_client.get(url).content.decode()
    assert listed(manager_client, "?status=closed") == [mine.pk]
    assert set(listed(manager_client, f"?reason={reason.pk}")) == {mine.pk, mine_open.pk}
    since = (today - dt.timedelta(days=5)).isoformat()
    assert set(listed(manager_client, f"?since={since}")) == {mine.pk, theirs.pk}
    # the alert page: the owner's, not another agent's ("not yours" is a 404)
    assert owner_client.get(reverse("spikes:detail", args=[theirs.pk])).status_code == 404
    assert agent_client.get(reverse("spikes:detail", args=[mine.pk])).status_code == 404
    assert Client().get(url).status_code == 302  # sign in first


def test_list_queries_do_not_grow_with_alerts(manager_client, reason, other_reason, today):
    make_alert(reason, today)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(reverse("spikes:list")).status_code == 200
        return len(queries)

    few = count()
    for back in range(1, 30):
        make_alert(other_reason if back % 2 else reason, today - dt.timedelta(days=back * 3))
    assert count() == few


def test_alert_page_shows_chart_days_and_contacts(manager_client, spiked, ingest, reason, today):
    yesterday = today - dt.timedelta(days=1)
    zone = dt.timezone(dt.timedelta(hours=0))
    ingest(reason=reason, received_at=dt.datetime.combine(yesterday, dt.time(11), tzinfo=zone),
           subject="Me han cobrado dos veces el pedido")  # fmt: skip
    response = manager_client.get(reverse("spikes:detail", args=[spiked.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "Contacts per day against the expected range" in html
    assert f'data-testid="observed">{spiked.observed}<' in html
    assert "Me han cobrado dos veces el pedido" in html  # the contacts behind it
    drill = (f"/insights/contacts/?reason={reason.pk}&amp;date_from={yesterday.isoformat()}"
             f"&amp;date_to={yesterday.isoformat()}")  # fmt: skip
    assert drill in html
    assert 'data-testid="acknowledge"' in html and 'data-testid="close"' in html


def test_acknowledge_and_close_are_posts_with_csrf(owner, spiked):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = reverse("spikes:acknowledge", args=[spiked.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403  # no CSRF token
    page = client.get(reverse("spikes:detail", args=[spiked.pk]))
    token = page.cookies["csrftoken"].value
    response = client.post(url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    spiked.refresh_from_db()
    assert spiked.status == SpikeAlert.Status.ACKNOWLEDGED and spiked.acknowledged_by == owner
    close = reverse("spikes:close", args=[spiked.pk])
    client.post(close, {"csrfmiddlewaretoken": token, "note": "Cobros duplicados, devueltos"})
    spiked.refresh_from_db()
    assert spiked.status == SpikeAlert.Status.CLOSED and spiked.closed_by == owner
    page = client.get(reverse("spikes:detail", args=[spiked.pk])).content.decode()
    assert "Cobros duplicados, devueltos" in page and 'data-testid="close"' not in page


def test_another_agent_cannot_act(agent_client, spiked):
    url = reverse("spikes:acknowledge", args=[spiked.pk])
    assert agent_client.post(url).status_code == 404
    spiked.refresh_from_db()
    assert spiked.status == SpikeAlert.Status.OPEN


def test_csv_export(manager_client, reason, today):
    make_alert(reason, today - dt.timedelta(days=2), observed=41)
    response = manager_client.get(reverse("spikes:list_csv") + "?status=open")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Category,Reason,First day")
    assert lines[1].split(",")[1:7] == [
        reason.name, *(3 * [(today - dt.timedelta(days=2)).isoformat()]), "41", "8.0",
    ]  # fmt: skip


def test_reason_page_shows_a_notice_while_an_alert_is_not_closed(manager_client, reason, today):
    url = reverse("reasons:reason_edit", args=[reason.pk])
    assert 'data-testid="spike-notice"' not in manager_client.get(url).content.decode()
    alert = make_alert(reason, today - dt.timedelta(days=1))
    html = manager_client.get(url).content.decode()
    assert 'data-testid="spike-notice"' in html
    assert reverse("spikes:detail", args=[alert.pk]) in html
    alert.status, alert.closed_at = SpikeAlert.Status.CLOSED, alert.created_at
    alert.save()
    assert 'data-testid="spike-notice"' not in manager_client.get(url).content.decode()


def test_notifications_page_lists_the_spike_notice(owner_client, spiked):
    html = owner_client.get(reverse("accounts:notifications")).content.decode()
    assert f'href="/spikes/{spiked.pk}/"' in html and "¿Dónde está mi pedido?" in html


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------


def bearer(user) -> Client:
    secret = api_token_create(user=user, name="t")[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_api_lists_with_filters(supervisor, owner, agent, reason, other_reason, today):
    reason.owner_person = owner
    reason.save()
    old = make_alert(reason, today - dt.timedelta(days=20), status=SpikeAlert.Status.CLOSED)
    new = make_alert(reason, today - dt.timedelta(days=1))
    other = make_alert(other_reason, today - dt.timedelta(days=2))
    data = bearer(supervisor).get("/api/v1/spikes").json()
    assert [item["id"] for item in data["items"]] == [new.pk, other.pk, old.pk]
    assert data["has_next"] is False and data["next"] is None
    item = data["items"][0]
    assert item["reason"] == {"id": reason.pk, "name": reason.name,
                              "category": reason.category.name}  # fmt: skip
    assert item["observed"] == 40 and item["status"] == "open"
    assert item["days"][0]["day"] == (today - dt.timedelta(days=1)).isoformat()
    assert item["url"].endswith(f"/spikes/{new.pk}/")
    assert f"reason={reason.pk}" in item["contacts_url"]

    def ids(client: Client, query: str) -> list[int]:
        response = client.get(f"/api/v1/spikes?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids(bearer(supervisor), "status=closed") == [old.pk]
    assert ids(bearer(supervisor), f"reason={other_reason.pk}") == [other.pk]
    since = (today - dt.timedelta(days=5)).isoformat()
    assert ids(bearer(supervisor), f"since={since}") == [new.pk, other.pk]
    assert ids(bearer(owner), "") == [new.pk, old.pk]
    assert ids(bearer(agent), "") == []
    assert bearer(supervisor).get("/api/v1/spikes?status=nope").status_code == 422
    assert Client().get("/api/v1/spikes").status_code == 401


def test_api_acknowledge(supervisor, agent, reason, today):
    alert = make_alert(reason, today)
    url = f"/api/v1/spikes/{alert.pk}/acknowledge"
    assert bearer(agent).post(url).status_code == 404  # not the agent's reason
    response = bearer(supervisor).post(url)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_by"] == supervisor.pk
    again = bearer(supervisor).post(url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert bearer(supervisor).post("/api/v1/spikes/999999/acknowledge").status_code == 404
