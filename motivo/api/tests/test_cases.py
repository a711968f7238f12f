"""GET /api/v1/cases, GET /api/v1/cases/{id}, POST /api/v1/cases/{id}/messages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motivo.accounts.models import Team
from motivo.api.tests.helpers import error_of, post_json
from motivo.cases.models import Case, Contact, Message, Status
from motivo.cases.selectors import PAGE_SIZE
from motivo.cases.services import case_add_note, case_assign, case_set_status

pytestmark = pytest.mark.django_db


def messages_url(case_id: int) -> str:
    return f"/api/v1/cases/{case_id}/messages"


# --------------------------------------------------------------------------------------------
# List
# --------------------------------------------------------------------------------------------


def test_list_shape_and_pagination(api, ingest):
    for _ in range(PAGE_SIZE + 1):
        ingest()

    first = api.get("/api/v1/cases")

    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"items", "page", "has_next", "next"}
    assert (body["page"], body["has_next"], len(body["items"])) == (1, True, PAGE_SIZE)
    assert body["next"] == "http://testserver/api/v1/cases?page=2"
    item = body["items"][0]
    assert set(item) >= {"id", "number", "subject", "status", "channel", "customer"}
    assert item["customer"]["name"] == "Cliente"

    second = api.get(body["next"]).json()
    assert (second["page"], second["has_next"], second["next"]) == (2, False, None)
    assert len(second["items"]) == 1
    seen = {i["id"] for i in body["items"]} | {i["id"] for i in second["items"]}
    assert seen == set(Case.objects.values_list("pk", flat=True))


def test_list_is_most_recently_active_first(api, ingest, agent):
    old = ingest()
    new = ingest()
    case_add_note(case=Case.objects.get(pk=new.case_id), author=agent, body="x")
    ids = [item["id"] for item in api.get("/api/v1/cases").json()["items"]]
    assert ids == [new.case_id, old.case_id]


def test_list_filters_by_status_and_keeps_it_in_next(api, ingest, agent, reason):
    for _ in range(PAGE_SIZE + 1):
        ingest()
    resolved = ingest(reason=reason)
    case_set_status(case=Case.objects.get(pk=resolved.case_id), actor=agent, status="resolved")

    body = api.get("/api/v1/cases?status=resolved").json()
    assert [item["id"] for item in body["items"]] == [resolved.case_id]
    assert body["items"][0]["status"] == "resolved"

    body = api.get("/api/v1/cases?status=new").json()
    assert body["has_next"] is True
    assert "status=new" in body["next"] and "page=2" in body["next"]
    assert api.get("/api/v1/cases?status=active&page=2").json()["items"]


@pytest.mark.parametrize(("query", "field"), [("status=lost", "status"), ("page=0", "page")])
def test_list_bad_query_names_the_field(api, query, field):
    response = api.get(f"/api/v1/cases?{query}")

    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_list_uses_a_fixed_number_of_queries(api, ingest, agent):
    team = Team.objects.create(name="Nivel 1")

    def make(n: int) -> None:
        for _ in range(n):
            case = Case.objects.get(pk=ingest().case_id)
            case_assign(case=case, actor=agent, assignee=agent, team=team)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/v1/cases")
        assert response.status_code == 200
        return len(ctx)

    api.get("/api/v1/cases")  # the token is looked up once, then remembered
    make(2)
    few = queries()
    make(PAGE_SIZE + 5)
    many = queries()

    # The page, with customer, assignee and team joined (the token is cached by then).
    assert few == many == 1
    item = api.get("/api/v1/cases").json()["items"][0]
    assert item["assignee"] == {"id": agent.pk, "name": agent.display_name}
    assert item["team"] == {"id": team.pk, "name": "Nivel 1"}


def test_customer_lists_only_own_cases(customer_client, customer_user, ingest):
    ingest(email="someone-else@example.test")
    _user, customer = customer_user

    items = customer_client.get("/api/v1/cases").json()["items"]

    assert [item["id"] for item in items] == list(
        Case.objects.filter(customer=customer).values_list("pk", flat=True)
    )
    assert items


# --------------------------------------------------------------------------------------------
# Detail
# --------------------------------------------------------------------------------------------


def test_detail_with_messages_contacts_and_reasons(api, ingest, agent, reason):
    result = ingest(reason=reason, external_id="d-1")
    case = Case.objects.get(pk=result.case_id)
    case_add_note(case=case, author=agent, body="Nota interna")

    response = api.get(f"/api/v1/cases/{case.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == case.pk and body["number"] == f"#{case.pk}"
    assert [m["kind"] for m in body["messages"]] == ["inbound", "note"]
    assert body["messages"][1]["author"] == {"id": agent.pk, "name": agent.display_name}
    assert body["messages"][0]["contact_id"] == result.contact_id
    [contact] = body["contacts"]
    assert contact["external_id"] == "d-1"
    assert contact["reason"] == {
        "id": reason.pk,
        "name": reason.name,
        "category": reason.category.name,
    }
    assert {e["kind"] for e in body["events"]} >= {"created", "contact_added", "note_added"}


def test_detail_unknown_case_is_404(api):
    response = api.get("/api/v1/cases/999999")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_customer_sees_own_case_without_notes(customer_client, customer_user, agent):
    case = Case.objects.get(customer=customer_user[1])
    case_add_note(case=case, author=agent, body="Secreto")

    body = customer_client.get(f"/api/v1/cases/{case.pk}").json()

    assert [m["kind"] for m in body["messages"]] == ["inbound"]
    assert "Secreto" not in str(body)
    assert body["events"] == []


def test_customer_gets_404_for_another_customers_case(customer_client, ingest):
    other = ingest(email="otro@example.test")

    response = customer_client.get(f"/api/v1/cases/{other.case_id}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"

    response = post_json(customer_client, messages_url(other.case_id), {"body": "Hola"})
    assert response.status_code == 404
    assert Message.objects.filter(case_id=other.case_id).count() == 1


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def test_staff_reply_with_status(
    api, ingest, agent, mailoutbox, django_capture_on_commit_callbacks
):
    case_id = ingest(email="ana@example.test").case_id

    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            api, messages_url(case_id), {"kind": "reply", "body": "Ya va.", "status": "waiting"}
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "reply" and body["body"] == "Ya va."
    assert body["author"]["id"] == agent.pk
    case = Case.objects.get(pk=case_id)
    assert case.status == Status.WAITING
    assert case.first_reply_at is not None
    assert [m.to for m in mailoutbox] == [["ana@example.test"]]


def test_staff_note(api, ingest):
    case_id = ingest().case_id

    response = post_json(api, messages_url(case_id), {"kind": "note", "body": "Revisar"})

    assert response.status_code == 201
    assert Message.objects.get(pk=response.json()["id"]).kind == Message.Kind.NOTE


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "Sin tipo"}, "kind"),
        ({"kind": "note", "body": "x", "status": "open"}, "status"),
        ({"kind": "reply", "body": "   "}, "body"),
        ({"kind": "shout", "body": "x"}, "kind"),
        ({"kind": "reply"}, "body"),
    ],
)
def test_staff_message_errors_name_the_field(api, ingest, payload, field):
    case_id = ingest().case_id

    response = post_json(api, messages_url(case_id), payload)

    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert Message.objects.filter(case_id=case_id).count() == 1


def test_reply_that_cannot_resolve_writes_nothing(api, ingest):
    case_id = ingest().case_id  # its contact has no reason yet

    response = post_json(
        api, messages_url(case_id), {"kind": "reply", "body": "Hecho", "status": "resolved"}
    )

    assert response.status_code == 422
    assert error_of(response)["field"] == "reason"
    assert Message.objects.filter(case_id=case_id).count() == 1
    assert Case.objects.get(pk=case_id).status == Status.NEW


def test_message_on_unknown_case_is_404(api):
    response = post_json(api, messages_url(999999), {"kind": "note", "body": "x"})
    assert response.status_code == 404


def test_customer_writes_on_own_case(customer_client, customer_user):
    case = Case.objects.get(customer=customer_user[1])
    contacts_before = Contact.objects.filter(case=case).count()

    response = post_json(customer_client, messages_url(case.pk), {"body": "¿Alguna novedad?"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["body"]) == ("inbound", "¿Alguna novedad?")
    # Not an answer to a question of ours: a new contact on the case, from the portal.
    assert Contact.objects.filter(case=case).count() == contacts_before + 1
    assert Contact.objects.filter(case=case).latest("id").channel == "portal"


@pytest.mark.parametrize("extra", [{"kind": "note"}, {"kind": "reply"}, {"status": "closed"}])
def test_customer_cannot_post_notes_replies_or_statuses(customer_client, customer_user, extra):
    case = Case.objects.get(customer=customer_user[1])

    response = post_json(customer_client, messages_url(case.pk), {"body": "x", **extra})

    assert response.status_code == 403
    assert Message.objects.filter(case=case).count() == 1
