"""The matrix selector and pages: quadrants, volume and cost, flags, the rating form, the
owner person and history on the reason's page, permissions, CSRF and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from motivo.costs.services import channel_cost_set
from motivo.reasons import selectors, services
from motivo.reasons.models import Action, Reason, ReasonEvent

from .conftest import signed_in
from .test_views import classify

pytestmark = pytest.mark.django_db

MATRIX = reverse("reasons:matrix")


def rate(reason: Reason, customer: int, company: int, actor=None) -> Reason:
    return services.reason_rate(
        reason=reason, customer_rating=customer, company_rating=company, actor=actor
    )


@pytest.fixture
def costs(db):
    start = timezone.localdate() - dt.timedelta(days=400)
    channel_cost_set(channel="email", effective_from=start, per_contact="4.00", actor=None)
    channel_cost_set(channel="chat", effective_from=start, per_contact="2.50", actor=None)


# --- selector ------------------------------------------------------------------------------


def test_matrix_counts_contacts_in_the_period_and_their_cost(
    ingest, agent, reason, other_reason, costs
):
    today = timezone.localdate()
    now = timezone.now()
    for _ in range(3):
        classify(ingest, agent, reason, when=now)
    classify(ingest, agent, reason, when=now, channel="chat")
    classify(ingest, agent, other_reason, when=now)
    classify(ingest, agent, other_reason, when=now - dt.timedelta(days=40))  # before the period
    rate(reason, -2, -2)

    data = selectors.matrix(date_from=today - dt.timedelta(days=29), date_to=today)

    assert [row.reason for row in data.rated] == [reason]
    assert [row.reason for row in data.to_rate] == [other_reason]
    (row,) = data.rated
    assert (row.volume, row.cost) == (4, Decimal("14.50"))  # 3 × 4.00 + 2.50
    assert row.cost_per_contact == Decimal("3.63")
    assert (data.to_rate[0].volume, data.to_rate[0].cost) == (1, Decimal("4.00"))
    assert data.total_volume == 5 and data.total_cost == Decimal("18.50")
    assert [r.reason for r in data.quadrants[Action.ELIMINATE]] == [reason]
    assert all(not rows for key, rows in data.quadrants.items() if key != Action.ELIMINATE)


def test_matrix_sorts_and_leaves_inactive_reasons_out(ingest, agent, reason, other_reason, costs):
    third = Reason.objects.create(category=reason.category, name="Alfa", action=Action.LEVERAGE)
    retired = Reason.objects.create(category=reason.category, name="Viejo", active=False)
    classify(ingest, agent, reason)
    for _ in range(2):
        classify(ingest, agent, other_reason, channel="chat")  # 2 × 2.50 = 5.00
    rate(reason, -1, -1)
    rate(other_reason, -1, 1)
    rate(third, 2, 2)
    rate(retired, 2, 2)
    today = timezone.localdate()

    def order(sort: str) -> list[str]:
        data = selectors.matrix(date_from=today, date_to=today, sort=sort)
        return [row.reason.name for row in data.rated]

    assert order("cost") == ["Pedido dañado", "¿Dónde está mi pedido?", "Alfa"]
    assert order("volume") == ["Pedido dañado", "¿Dónde está mi pedido?", "Alfa"]
    assert order("name") == ["Alfa", "¿Dónde está mi pedido?", "Pedido dañado"]
    assert order("quadrant") == ["¿Dónde está mi pedido?", "Pedido dañado", "Alfa"]
    assert order("nonsense") == order("cost")


def test_flagged_rows(reason, other_reason):
    rate(reason, 1, -1)  # self-serve, action eliminate
    rate(other_reason, -1, 1)  # simplify, action simplify
    today = timezone.localdate()
    data = selectors.matrix(date_from=today, date_to=today)
    assert [row.reason for row in data.flagged] == [reason]


# --- pages: permissions, GET changes nothing, queries ----------------------------------------


@pytest.mark.parametrize("url", [MATRIX, reverse("reasons:matrix_csv")])
def test_matrix_is_for_managers(client, agent_client, manager_client, admin_user, url):
    assert agent_client.get(url).status_code == 403
    assert reverse("accounts:login") in client.get(url)["Location"]
    assert manager_client.get(url).status_code == 200
    assert signed_in(admin_user).get(url).status_code == 200


def test_matrix_page_places_reasons_and_lists_those_to_rate(
    manager_client, ingest, agent, reason, other_reason, costs
):
    classify(ingest, agent, reason)
    rate(reason, 1, -2)  # self-serve, action eliminate → flagged

    response = manager_client.get(MATRIX)

    html = response.content.decode()
    quadrants = response.context["quadrants"]
    assert [str(q["action"]) for q in quadrants] == [
        Action.SELF_SERVE,
        Action.LEVERAGE,
        Action.ELIMINATE,
        Action.SIMPLIFY,
    ]
    assert [row.reason for row, _size in quadrants[0]["rows"]] == [reason]
    assert f'data-testid="flag-{reason.pk}"' in html
    to_rate = html[html.index('id="to-rate"') :]
    assert other_reason.name in to_rate and reason.name not in to_rate
    assert f'action="{reverse("reasons:reason_rate", args=[other_reason.pk])}"' in to_rate
    assert "csrfmiddlewaretoken" in to_rate


def test_matrix_get_changes_nothing(manager_client, reason):
    rate(reason, 1, 1)
    before = list(Reason.objects.values()), ReasonEvent.objects.count()
    manager_client.get(MATRIX)
    manager_client.get(MATRIX + "?sort=volume&date_from=2024-01-01&date_to=2024-12-31")
    manager_client.get(reverse("reasons:matrix_csv"))
    assert (list(Reason.objects.values()), ReasonEvent.objects.count()) == before


def test_matrix_queries_do_not_grow_with_contacts_or_reasons(
    manager_client, ingest, agent, reason, other_reason, costs
):
    classify(ingest, agent, reason)
    rate(reason, 1, 1)
    with CaptureQueriesContext(connection) as small:
        manager_client.get(MATRIX)
    for n in range(5):
        extra = Reason.objects.create(category=reason.category, name=f"Motivo {n}")
        rate(extra, -1, 1)
        classify(ingest, agent, extra, channel="chat")
        classify(ingest, agent, other_reason)
    with CaptureQueriesContext(connection) as large:
        response = manager_client.get(MATRIX)
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries) <= 12
    assert not any("cases_contact" in q["sql"] for q in large.captured_queries)


def test_bad_period_falls_back_and_says_why(manager_client):
    response = manager_client.get(MATRIX + "?date_from=2024-05-10&date_to=2024-05-01")
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()
    data = response.context["matrix"]
    assert data.date_to == timezone.localdate()


def test_matrix_csv(manager_client, ingest, agent, reason, other_reason, supervisor, costs):
    classify(ingest, agent, reason)
    rate(reason, -1, -1)
    services.reason_save(
        reason=other_reason,
        category=other_reason.category,
        name="=HYPERLINK(1)",
        owner=other_reason.owner,
        owner_person=supervisor,
        action=other_reason.action,
    )
    response = manager_client.get(reverse("reasons:matrix_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reason", "Category", "Owner"]
    assert rows[1] == [
        "¿Dónde está mi pedido?", "Envíos", "Logística", "", "-1", "-1", "Eliminate",
        "Eliminate", "", "1", "4.00", "4.00",
    ]  # fmt: skip
    assert rows[2][:4] == ["'=HYPERLINK(1)", "Envíos", "Logística", supervisor.display_name]
    assert rows[2][4:7] == ["", "", ""]


# --- rating form ----------------------------------------------------------------------------


def test_managers_rate_from_the_matrix_and_go_back(manager_client, reason, supervisor):
    back = MATRIX + "?sort=name"
    response = manager_client.post(
        reverse("reasons:reason_rate", args=[reason.pk]),
        {"customer_rating": "2", "company_rating": "-1", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    reason.refresh_from_db()
    assert (reason.customer_rating, reason.company_rating) == (2, -1)
    event = ReasonEvent.objects.get(reason=reason)
    assert (event.kind, event.actor) == ("rated", supervisor)
    page = manager_client.get(back).content.decode()
    assert "disagrees with its quadrant" in page  # the flash message names the flag


def test_rating_ignores_a_foreign_next_and_refuses_bad_input(manager_client, reason):
    url = reverse("reasons:reason_rate", args=[reason.pk])
    response = manager_client.post(
        url, {"customer_rating": "1", "company_rating": "1", "next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("reasons:reason_edit", args=[reason.pk]) + "#rating"
    for data in ({"customer_rating": "0", "company_rating": "1"}, {"customer_rating": "2"}):
        manager_client.post(url, data)
    reason.refresh_from_db()
    assert (reason.customer_rating, reason.company_rating) == (1, 1)
    assert ReasonEvent.objects.filter(reason=reason).count() == 1


def test_rating_needs_a_manager_a_post_and_the_csrf_token(agent_client, supervisor, reason):
    url = reverse("reasons:reason_rate", args=[reason.pk])
    data = {"customer_rating": "1", "company_rating": "1"}
    assert agent_client.post(url, data).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(supervisor)
    assert strict.post(url, data).status_code == 403
    assert signed_in(supervisor).get(url).status_code == 405
    reason.refresh_from_db()
    assert reason.customer_rating is None and not ReasonEvent.objects.exists()


# --- reason edit page and taxonomy ------------------------------------------------------------


def test_edit_page_saves_the_owner_person_and_shows_the_history(manager_client, reason, agent):
    url = reverse("reasons:reason_edit", args=[reason.pk])
    data = {
        "name": reason.name,
        "category": reason.category_id,
        "owner": reason.owner_id,
        "owner_person": agent.pk,
        "action": Action.SIMPLIFY,
        "description": "",
        "active": "on",
    }
    assert manager_client.post(url, data).status_code == 302
    reason.refresh_from_db()
    assert reason.owner_person == agent
    rate(reason, 2, 2)

    page = manager_client.get(url).content.decode()

    history = page[page.index('data-testid="history"') :]
    assert history.index('data-kind="rated"') < history.index('data-kind="owner_changed"')
    assert f"Owner person: nobody → {agent.display_name}." in history
    assert "Action: Eliminate → Simplify." in history
    assert 'data-testid="flag"' in page  # leverage by rating, simplify by choice
    assert f'<option value="{agent.pk}" selected>' in page


def test_edit_page_refuses_a_customer_as_owner_person(manager_client, reason, customer_user):
    url = reverse("reasons:reason_edit", args=[reason.pk])
    data = {
        "name": reason.name,
        "category": reason.category_id,
        "owner": reason.owner_id,
        "owner_person": customer_user[0].pk,
        "action": reason.action,
        "active": "on",
    }
    response = manager_client.post(url, data)
    assert response.status_code == 200 and response.context["form"].errors["owner_person"]
    reason.refresh_from_db()
    assert reason.owner_person is None


def test_taxonomy_shows_owner_person_quadrant_and_flag(manager_client, reason, other_reason, agent):
    services.reason_save(
        reason=reason,
        category=reason.category,
        name=reason.name,
        owner=reason.owner,
        owner_person=agent,
        action=reason.action,
    )
    rate(reason, 2, 2)  # leverage, action eliminate
    rate(other_reason, -1, 1)  # simplify, action simplify

    with CaptureQueriesContext(connection) as queries:
        page = manager_client.get(reverse("reasons:taxonomy")).content.decode()

    assert f'data-testid="owner-person-{reason.pk}">{agent.display_name}<' in page
    assert f'data-testid="flag-{reason.pk}"' in page
    assert f'data-testid="flag-{other_reason.pk}"' not in page
    assert "1 reason's action disagrees with its rating" in page
    assert len(queries.captured_queries) <= 8
