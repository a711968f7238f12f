"""The managers' home: top reasons with share and cumulative share, chart, table and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.cases.services import contact_set_reason
from motivo.insights.charts import vital_few_count
from motivo.reasons.models import Action, Reason

from .conftest import local

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)  # fixed days: the page is asked for explicit periods
URL = reverse("insights:pareto")


def period(date_from: dt.date, date_to: dt.date, **extra) -> dict:
    return {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), **extra}


@pytest.fixture
def third_reason(reason) -> Reason:
    return Reason.objects.create(
        category=reason.category, name="Cambio de dirección", action=Action.SELF_SERVE
    )


@pytest.fixture
def five_three_two(classified, reason, other_reason, third_reason):
    """5 contacts for `reason`, 3 for `third_reason`, 2 for `other_reason`, all on DAY."""
    classified(reason, 5, when=local(DAY))
    classified(third_reason, 3, when=local(DAY), channel="chat")
    classified(other_reason, 2, when=local(DAY), channel="phone")


def numbers(response) -> list[tuple]:
    return [
        (
            item.rank,
            item.row.reason,
            item.row.count,
            round(item.share_pct, 1),
            round(item.cumulative_pct, 1),
            item.vital,
        )
        for item in response.context["table"]
    ]


def test_agents_are_forbidden_and_anonymous_users_sent_to_sign_in(client, agent):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("insights:pareto_csv")).status_code == 403


def test_managers_land_here_after_sign_in(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("core:home"))["Location"] == URL


def test_counts_shares_cumulative_shares_and_order(manager_client, five_three_two):
    response = manager_client.get(URL, period(DAY, DAY))
    assert response.status_code == 200
    assert numbers(response) == [
        (1, "¿Dónde está mi pedido?", 5, 50.0, 50.0, True),
        (2, "Cambio de dirección", 3, 30.0, 80.0, True),  # reaches 80%: still highlighted
        (3, "Pedido dañado", 2, 20.0, 100.0, False),
    ]
    assert response.context["total"] == 10
    assert response.context["vital_count"] == 2
    html = response.content.decode()
    assert html.count('class="vital"') == 2
    assert 'data-testid="total">10<' in html


def test_ties_are_ordered_by_name(manager_client, classified, reason, other_reason):
    classified(other_reason, 2, when=local(DAY))
    classified(reason, 2, when=local(DAY))
    response = manager_client.get(URL, period(DAY, DAY))
    assert [row[1] for row in numbers(response)] == ["Pedido dañado", "¿Dónde está mi pedido?"]


def test_date_bounds_are_inclusive_local_days(manager_client, classified, reason, other_reason):
    start, end = DAY, DAY + dt.timedelta(days=6)
    classified(reason, when=local(start, 0, 0))  # first minute of the first day
    classified(reason, when=local(end, 23, 59))  # last minute of the last day
    classified(other_reason, when=local(start - dt.timedelta(days=1), 23, 59))  # day before
    classified(other_reason, when=local(end + dt.timedelta(days=1), 0, 1))  # day after
    response = manager_client.get(URL, period(start, end))
    assert [(row[1], row[2]) for row in numbers(response)] == [("¿Dónde está mi pedido?", 2)]
    assert Contact.objects.count() == 4


def test_channel_filter(manager_client, five_three_two):
    response = manager_client.get(URL, period(DAY, DAY, channel="chat"))
    assert numbers(response) == [(1, "Cambio de dirección", 3, 100.0, 100.0, True)]
    assert response.context["form"]["channel"].value() == "chat"
    # the presets keep the channel
    assert all("channel=chat" in query for _, query, _ in response.context["presets"])


def test_reclassifying_a_contact_moves_the_count(
    manager_client, classified, agent, reason, other_reason
):
    contacts = classified(reason, 3, when=local(DAY))
    contact_set_reason(contact=contacts[0], actor=agent, reason=other_reason)
    response = manager_client.get(URL, period(DAY, DAY))
    assert [(row[1], row[2]) for row in numbers(response)] == [
        ("¿Dónde está mi pedido?", 2),
        ("Pedido dañado", 1),
    ]


def test_contacts_still_without_a_reason_are_counted(manager_client, ingest, five_three_two):
    ingest(received_at=local(DAY, 9))
    ingest(received_at=local(DAY, 10), channel="chat")
    ingest(received_at=local(DAY + dt.timedelta(days=1)))  # outside the period
    response = manager_client.get(URL, period(DAY, DAY))
    assert response.context["unclassified"] == 2
    assert response.context["total"] == 10  # unclassified contacts are not in the Pareto
    response = manager_client.get(URL, period(DAY, DAY, channel="chat"))
    assert response.context["unclassified"] == 1


def test_default_period_is_the_last_30_days(manager_client, classified, reason, other_reason):
    today = timezone.localdate()
    classified(reason, when=local(today - dt.timedelta(days=29), 12))
    classified(other_reason, when=local(today - dt.timedelta(days=31), 12))
    response = manager_client.get(URL)
    assert (response.context["date_from"], response.context["date_to"]) == (
        today - dt.timedelta(days=29),
        today,
    )
    assert [row[1] for row in numbers(response)] == ["¿Dónde está mi pedido?"]
    form = response.context["form"]
    assert form["date_from"].value() == today - dt.timedelta(days=29)
    labels = [(str(label), active) for label, _, active in response.context["presets"]]
    assert labels == [
        ("Last 7 days", False),
        ("Last 30 days", True),
        ("This month", today.day == 30),
        ("Last 90 days", False),
    ]


def test_presets_link_to_their_periods(manager_client):
    today = timezone.localdate()
    presets = {str(label): query for label, query, _ in manager_client.get(URL).context["presets"]}
    first = today.replace(day=1)
    assert presets["This month"] == f"date_from={first.isoformat()}&date_to={today.isoformat()}"
    week = (today - dt.timedelta(days=6)).isoformat()
    assert presets["Last 7 days"] == f"date_from={week}&date_to={today.isoformat()}"
    quarter = (today - dt.timedelta(days=89)).isoformat()
    assert presets["Last 90 days"].startswith(f"date_from={quarter}&")


def test_a_reversed_period_is_refused_and_the_default_shown(manager_client):
    response = manager_client.get(URL, period(DAY, DAY - dt.timedelta(days=3)))
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()
    assert response.context["date_to"] == timezone.localdate()


def test_page_renders_an_inline_svg_chart_and_the_table(manager_client, five_three_two):
    html = manager_client.get(URL, period(DAY, DAY)).content.decode()
    chart = html[html.index('data-testid="pareto-chart"') :]
    svg = chart[chart.index("<svg") : chart.index("</svg>")]
    assert "<?xml" not in html and "<script" not in svg
    assert "kozea.github.io" not in html and "pygal-tooltips" not in html
    assert "googleapis" not in html
    for name in ("¿Dónde está mi pedido?", "Cambio de dirección", "Pedido dañado"):
        assert name in svg
    line_labels = re.findall(r'class="value share"[^>]*>([^<]+)<', svg)
    assert line_labels == ["50 %", "80 %", "100 %"]  # the cumulative line, one dot per bar
    bar_labels = re.findall(r'class="value count[^"]*"[^>]*>([^<]+)<', svg)
    assert bar_labels == ["5", "3", "2"]
    assert svg.count('class="rect reactive tooltip-trigger"') == 3  # one bar per reason
    table = html[html.index('data-testid="pareto-table"') :]
    assert table.count("<tr") == 5  # header, three reasons, total
    assert "Logística" in table and "action-eliminate" in table


def test_the_chart_shows_the_top_ten_only(manager_client, classified, reason):
    for n in range(12):
        extra = Reason.objects.create(category=reason.category, name=f"Motivo {n:02d}")
        classified(extra, 12 - n, when=local(DAY))
    response = manager_client.get(URL, period(DAY, DAY))
    assert response.context["chart"].count('class="rect reactive tooltip-trigger"') == 10
    # the comparison chart: the same ten reasons, two bars each
    assert response.context["compare_chart"].count('class="rect reactive tooltip-trigger"') == 20
    assert len(response.context["table"]) == 12
    assert "Motivo 11" not in response.context["chart"] and "Motivo 09" in response.context["chart"]


def test_empty_period_shows_an_empty_state(manager_client):
    response = manager_client.get(URL, period(DAY, DAY))
    assert response.status_code == 200
    assert response.context["table"] == [] and response.context["chart"] == ""
    assert 'data-testid="pareto-chart"' not in response.content.decode()


def test_csv_download(manager_client, five_three_two):
    response = manager_client.get(reverse("insights:pareto_csv"), period(DAY, DAY))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "2026-03-10-2026-03-10.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Rank" and len(rows[0]) == 11
    assert rows[0][8:] == ["Previous period", "Difference", "Difference %"]
    assert [row[:8] for row in rows[1:]] == [
        ["1", "¿Dónde está mi pedido?", "Envíos", "Logística", "Eliminate", "5", "50.0", "50.0"],
        ["2", "Cambio de dirección", "Envíos", "", "Self-serve", "3", "30.0", "80.0"],
        ["3", "Pedido dañado", "Envíos", "Logística", "Simplify", "2", "20.0", "100.0"],
    ]
    assert [row[8:] for row in rows[1:]] == [["0", "5", ""], ["0", "3", ""], ["0", "2", ""]]
    # the page links to the CSV of the period and channel shown
    page = manager_client.get(URL, period(DAY, DAY, channel="chat")).content.decode()
    assert f"{reverse('insights:pareto_csv')}?date_from=2026-03-10&amp;date_to=2026-03-10" in page
    chat = manager_client.get(reverse("insights:pareto_csv"), period(DAY, DAY, channel="chat"))
    assert len(list(csv.reader(io.StringIO(chat.content.decode("utf-8-sig"))))) == 2


def test_csv_cells_cannot_become_formulas(manager_client, classified, reason):
    sneaky = Reason.objects.create(category=reason.category, name="=HYPERLINK(1)")
    classified(sneaky, when=local(DAY))
    response = manager_client.get(reverse("insights:pareto_csv"), period(DAY, DAY))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1] == "'=HYPERLINK(1)"


def test_vital_few_count():
    class Row:
        def __init__(self, cumulative):
            self.cumulative_share = cumulative

    assert vital_few_count([Row(0.5), Row(0.79), Row(0.95), Row(1.0)]) == 3
    assert vital_few_count([Row(0.85), Row(1.0)]) == 1
    assert vital_few_count([]) == 0


def page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, period(DAY - dt.timedelta(days=6), DAY))
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_query_count_does_not_grow_with_contacts(
    manager_client, ingest, reason, other_reason, third_reason
):
    reasons = [reason, other_reason, third_reason]
    channels = ["email", "chat", "phone", "web"]

    def add(first: int, last: int) -> None:
        for n in range(first, last):
            when = local(DAY - dt.timedelta(days=n % 7), 8 + n % 12)
            ingest(received_at=when, channel=channels[n % 4], reason=reasons[n % 3])
        ingest(received_at=local(DAY, 7))  # one more without a reason

    add(0, 10)
    with_10 = page_queries(manager_client)
    add(10, 200)
    with_200 = page_queries(manager_client)
    assert with_10 == with_200
    assert Contact.objects.count() == 202
    assert manager_client.get(URL, period(DAY - dt.timedelta(days=6), DAY)).context["total"] == 200
