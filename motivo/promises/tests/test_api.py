"""The promises API: rates, drill-down, promises, calendar, closed days, tiers."""

from __future__ import annotations

import pytest
from django.test import Client

from motivo.accounts.services import api_token_create
from motivo.cases.models import Case
from motivo.cases.services import case_reply
from motivo.customers.models import Customer
from motivo.promises.book import promise_book

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='t')[1]}"}


def test_rates_and_cases(supervisor, agent, promises, ingest, ago):
    for hours in (1, 10):
        case = Case.objects.get(pk=ingest(received_at=ago(hours=hours)).case_id)
        case_reply(case=case, author=agent, body="Hola")
    client = Client()
    response = client.get("/api/v1/promises/rates", **bearer(supervisor))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"]["cases"] == 2 and body["total"]["breached"] == 1
    assert body["total"]["kept_rate"] == 0.0
    assert [row["key"] for row in body["channels"]] == ["email"]
    assert client.get("/api/v1/promises/rates", **bearer(agent)).status_code == 403
    cases = client.get("/api/v1/promises/cases?outcome=breached", **bearer(supervisor)).json()
    assert [item["state"] for item in cases["items"]] == ["breached"]
    bad = client.get(
        "/api/v1/promises/rates?date_from=2030-01-02&date_to=2030-01-01", **bearer(supervisor)
    )
    assert bad.status_code == 422


def test_admin_manages_promises_calendar_and_tiers(admin_user, supervisor, ingest):
    client = Client()
    admin, boss = bearer(admin_user), bearer(supervisor)
    tier = client.post(
        "/api/v1/customer-tiers",
        {"name": "Premium", "position": 1},
        content_type="application/json",
        **admin,
    )
    assert tier.status_code == 201
    tier_id = tier.json()["id"]
    payload = {
        "tier_id": tier_id,
        "channel": "",
        "first_answer_minutes": 120,
        "first_answer_target_minutes": 60,
    }
    assert (
        client.post(
            "/api/v1/promises", payload, content_type="application/json", **boss
        ).status_code
        == 403
    )
    created = client.post("/api/v1/promises", payload, content_type="application/json", **admin)
    assert created.status_code == 201
    again = client.post("/api/v1/promises", payload, content_type="application/json", **admin)
    assert again.status_code == 422 and again.json()["error"]["code"] == "duplicate"
    calendar = {"time_zone": "Europe/Madrid", "hours": ["00:00-24:00"] * 7, "holiday_country": "ES"}
    put_calendar = client.put(
        "/api/v1/promises/calendar", calendar, content_type="application/json", **admin
    )
    assert put_calendar.status_code == 200, put_calendar.content
    assert client.get("/api/v1/promises/calendar", **boss).json()["hours"][0] == "00:00-24:00"
    wrong = client.put(
        "/api/v1/promises/calendar",
        {**calendar, "time_zone": "Mars/Base"},
        content_type="application/json",
        **admin,
    )
    assert wrong.status_code == 422
    assert (
        client.post(
            "/api/v1/promises/closed-days",
            {"day": "2030-01-02"},
            content_type="application/json",
            **admin,
        ).status_code
        == 201
    )
    assert client.delete("/api/v1/promises/closed-days/2030-01-02", **admin).status_code == 204
    # A customer in the tier gets its promise on the next case (the book reloads on edits).
    customer = Customer.objects.get(pk=ingest(email="vip@example.test").customer_id)
    put = client.put(
        f"/api/v1/customers/{customer.pk}/tier",
        {"tier_id": tier_id},
        content_type="application/json",
        **boss,
    )
    assert put.status_code == 200 and put.json()["tier_id"] == tier_id
    assert promise_book().terms_for(tier_id=tier_id, channel="email").first_answer == 120
    case = Case.objects.get(pk=ingest(email="vip@example.test").case_id)
    assert case.tier_id == tier_id and case.first_answer_due_at is not None
    # Cases carry the tier now: it cannot be deleted.
    refused = client.delete(f"/api/v1/customer-tiers/{tier_id}", **admin)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "in_use"
    promise_id = created.json()["id"]
    changed = client.put(
        f"/api/v1/promises/{promise_id}",
        {**payload, "first_answer_minutes": 240},
        content_type="application/json",
        **admin,
    )
    assert changed.status_code == 200 and changed.json()["first_answer_minutes"] == 240
    assert client.delete(f"/api/v1/promises/{promise_id}", **admin).status_code == 204
    assert client.get("/api/v1/promises", **boss).json() == []
