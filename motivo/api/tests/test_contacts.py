"""POST /api/v1/contacts: ingest, idempotency, reasons, validation errors, atomicity."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motivo.api.tests.helpers import contact_payload, error_of, post_json
from motivo.cases.models import Case, CaseEvent, Contact, Message
from motivo.customers.models import Customer, Identity
from motivo.reasons.models import Reason, ReasonCategory

URL = "/api/v1/contacts"

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (
        Customer.objects.count(),
        Case.objects.count(),
        Contact.objects.count(),
        Message.objects.count(),
    )


def test_creates_customer_case_and_contact(api, agent):
    response = post_json(api, URL, contact_payload(external_id="crm-1"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"contact_id", "case_id", "customer_id", "created"}
    assert body["created"] is True
    contact = Contact.objects.select_related("case", "customer").get(pk=body["contact_id"])
    assert contact.case_id == body["case_id"]
    assert contact.customer_id == body["customer_id"]
    assert contact.external_id == "crm-1"
    assert contact.channel == "email"
    assert contact.customer.name == "Lucía"
    assert contact.case.subject == "No me ha llegado el pedido"
    assert contact.message.body == "Hice el pedido hace una semana."
    # The token's user is recorded as the actor on the timeline.
    assert CaseEvent.objects.get(case=contact.case, kind="created").actor == agent


def test_same_customer_by_identity_on_another_channel(api):
    first = post_json(api, URL, contact_payload()).json()
    second = post_json(
        api,
        URL,
        contact_payload(channel="web", customer={"email": "LUCIA@example.test", "name": "L"}),
    ).json()

    assert second["customer_id"] == first["customer_id"]
    assert second["case_id"] != first["case_id"]


def test_phone_customer(api):
    response = post_json(
        api, URL, contact_payload(channel="phone", customer={"phone": "+34 600 11 22 33"})
    )

    assert response.status_code == 201, response.content
    identity = Identity.objects.get(customer_id=response.json()["customer_id"])
    assert (identity.kind, identity.value) == ("phone", "+34600112233")


def test_same_external_id_twice_creates_one_contact(api):
    first = post_json(api, URL, contact_payload(external_id="mail-42"))
    before = counts()
    again = post_json(api, URL, contact_payload(external_id="mail-42", subject="Otra cosa"))

    assert first.status_code == 201
    assert again.status_code == 200, again.content
    assert again.json() == {**first.json(), "created": False}
    assert counts() == before
    assert Contact.objects.filter(external_id="mail-42").count() == 1


def test_received_at_with_offset_is_kept(api):
    response = post_json(api, URL, contact_payload(received_at="2023-03-01T09:30:00+01:00"))

    contact = Contact.objects.get(pk=response.json()["contact_id"])
    assert contact.received_at == dt.datetime(2023, 3, 1, 8, 30, tzinfo=dt.UTC)
    assert contact.case.created_at == contact.received_at


def test_naive_received_at_is_local_time(api):
    response = post_json(api, URL, contact_payload(received_at="2023-07-01T10:00:00"))

    contact = Contact.objects.get(pk=response.json()["contact_id"])
    local = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    assert contact.received_at == dt.datetime(2023, 7, 1, 10, 0, tzinfo=local)


@pytest.mark.parametrize(
    "given", ["¿DÓNDE ESTÁ MI PEDIDO?", "  ¿dónde está mi pedido?  ", "id", "id-as-text"]
)
def test_reason_by_name_or_id(api, reason, other_reason, given):
    value = {"id": reason.pk, "id-as-text": str(reason.pk)}.get(given, given)

    response = post_json(api, URL, contact_payload(reason=value))

    assert response.status_code == 201, response.content
    assert Contact.objects.get(pk=response.json()["contact_id"]).reason == reason


@pytest.mark.parametrize("value", ["No existe", 999_999, "999999"])
def test_unknown_reason_is_422_and_writes_nothing(api, reason, value):
    response = post_json(api, URL, contact_payload(reason=value))

    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "reason"
    assert counts() == (0, 0, 0, 0)


def test_retired_reason_is_refused(api, reason):
    reason.active = False
    reason.save()

    response = post_json(api, URL, contact_payload(reason=reason.name))

    assert response.status_code == 422
    assert error_of(response)["field"] == "reason"


def test_bad_email_names_the_field_and_writes_nothing(api):
    response = post_json(api, URL, contact_payload(customer={"email": "not-an-address"}))

    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "customer.email"
    assert error["message"]
    assert counts() == (0, 0, 0, 0)


def test_customer_without_email_or_phone(api):
    response = post_json(api, URL, contact_payload(customer={"name": "Sin datos"}))

    assert response.status_code == 422
    assert error_of(response)["field"] == "customer"
    assert counts() == (0, 0, 0, 0)


def test_empty_subject_and_body(api):
    response = post_json(api, URL, contact_payload(subject=" ", body=" "))

    assert response.status_code == 422
    assert error_of(response)["field"] == "subject"
    assert counts() == (0, 0, 0, 0)


def test_validation_errors_list_every_problem_with_dotted_fields(api):
    payload = contact_payload(channel="fax", customer={"email": 5}, received_at="yesterday")
    del payload["subject"]

    response = post_json(api, URL, payload)

    assert response.status_code == 422
    error = error_of(response)
    fields = {problem["field"] for problem in error["details"]}
    assert fields == {"channel", "customer.email", "subject", "received_at"}
    assert error["field"] in fields
    assert error["field"] in error["message"]
    assert not any(f.startswith(("body", "payload")) for f in fields)
    missing = next(p for p in error["details"] if p["field"] == "subject")
    assert missing["code"] == "required"


def test_unknown_field_is_named(api):
    response = post_json(api, URL, contact_payload(recieved_at="2024-01-01T00:00:00Z"))

    assert response.status_code == 422
    assert error_of(response)["field"] == "recieved_at"


def test_malformed_json_is_400(api):
    response = api.post(URL, data='{"channel": "email",', content_type="application/json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "malformed"
    assert "JSON" in error["message"]


def test_empty_body_is_422_required(api):
    response = api.post(URL, data="", content_type="application/json")

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "required"
    assert error["field"] is None


def test_json_that_is_not_an_object(api):
    response = post_json(api, URL, ["email"])

    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid"


def test_api_adds_one_query_to_the_service(api, ingest):
    """The endpoint costs the token look-up and nothing else beyond `contact_ingest`; a
    replayed contact costs one query once the token is remembered."""
    with CaptureQueriesContext(connection) as direct:
        ingest(email="direct@example.test", external_id="direct-1")
    with CaptureQueriesContext(connection) as through_api:
        response = post_json(
            api, URL, contact_payload(customer={"email": "api@example.test"}, external_id="a-1")
        )
    assert response.status_code == 201
    assert len(through_api) == len(direct) + 1

    with CaptureQueriesContext(connection) as replay:
        response = post_json(api, URL, contact_payload(external_id="a-1"))
    assert response.status_code == 200
    assert len(replay) == 1  # the contact already stored


def test_reason_name_shared_by_two_categories_is_ambiguous(api, reason):
    other_category = ReasonCategory.objects.create(name="Devoluciones", position=2)
    twin = Reason.objects.create(category=other_category, name=reason.name)

    response = post_json(api, URL, contact_payload(reason=reason.name.upper()))
    assert response.status_code == 422
    error = error_of(response)
    assert (error["field"], error["code"]) == ("reason", "ambiguous")

    response = post_json(api, URL, contact_payload(reason=twin.pk))
    assert response.status_code == 201
    assert Contact.objects.get().reason == twin


def test_bad_phone_names_the_field(api):
    response = post_json(api, URL, contact_payload(channel="phone", customer={"phone": "12"}))

    assert response.status_code == 422
    assert error_of(response)["field"] == "customer.phone"
    assert counts() == (0, 0, 0, 0)
