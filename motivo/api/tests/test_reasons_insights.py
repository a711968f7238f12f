"""GET /api/v1/reasons and GET /api/v1/insights/pareto."""

from __future__ import annotations

import pytest

from motivo.api.tests.helpers import contact_payload, error_of, post_json
from motivo.cases.models import Contact
from motivo.reasons.models import Action, Reason

pytestmark = pytest.mark.django_db


def test_reasons_lists_the_taxonomy(api, reason, other_reason):
    retired = Reason.objects.create(
        category=reason.category, name="Antiguo", owner=None, action=Action.LEVERAGE, active=False
    )

    response = api.get("/api/v1/reasons")

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert set(rows) == {reason.pk, other_reason.pk, retired.pk}
    assert rows[reason.pk] == {
        "id": reason.pk,
        "name": "¿Dónde está mi pedido?",
        "category": "Envíos",
        "owner": "Logística",
        "owner_person": None,
        "action": "eliminate",
        "active": True,
        "customer_rating": None,
        "company_rating": None,
        "quadrant": None,
        "flagged": False,
    }
    assert rows[retired.pk]["active"] is False
    assert rows[retired.pk]["owner"] is None


def ingest_on(api, day: str, reason, *, channel: str = "email") -> None:
    payload = contact_payload(
        channel=channel,
        received_at=f"{day}T12:00:00+02:00",
        reason=reason.name if reason else None,
    )
    assert post_json(api, "/api/v1/contacts", payload).status_code == 201


def test_pareto_matches_the_contacts_created(api, reason, other_reason):
    for _ in range(3):
        ingest_on(api, "2024-05-10", reason)
    ingest_on(api, "2024-05-11", other_reason, channel="phone")
    ingest_on(api, "2024-05-11", None)  # not classified: not in the Pareto
    ingest_on(api, "2024-05-20", reason)  # outside the range

    response = api.get("/api/v1/insights/pareto?from=2024-05-10&to=2024-05-11")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"], body["total"]) == ("2024-05-10", "2024-05-11", 4)
    in_range = Contact.objects.filter(
        received_at__date__range=("2024-05-10", "2024-05-11"), reason__isnull=False
    )
    assert body["total"] == in_range.count()
    assert [(r["reason_id"], r["count"]) for r in body["rows"]] == [
        (reason.pk, in_range.filter(reason=reason).count()),
        (other_reason.pk, in_range.filter(reason=other_reason).count()),
    ]
    first, second = body["rows"]
    assert first == {
        "reason_id": reason.pk,
        "reason": reason.name,
        "category": "Envíos",
        "owner": "Logística",
        "action": "eliminate",
        "count": 3,
        "share": 0.75,
        "cumulative_share": 0.75,
    }
    assert (second["share"], second["cumulative_share"]) == (0.25, 1.0)

    phone = api.get("/api/v1/insights/pareto?from=2024-05-10&to=2024-05-11&channel=phone").json()
    assert [(r["reason_id"], r["count"]) for r in phone["rows"]] == [(other_reason.pk, 1)]


def test_pareto_defaults_to_the_last_30_days(api, reason):
    post_json(api, "/api/v1/contacts", contact_payload(reason=reason.pk))

    body = api.get("/api/v1/insights/pareto").json()

    assert body["total"] == 1
    assert body["rows"][0]["share"] == 1.0


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2024-05-11&to=2024-05-10", "from"), ("from=ayer", "from"), ("to=2024-13-01", "to")],
)
def test_pareto_bad_dates_name_the_field(api, query, field):
    response = api.get(f"/api/v1/insights/pareto?{query}")

    assert response.status_code == 422
    assert error_of(response)["field"] == field
