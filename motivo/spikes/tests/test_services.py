"""Detection runs against the roll-up: alerts raised once, updated as a day grows, extended
over consecutive days, the owner told once in their language; acknowledge and close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.formats import date_format

from motivo.accounts.models import Notification
from motivo.core.errors import DomainError
from motivo.insights.models import ReasonDayCount
from motivo.insights.services import reason_count_add
from motivo.reasons.models import ReasonEvent
from motivo.spikes.models import SpikeAlert, SpikeAlertEvent
from motivo.spikes.services import (
    alert_acknowledge,
    alert_close,
    spikes_backfill,
    spikes_detect,
)
from motivo.spikes.tests.conftest import local_noon

pytestmark = pytest.mark.django_db


def add(reason, day, n):
    reason_count_add(reason_id=reason.pk, channel="chat", day=day, delta=n)


def test_a_spike_yesterday_raises_one_alert_and_tells_the_owner_once(
    shop, reason, owner, today, django_capture_on_commit_callbacks
):
    yesterday = today - dt.timedelta(days=1)
    add(reason, yesterday, 45)
    with django_capture_on_commit_callbacks(execute=True):
        first = spikes_detect(now=local_noon(today))
    assert first.days == [yesterday, today]
    [alert] = SpikeAlert.objects.all()
    assert first.raised == [alert.pk] and first.notified == [alert.pk]
    assert (alert.reason_id, alert.day, alert.last_day, alert.peak_day) == (
        reason.pk,
        yesterday,
        yesterday,
        yesterday,
    )
    assert alert.observed == shop[reason.pk][yesterday] + 45
    assert 3 < alert.expected < 25 and alert.score >= 4 and not alert.running
    assert alert.status == SpikeAlert.Status.OPEN and alert.notified_at is not None
    [notice] = Notification.objects.filter(user=owner)
    assert notice.kind == Notification.Kind.SPIKE and notice.case_id is None
    assert notice.link == f"/spikes/{alert.pk}/"
    assert "¿Dónde está mi pedido?" in notice.text
    [message] = mail.outbox
    assert message.to == ["rocio@x.test"]
    assert "¿Dónde está mi pedido?" in message.subject
    assert f"/spikes/{alert.pk}/" in message.body
    # Both in Rocío's language (Spanish dates: "22 de noviembre de 2026").
    with translation.override("es"):
        spanish_day = date_format(yesterday, "DATE_FORMAT")
    assert " de " in spanish_day and spanish_day in notice.text and spanish_day in message.body
    kinds = list(alert.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == [SpikeAlertEvent.Kind.RAISED, SpikeAlertEvent.Kind.NOTIFIED]

    # The same roll-up judged again: nothing new, nobody told twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = spikes_detect(now=local_noon(today) + dt.timedelta(minutes=5))
    assert again.raised == [] and again.updated == [] and again.notified == []
    assert SpikeAlert.objects.count() == 1 and Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_shop_without_contacts_or_reasons_runs_quietly(db, today, reason):
    result = spikes_detect(now=local_noon(today))
    assert result.judged == 0 and result.raised == []


def test_ordinary_days_raise_nothing(shop, today):
    result = spikes_backfill(since=today - dt.timedelta(days=30))
    assert result.judged == 3 * 31
    assert result.raised == [] and SpikeAlert.objects.count() == 0


def test_today_so_far_is_judged_against_the_share_of_the_day_already_in(
    shop, reason, clock_reason, today
):
    """At noon the big reason has half its usual day: 30 contacts of `reason` already are a
    spike although a whole usual day brings about 10 × the weekday factor."""
    usual_clock = round(40 * (1.35, 1.15, 1.05, 1.0, 0.9, 0.5, 0.35)[today.weekday()])
    add(clock_reason, today, usual_clock // 2)
    add(reason, today, 6)
    assert spikes_detect(now=local_noon(today)).raised == []
    add(reason, today, 24)  # 30 so far
    result = spikes_detect(now=local_noon(today) + dt.timedelta(minutes=5))
    [alert] = SpikeAlert.objects.all()
    assert result.raised == [alert.pk]
    assert alert.day == today and alert.running and alert.observed == 30
    same_weekday = [n for day, n in shop[reason.pk].items() if day.weekday() == today.weekday()]
    whole_day = sum(same_weekday[-8:]) / 8
    assert 0.3 * whole_day < alert.expected < 0.7 * whole_day  # about half a day by now

    # The spike grows during the day: the same alert follows it.
    add(reason, today, 10)
    result = spikes_detect(now=local_noon(today) + dt.timedelta(minutes=10))
    assert result.raised == [] and result.updated == [alert.pk]
    alert.refresh_from_db()
    assert alert.observed == 40 and alert.running and len(alert.days) == 1
    assert SpikeAlert.objects.count() == 1

    # Tomorrow the day is judged whole: the alert keeps its day, no longer running.
    tomorrow = today + dt.timedelta(days=1)
    spikes_detect(now=local_noon(tomorrow))
    alert.refresh_from_db()
    assert not alert.running and alert.days[0]["running"] is False


def test_a_spike_over_several_days_is_one_alert(shop, reason, today):
    days = [today - dt.timedelta(days=n) for n in (3, 2, 1)]
    for n, day in zip((30, 60, 40), days, strict=True):
        add(reason, day, n)
    spikes_backfill(since=days[0], until=days[-1])
    [alert] = SpikeAlert.objects.all()
    assert (alert.day, alert.last_day, alert.peak_day) == (days[0], days[-1], days[1])
    assert [entry["day"] for entry in alert.days] == [day.isoformat() for day in days]
    assert alert.observed == shop[reason.pk][days[1]] + 60
    kinds = list(alert.events.values_list("kind", flat=True))
    assert kinds.count(SpikeAlertEvent.Kind.EXTENDED) == 2
    # Judging the same days again changes nothing.
    assert spikes_backfill(since=days[0], until=days[-1]).updated == []


def test_one_quiet_day_inside_an_incident_keeps_one_alert(shop, reason, today):
    """Friday and Monday spike, the weekend is too quiet to be significant on its own: one
    alert from Friday to Monday, with the quiet days listed; two quiet days end it."""
    days = [today - dt.timedelta(days=n) for n in (9, 8, 7, 6, 5)]
    for n, day in zip((40, 0, 40, 0, 0), days, strict=True):
        add(reason, day, n)
    add(reason, today - dt.timedelta(days=4), 40)
    spikes_backfill(since=days[0], until=today - dt.timedelta(days=1))
    first, second = SpikeAlert.objects.order_by("day")
    assert (first.day, first.last_day) == (days[0], days[2])
    assert [entry["significant"] for entry in first.days] == [True, False, True]
    assert second.day == today - dt.timedelta(days=4)


def test_a_closed_alert_is_not_extended(shop, reason, supervisor, today):
    day_before, yesterday = today - dt.timedelta(days=2), today - dt.timedelta(days=1)
    add(reason, day_before, 40)
    spikes_backfill(since=day_before, until=day_before)
    first = SpikeAlert.objects.get()
    alert_close(alert=first, actor=supervisor, note="Card terminal outage, fixed")
    add(reason, yesterday, 40)
    spikes_backfill(since=day_before, until=yesterday)
    second = SpikeAlert.objects.exclude(pk=first.pk).get()
    assert second.day == yesterday
    first.refresh_from_db()
    assert first.last_day == day_before and first.status == SpikeAlert.Status.CLOSED


def test_backfilled_old_alerts_are_recorded_without_telling_anyone(shop, reason, today):
    old = today - dt.timedelta(days=10)
    add(reason, old, 50)
    result = spikes_backfill(since=old)
    [alert] = SpikeAlert.objects.all()
    assert result.raised == [alert.pk] and result.notified == []
    assert alert.notified_at is None and Notification.objects.count() == 0


def test_no_owner_person_tells_the_department_head(shop, reason, department, today, agent):
    reason.owner_person = None
    reason.save()
    department.email = agent.email
    department.save()
    add(reason, today - dt.timedelta(days=1), 45)
    spikes_detect(now=local_noon(today))
    assert list(Notification.objects.values_list("user_id", flat=True)) == [agent.pk]


def test_a_new_reason_waits_for_two_weeks_of_history(usual, reason, other_reason, today):
    usual(other_reason, 30, seed=4)
    # `reason` was created five days ago and has had a busy start.
    ReasonEvent.objects.create(
        reason=reason,
        kind=ReasonEvent.Kind.CREATED,
        created_at=timezone.now() - dt.timedelta(days=5),
    )
    for back in range(5, 0, -1):
        add(reason, today - dt.timedelta(days=back), 3 if back > 1 else 40)
    result = spikes_detect(now=local_noon(today))
    assert result.judged == 2  # only other_reason, yesterday and today
    assert SpikeAlert.objects.count() == 0


def test_a_reason_with_a_zero_baseline_alerts_from_six_contacts(usual, reason, other_reason, today):
    """Created two months ago, never a contact: 4 contacts in a day are not an alarm yet
    (at least MIN_RISE = 5 above the expectation), 8 are."""
    usual(other_reason, 30, seed=4)
    ReasonEvent.objects.create(
        reason=reason,
        kind=ReasonEvent.Kind.CREATED,
        created_at=timezone.now() - dt.timedelta(days=60),
    )
    yesterday = today - dt.timedelta(days=1)
    add(reason, yesterday, 4)
    spikes_detect(now=local_noon(today))
    assert SpikeAlert.objects.count() == 0
    add(reason, yesterday, 4)
    spikes_detect(now=local_noon(today))
    alert = SpikeAlert.objects.get()
    assert alert.observed == 8 and alert.expected < 0.1


def test_days_are_local_days(ingest, usual, reason, other_reason, settings, today):
    """A contact at 00:30 in Madrid (23:30 UTC the day before) counts for the Madrid day, and
    a run just after local midnight judges that day as today."""
    settings.TIME_ZONE = "Europe/Madrid"
    timezone.activate("Europe/Madrid")
    usual(other_reason, 30, seed=4)
    usual(reason, 2, seed=5)
    zone = timezone.get_current_timezone()
    just_after_midnight = dt.datetime.combine(today, dt.time(0, 30), tzinfo=zone)
    for n in range(12):
        ingest(reason=reason, received_at=just_after_midnight, email=f"c{n}@example.test")
    assert ReasonDayCount.objects.get(reason=reason, day=today).count == 12
    result = spikes_detect(now=just_after_midnight + dt.timedelta(minutes=5))
    assert result.days[-1] == today
    alert = SpikeAlert.objects.get()
    assert alert.day == today and alert.observed == 12


def test_acknowledge_then_close(shop, reason, supervisor, owner, today):
    add(reason, today - dt.timedelta(days=1), 45)
    spikes_detect(now=local_noon(today))
    alert = SpikeAlert.objects.get()
    alert = alert_acknowledge(alert=alert, actor=owner)
    assert alert.status == SpikeAlert.Status.ACKNOWLEDGED
    assert alert.acknowledged_by == owner and alert.acknowledged_at is not None
    with pytest.raises(DomainError) as again:
        alert_acknowledge(alert=alert, actor=supervisor)
    assert again.value.code == "conflict"
    alert = alert_close(alert=alert, actor=supervisor, note="Duplicate charges, refunded")
    assert alert.status == SpikeAlert.Status.CLOSED and alert.closed_by == supervisor
    with pytest.raises(DomainError):
        alert_close(alert=alert, actor=supervisor)
    with pytest.raises(DomainError):
        alert_acknowledge(alert=alert, actor=supervisor)
    closed = alert.events.get(kind=SpikeAlertEvent.Kind.CLOSED)
    assert closed.actor == supervisor and closed.data == {"note": "Duplicate charges, refunded"}


def test_the_command_runs_once_and_backfills(shop, reason, today, capsys):
    add(reason, today - dt.timedelta(days=4), 45)
    call_command("spikes_detect")
    assert SpikeAlert.objects.count() == 0  # only yesterday and today by default
    call_command("spikes_detect", since=(today - dt.timedelta(days=7)).isoformat())
    assert SpikeAlert.objects.count() == 1
    assert "1 alerts raised" in capsys.readouterr().out
