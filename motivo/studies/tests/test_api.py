"""API v1: /repeats, /repeats/{contact_id}/study and /repeat-causes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from motivo.accounts.services import api_token_create
from motivo.api.tests.helpers import error_of, post_json, session_client
from motivo.studies import api as studies_api
from motivo.studies.models import RepeatStudy

from .conftest import DAY, at

pytestmark = pytest.mark.django_db

SINCE, UNTIL = DAY.isoformat(), (DAY + dt.timedelta(6)).isoformat()


def bearer(user) -> Client:
    secret = api_token_create(user=user, name="t")[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def repeats(pair, reason, other_reason):
    """Three repeats in the week: two of `reason` (days 2 and 3), one of other_reason (4)."""
    result = [
        pair("a@x.test", reason, at(DAY), at(DAY + dt.timedelta(2))),
        pair("b@x.test", reason, at(DAY, 11), at(DAY + dt.timedelta(3))),
        pair("c@x.test", other_reason, at(DAY), at(DAY + dt.timedelta(4))),
    ]
    return [second for _first, second in result], [first for first, _second in result]


def test_list_repeats_with_first_contact_and_study(repeats, agent, reason, causes):
    seconds, firsts = repeats
    client = bearer(agent)
    post_json(client, f"/api/v1/repeats/{seconds[0].pk}/study", {"cause": "policy"})

    response = client.get(f"/api/v1/repeats?since={SINCE}&until={UNTIL}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["contact_id"] for item in body["items"]] == [s.pk for s in reversed(seconds)]
    assert (body["page"], body["has_next"], body["next"]) == (1, False, None)
    oldest = body["items"][-1]
    assert oldest["first_contact"]["contact_id"] == firsts[0].pk
    assert oldest["reason"] == {"id": reason.pk, "name": reason.name}
    assert oldest["channel"] == "email"
    assert oldest["study"]["cause"]["slug"] == "policy"
    assert oldest["study"]["answered_by"]["id"] == agent.pk
    assert body["items"][0]["study"] is None

    only = client.get(f"/api/v1/repeats?since={SINCE}&until={UNTIL}&reason={reason.pk}").json()
    assert [item["contact_id"] for item in only["items"]] == [seconds[1].pk, seconds[0].pk]
    day = (DAY + dt.timedelta(3)).isoformat()
    one_day = client.get(f"/api/v1/repeats?since={day}&until={day}").json()
    assert [item["contact_id"] for item in one_day["items"]] == [seconds[1].pk]


def test_list_pages_without_count(repeats, agent, monkeypatch):
    monkeypatch.setattr(studies_api, "PAGE_SIZE", 2)
    client = bearer(agent)
    first = client.get(f"/api/v1/repeats?since={SINCE}&until={UNTIL}").json()
    assert len(first["items"]) == 2 and first["has_next"]
    assert first["next"].endswith(f"since={SINCE}&until={UNTIL}&page=2")
    second = client.get(first["next"]).json()
    assert len(second["items"]) == 1 and not second["has_next"]
    bad = client.get(f"/api/v1/repeats?since={UNTIL}&until={SINCE}")
    assert bad.status_code == 422 and error_of(bad)["field"] == "since"


def test_study_get_and_post(repeats, agent, causes):
    seconds, firsts = repeats
    client = bearer(agent)
    url = f"/api/v1/repeats/{seconds[0].pk}/study"
    blank = client.get(url).json()
    assert blank["answered"] is False and blank["cause"] is None
    assert blank["first_contact"]["contact_id"] == firsts[0].pk

    created = post_json(client, url, {"cause": causes["wrong_answer"].pk, "note": "Old link"})
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["answered"] and data["counted"]
    assert data["cause"]["slug"] == "wrong_answer" and data["note"] == "Old link"
    assert data["studied_first_contact_id"] == firsts[0].pk
    changed = post_json(client, url, {"cause": "needed_more"})
    assert changed.status_code == 200 and changed.json()["cause"]["slug"] == "needed_more"
    assert client.get(url).json()["note"] == ""
    assert RepeatStudy.objects.count() == 1

    unknown = post_json(client, url, {"cause": "nonsense"})
    assert unknown.status_code == 422 and error_of(unknown)["field"] == "cause"
    extra = post_json(client, url, {"cause": "policy", "agent": 3})
    assert extra.status_code == 422
    not_repeat = client.get(f"/api/v1/repeats/{firsts[0].pk}/study")
    assert not_repeat.status_code == 404


def test_causes_list_in_the_request_language(agent, causes):
    client = bearer(agent)
    body = client.get("/api/v1/repeat-causes").json()
    assert [c["slug"] for c in body][:2] == ["wrong_answer", "promise_not_kept"]
    assert body[1]["name"] == "Promise not kept" and body[1]["name_es"] == "Promesa no cumplida"
    spanish = client.get("/api/v1/repeat-causes", HTTP_ACCEPT_LANGUAGE="es").json()
    assert spanish[1]["name"] == "Promesa no cumplida"


def test_customers_and_strangers_are_refused(repeats, customer_user, causes):
    seconds, _firsts = repeats
    customer = session_client(customer_user[0])
    assert customer.get("/api/v1/repeats").status_code == 403
    assert customer.get("/api/v1/repeat-causes").status_code == 403
    url = f"/api/v1/repeats/{seconds[0].pk}/study"
    assert customer.get(url).status_code == 403
    assert post_json(customer, url, {"cause": "policy"}).status_code == 403
    assert Client().get("/api/v1/repeats").status_code == 401
    assert not RepeatStudy.objects.exists()


def test_case_detail_says_which_contact_repeats_which(repeats, agent):
    seconds, firsts = repeats
    body = bearer(agent).get(f"/api/v1/cases/{seconds[0].case_id}").json()
    [contact] = body["contacts"]
    assert (contact["is_repeat"], contact["repeat_of"]) == (True, firsts[0].pk)
    first = bearer(agent).get(f"/api/v1/cases/{firsts[0].case_id}").json()["contacts"][0]
    assert (first["is_repeat"], first["repeat_of"]) == (False, None)
