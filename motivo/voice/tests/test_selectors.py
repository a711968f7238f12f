"""Callback-window arithmetic and the queue: order, "open now", and what is never offered."""

from __future__ import annotations

import datetime as dt

import pytest

from motivo.voice.models import CallbackRequest
from motivo.voice.selectors import callback_queue, callback_window_next
from motivo.voice.services import callback_request
from motivo.voice.tests.conftest import MADRID, madrid

T = dt.time


def window(start: dt.time, end: dt.time, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return callback_window_next(start=start, end=end, at=at, zone=MADRID)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # before today's window: today's
        (madrid(2026, 5, 4, 7, 30), (madrid(2026, 5, 4, 9), madrid(2026, 5, 4, 12))),
        # inside it: today's (open now)
        (madrid(2026, 5, 4, 11, 59), (madrid(2026, 5, 4, 9), madrid(2026, 5, 4, 12))),
        # at its end or later: tomorrow's
        (madrid(2026, 5, 4, 12, 0), (madrid(2026, 5, 5, 9), madrid(2026, 5, 5, 12))),
        (madrid(2026, 5, 4, 23, 59), (madrid(2026, 5, 5, 9), madrid(2026, 5, 5, 12))),
    ],
)
def test_same_day_window(at, expected):
    assert window(T(9), T(12), at) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # afternoon: tonight's window, into tomorrow
        (madrid(2026, 5, 4, 15, 0), (madrid(2026, 5, 4, 22), madrid(2026, 5, 5, 2))),
        # before midnight, inside
        (madrid(2026, 5, 4, 23, 0), (madrid(2026, 5, 4, 22), madrid(2026, 5, 5, 2))),
        # after midnight, still inside the window that opened yesterday
        (madrid(2026, 5, 5, 1, 30), (madrid(2026, 5, 4, 22), madrid(2026, 5, 5, 2))),
        # after it closed: tonight's
        (madrid(2026, 5, 5, 2, 0), (madrid(2026, 5, 5, 22), madrid(2026, 5, 6, 2))),
    ],
)
def test_window_crossing_midnight(at, expected):
    assert window(T(22), T(2), at) == expected


def test_window_in_utc_input_is_read_in_company_time():
    # 23:30 UTC on 4 May is 01:30 on 5 May in Madrid (UTC+2): the 22–02 window is open.
    at = dt.datetime(2026, 5, 4, 23, 30, tzinfo=dt.UTC)
    start, end = window(T(22), T(2), at)
    assert start <= at < end
    assert start == madrid(2026, 5, 4, 22)


def test_dst_spring_forward_day_keeps_wall_clock_hours():
    # 29 March 2026: clocks in Madrid go 02:00 → 03:00 (UTC+1 → UTC+2).
    start, end = window(T(9), T(12), madrid(2026, 3, 29, 8, 0))
    assert (start.astimezone(MADRID).hour, end.astimezone(MADRID).hour) == (9, 12)
    assert start.astimezone(dt.UTC).hour == 7  # 09:00 CEST
    the_day_before = window(T(9), T(12), madrid(2026, 3, 28, 8, 0))[0]
    assert the_day_before.astimezone(dt.UTC).hour == 8  # 09:00 CET
    assert start - the_day_before == dt.timedelta(hours=23)


def test_dst_window_over_the_skipped_hour_is_one_hour_shorter():
    start, end = window(T(1), T(4), madrid(2026, 3, 29, 0, 30))
    assert end - start == dt.timedelta(hours=2)


def test_dst_autumn_window_over_the_repeated_hour_is_one_hour_longer():
    # 25 October 2026: 03:00 → 02:00 (UTC+2 → UTC+1).
    start, end = window(T(1), T(4), madrid(2026, 10, 25, 0, 30))
    assert end - start == dt.timedelta(hours=4)
    start, end = window(T(9), T(12), madrid(2026, 10, 25, 8, 0))
    assert start.astimezone(dt.UTC).hour == 8  # 09:00 CET


def test_empty_window_is_refused():
    with pytest.raises(ValueError):
        window(T(9), T(9), madrid(2026, 5, 4, 8))


# --------------------------------------------------------------------------- the queue


def _request(customer, clock, at, start, end):
    customer.callback_from, customer.callback_to = start, end
    customer.save()
    clock(at)
    return callback_request(customer=customer, note="llámenme")


def test_queue_orders_by_window_and_marks_only_open_ones(caller, ingest, agent, clock):
    from motivo.customers.models import Customer

    later = Customer.objects.get(pk=ingest(phone="+34 600 333 444", channel="phone").customer_id)
    later.callback_allowed = True
    now = madrid(2026, 5, 4, 10, 0)
    late = _request(later, clock, now, T(16), T(18))  # opens later today
    open_ = _request(caller, clock, now, T(9), T(12))  # open now
    items = callback_queue(user=agent, now=now)
    assert [item.callback.pk for item in items] == [open_.pk, late.pk]
    assert [item.open_now for item in items] == [True, False]
    assert items[1].window_start == madrid(2026, 5, 4, 16)
    # An hour after its window closed, a waiting callback moves to the next occurrence.
    items = callback_queue(user=agent, now=madrid(2026, 5, 4, 13, 0))
    first = next(item for item in items if item.callback.pk == open_.pk)
    assert (first.window_start, first.open_now) == (madrid(2026, 5, 5, 9), False)


def test_queue_follows_the_customers_current_preferences(caller, agent, clock):
    now = clock(madrid(2026, 5, 4, 10, 0))
    callback = callback_request(customer=caller)
    caller.callback_allowed = False
    caller.save()
    [item] = callback_queue(user=agent, now=now)
    assert item.callback.pk == callback.pk
    assert (item.window_start, item.open_now) == (None, False)


def test_queue_is_for_staff_only(caller, customer_user, clock):
    clock(madrid(2026, 5, 4, 10, 0))
    callback_request(customer=caller)
    assert callback_queue(user=customer_user[0]) == []
    assert CallbackRequest.objects.count() == 1
