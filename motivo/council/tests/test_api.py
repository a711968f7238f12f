"""API v1: /targets and /improvements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from motivo.accounts.services import api_token_create
from motivo.council.models import Improvement, Target
from motivo.insights.selectors import week_start

pytestmark = pytest.mark.django_db


def bearer(user) -> Client:
    secret = api_token_create(user=user, name="t")[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def history(weekly, reason):
    weekly(reason, week_start(timezone.localdate()) - dt.timedelta(weeks=8), [10] * 8)


def test_targets_post_and_get(supervisor, agent, history, reason):
    due = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    body = {"reasons": [reason.pk], "metric": "contacts", "change_pct": -20, "due_on": due}
    assert bearer(agent).post("/api/v1/targets", body, "application/json").status_code == 403
    response = bearer(supervisor).post("/api/v1/targets", body, "application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["baseline"]["contacts"] == 80 and data["baseline"]["value"] == 10
    assert data["progress"]["state"] == "on_track"
    assert data["progress"]["goal_value"] == 8
    listed = bearer(agent).get("/api/v1/targets?status=active").json()
    assert [item["id"] for item in listed] == [data["id"]]
    again = bearer(supervisor).post("/api/v1/targets", body, "application/json")
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "reasons"
    assert Target.objects.count() == 1


def test_target_errors_name_the_field(supervisor, reason):
    client = bearer(supervisor)
    body = {"reasons": [reason.pk], "metric": "cpx", "volume_kind": "orders", "change_pct": -20,
            "due_on": "2099-01-01"}  # fmt: skip
    response = client.post("/api/v1/targets", body, "application/json")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "volume_kind"
    body = {**body, "metric": "contacts", "reasons": [99999]}
    assert client.post("/api/v1/targets", body, "application/json").json()["error"]["field"] == (
        "reasons"
    )


def test_improvements_create_patch_and_list(supervisor, agent, owner, reason):
    client = bearer(supervisor)
    body = {"title": "SMS", "reasons": [reason.pk], "owner": owner.pk, "hypothesis": "−30 %"}
    assert bearer(agent).post("/api/v1/improvements", body, "application/json").status_code == 403
    created = client.post("/api/v1/improvements", body, "application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    done_on = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    patched = client.patch(
        f"/api/v1/improvements/{pk}", {"status": "done", "done_on": done_on}, "application/json"
    )
    assert patched.status_code == 200, patched.content
    effect = patched.json()["effect"]
    assert effect["ready"] and effect["basis"] == "contacts"
    assert effect["before_contacts"] == 0 and effect["change_pct"] is None
    # The owner may move the status, not the rest; other agents nothing.
    owner_client = bearer(owner)
    url = f"/api/v1/improvements/{pk}"
    assert owner_client.patch(url, {"title": "x"}, "application/json").status_code == 403
    assert owner_client.patch(url, {"status": "dropped"}, "application/json").status_code == 200
    assert bearer(agent).patch(url, {"status": "done"}, "application/json").status_code == 403
    listed = bearer(agent).get("/api/v1/improvements").json()
    assert [(item["id"], item["status"]) for item in listed["items"]] == [(pk, "dropped")]
    assert Improvement.objects.get().events.count() == 3
