"""Pareto with the previous period, trend and movers, CPX, drill-down: figures on small
hand-made data with known answers, CSV exports, and the queries each page makes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from motivo.cases.services import contact_set_reason
from motivo.insights import selectors
from motivo.insights.models import BusinessVolume, ReasonDayCount, VolumeKind
from motivo.reasons.models import Reason

from .conftest import local

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 9)
SUNDAY = MONDAY + dt.timedelta(days=6)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def rollup(reason, day: dt.date, count: int, channel: str = "email") -> None:
    """Hand-made roll-up rows, for metric tests that need many contacts."""
    ReasonDayCount.objects.create(reason=reason, day=day, channel=channel, count=count)


# --- Pareto with the previous period -------------------------------------------------------------


def test_previous_period_has_equal_length():
    assert selectors.previous_period(MONDAY, SUNDAY) == (MONDAY - days(7), MONDAY - days(1))
    assert selectors.previous_period(MONDAY, MONDAY) == (MONDAY - days(1), MONDAY - days(1))


def test_pareto_with_previous_period(manager_client, classified, reason, other_reason):
    third = Reason.objects.create(category=reason.category, name="Cambio de dirección")
    classified(reason, 3, when=local(MONDAY))
    classified(other_reason, 1, when=local(SUNDAY, 23, 30))
    classified(reason, 2, when=local(MONDAY - days(7)))  # previous week
    classified(other_reason, 2, when=local(MONDAY - days(1), 23, 59))
    classified(third, 1, when=local(MONDAY - days(3)))  # only in the previous period
    classified(third, 1, when=local(MONDAY - days(8)))  # before both periods
    comparison = selectors.pareto_compare(date_from=MONDAY, date_to=SUNDAY)
    figures = [
        (item.row.reason, item.row.count, item.previous, item.change, item.change_share)
        for item in comparison.rows
    ]
    assert figures == [
        ("¿Dónde está mi pedido?", 3, 2, 1, 0.5),
        ("Pedido dañado", 1, 2, -1, -0.5),
        ("Cambio de dirección", 0, 1, -1, -1.0),
    ]
    assert (comparison.total, comparison.previous_total, comparison.change) == (4, 5, -1)
    assert [row.reason for row in comparison.ranked] == ["¿Dónde está mi pedido?", "Pedido dañado"]

    params = {"date_from": MONDAY.isoformat(), "date_to": SUNDAY.isoformat()}
    response = manager_client.get(reverse("insights:pareto"), params)
    assert [item.row.reason for item in response.context["table"]] == [
        "¿Dónde está mi pedido?",
        "Pedido dañado",
    ]
    assert [item.row.reason for item in response.context["gone"]] == ["Cambio de dirección"]
    assert response.context["total_change_pct"] == pytest.approx(-20.0)
    html = response.content.decode()
    assert 'data-testid="previous-total">5<' in html and 'data-testid="gone"' in html
    # each count links to its contacts, the previous one to the previous period's
    top = response.context["table"][0]
    assert top.link == (
        f"{reverse('insights:contacts')}?date_from=2026-03-09&date_to=2026-03-15&reason={reason.pk}"
    )
    assert "date_from=2026-03-02&date_to=2026-03-08" in top.previous_link
    assert 'href="/insights/contacts/?' in response.context["chart"]  # bars link too
    assert response.context["compare_chart"].count("/insights/contacts/?") >= 4

    csv_rows = rows_of(manager_client.get(reverse("insights:pareto_csv"), params))
    assert [row[:2] + row[5:] for row in csv_rows[1:]] == [
        ["1", "¿Dónde está mi pedido?", "3", "75.0", "75.0", "2", "1", "50.0"],
        ["2", "Pedido dañado", "1", "25.0", "100.0", "2", "-1", "-50.0"],
        ["", "Cambio de dirección", "0", "0.0", "", "1", "-1", "-100.0"],
    ]


def test_a_new_reason_has_no_change_percentage(manager_client, classified, reason):
    classified(reason, 2, when=local(MONDAY))
    item = selectors.pareto_compare(date_from=MONDAY, date_to=MONDAY).rows[0]
    assert (item.previous, item.change, item.change_share, item.new) == (0, 2, None, True)
    params = {"date_from": MONDAY.isoformat(), "date_to": MONDAY.isoformat()}
    html = manager_client.get(reverse("insights:pareto"), params).content.decode()
    assert "(new)" in html


def test_pareto_compare_channel_and_empty(classified, reason):
    classified(reason, 2, when=local(MONDAY), channel="chat")
    assert selectors.pareto_compare(date_from=MONDAY, date_to=SUNDAY, channel="phone").rows == []
    empty = selectors.pareto_compare(date_from=MONDAY + days(30), date_to=MONDAY + days(31))
    assert (empty.rows, empty.total, empty.change_share) == ([], 0, None)


# --- Trend and movers ---------------------------------------------------------------------


def test_trend_weeks_and_movers(reason, other_reason):
    steady = Reason.objects.create(category=reason.category, name="Factura")
    small = Reason.objects.create(category=reason.category, name="Pequeño")
    until = SUNDAY  # 8 weeks: Mondays MONDAY-49 … MONDAY
    first = MONDAY - days(49)
    for week in range(8):
        monday = first + days(7 * week)
        # reason: 5 a week, then 10 a week in the last four: rises 20 → 40
        rollup(reason, monday + days(2), 5 if week < 4 else 10)
        # other_reason: 12 then 4 a week: falls 48 → 16
        rollup(other_reason, monday, 12 if week < 4 else 4, channel="phone")
        rollup(steady, monday + days(6), 6)  # 24 → 24: not a mover
        rollup(small, monday, 1 if week < 4 else 4)  # 4 → 16: under the threshold
    data = selectors.trend(until=until, weeks=8)
    assert data.mondays == [first + days(7 * week) for week in range(8)]
    by_name = {item.reason: item for item in data.reasons}
    assert by_name["¿Dónde está mi pedido?"].weeks == [5, 5, 5, 5, 10, 10, 10, 10]
    assert (by_name["Pedido dañado"].before, by_name["Pedido dañado"].recent) == (48, 16)
    assert by_name["Pedido dañado"].change_share == pytest.approx(-2 / 3)
    assert not by_name["Pequeño"].eligible
    assert [item.reason for item in data.rises] == ["¿Dónde está mi pedido?"]
    assert [item.reason for item in data.falls] == ["Pedido dañado"]
    assert data.all_reasons == [24, 24, 24, 24, 24, 24, 24, 24]
    # the channel filter
    phone = selectors.trend(until=until, weeks=8, channel="phone")
    assert [item.reason for item in phone.reasons] == ["Pedido dañado"]


def test_a_sunday_night_contact_belongs_to_its_week(classified, reason):
    classified(reason, when=local(SUNDAY, 23, 30))
    classified(reason, when=local(SUNDAY + days(1), 0, 30))
    data = selectors.trend(until=SUNDAY + days(7), weeks=2)
    assert data.reasons[0].weeks == [1, 1]
    assert selectors.weekly_counts(reason_ids=None, weeks=2, until=SUNDAY + days(7)) == [
        (MONDAY, 1),
        (MONDAY + days(7), 1),
    ]


def test_trend_page_csv_and_links(manager_client, reason, other_reason):
    for week in range(26):
        rollup(reason, SUNDAY - days(7 * week), 30 if week < 4 else 20)
    rollup(other_reason, SUNDAY, 3)
    params = {"until": (SUNDAY - days(2)).isoformat()}  # any day of the week: up to Sunday
    response = manager_client.get(reverse("insights:trend"), params)
    assert response.status_code == 200
    assert response.context["until"] == SUNDAY
    assert response.context["chosen"].reason_id == reason.pk  # the top mover by default
    assert [row.item.reason for row in response.context["rises"]] == ["¿Dónde está mi pedido?"]
    assert response.context["falls"] == []
    row = response.context["rises"][0]
    assert (row.item.before, row.item.recent, row.item.change) == (80, 120, 40)
    assert row.recent_link.endswith(f"date_from=2026-02-16&date_to=2026-03-15&reason={reason.pk}")
    assert "date_from=2026-01-19&date_to=2026-02-15" in row.before_link
    html = response.content.decode()
    assert 'data-testid="all-chart"' in html and 'data-testid="reason-chart"' in html
    assert html.count('class="pygal-chart"') == 2 and 'data-testid="trend-table"' in html
    # choosing another reason
    chosen = manager_client.get(reverse("insights:trend"), {**params, "reason": other_reason.pk})
    assert chosen.context["chosen"].reason_id == other_reason.pk
    assert chosen.context["weeks"][-1][1] == 3
    rows = rows_of(manager_client.get(reverse("insights:trend_csv"), params))
    assert rows[0][2] == (MONDAY - days(7 * 25)).isoformat() and rows[0][27] == MONDAY.isoformat()
    assert rows[1][1] == "All reasons" and rows[1][27] == "33"
    assert rows[2][:2] == ["¿Dónde está mi pedido?", "Envíos"] and rows[2][28:] == [
        "560",  # 4 × 30 + 22 × 20
        "120",
        "80",
        "40",
        "50.0",
    ]


def test_trend_defaults_to_the_last_complete_week(manager_client):
    response = manager_client.get(reverse("insights:trend"))
    until = response.context["until"]
    assert until.weekday() == 6 and until < dt.date.today()
    assert "No classified contacts" in response.content.decode()


# --- CPX ----------------------------------------------------------------------------------------


@pytest.fixture
def orders(db) -> VolumeKind:
    """Daily orders for the weeks of MONDAY-7 and MONDAY (100 a day), none the week before."""
    kind = VolumeKind.objects.create(slug="orders", period="day")
    BusinessVolume.objects.bulk_create(
        BusinessVolume(kind=kind, date=MONDAY - days(7) + days(i), value=Decimal(100))
        for i in range(14)
    )
    return kind


def test_weekly_volumes_and_ratio(orders):
    mondays = [MONDAY - days(14), MONDAY - days(7), MONDAY]
    volumes = selectors.weekly_volumes(kind=orders, mondays=mondays)
    assert volumes == {MONDAY - days(14): None, MONDAY - days(7): 700, MONDAY: 700}
    BusinessVolume.objects.filter(kind=orders, date=MONDAY + days(3)).delete()
    assert selectors.weekly_volumes(kind=orders, mondays=[MONDAY]) == {MONDAY: None}
    assert selectors.ratio(7, Decimal(700)) == Decimal("0.01")
    assert selectors.ratio(7, None) is None
    assert selectors.ratio(7, Decimal(0)) is None  # never divided by zero


def test_cpx_page(manager_client, orders, reason, other_reason):
    rollup(reason, MONDAY, 14)
    rollup(other_reason, MONDAY + days(1), 7, channel="chat")
    rollup(reason, MONDAY - days(7), 7)
    rollup(reason, MONDAY - days(14), 5)  # a week without volume
    weekly = VolumeKind.objects.create(slug="active_customers", period="week", label="Clientes")
    BusinessVolume.objects.create(kind=weekly, date=MONDAY, value=Decimal(2100))
    params = {"until": SUNDAY.isoformat(), "weeks": 4}
    response = manager_client.get(reverse("insights:cpx"), params)
    assert response.status_code == 200
    assert response.context["kind"] == orders  # orders by default
    weeks = [(row.contacts, row.volume, row.cpx) for row in response.context["week_rows"]]
    assert weeks == [
        (0, None, None),
        (5, None, None),
        (7, Decimal(700), Decimal("0.01")),
        (21, Decimal(700), Decimal("0.03")),
    ]
    assert response.context["window_cpx"] is None  # two weeks have no volume
    assert response.context["missing_weeks"] == 2
    reasons = {
        row.reason: (row.contacts, row.cpx, row.last_cpx) for row in response.context["reason_rows"]
    }
    assert reasons["Pedido dañado"] == (7, None, Decimal("0.01"))
    html = response.content.decode()
    assert "missing" in html and 'data-testid="cpx-chart"' in html
    # two weeks with volumes
    two = manager_client.get(reverse("insights:cpx"), {**params, "weeks": 12, "until": SUNDAY})
    assert two.context["weeks_count"] == 12
    short = manager_client.get(
        reverse("insights:cpx"), {"until": SUNDAY.isoformat(), "weeks": 4, "reason": reason.pk}
    )
    assert [row.contacts for row in short.context["week_rows"]] == [0, 5, 7, 14]
    # per active customer (weekly): only the last week has a value
    per_customer = manager_client.get(
        reverse("insights:cpx"), {**params, "kind": "active_customers"}
    )
    assert per_customer.context["week_rows"][-1].cpx == Decimal(21) / Decimal(2100)
    assert per_customer.context["week_rows"][-2].cpx is None
    assert "Contacts per X: Clientes" in per_customer.content.decode()
    # CSV exports
    rows = rows_of(manager_client.get(reverse("insights:cpx_csv"), params))
    assert rows[1:] == [
        ["2026-02-16", "0", "", "", ""],
        ["2026-02-23", "5", "", "", ""],
        ["2026-03-02", "7", "700", "0.010000", "10.000"],
        ["2026-03-09", "21", "700", "0.030000", "30.000"],
    ]
    rows = rows_of(manager_client.get(reverse("insights:cpx_csv"), {**params, "table": "reasons"}))
    assert rows[1] == ["¿Dónde está mi pedido?", "Envíos", "26", "", "", "14", "0.020000"]


def test_cpx_page_without_volumes(manager_client):
    response = manager_client.get(reverse("insights:cpx"))
    assert response.status_code == 200 and "No business volumes yet" in response.content.decode()


# --- Drill-down ---------------------------------------------------------------------------


def test_contact_page_reads_pages_along_the_index(classified, ingest, reason, other_reason):
    made = classified(reason, 5, when=local(MONDAY, 10))  # same instant: ties broken by id
    classified(reason, when=local(MONDAY - days(1), 23, 59))  # outside
    classified(other_reason, when=local(MONDAY, 11))
    ingest(received_at=local(MONDAY, 12))  # unclassified
    ids = sorted((contact.pk for contact in made), reverse=True)
    page = selectors.contact_page(reason=reason.pk, date_from=MONDAY, date_to=SUNDAY, size=2)
    assert [c.pk for c in page.items] == ids[:2] and page.next_cursor
    page = selectors.contact_page(
        reason=reason.pk, date_from=MONDAY, date_to=SUNDAY, size=2, before=page.next_cursor
    )
    assert [c.pk for c in page.items] == ids[2:4]
    page = selectors.contact_page(
        reason=reason.pk, date_from=MONDAY, date_to=SUNDAY, size=2, before=page.next_cursor
    )
    assert [c.pk for c in page.items] == ids[4:] and page.next_cursor is None
    everything = selectors.contact_page(reason=None, date_from=MONDAY, date_to=SUNDAY)
    assert len(everything.items) == 7
    none = selectors.contact_page(reason="none", date_from=MONDAY, date_to=SUNDAY)
    assert len(none.items) == 1 and none.items[0].reason_id is None
    bad = selectors.contact_page(reason=reason.pk, date_from=MONDAY, date_to=SUNDAY, before="x")
    assert len(bad.items) == 5  # a bad cursor reads the first page


def test_contacts_page(manager_client, classified, reason, other_reason):
    contacts = classified(reason, 2, when=local(MONDAY), channel="chat")
    classified(reason, when=local(MONDAY), channel="phone")
    classified(other_reason, when=local(MONDAY))
    url = reverse("insights:contacts")
    params = {"date_from": MONDAY.isoformat(), "date_to": SUNDAY.isoformat()}
    response = manager_client.get(url, {**params, "reason": reason.pk, "channel": "chat"})
    assert response.status_code == 200
    assert sorted(c.pk for c in response.context["page"].items) == sorted(c.pk for c in contacts)
    html = response.content.decode()
    assert f'href="/cases/{contacts[0].case_id}/"' in html
    assert "¿Dónde está mi pedido?" in html and 'data-testid="next-page"' not in html
    assert manager_client.get(url, {**params, "reason": 999999}).status_code == 404
    assert len(manager_client.get(url, params).context["page"].items) == 4


def test_agents_cannot_see_the_new_pages(client, agent):
    client.force_login(agent)
    for name in ("trend", "trend_csv", "cpx", "cpx_csv", "contacts", "volumes"):
        assert client.get(reverse(f"insights:{name}")).status_code == 403


# --- Queries: a page's cost does not grow with the data -----------------------------------------


def queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


PAGES = [
    ("insights:pareto", {"date_from": "2026-03-09", "date_to": "2026-03-15"}),
    ("insights:pareto_csv", {"date_from": "2026-03-09", "date_to": "2026-03-15"}),
    ("insights:trend", {"until": "2026-03-15"}),
    ("insights:trend_csv", {"until": "2026-03-15"}),
    ("insights:cpx", {"until": "2026-03-15"}),
    ("insights:cpx_csv", {"until": "2026-03-15"}),
    ("insights:contacts", {"date_from": "2026-03-09", "date_to": "2026-03-15"}),
    ("insights:volumes", {}),
]


def test_each_page_makes_a_fixed_number_of_queries(
    manager_client, classified, orders, reason, other_reason
):
    classified(reason, when=local(MONDAY))
    before = {name: queries(manager_client, reverse(name), params) for name, params in PAGES}
    for n in range(4):
        extra = Reason.objects.create(category=reason.category, name=f"Motivo {n}")
        classified(extra, 2, when=local(MONDAY - days(7 * n)), channel="phone")
    classified(other_reason, 3, when=local(MONDAY))
    after = {name: queries(manager_client, reverse(name), params) for name, params in PAGES}
    assert after == before
    # session and user (+ the notifications badge on pages), then the page's own reads
    assert after == {
        "insights:pareto": 3 + 3,  # compare sums, reasons, unclassified count
        "insights:pareto_csv": 2 + 2,
        "insights:trend": 3 + 2,  # day sums, reasons
        "insights:trend_csv": 2 + 2,
        "insights:cpx": 3 + 4,  # kinds, day sums, reasons, volumes
        "insights:cpx_csv": 2 + 4,
        "insights:contacts": 3 + 1,  # one page of contacts
        "insights:volumes": 3 + 2,  # kinds, one read of volumes per kind
    }


# --- Exactness: every figure recomputed from the raw contacts -----------------------------------


def test_rollup_figures_equal_raw_contacts(classified, agent, ingest, reason, other_reason):
    from collections import Counter

    from django.utils import timezone

    from motivo.cases.models import Contact

    third = Reason.objects.create(category=reason.category, name="Cambio de dirección")
    reasons = [reason, other_reason, third]
    channels = ["email", "chat", "phone"]
    moments = [
        local(MONDAY - days(offset), hour, minute)
        for offset, hour, minute in [
            (0, 0, 0),
            (1, 23, 30),  # Sunday night
            (6, 12, 0),
            (7, 0, 5),
            (13, 23, 59),
            (20, 9, 0),
            (27, 18, 0),
            (34, 7, 30),
            (-6, 23, 30),  # the Sunday that ends MONDAY's week
        ]
    ]
    contacts = []
    for index, moment in enumerate(moments):
        for extra in range(index % 3 + 1):
            contacts += classified(
                reasons[(index + extra) % 3], when=moment, channel=channels[extra % 3]
            )
    for contact in contacts[::4]:  # move some contacts between reasons
        contact_set_reason(contact=contact, actor=agent, reason=third)
    ingest(received_at=local(MONDAY))  # unclassified: never in the figures
    reason.name = "Renombrado"  # a renamed reason keeps its contacts
    reason.save()

    raw = [
        (c.reason_id, timezone.localtime(c.received_at).date(), c.channel)
        for c in Contact.objects.exclude(reason=None)
    ]

    def count(date_from, date_to, channel=None, reason_ids=None) -> Counter:
        return Counter(
            r
            for r, day, ch in raw
            if date_from <= day <= date_to
            and (channel is None or ch == channel)
            and (reason_ids is None or r in reason_ids)
        )

    for date_from, date_to in [(MONDAY, SUNDAY), (MONDAY - days(14), SUNDAY), (MONDAY, MONDAY)]:
        for channel in (None, "chat"):
            comparison = selectors.pareto_compare(
                date_from=date_from, date_to=date_to, channel=channel
            )
            now = count(date_from, date_to, channel)
            before = count(*selectors.previous_period(date_from, date_to), channel)
            assert {i.row.reason_id: i.row.count for i in comparison.rows if i.row.count} == now
            assert {i.row.reason_id: i.previous for i in comparison.rows if i.previous} == before
            assert comparison.total == sum(now.values())
            assert selectors.contacts_count(
                reason_ids=None, date_from=date_from, date_to=date_to, channel=channel
            ) == sum(now.values())
            assert (
                selectors.contacts_count(
                    reason_ids=[third.pk], date_from=date_from, date_to=date_to, channel=channel
                )
                == now[third.pk]
            )
    data = selectors.trend(until=SUNDAY, weeks=6)
    for item in data.reasons:
        for monday, value in zip(data.mondays, item.weeks, strict=True):
            assert value == count(monday, monday + days(6))[item.reason_id]
    assert {item.reason_id for item in data.reasons} == {r for r, _, _ in raw}
    weekly = selectors.weekly_counts(reason_ids=[reason.pk, third.pk], weeks=6, until=SUNDAY)
    for monday, value in weekly:
        week = count(monday, monday + days(6), reason_ids={reason.pk, third.pk})
        assert value == sum(week.values())
    assert any(name == "Renombrado" for name in (i.reason for i in data.reasons))


def test_charts_are_rendered_once_per_input_and_language():
    from django.utils import translation

    from motivo.insights import charts

    args = (["1 Mar", "8 Mar"], [("x", [1, 2], None)])
    options = {"chart_id": "memo-test", "title": "t", "y_title": "y"}
    first = charts.week_line_chart(*args, **options)
    assert charts.week_line_chart(*args, **options) is first
    changed = charts.week_line_chart(["1 Mar", "8 Mar"], [("x", [1, 3], None)], **options)
    assert changed is not first and ">3<" in changed
    with translation.override("es"):
        assert charts.week_line_chart(*args, **options) is not first
