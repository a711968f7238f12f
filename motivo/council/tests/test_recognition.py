"""The recognition board: owners ranked by the contacts their reasons no longer cause,
against the baselines stored when the targets were set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.council import selectors
from motivo.council.measures import weeks_since_set
from motivo.council.models import Metric
from motivo.council.services import target_close, target_set
from motivo.reasons.models import Reason

from .conftest import week

pytestmark = pytest.mark.django_db

TODAY = week(12) + dt.timedelta(days=1)  # Tuesday of week 12: weeks 8..11 have ended


def person(username: str, first_name: str):
    return user_create(username=username, role=Role.AGENT, first_name=first_name)


def set_target(reasons, set_on, **kwargs):
    return target_set(
        reasons=reasons,
        metric=Metric.CONTACTS,
        change_pct=Decimal(-20),
        due_on=set_on + dt.timedelta(weeks=20),
        actor=None,
        set_on=set_on,
        **kwargs,
    )


def test_weeks_since_set_start_with_the_first_full_week_after_the_set_day(reason):
    target = set_target([reason], week(8) + dt.timedelta(days=2))  # a Wednesday
    window = weeks_since_set(target, TODAY)
    assert (window.date_from, window.date_to, window.weeks) == (
        week(9),
        week(12) - dt.timedelta(days=1),
        3,
    )
    assert weeks_since_set(target, week(9) + dt.timedelta(days=6)) is None  # none ended yet


def test_ranking_of_owners(reason, other_reason, third_reason, weekly, put, department):
    ana, bea = person("ana", "Ana"), person("bea", "Bea")
    Reason.objects.filter(pk=reason.pk).update(owner_person=ana)
    Reason.objects.filter(pk=other_reason.pk).update(owner_person=bea)
    # third_reason has no named owner: its department gets the credit.
    Reason.objects.filter(pk=third_reason.pk).update(owner=department)
    weekly(reason, week(0), [10] * 8)
    weekly(other_reason, week(0), [5] * 8)
    weekly(third_reason, week(0), [2] * 8)
    set_target([reason], week(8))  # a Monday: weeks 8..11 count (4 weeks)
    set_target([other_reason, third_reason], week(8) + dt.timedelta(days=2))  # weeks 9..11
    weekly(reason, week(8), [8, 8, 6, 6])  # 28 instead of 40: 12 avoided
    weekly(other_reason, week(8), [50, 3, 3, 3])  # week 8 is before its first full week: 6
    weekly(third_reason, week(9), [4, 4, 4])  # more than before: 0, never negative
    board = selectors.recognition(today=TODAY)
    assert [(row.rank, row.name, row.avoided, row.avoided_rounded) for row in board] == [
        (1, "Ana", Decimal(12), 12),
        (2, "Bea", Decimal(6), 6),
        (3, department.name, Decimal(0), 0),
    ]
    assert not board[2].is_person
    credit = board[1].credits[0]
    assert (credit.weeks, credit.baseline_weekly, credit.contacts) == (3, 5, 9)


def test_partial_contacts_rank_exactly_and_round_half_up(reason, other_reason, weekly):
    zoe, ana = person("zoe", "Zoe"), person("ana2", "Ana")
    Reason.objects.filter(pk=reason.pk).update(owner_person=zoe)
    Reason.objects.filter(pk=other_reason.pk).update(owner_person=ana)
    weekly(reason, week(0), [10] * 8)
    weekly(other_reason, week(0), [10] * 7 + [11])  # 81: 10.125 a week
    set_target([reason], week(8))
    set_target([other_reason], week(8))
    weekly(reason, week(8), [9, 9, 9, 9])  # 40 − 36 = 4
    weekly(other_reason, week(8), [9, 9, 9, 9])  # 40.5 − 36 = 4.5
    board = selectors.recognition(today=TODAY)
    assert [(row.name, row.avoided) for row in board] == [("Ana", Decimal("4.5")), ("Zoe", 4)]
    assert board[0].avoided_rounded == 5


def test_exact_tie_goes_by_name(reason, other_reason, weekly):
    zoe, ana = person("zoe", "Zoe"), person("ana2", "Ana")
    Reason.objects.filter(pk=reason.pk).update(owner_person=zoe)
    Reason.objects.filter(pk=other_reason.pk).update(owner_person=ana)
    for r in (reason, other_reason):
        weekly(r, week(0), [10] * 8)
        set_target([r], week(8))
        weekly(r, week(8), [7, 7, 7, 7])
    board = selectors.recognition(today=TODAY)
    assert [(row.name, row.avoided) for row in board] == [("Ana", 12), ("Zoe", 12)]


def test_a_closed_target_counts_until_it_closed(reason, weekly, owner):
    Reason.objects.filter(pk=reason.pk).update(owner_person=owner)
    weekly(reason, week(0), [10] * 8)
    target = set_target([reason], week(8))
    weekly(reason, week(8), [5, 5, 5, 5])
    target_close(target=target, actor=None, closed_on=week(10) + dt.timedelta(days=3))
    [row] = selectors.recognition(today=TODAY)
    assert row.avoided == 10  # weeks 8 and 9 only: 20 − 10


def test_board_queries_do_not_grow_with_targets_set_in_the_same_week(
    reason, other_reason, third_reason, weekly, owner, django_assert_max_num_queries
):
    for r in (reason, other_reason, third_reason):
        Reason.objects.filter(pk=r.pk).update(owner_person=owner)
        weekly(r, week(0), [3] * 8)
        set_target([r], week(8))
    with django_assert_max_num_queries(2):
        selectors.recognition(today=TODAY)
