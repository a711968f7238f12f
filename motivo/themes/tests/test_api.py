"""API v1: /themes, /themes/run, /themes/runs/{id}, /themes/{id}/to-reason, merge, dismiss."""

from __future__ import annotations

import pytest
from django.test import Client

from motivo.accounts.services import api_token_create
from motivo.cases.models import Contact
from motivo.reasons.models import Reason
from motivo.themes.models import Theme, ThemeRun
from motivo.themes.tests.data import ES, ORDINARY_ES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_themes")]


def bearer(user) -> Client:
    secret = api_token_create(user=user, name="t")[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def contacts(flagged):
    flagged(ORDINARY_ES, none_of_ours=False, confidence=0.95)
    return {topic: flagged(texts) for topic, texts in ES.items()}


@pytest.fixture
def api(supervisor) -> Client:
    return bearer(supervisor)


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, "application/json")


def test_run_then_list_the_themes(api, contacts, django_capture_on_commit_callbacks):
    empty = api.get("/api/v1/themes").json()
    assert empty == {"run": None, "pending": None, "themes": []}

    with django_capture_on_commit_callbacks(execute=True):
        started = post(api, "/api/v1/themes/run")
    assert started.status_code == 202, started.content
    run_id = started.json()["id"]

    polled = api.get(f"/api/v1/themes/runs/{run_id}").json()
    assert polled["run"]["status"] == "done"
    listed = api.get("/api/v1/themes").json()
    assert listed["run"]["id"] == run_id and listed["pending"] is None
    themes = listed["themes"]
    assert [t["rank"] for t in themes] == [1, 2, 3]
    assert [t["size"] for t in themes] == sorted((t["size"] for t in themes), reverse=True)
    assert listed["run"]["contacts"] == sum(len(v) for v in ES.values())
    first = themes[0]
    assert first["terms"] and first["label"] == ", ".join(first["terms"][:3])
    assert first["status"] == "open" and first["reason"] is None
    assert 0 < first["share"] < 1
    assert len(first["examples"]) == 5
    example = first["examples"][0]
    assert Contact.objects.get(pk=example["contact_id"]).message.body == example["text"]
    assert listed["themes"] == polled["themes"]


def test_agents_may_not(agent, contacts, django_capture_on_commit_callbacks):
    client = bearer(agent)
    assert client.get("/api/v1/themes").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/api/v1/themes/run").status_code == 403
    assert not ThemeRun.objects.exists()
    assert Client().get("/api/v1/themes").status_code == 401


@pytest.fixture
def theme(api, contacts, django_capture_on_commit_callbacks) -> Theme:
    with django_capture_on_commit_callbacks(execute=True):
        post(api, "/api/v1/themes/run")
    return Theme.objects.get(rank=1)


def test_to_reason(api, agent, theme, reason):
    body = {
        "name": "La app se cierra",
        "category": reason.category.pk,
        "owner": reason.owner.pk,
        "action": "eliminate",
        "apply_to": "all",
    }
    assert post(bearer(agent), f"/api/v1/themes/{theme.pk}/to-reason", body).status_code == 403

    response = post(api, f"/api/v1/themes/{theme.pk}/to-reason", body)

    assert response.status_code == 200, response.content
    data = response.json()
    created = Reason.objects.get(name="La app se cierra")
    assert data["status"] == "reason_created"
    assert data["reason"] == {"id": created.pk, "name": "La app se cierra"}
    assert data["acted_by"]["name"] and data["acted_at"]
    assert data["contacts_classified"] == theme.size
    assert Contact.objects.filter(reason=created).count() == theme.size
    again = post(api, f"/api/v1/themes/{theme.pk}/to-reason", {**body, "name": "Otra"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_to_reason_errors_name_the_field(api, theme, reason):
    unknown = post(api, f"/api/v1/themes/{theme.pk}/to-reason", {"name": "X", "category": 99999})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "category"
    clash = post(
        api,
        f"/api/v1/themes/{theme.pk}/to-reason",
        {"name": reason.name, "category": reason.category.pk},
    )
    assert clash.status_code == 422 and clash.json()["error"]["field"] == "name"
    theme.refresh_from_db()
    assert theme.is_open
    assert (
        post(api, "/api/v1/themes/99999/to-reason", {"name": "X", "category": 1}).status_code == 404
    )


def test_merge_and_dismiss(api, theme, other_reason):
    merged = post(api, f"/api/v1/themes/{theme.pk}/merge", {"reason": other_reason.pk})
    assert merged.status_code == 200, merged.content
    assert merged.json()["status"] == "merged"
    assert merged.json()["reason"]["id"] == other_reason.pk
    assert Contact.objects.filter(reason=other_reason).count() == theme.size
    assert (
        post(api, f"/api/v1/themes/{theme.pk}/merge", {"reason": other_reason.pk}).status_code
        == 409
    )

    second = Theme.objects.get(rank=2)
    assert post(api, f"/api/v1/themes/{second.pk}/merge", {"reason": 99999}).status_code == 422
    dismissed = post(api, f"/api/v1/themes/{second.pk}/dismiss")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"


def test_run_period_is_validated(api, db):
    response = post(api, "/api/v1/themes/run", {"date_from": "2026-02-02", "date_to": "2026-01-01"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "date_from"
    assert post(api, "/api/v1/themes/run", {"since": "x"}).status_code == 422
    assert not ThemeRun.objects.exists()
