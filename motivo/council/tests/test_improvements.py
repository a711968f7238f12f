"""Improvements: every change is an event; a done improvement's effect compares equal
windows before and after its done date, per unit of business volume when there is one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motivo.core.errors import DomainError
from motivo.council import measures
from motivo.council.models import Improvement, ImprovementEvent
from motivo.council.services import improvement_create, improvement_update

from .conftest import week

pytestmark = pytest.mark.django_db

DONE = week(8)  # a Monday
READY = DONE + dt.timedelta(days=29)


def effect(improvement: Improvement, today: dt.date) -> measures.Effect | None:
    improvement = Improvement.objects.get(pk=improvement.pk)
    ids = list(improvement.reasons.values_list("pk", flat=True))
    return measures.improvement_effect(improvement, today=today, reason_ids=ids)


def done(reasons, done_on=DONE, **kwargs) -> Improvement:
    return improvement_create(
        title="Aviso de envío por SMS",
        reasons=reasons,
        actor=None,
        status=Improvement.Status.DONE,
        done_on=done_on,
        **kwargs,
    )


@pytest.fixture
def contacts_around_done(put, reason, other_reason):
    """10 contacts in the 28 days before DONE and 5 in the 28 after; noise outside."""
    put(reason, DONE - dt.timedelta(days=29), 100)  # before the before-window
    put(reason, DONE - dt.timedelta(days=28), 6)
    put(other_reason, DONE - dt.timedelta(days=1), 4)
    put(reason, DONE, 100)  # the done day itself is in neither window
    put(reason, DONE + dt.timedelta(days=1), 3)
    put(other_reason, DONE + dt.timedelta(days=28), 2)
    put(reason, DONE + dt.timedelta(days=29), 100)  # after the after-window


def test_windows_are_equal_and_leave_out_the_done_day():
    before, after, ready_on = measures.effect_windows(dt.date(2026, 4, 30))
    assert (before.date_from, before.date_to) == (dt.date(2026, 4, 2), dt.date(2026, 4, 29))
    assert (after.date_from, after.date_to) == (dt.date(2026, 5, 1), dt.date(2026, 5, 28))
    assert before.days == after.days == 28
    assert ready_on == dt.date(2026, 5, 29)


def test_effect_in_raw_contacts(reason, other_reason, contacts_around_done):
    improvement = done([reason, other_reason])
    result = effect(improvement, READY)
    assert result.ready and not result.per_volume and not result.volume_missing
    assert (result.before_contacts, result.after_contacts) == (10, 5)
    assert result.change_pct == Decimal(-50)


def test_effect_is_pending_until_the_after_window_has_passed(reason, contacts_around_done):
    improvement = done([reason])
    pending = effect(improvement, READY - dt.timedelta(days=1))
    assert not pending.ready
    assert pending.ready_on == READY
    assert pending.before_contacts is None and pending.change_pct is None


def test_no_effect_unless_done(reason):
    improvement = improvement_create(title="x", reasons=[reason], actor=None)
    assert effect(improvement, READY) is None


def test_effect_per_order_when_volumes_exist_for_both_windows(
    reason, other_reason, contacts_around_done, orders
):
    # Before: weeks 4..7 → 4 × 1000 orders. After (Tue of week 8 … Mon of week 12): 6/7 of
    # week 8, weeks 9..11 and 1/7 of week 12 → 2000 × 4 = 8000 orders.
    kind = orders({**{week(n): 1000 for n in range(4, 8)}, **{week(n): 2000 for n in range(8, 13)}})
    improvement = done([reason, other_reason], volume_kind=kind)
    result = effect(improvement, READY)
    assert result.per_volume and result.volume_kind == "orders"
    assert (result.before_volume, result.after_volume) == (4000, 8000)
    assert result.before_value == Decimal(10) / 4000
    assert result.after_value == Decimal(5) / 8000
    assert result.change_pct == Decimal(-75)


def test_a_missing_volume_falls_back_to_raw_contacts_and_says_so(
    reason, contacts_around_done, orders
):
    kind = orders({week(n): 1000 for n in range(4, 12)})  # week 12 is missing
    improvement = done([reason], volume_kind=kind)
    result = effect(improvement, READY)
    assert not result.per_volume and result.volume_missing
    assert (result.before_contacts, result.after_contacts) == (6, 3)
    assert result.change_pct == Decimal(-50)


def test_every_change_is_an_event(reason, other_reason, owner, supervisor):
    improvement = improvement_create(
        title="FAQ de envíos", reasons=[reason], actor=supervisor, owner=owner
    )
    improvement_update(improvement=improvement, actor=supervisor, title="FAQ de envíos")
    assert list(improvement.events.values_list("kind", flat=True)) == ["created"]
    improvement_update(
        improvement=improvement,
        actor=supervisor,
        title="FAQ de envíos y devoluciones",
        due_on=dt.date(2026, 6, 30),
        reasons=[reason, other_reason],
    )
    improvement_update(improvement=improvement, actor=owner, status=Improvement.Status.DONE)
    events = list(improvement.events.order_by("pk"))
    assert [event.kind for event in events] == [
        "created",
        "changed",
        "reasons_changed",
        "status_changed",
    ]
    assert events[1].data["changes"] == {
        "title": ["FAQ de envíos", "FAQ de envíos y devoluciones"],
        "due_on": [None, "2026-06-30"],
    }
    assert events[2].data == {"added": [other_reason.pk], "removed": []}
    improvement.refresh_from_db()
    assert improvement.done_on is not None
    assert events[3].data["from"] == "proposed" and events[3].data["to"] == "done"
    assert events[3].actor == owner
    # Reopening clears the done date.
    improvement_update(improvement=improvement, actor=owner, status=Improvement.Status.IN_PROGRESS)
    improvement.refresh_from_db()
    assert improvement.done_on is None
    assert ImprovementEvent.objects.filter(improvement=improvement).count() == 5


def test_refused_changes_change_nothing(reason, owner, customer_user):
    improvement = improvement_create(title="FAQ", reasons=[reason], actor=None)
    with pytest.raises(DomainError):
        improvement_update(improvement=improvement, actor=None, title="Otro", reasons=[])
    with pytest.raises(DomainError):
        improvement_update(
            improvement=improvement,
            actor=None,
            status=Improvement.Status.DONE,
            done_on=dt.date.today() + dt.timedelta(days=5),
        )
    with pytest.raises(DomainError):
        improvement_update(improvement=improvement, actor=None, owner=customer_user[0])
    improvement.refresh_from_db()
    assert (improvement.title, improvement.status) == ("FAQ", "proposed")
    assert improvement.events.count() == 1
    with pytest.raises(DomainError):
        improvement_create(title=" ", reasons=[reason], actor=None)
