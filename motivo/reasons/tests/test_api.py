"""API: the owner person and rating in GET /api/v1/reasons, and PUT /api/v1/reasons/{id}/rating."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from motivo.accounts.services import api_token_create
from motivo.api.auth import token_cache_clear
from motivo.reasons import services
from motivo.reasons.models import Action, ReasonEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    token_cache_clear()
    yield
    token_cache_clear()


def bearer(user) -> Client:
    _row, secret = api_token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def put(client: Client, url: str, data) -> object:
    return client.put(url, json.dumps(data), content_type="application/json")


def url(reason) -> str:
    return f"/api/v1/reasons/{reason.pk}/rating"


def test_reasons_list_the_owner_person_rating_quadrant_and_flag(reason, other_reason, agent):
    services.reason_save(
        reason=reason,
        category=reason.category,
        name=reason.name,
        owner=reason.owner,
        owner_person=agent,
        action=reason.action,
    )
    services.reason_rate(reason=reason, customer_rating=2, company_rating=-1)

    rows = {row["id"]: row for row in bearer(agent).get("/api/v1/reasons").json()}

    mine = rows[reason.pk]
    assert mine["owner_person"] == {"id": agent.pk, "name": agent.display_name, "username": "agent"}
    assert (mine["customer_rating"], mine["company_rating"]) == (2, -1)
    assert (mine["quadrant"], mine["action"], mine["flagged"]) == ("self_serve", "eliminate", True)
    other = rows[other_reason.pk]
    assert (other["owner_person"], other["quadrant"], other["flagged"]) == (None, None, False)


def test_a_manager_rates_a_reason(reason, supervisor):
    client = bearer(supervisor)

    response = put(client, url(reason), {"customer_rating": -1, "company_rating": 2})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["quadrant"], body["flagged"]) == (Action.SIMPLIFY, True)
    event = ReasonEvent.objects.get(reason=reason)
    assert (event.kind, event.actor) == ("rated", supervisor)
    again = put(client, url(reason), {"customer_rating": -1, "company_rating": 2})
    assert again.status_code == 200
    assert ReasonEvent.objects.filter(reason=reason).count() == 1  # nothing changed


def test_clearing_a_rating(reason, supervisor):
    services.reason_rate(reason=reason, customer_rating=1, company_rating=1)
    response = put(
        bearer(supervisor), url(reason), {"customer_rating": None, "company_rating": None}
    )
    assert response.status_code == 200 and response.json()["quadrant"] is None


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"customer_rating": 0, "company_rating": 1}, "customer_rating"),
        ({"customer_rating": 1, "company_rating": 5}, "company_rating"),
        ({"customer_rating": 1, "company_rating": None}, "company_rating"),
    ],
)
def test_bad_ratings_answer_422_naming_the_field(reason, supervisor, payload, field):
    response = put(bearer(supervisor), url(reason), payload)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    reason.refresh_from_db()
    assert reason.customer_rating is None and not ReasonEvent.objects.exists()


def test_unknown_fields_and_missing_ratings_are_refused(reason, supervisor):
    client = bearer(supervisor)
    assert put(client, url(reason), {"customer_rating": 1}).status_code == 422
    extra = {"customer_rating": 1, "company_rating": 1, "action": "leverage"}
    assert put(client, url(reason), extra).status_code == 422
    assert not ReasonEvent.objects.exists()


def test_who_may_rate(reason, agent, customer_user):
    data = {"customer_rating": 1, "company_rating": 1}
    assert put(Client(), url(reason), data).status_code == 401
    assert put(bearer(agent), url(reason), data).status_code == 403
    portal = Client()
    portal.force_login(customer_user[0])
    assert put(portal, url(reason), data).status_code in (401, 403)
    assert not ReasonEvent.objects.exists()


def test_unknown_reason_is_404(supervisor):
    response = put(bearer(supervisor), "/api/v1/reasons/999999/rating", {
        "customer_rating": 1, "company_rating": 1})  # fmt: skip
    assert response.status_code == 404
