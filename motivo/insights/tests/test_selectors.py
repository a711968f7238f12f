"""The reads other apps build on: contacts_count, volume_total, weekly_counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motivo.cases.services import contact_set_reason
from motivo.insights.models import BusinessVolume, VolumeKind
from motivo.insights.selectors import (
    contacts_count,
    volume_total,
    week_start,
    week_starts,
    weekly_counts,
)

from .conftest import local

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 9)  # an ISO week: Monday 9 to Sunday 15 March 2026
SUNDAY = MONDAY + dt.timedelta(days=6)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def test_week_start_is_the_monday():
    assert week_start(MONDAY) == MONDAY
    assert week_start(SUNDAY) == MONDAY
    assert week_start(SUNDAY + days(1)) == MONDAY + days(7)
    assert week_starts(weeks=3, until=SUNDAY) == [MONDAY - days(14), MONDAY - days(7), MONDAY]


def test_contacts_count(classified, ingest, reason, other_reason):
    classified(reason, 3, when=local(MONDAY))
    classified(reason, 1, when=local(MONDAY + days(1)), channel="chat")
    classified(other_reason, 2, when=local(MONDAY + days(2)), channel="phone")
    ingest(received_at=local(MONDAY))  # no reason: never counted
    assert contacts_count(reason_ids=None, date_from=MONDAY, date_to=SUNDAY) == 6
    assert contacts_count(reason_ids=[reason.pk], date_from=MONDAY, date_to=SUNDAY) == 4
    assert contacts_count(reason_ids={reason.pk}, date_from=MONDAY, date_to=MONDAY) == 3
    assert contacts_count(reason_ids=None, date_from=MONDAY, date_to=SUNDAY, channel="chat") == 1
    assert contacts_count(reason_ids=[], date_from=MONDAY, date_to=SUNDAY) == 0
    # empty period and a period with no contacts
    assert contacts_count(reason_ids=None, date_from=SUNDAY, date_to=MONDAY) == 0
    assert contacts_count(reason_ids=None, date_from=SUNDAY, date_to=SUNDAY) == 0


def test_contacts_count_follows_a_contact_moved_between_reasons(
    classified, agent, reason, other_reason
):
    contact = classified(reason, when=local(MONDAY))[0]
    contact_set_reason(contact=contact, actor=agent, reason=other_reason)
    assert contacts_count(reason_ids=[reason.pk], date_from=MONDAY, date_to=MONDAY) == 0
    assert contacts_count(reason_ids=[other_reason.pk], date_from=MONDAY, date_to=MONDAY) == 1


def test_contacts_count_days_are_local(classified, reason, settings):
    # 23:30 local on Sunday is Sunday, whatever the UTC date is
    classified(reason, when=local(SUNDAY, 23, 30))
    classified(reason, when=local(MONDAY, 0, 10))
    assert contacts_count(reason_ids=None, date_from=SUNDAY, date_to=SUNDAY) == 1
    assert contacts_count(reason_ids=None, date_from=MONDAY, date_to=MONDAY) == 1


def kind(slug: str, period: str, values: dict[dt.date, str]) -> VolumeKind:
    volume_kind = VolumeKind.objects.create(slug=slug, period=period)
    BusinessVolume.objects.bulk_create(
        BusinessVolume(kind=volume_kind, date=day, value=Decimal(value))
        for day, value in values.items()
    )
    return volume_kind


def test_volume_total_of_daily_values():
    kind("orders", "day", {MONDAY + days(i): str(100 + i) for i in range(7)})
    assert volume_total(kind="orders", date_from=MONDAY, date_to=SUNDAY) == Decimal(721)
    assert volume_total(kind="orders", date_from=MONDAY, date_to=MONDAY + days(1)) == 201
    # a day without a value → no total at all (never a partial sum)
    assert volume_total(kind="orders", date_from=MONDAY, date_to=SUNDAY + days(1)) is None
    assert volume_total(kind="orders", date_from=MONDAY - days(1), date_to=MONDAY) is None
    assert volume_total(kind="unknown", date_from=MONDAY, date_to=SUNDAY) is None
    assert volume_total(kind="orders", date_from=SUNDAY, date_to=MONDAY) is None


def test_volume_total_of_weekly_values_counts_partial_weeks_in_proportion():
    kind("active_customers", "week", {MONDAY: "700", MONDAY + days(7): "1400"})
    total = volume_total(kind="active_customers", date_from=MONDAY, date_to=SUNDAY)
    assert total == Decimal(700)
    two = volume_total(kind="active_customers", date_from=MONDAY, date_to=SUNDAY + days(7))
    assert two == Decimal(2100)
    # Friday to Tuesday: 3 days of the first week, 2 of the second
    part = volume_total(
        kind="active_customers", date_from=MONDAY + days(4), date_to=MONDAY + days(8)
    )
    assert part == Decimal(300) + Decimal(400)
    # a week touched by the period without a value → None
    assert volume_total(kind="active_customers", date_from=MONDAY - days(1), date_to=SUNDAY) is None


def test_weekly_counts_weeks_and_boundaries(classified, reason, other_reason):
    classified(reason, 2, when=local(MONDAY - days(7), 0, 5))  # first minute-ish of week 1
    classified(reason, 1, when=local(SUNDAY, 23, 30))  # Sunday night: still this week
    classified(other_reason, 4, when=local(MONDAY + days(2)))
    classified(reason, 5, when=local(SUNDAY + days(1), 0, 1))  # next week: not counted
    assert weekly_counts(reason_ids=None, weeks=3, until=SUNDAY) == [
        (MONDAY - days(14), 0),
        (MONDAY - days(7), 2),
        (MONDAY, 5),
    ]
    assert weekly_counts(reason_ids=[reason.pk], weeks=2, until=SUNDAY) == [
        (MONDAY - days(7), 2),
        (MONDAY, 1),
    ]
    # `until` mid-week: the last week stops there
    assert weekly_counts(reason_ids=None, weeks=1, until=MONDAY + days(1)) == [(MONDAY, 0)]
    assert weekly_counts(reason_ids=[], weeks=2, until=SUNDAY) == [
        (MONDAY - days(7), 0),
        (MONDAY, 0),
    ]
    assert weekly_counts(reason_ids=None, weeks=0, until=SUNDAY) == []


def test_a_renamed_reason_keeps_its_counts(classified, reason):
    classified(reason, 2, when=local(MONDAY))
    reason.name = "Seguimiento del pedido"
    reason.save()
    assert contacts_count(reason_ids=[reason.pk], date_from=MONDAY, date_to=SUNDAY) == 2
    assert weekly_counts(reason_ids=[reason.pk], weeks=1, until=SUNDAY) == [(MONDAY, 2)]
