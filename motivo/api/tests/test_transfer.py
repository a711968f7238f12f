"""POST /api/v1/cases/{id}/transfer: a hand-off with a note, over the same service."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from motivo.accounts.models import Notification, Role, Team
from motivo.accounts.services import user_create
from motivo.api.tests.helpers import error_of, post_json, session_client
from motivo.cases.models import Case, CaseEvent, Handoff

pytestmark = pytest.mark.django_db

NOTE = "She was promised a refund today; the courier label is already sent to her."


def url(case_id: int) -> str:
    return f"/api/v1/cases/{case_id}/transfer"


@pytest.fixture
def luis(db):
    return user_create(username="luis", role=Role.AGENT, email="luis@x.test", first_name="Luis")


@pytest.fixture
def case(ingest) -> Case:
    return Case.objects.get(pk=ingest().case_id)


def test_transfer_to_an_agent(api, case, agent, luis, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(api, url(case.pk), {"assignee": luis.pk, "note": NOTE})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == case.pk
    assert body["assignee"] == {"id": luis.pk, "name": "Luis"}
    assert body["team"] is None
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.TRANSFERRED)
    assert event.actor == agent and event.data["note"] == NOTE
    assert Handoff.objects.get().assignee == luis
    assert Notification.objects.filter(user=luis, case=case).exists()
    assert [m.to for m in mail.outbox] == [["luis@x.test"]]
    # the case's timeline in the API shows the transfer with its note
    events = api.get(f"/api/v1/cases/{case.pk}").json()["events"]
    assert events[-1]["kind"] == "transferred" and events[-1]["data"]["note"] == NOTE


def test_transfer_to_a_team(api, case, luis):
    team = Team.objects.create(name="Billing")
    team.members.add(luis)
    response = post_json(api, url(case.pk), {"team": team.pk, "note": NOTE})

    assert response.status_code == 200
    assert response.json()["team"] == {"id": team.pk, "name": "Billing"}
    assert response.json()["assignee"] is None
    assert list(Notification.objects.values_list("user_id", flat=True)) == [luis.pk]


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"assignee": "LUIS", "note": NOTE}, "assignee", "invalid"),
        ({"note": NOTE}, "assignee", "required"),
        ({"assignee": 999, "note": NOTE}, "assignee", "unknown"),
        ({"team": 999, "note": NOTE}, "team", "unknown"),
        ({"assignee": "me", "note": ""}, "note", "required"),
        ({"assignee": "me", "note": "ok"}, "note", "too_short"),
        ({"assignee": "me"}, "note", "required"),
        ({"assignee": "me", "note": "x" * 4001}, "note", "invalid"),
        ({"assignee": "me", "note": NOTE, "priority": 1}, "priority", "invalid"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(api, case, luis, payload, field, code):
    payload = {k: (luis.pk if v == "me" else v) for k, v in payload.items()}
    response = post_json(api, url(case.pk), payload)

    assert response.status_code == 422, response.content
    error = error_of(response)
    assert (error["field"], error["code"]) == (field, code)
    assert error["message"]
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.TRANSFERRED).exists()
    assert Handoff.objects.count() == 0


def test_transfer_to_a_customer_is_refused(api, case, customer_user):
    response = post_json(api, url(case.pk), {"assignee": customer_user[0].pk, "note": NOTE})
    assert response.status_code == 422
    assert error_of(response)["field"] == "assignee"


def test_transfer_to_where_the_case_already_is_is_refused(api, case, luis):
    assert post_json(api, url(case.pk), {"assignee": luis.pk, "note": NOTE}).status_code == 200
    again = post_json(api, url(case.pk), {"assignee": luis.pk, "note": NOTE})
    assert again.status_code == 422
    assert error_of(again)["code"] == "unchanged"
    assert Handoff.objects.count() == 1


def test_a_merged_case_answers_409(api, ingest, agent, luis):
    from motivo.cases.services import case_merge

    first = ingest(email="same@example.test")
    second = ingest(email="same@example.test")
    source = Case.objects.get(pk=first.case_id)
    case_merge(source=source, target=Case.objects.get(pk=second.case_id), actor=agent)
    response = post_json(api, url(source.pk), {"assignee": luis.pk, "note": NOTE})
    assert response.status_code == 409
    assert error_of(response)["code"] == "merged"


def test_unknown_case_is_404(api, luis):
    response = post_json(api, url(12345), {"assignee": luis.pk, "note": NOTE})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_customers_cannot_transfer_even_their_own_case(customer_client, customer_user, luis):
    own = Case.objects.get(customer=customer_user[1])
    response = post_json(customer_client, url(own.pk), {"assignee": luis.pk, "note": NOTE})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    own.refresh_from_db()
    assert own.assignee_id is None and Handoff.objects.count() == 0


def test_anonymous_is_401(anon, case, luis):
    response = post_json(anon, url(case.pk), {"assignee": luis.pk, "note": NOTE})
    assert response.status_code == 401


def test_a_signed_in_agent_needs_the_csrf_token(agent, case, luis):
    without = Client(enforce_csrf_checks=True)
    without.force_login(agent)
    refused = post_json(without, url(case.pk), {"assignee": luis.pk, "note": NOTE})
    assert refused.status_code == 403
    assert Handoff.objects.count() == 0

    sent = post_json(session_client(agent), url(case.pk), {"assignee": luis.pk, "note": NOTE})
    assert sent.status_code == 200
    assert Handoff.objects.count() == 1


def test_get_is_not_allowed_and_changes_nothing(api, case):
    assert api.get(url(case.pk)).status_code == 405
    assert Handoff.objects.count() == 0
