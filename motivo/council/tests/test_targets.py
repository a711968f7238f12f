"""Targets: the baseline is measured and stored when the target is set; progress compares
the most recent full weeks with it and with the linear target line. Exact figures on small
hand-made data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motivo.cases.models import Contact
from motivo.cases.services import contact_set_reason
from motivo.core.errors import DomainError
from motivo.council import measures
from motivo.council.measures import TargetState, full_weeks_before
from motivo.council.models import Metric, Target
from motivo.council.services import target_close, target_set, target_update

from .conftest import local, week

pytestmark = pytest.mark.django_db

BASE = [10, 12, 8, 10, 10, 10, 10, 10]  # weeks 0..7: 80 contacts, 10 a week
SET_ON = week(8)  # a Monday: the baseline is weeks 0..7
DUE_ON = SET_ON + dt.timedelta(weeks=16)


def progress(target: Target, today: dt.date) -> measures.Progress:
    target = Target.objects.get(pk=target.pk)
    ids = list(target.target_reasons.values_list("reason_id", flat=True))
    return measures.target_progress(target, today=today, reason_ids=ids)


def contacts_target(reason, **kwargs) -> Target:
    params = dict(
        reasons=[reason],
        metric=Metric.CONTACTS,
        change_pct=Decimal(-20),
        due_on=DUE_ON,
        actor=None,
        set_on=SET_ON,
    )
    return target_set(**{**params, **kwargs})


def test_full_weeks_before_is_the_weeks_that_ended_before_the_current_one():
    # Wednesday 2026-03-04: the current week started on Monday 03-02; 8 full weeks end 03-01.
    window = full_weeks_before(dt.date(2026, 3, 4), 8)
    assert (window.date_from, window.date_to) == (dt.date(2026, 1, 5), dt.date(2026, 3, 1))
    assert window.weeks == 8
    # A Sunday belongs to its own (unfinished) week, a Monday starts a new one.
    assert full_weeks_before(dt.date(2026, 3, 8), 1).date_to == dt.date(2026, 3, 1)
    assert full_weeks_before(dt.date(2026, 3, 9), 1).date_to == dt.date(2026, 3, 8)


def test_baseline_is_the_weekly_average_of_the_eight_full_weeks_before(
    reason, other_reason, weekly, put
):
    weekly(reason, week(0), BASE)
    put(reason, week(-1) + dt.timedelta(days=6), 100)  # the Sunday before: outside
    put(reason, SET_ON, 100)  # the week the target is set in: outside
    put(other_reason, week(3), 7)  # another reason: outside
    target = contacts_target(reason, set_on=SET_ON + dt.timedelta(days=3))  # a Thursday
    assert (target.baseline_from, target.baseline_to) == (week(0), week(8) - dt.timedelta(1))
    assert target.baseline_contacts == 80
    assert target.baseline_weeks == 8
    assert target.baseline_value == Decimal(10)
    assert target.goal_value == Decimal(8)
    assert target.target_reasons.get().baseline_contacts == 80


def test_a_set_of_reasons_shares_one_target_with_a_baseline_per_reason(
    reason, other_reason, weekly
):
    weekly(reason, week(0), BASE)
    weekly(other_reason, week(0), [2] * 8)
    target = contacts_target(reason, reasons=[reason, other_reason])
    assert target.baseline_contacts == 96
    assert target.baseline_value == Decimal(12)
    per_reason = dict(target.target_reasons.values_list("reason_id", "baseline_contacts"))
    assert per_reason == {reason.pk: 80, other_reason.pk: 16}


def test_baseline_stays_when_later_data_changes_the_past(reason, other_reason, ingest, agent):
    # Two contacts in the baseline weeks, set through the real services.
    for day in (week(2), week(5)):
        ingest(received_at=local(day), reason=reason)
    target = contacts_target(reason)
    assert target.baseline_contacts == 2
    # Afterwards one of those contacts is moved to another reason and a late import adds
    # three more contacts to the baseline weeks.
    contact = Contact.objects.filter(reason=reason).order_by("received_at").first()
    contact_set_reason(contact=contact, actor=agent, reason=other_reason)
    for _ in range(3):
        ingest(received_at=local(week(6)), reason=reason)
    target.refresh_from_db()
    assert target.baseline_contacts == 2
    assert target.target_reasons.get().baseline_contacts == 2
    # … while the same weeks measured today hold 1 + 3 contacts.
    window = full_weeks_before(SET_ON)
    now = measures.measure(
        reason_ids=[reason.pk], window=window, metric=Metric.CONTACTS, volume_kind=None
    )
    assert now.contacts == 4


def test_weeks_follow_local_days_across_time_zones(reason, ingest, settings):
    assert settings.TIME_ZONE == "Europe/Madrid"
    utc = dt.UTC
    # Monday 2026-03-02 00:30 CET (UTC+1) is Sunday 23:30 UTC: inside the first week.
    ingest(received_at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=utc), reason=reason)
    # Sunday 2026-03-01 23:30 CET: the week before the baseline.
    ingest(received_at=dt.datetime(2026, 3, 1, 22, 30, tzinfo=utc), reason=reason)
    # Sunday 2026-04-26 23:30 CEST (UTC+2, summer time since 03-29): last baseline day.
    ingest(received_at=dt.datetime(2026, 4, 26, 21, 30, tzinfo=utc), reason=reason)
    # Monday 2026-04-27 00:30 CEST: the week the target is set in.
    ingest(received_at=dt.datetime(2026, 4, 26, 22, 30, tzinfo=utc), reason=reason)
    target = contacts_target(reason)
    assert (target.baseline_from, target.baseline_to) == (dt.date(2026, 3, 2), dt.date(2026, 4, 26))
    assert target.baseline_contacts == 2


@pytest.mark.parametrize(
    ("after", "today", "state", "current", "change"),
    [
        # weeks 8..11 after the target; today is the Tuesday of week 12.
        ([8, 8, 6, 6], week(12) + dt.timedelta(1), TargetState.ON_TRACK, "8.5", "-15"),
        ([10, 10, 10, 11], week(12) + dt.timedelta(1), TargetState.OFF_TRACK, "10.125", "1.25"),
        ([5, 5, 5, 5], week(12) + dt.timedelta(1), TargetState.ACHIEVED, "7.5", "-25"),
        ([9] * 20, DUE_ON + dt.timedelta(10), TargetState.MISSED, "9", "-10"),
    ],
)
def test_progress_against_baseline_and_target_line(
    reason, weekly, after, today, state, current, change
):
    weekly(reason, week(0), BASE)
    target = contacts_target(reason)
    weekly(reason, week(8), after)
    result = progress(target, today)
    assert result.state == state
    assert result.current.value == Decimal(current)
    assert result.change_pct == Decimal(change)
    if today == week(12) + dt.timedelta(1):
        # The current window is weeks 4..11; the line is read on its last day, 27 days after
        # the target was set, of 112: 10 + (8 − 10) × 27/112.
        assert (result.window.date_from, result.window.date_to) == (
            week(4),
            week(12) - dt.timedelta(1),
        )
        assert result.elapsed == Decimal(27) / Decimal(112)
        assert result.expected_value == Decimal(10) - Decimal(2) * Decimal(27) / Decimal(112)


def test_right_after_setting_the_line_is_the_baseline_and_the_target_is_on_track(reason, weekly):
    weekly(reason, week(0), BASE)
    target = contacts_target(reason)
    result = progress(target, SET_ON + dt.timedelta(days=2))
    assert result.window == full_weeks_before(SET_ON)
    assert result.elapsed == 0
    assert result.expected_value == result.baseline_value == result.current.value == 10
    assert result.state == TargetState.ON_TRACK
    assert result.reached_pct == 0


def test_an_increase_target_is_on_track_above_the_line(reason, weekly):
    weekly(reason, week(0), BASE)
    target = contacts_target(reason, change_pct=Decimal(50))
    weekly(reason, week(8), [14, 14, 14, 14])
    result = progress(target, week(12))
    assert result.goal_value == 15
    assert result.current.value == Decimal(96) / 8
    assert result.state == TargetState.ON_TRACK


def test_contacts_per_order(reason, weekly, orders):
    weekly(reason, week(0), BASE)
    kind = orders({week(n): 1000 for n in range(8)})
    target = contacts_target(reason, metric=Metric.CPX, volume_kind=kind)
    assert target.baseline_volume == 8000
    assert target.baseline_value == Decimal("0.01")
    assert target.goal_value == Decimal("0.008")
    weekly(reason, week(8), [8, 8, 6, 6])
    # No orders sent yet for weeks 8..11: the current value cannot be measured.
    assert progress(target, week(12)).state == TargetState.NO_VOLUME
    orders({week(n): 1250 for n in range(8, 12)})
    result = progress(target, week(12))
    assert result.current.volume == 9000
    assert result.current.contacts == 68
    assert result.current.value == Decimal(68) / Decimal(9000)
    assert result.state == TargetState.ACHIEVED


def test_contacts_per_order_needs_the_baseline_volume(reason, weekly, orders):
    weekly(reason, week(0), BASE)
    kind = orders({week(n): 1000 for n in range(1, 8)})  # week 0 is missing
    with pytest.raises(DomainError) as error:
        contacts_target(reason, metric=Metric.CPX, volume_kind=kind)
    assert error.value.field == "volume_kind"
    with pytest.raises(DomainError) as error:
        contacts_target(reason, metric=Metric.CPX)
    assert error.value.field == "volume_kind"
    assert not Target.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"change_pct": Decimal(0)}, "change_pct"),
        ({"change_pct": Decimal(-101)}, "change_pct"),
        ({"due_on": SET_ON}, "due_on"),
        ({"reasons": []}, "reasons"),
        ({"metric": "nps"}, "metric"),
    ],
)
def test_refused_targets(reason, changes, field):
    with pytest.raises(DomainError) as error:
        contacts_target(reason, **changes)
    assert error.value.field == field


def test_one_active_target_per_reason_until_it_is_closed(reason, other_reason, weekly):
    weekly(reason, week(0), BASE)
    first = contacts_target(reason)
    with pytest.raises(DomainError) as error:
        contacts_target(reason, reasons=[other_reason, reason])
    assert error.value.code == "conflict"
    target_close(target=first, actor=None, closed_on=SET_ON + dt.timedelta(days=30))
    second = contacts_target(reason, set_on=SET_ON + dt.timedelta(days=30))
    assert second.baseline_from == week(4)  # its own baseline, current when it was set
    with pytest.raises(DomainError):
        target_close(target=first, actor=None)


def test_a_closed_target_is_measured_as_of_its_closing_day(reason, weekly):
    weekly(reason, week(0), BASE)
    target = contacts_target(reason)
    weekly(reason, week(8), [6, 6, 6, 6, 50, 50])
    target_close(target=target, actor=None, closed_on=week(12) + dt.timedelta(days=3))
    result = progress(target, DUE_ON + dt.timedelta(days=60))
    assert result.as_of == week(12) + dt.timedelta(days=3)
    assert result.window.date_to == week(12) - dt.timedelta(days=1)
    assert result.current.contacts == 64


def test_editing_keeps_the_baseline(reason, weekly, put):
    weekly(reason, week(0), BASE)
    target = contacts_target(reason)
    put(reason, week(1), 40)
    target_update(target=target, change_pct=Decimal(-30), due_on=DUE_ON, note="más", actor=None)
    target.refresh_from_db()
    assert (target.baseline_contacts, target.change_pct, target.note) == (80, -30, "más")
    assert target.goal_value == Decimal(7)
    with pytest.raises(DomainError):
        target_update(target=target, change_pct=Decimal(-30), due_on=SET_ON, note="", actor=None)
