"""Costs pages and API: permissions, CSRF, figures on the page, CSV, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from motivo.accounts.services import api_token_create
from motivo.api.auth import token_cache_clear
from motivo.api.tests.helpers import session_client
from motivo.cases.models import Contact
from motivo.costs.models import ChannelCost, Goodwill
from motivo.costs.tests.conftest import local

MONTH = "?month=2025-03"


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    token_cache_clear()
    yield
    token_cache_clear()


@pytest.fixture
def agent_client(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def march_data(cost, contacts, call, reason, other_reason, department):
    """Logística owns both reasons. A: 2 emails before the change (2 × 4), 1 after (5) and a
    90 s call (6 + 1.20) = 20.20; B: 1 web contact (3)."""
    cost("email", dt.date(2025, 1, 1), "4.00")
    cost("email", dt.date(2025, 3, 16), "5.00")
    cost("web", dt.date(2025, 1, 1), "3.00")
    cost("phone", dt.date(2025, 1, 1), "6.00", "0.80")
    contacts(reason, 2, when=local(dt.date(2025, 3, 2)))
    contacts(reason, when=local(dt.date(2025, 3, 20)))
    call(reason, 90, when=local(dt.date(2025, 3, 21)))
    contacts(other_reason, when=local(dt.date(2025, 3, 22)), channel="web")
    return reason, other_reason


# ---------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    "name", ["costs:channel_costs", "costs:chargeback", "costs:chargeback_csv"]
)
def test_manager_pages_refuse_agents_and_strangers(agent_client, client, name):
    assert agent_client.get(reverse(name)).status_code == 403
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_cost_form_needs_csrf(supervisor):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(supervisor)
    data = {"channel": "email", "effective_from": "2025-01-01", "per_contact": "4"}
    assert strict.post(reverse("costs:channel_costs"), data).status_code == 403
    page = strict.get(reverse("costs:channel_costs"))
    token = page.context["csrf_token"]
    response = strict.post(reverse("costs:channel_costs"), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ChannelCost.objects.get().per_contact == Decimal("4.00")


def test_goodwill_form_needs_csrf(agent, ingest, reason):
    case_id = ingest(reason=reason).case_id
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent)
    url = reverse("costs:case_goodwill", args=[case_id])
    contact = Contact.objects.get(case_id=case_id)
    assert strict.post(url, {"contact": contact.pk, "amount": "5"}).status_code == 403
    assert not Goodwill.objects.exists()


def test_customers_cannot_give_goodwill(customer_user):
    user, customer = customer_user
    client = Client()
    client.force_login(user)
    case = customer.cases.get()
    url = reverse("costs:case_goodwill", args=[case.pk])
    assert client.post(url, {"contact": case.contacts.get().pk, "amount": "5"}).status_code == 403


# ---------------------------------------------------------------------------- channel costs


def test_costs_page_sets_a_change_and_shows_history(manager_client, supervisor):
    url = reverse("costs:channel_costs")
    first = {
        "channel": "phone",
        "effective_from": "2024-01-01",
        "per_contact": "6",
        "per_minute": "0.8",
        "note": "Initial",
    }
    assert manager_client.post(url, first).status_code == 302
    past = {**first, "effective_from": "2024-06-01", "per_contact": "7"}
    refused = manager_client.post(url, past)
    assert refused.status_code == 400
    assert "past periods keep the cost" in refused.content.decode()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    later = {**first, "effective_from": tomorrow.isoformat(), "per_contact": "7", "note": ""}
    assert manager_client.post(url, later).status_code == 302
    page = manager_client.get(url)
    html = page.content.decode()
    current = dict((c, (now, nxt)) for c, _l, now, nxt in page.context["current"])
    assert current["phone"][0].per_contact == Decimal("6.00")
    assert current["phone"][1].per_contact == Decimal("7.00")
    assert current["email"] == (None, None)
    assert "No cost set" in html and "Initial" in html and "boss" in html.lower()
    assert len(page.context["history"]) == 2


def test_costs_page_uses_the_configured_currency(manager_client, cost, settings):
    settings.MOTIVO_CURRENCY = "USD"
    cost("email", dt.date(2024, 1, 1), "4.00")
    assert "4.00 USD" in manager_client.get(reverse("costs:channel_costs")).content.decode()


# ---------------------------------------------------------------------------- chargeback


def test_chargeback_statement_shows_exact_figures(manager_client, march_data, department):
    a, b = march_data
    response = manager_client.get(reverse("costs:chargeback") + MONTH)
    assert response.status_code == 200
    statement = response.context["statement"]
    [logistics] = statement.departments
    assert logistics.name == department.name
    assert [(r.reason_id, r.line.cost) for r in logistics.rows] == [
        (a.pk, Decimal("20.20")),
        (b.pk, Decimal("3.00")),
    ]
    assert logistics.contacts == 5 and logistics.minutes == Decimal("1.5")
    html = response.content.decode()
    assert "20.20 EUR" in html and "23.20 EUR" in html and "Logística" in html
    assert "March 2025" in html


def test_chargeback_defaults_to_last_month_and_survives_bad_input(manager_client):
    today = timezone.localdate()
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for query in ("", "?month=garbage", "?month=2025-13"):
        response = manager_client.get(reverse("costs:chargeback") + query)
        assert response.status_code == 200
        assert response.context["statement"].month == last
        assert "Nothing to charge this month" in response.content.decode()


def test_chargeback_csv(manager_client, march_data, department):
    a, _b = march_data
    a.name = "=HYPERLINK(1)"
    a.save()
    response = manager_client.get(reverse("costs:chargeback_csv") + MONTH)
    assert response["Content-Disposition"].endswith('motivo-chargeback-2025-03.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Month", "Department", "Reason", "Category"]
    assert rows[1] == [
        "2025-03",
        "Logística",
        "'=HYPERLINK(1)",
        "Envíos",
        "4",
        "1.5",
        "0.00",
        "20.20",
        "EUR",
    ]
    assert rows[2][2] == "Pedido dañado" and rows[2][7] == "3.00"


def test_chargeback_follows_the_owner_at_statement_time(manager_client, march_data):
    from motivo.reasons.models import Department

    _a, b = march_data
    b.owner = Department.objects.create(name="Facturación")
    b.save()
    statement = manager_client.get(reverse("costs:chargeback") + MONTH).context["statement"]
    assert [(d.name, d.cost) for d in statement.departments] == [
        ("Logística", Decimal("20.20")),
        ("Facturación", Decimal("3.00")),
    ]


def test_chargeback_page_queries_do_not_grow_with_contacts(
    manager_client, march_data, contacts, call, reason, django_assert_max_num_queries
):
    with django_assert_max_num_queries(100) as small:
        manager_client.get(reverse("costs:chargeback") + MONTH)
    contacts(reason, 10, when=local(dt.date(2025, 3, 5)))
    for n in range(3):
        call(reason, 60 + n, when=local(dt.date(2025, 3, 6 + n)))
    with django_assert_max_num_queries(len(small.captured_queries)):
        manager_client.get(reverse("costs:chargeback") + MONTH)
    # session, user, unread count, the statement's five.
    assert len(small.captured_queries) <= 9


# ---------------------------------------------------------------------------- goodwill


def test_goodwill_from_the_case_page(agent_client, ingest, reason):
    case_id = ingest(reason=reason).case_id
    contact = Contact.objects.get(case_id=case_id)
    page = agent_client.get(reverse("cases:detail", args=[case_id]))
    html = page.content.decode()
    assert (
        'data-testid="goodwill-panel"' in html
        and reverse("costs:case_goodwill", args=[case_id]) in html
    )
    url = reverse("costs:case_goodwill", args=[case_id])
    response = agent_client.post(url, {"contact": contact.pk, "amount": "12.5", "note": "Voucher"})
    assert response.status_code == 302 and response["Location"].endswith("#goodwill")
    given = Goodwill.objects.get()
    assert (given.amount, given.reason_id, given.note) == (Decimal("12.50"), reason.pk, "Voucher")
    html = agent_client.get(reverse("cases:detail", args=[case_id])).content.decode()
    assert "12.50 EUR" in html and "Voucher" in html


def test_goodwill_refused_keeps_the_input(agent_client, ingest, reason):
    case_id = ingest(reason=reason).case_id
    contact = Contact.objects.get(case_id=case_id)
    url = reverse("costs:case_goodwill", args=[case_id])
    response = agent_client.post(url, {"contact": contact.pk, "amount": "0", "note": "Kept"})
    assert response.status_code == 400
    assert 'value="Kept"' in response.content.decode()
    other = Contact.objects.get(pk=ingest().contact_id)
    assert agent_client.post(url, {"contact": other.pk, "amount": "3"}).status_code == 400
    assert not Goodwill.objects.exists()


# ---------------------------------------------------------------------------- API


@pytest.fixture
def api(agent) -> Client:
    _row, secret = api_token_create(user=agent, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_api_goodwill(api, ingest, reason):
    result = ingest(reason=reason)
    url = f"/api/v1/cases/{result.case_id}/goodwill"
    response = api.post(url, {"amount": "9.99", "note": "Refund"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contact_id"] == result.contact_id and body["reason_id"] == reason.pk
    assert Decimal(body["amount"]) == Decimal("9.99") and body["currency"] == "EUR"
    bad = api.post(url, {"amount": "-1"}, content_type="application/json")
    assert bad.status_code == 422 and "amount" in bad.content.decode()
    other = ingest()
    wrong = api.post(
        url, {"amount": "1", "contact_id": other.contact_id}, content_type="application/json"
    )
    assert wrong.status_code == 422 and "contact_id" in wrong.content.decode()
    assert (
        api.post(
            "/api/v1/cases/999999/goodwill", {"amount": "1"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Goodwill.objects.count() == 1


def test_api_chargeback(api, march_data, customer_user):
    a, _b = march_data
    body = api.get("/api/v1/chargeback?month=2025-03").json()
    assert body["month"] == "2025-03" and Decimal(body["cost"]) == Decimal("23.20")
    [logistics] = body["departments"]
    first = logistics["reasons"][0]
    assert first["reason_id"] == a.pk and first["call_seconds"] == 90
    assert Decimal(first["minutes_cost"]) == Decimal("1.20")
    assert first["contacts_by_channel"] == {"email": 3, "phone": 1}
    assert api.get("/api/v1/chargeback?month=March").status_code == 422
    user, customer = customer_user
    as_customer = session_client(user)
    assert as_customer.get("/api/v1/chargeback?month=2025-03").status_code == 403
    case_id = customer.cases.get().pk
    refused = as_customer.post(
        f"/api/v1/cases/{case_id}/goodwill", {"amount": "5"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert Client().get("/api/v1/chargeback").status_code == 401
