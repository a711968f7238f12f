"""The API face of reason suggestion, and reasons with their example phrases."""

from __future__ import annotations

import pytest

from motivo.accounts.services import api_token_create
from motivo.cases.models import Contact
from motivo.reasons.models import ReasonEvent
from motivo.suggest import services
from motivo.suggest.models import Confirmation, ModelVersion, SuggestSettings
from motivo.suggest.tests.conftest import CHARGE_TEXT, LOGIN_TEXT

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status


def bearer(user) -> dict[str, str]:
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def as_agent(agent):
    return bearer(agent)


@pytest.fixture
def as_manager(supervisor):
    return bearer(supervisor)


@pytest.fixture
def as_admin(admin_user):
    return bearer(admin_user)


def test_suggest_for_a_text(client, as_agent, reasons):
    response = client.post(
        "/api/v1/reasons/suggest",
        {"text": LOGIN_TEXT},
        content_type="application/json",
        **as_agent,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == 1
    assert body["suggestions"][0]["reason_id"] == reasons["login"].pk
    assert len(body["suggestions"]) == 3
    assert body["suggestions"][0]["category"] == "Cuenta"
    confidences = [s["confidence"] for s in body["suggestions"]]
    assert confidences == sorted(confidences, reverse=True) and 0 < confidences[0] <= 1
    assert isinstance(body["none_of_ours"], bool)


def test_suggest_needs_a_text_and_staff(client, as_agent, customer_user, reasons):
    response = client.post(
        "/api/v1/reasons/suggest", {"text": ""}, content_type="application/json", **as_agent
    )
    assert response.status_code == 422
    user, _customer = customer_user
    client.force_login(user)
    response = client.post(
        "/api/v1/reasons/suggest", {"text": "hola"}, content_type="application/json"
    )
    assert response.status_code in (403, 401)


def test_contact_suggestions_before_and_after_the_suggester(client, as_agent, reasons, ingest):
    services.settings_update(auto_apply=False, auto_apply_threshold=0.9, retrain_after=50)
    contact_id = ingest(subject="Cobro", body=CHARGE_TEXT).contact_id
    url = f"/api/v1/contacts/{contact_id}/suggestions"

    waiting = client.get(url, **as_agent).json()
    assert waiting["ready"] is False and waiting["suggestions"] == []

    services.suggest_pending()
    body = client.get(url, **as_agent).json()
    assert body["ready"] is True and body["model_version"] == 1
    assert body["suggestions"][0]["reason_id"] == reasons["charge"].pk
    assert body["reason"] is None and body["confirmation"] is None
    assert body["refined"] is True and body["auto_applied"] is False
    assert client.get("/api/v1/contacts/999999/suggestions", **as_agent).status_code == 404


def test_confirm_or_change_a_contacts_reason(client, as_agent, agent, reasons, ingest):
    services.settings_update(auto_apply=False, auto_apply_threshold=0.9, retrain_after=50)
    contact_id = ingest(subject="Cobro", body=CHARGE_TEXT).contact_id
    services.suggest_pending()
    url = f"/api/v1/contacts/{contact_id}/reason"

    kept = client.put(
        url, {"reason": reasons["charge"].pk}, content_type="application/json", **as_agent
    )
    assert kept.status_code == 200
    assert kept.json()["confirmation"]["suggested_rank"] == 1
    assert kept.json()["reason"]["id"] == reasons["charge"].pk

    by_name = client.put(
        url, {"reason": reasons["login"].name}, content_type="application/json", **as_agent
    )
    assert by_name.json()["reason"]["id"] == reasons["login"].pk
    assert Contact.objects.get(pk=contact_id).reason_id == reasons["login"].pk

    none = client.put(url, {"none_of_ours": True}, content_type="application/json", **as_agent)
    assert none.json()["confirmation"]["none_of_ours"] is True
    assert Confirmation.objects.get(contact_id=contact_id).actor == agent

    both = client.put(
        url,
        {"reason": reasons["order"].pk, "none_of_ours": True},
        content_type="application/json",
        **as_agent,
    )
    assert both.status_code == 422
    unknown = client.put(url, {"reason": 987654}, content_type="application/json", **as_agent)
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "reason"


def test_retrain_status_and_rollback(client, as_agent, as_manager, reasons):
    first = services.model_train_now(trigger="cold_start")

    assert client.post("/api/v1/suggest/retrain", **as_agent).status_code == 403
    queued = client.post("/api/v1/suggest/retrain", **as_manager)
    assert queued.status_code == 202
    assert queued.json()["status"] == "queued" and queued.json()["trigger"] == "manual"

    status = client.get("/api/v1/suggest/model", **as_agent).json()
    assert status["active"]["number"] == 1 and status["pending"]["number"] == 2
    assert status["settings"]["auto_apply"] is False  # as the fixture set it
    assert status["suggester"]["running"] is False
    assert [v["number"] for v in status["versions"]] == [2, 1]

    services.model_train_pending()
    assert client.get("/api/v1/suggest/model", **as_agent).json()["active"]["number"] == 2
    url = f"/api/v1/suggest/model/{first.number}/activate"
    assert client.post(url, **as_agent).status_code == 403
    rolled = client.post(url, **as_manager)
    assert rolled.status_code == 200 and rolled.json()["status"] == "active"
    assert client.post("/api/v1/suggest/model/99/activate", **as_manager).status_code == 404


def test_settings_are_for_admins(client, as_manager, as_admin, db):
    data = {"auto_apply": False, "auto_apply_threshold": 0.75, "retrain_after": 20}
    url = "/api/v1/suggest/settings"
    assert client.put(url, data, content_type="application/json", **as_manager).status_code == 403
    response = client.put(url, data, content_type="application/json", **as_admin)
    assert response.status_code == 200 and response.json() == data
    policy = SuggestSettings.objects.get()
    assert (policy.auto_apply, policy.auto_apply_threshold, policy.retrain_after) == (
        False,
        0.75,
        20,
    )
    bad = {**data, "auto_apply_threshold": 0.2}
    assert client.put(url, bad, content_type="application/json", **as_admin).status_code == 422


# --------------------------------------------------------------------------------------------
# Reasons with descriptions and example phrases
# --------------------------------------------------------------------------------------------


def test_create_get_and_change_a_reason_with_phrases(client, as_manager, as_agent, reasons):
    category = reasons["order"].category
    created = client.post(
        "/api/v1/reasons",
        {
            "name": "Mi pedido llega tarde",
            "category": category.pk,
            "description": "La entrega se retrasa",
            "examples": ["  llega tarde ", "my delivery is late", "LLEGA TARDE", ""],
        },
        content_type="application/json",
        **as_manager,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["examples"] == ["llega tarde", "my delivery is late"]
    assert body["description"] == "La entrega se retrasa" and body["category"] == "Envíos"

    url = f"/api/v1/reasons/{body['id']}"
    assert client.get(url, **as_agent).json()["examples"] == body["examples"]
    services.model_train_now(trigger="cold_start")
    assert services.retrain_due() is None
    changed = client.patch(
        url, {"examples": ["no llega a tiempo"]}, content_type="application/json", **as_manager
    )
    assert changed.status_code == 200
    assert changed.json()["examples"] == ["no llega a tiempo"]
    assert changed.json()["description"] == "La entrega se retrasa"  # not sent: kept
    event = ReasonEvent.objects.get(reason_id=body["id"], kind=ReasonEvent.Kind.DESCRIBED)
    assert event.data["examples"] == {
        "from": ["llega tarde", "my delivery is late"],
        "to": ["no llega a tiempo"],
    }
    # The phrases are part of what the model learns from: a retraining is due.
    assert services.retrain_due() == "reasons_changed"


def test_only_managers_create_or_change_reasons(client, as_agent, reasons):
    response = client.post(
        "/api/v1/reasons",
        {"name": "Otro", "category": reasons["order"].category_id},
        content_type="application/json",
        **as_agent,
    )
    assert response.status_code == 403
    patch = client.patch(
        f"/api/v1/reasons/{reasons['order'].pk}",
        {"name": "X"},
        content_type="application/json",
        **as_agent,
    )
    assert patch.status_code == 403


def test_reason_input_errors(client, as_manager, reasons):
    unknown = client.post(
        "/api/v1/reasons",
        {"name": "Otro", "category": 99999},
        content_type="application/json",
        **as_manager,
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "category"
    too_many = client.patch(
        f"/api/v1/reasons/{reasons['order'].pk}",
        {"examples": [f"frase {n}" for n in range(51)]},
        content_type="application/json",
        **as_manager,
    )
    assert too_many.status_code == 422 and too_many.json()["error"]["field"] == "examples"
