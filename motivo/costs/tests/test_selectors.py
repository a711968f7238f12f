"""Cost of each reason (DESIGN.md) on small hand-made data with known answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from motivo.cases.services import contact_set_reason
from motivo.costs.models import Goodwill
from motivo.costs.selectors import cost_segments, reason_cost_lines, reason_costs
from motivo.costs.services import goodwill_give
from motivo.costs.tests.conftest import local

MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
APRIL = (dt.date(2025, 4, 1), dt.date(2025, 4, 30))


@pytest.fixture
def march(cost, contacts, call, reason, other_reason, agent, monkeypatch):
    """The month used by most tests (Europe/Madrid):
    email 4.00 until 15 March, 5.00 from 16 March; phone 6.00 + 0.80/min; chat has no cost.
    reason A (`reason`): 2 emails on 10 Mar (8.00), 1 on 20 Mar (5.00), 1 at 00:30 on 16 Mar
      (23:30 UTC on the 15th: new price, 5.00), 1 at 23:30 on 31 Mar (5.00), a 90 s call on
      12 Mar (6.00 + 1.20), goodwill 12.50 given on 14 Mar → 42.70; 1 email at 00:30 on
      1 April (22:30 UTC on 31 March) belongs to April.
    reason B (`other_reason`): 1 email of 10 Mar moved over from A (4.00), 1 chat (no cost),
      a 61 s call on 20 Mar first classified A then moved to B (6.00 + 0.8133 → 0.81) → 10.81.
    """
    cost("email", dt.date(2025, 1, 1), "4.00")
    cost("email", dt.date(2025, 3, 16), "5.00")
    cost("phone", dt.date(2025, 1, 1), "6.00", "0.80")
    first, moved, _ = contacts(reason, 3, when=local(dt.date(2025, 3, 10)))
    contacts(reason, when=local(dt.date(2025, 3, 20)))
    contacts(reason, when=local(dt.date(2025, 3, 16), 0, 30))
    contacts(reason, when=local(dt.date(2025, 3, 31), 23, 30))
    contacts(reason, when=local(dt.date(2025, 4, 1), 0, 30))
    call(reason, 90, when=local(dt.date(2025, 3, 12), 10))
    contact_set_reason(contact=moved, actor=agent, reason=other_reason)
    contacts(other_reason, when=local(dt.date(2025, 3, 11)), channel="chat")
    moved_call = call(reason, 61, when=local(dt.date(2025, 3, 20), 9))
    contact_set_reason(contact=moved_call.contact, actor=agent, reason=other_reason)
    monkeypatch.setattr(timezone, "now", lambda: local(dt.date(2025, 3, 14), 18))
    goodwill_give(case=first.case, contact=first, amount="12.50", agent=agent, note="Voucher")
    monkeypatch.undo()
    return reason, other_reason


def test_reason_costs_exact_for_a_month(march):
    a, b = march
    assert reason_costs(date_from=MARCH[0], date_to=MARCH[1]) == {
        a.pk: Decimal("42.70"),
        b.pk: Decimal("10.81"),
    }


def test_lines_break_the_cost_down(march):
    a, b = march
    lines = reason_cost_lines(date_from=MARCH[0], date_to=MARCH[1])
    assert lines[a.pk].contacts == 6
    assert lines[a.pk].contacts_by_channel == {"email": 5, "phone": 1}
    assert lines[a.pk].contacts_cost == Decimal("29.00")
    assert lines[a.pk].call_seconds == 90
    assert lines[a.pk].minutes_cost == Decimal("1.20")
    assert lines[a.pk].goodwill == Decimal("12.50")
    assert lines[b.pk].contacts == 3
    assert lines[b.pk].uncosted_contacts == 1  # the chat: no cost configured for chat
    assert lines[b.pk].call_seconds == 61
    assert lines[b.pk].minutes_cost == Decimal("0.81")
    assert lines[b.pk].goodwill == Decimal("0")


def test_day_boundaries_are_local_days(march):
    a, _b = march
    april = reason_costs(date_from=APRIL[0], date_to=APRIL[1])
    assert april == {a.pk: Decimal("5.00")}
    # 16 March alone: the 00:30 contact (23:30 UTC on the 15th) at the new price.
    assert reason_costs(date_from=dt.date(2025, 3, 16), date_to=dt.date(2025, 3, 16)) == {
        a.pk: Decimal("5.00")
    }
    assert reason_costs(date_from=dt.date(2025, 3, 15), date_to=dt.date(2025, 3, 15)) == {}


def test_a_cost_change_leaves_earlier_days_alone(march, cost):
    a, _b = march
    cost("email", dt.date(2025, 4, 1), "9.00")
    assert reason_costs(date_from=MARCH[0], date_to=MARCH[1])[a.pk] == Decimal("42.70")
    assert reason_costs(date_from=APRIL[0], date_to=APRIL[1]) == {a.pk: Decimal("9.00")}


def test_goodwill_follows_its_contact_to_another_reason(march, agent):
    a, b = march
    given = Goodwill.objects.get()
    contact_set_reason(contact=given.contact, actor=agent, reason=b)
    # The contact (10 March, 4.00) and its 12.50 of goodwill both move from A to B.
    costs = reason_costs(date_from=MARCH[0], date_to=MARCH[1])
    assert costs == {a.pk: Decimal("26.20"), b.pk: Decimal("27.31")}
    assert Goodwill.objects.get().reason_id == b.pk


def test_segments_cut_at_each_change(cost):
    cost("email", dt.date(2025, 1, 1), "4.00")
    cost("email", dt.date(2025, 3, 16), "5.00")
    cost("phone", dt.date(2025, 4, 2), "6.00")
    segments = cost_segments(date_from=MARCH[0], date_to=MARCH[1])
    assert [(s.channel, s.start, s.end, s.per_contact) for s in segments] == [
        ("email", dt.date(2025, 3, 1), dt.date(2025, 3, 15), Decimal("4.00")),
        ("email", dt.date(2025, 3, 16), dt.date(2025, 3, 31), Decimal("5.00")),
    ]


def test_empty_period_and_no_costs(db, contacts, reason):
    assert reason_costs(date_from=MARCH[0], date_to=MARCH[1]) == {}
    contacts(reason, when=local(dt.date(2025, 3, 3)))
    # Contacts but no cost configured: the reason is there, at zero.
    assert reason_costs(date_from=MARCH[0], date_to=MARCH[1]) == {reason.pk: Decimal("0")}


def test_query_count_does_not_grow_with_contacts(
    cost, contacts, call, reason, other_reason, django_assert_num_queries
):
    cost("email", dt.date(2025, 1, 1), "4.00")
    cost("email", dt.date(2025, 3, 16), "5.00")
    cost("phone", dt.date(2025, 1, 1), "6.00", "0.80")
    contacts(reason, 2, when=local(dt.date(2025, 3, 3)))
    with django_assert_num_queries(4):
        reason_costs(date_from=MARCH[0], date_to=MARCH[1])
    contacts(other_reason, 6, when=local(dt.date(2025, 3, 20)))
    call(reason, 30, when=local(dt.date(2025, 3, 21)))
    with django_assert_num_queries(4):
        reason_costs(date_from=MARCH[0], date_to=MARCH[1])
