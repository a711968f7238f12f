"""Business-time arithmetic on small schedules with known answers: outside hours, weekends,
holidays, closed days, split shifts and daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest

from motivo.promises.businesstime import BusinessTime, format_intervals, parse_intervals

MADRID = ZoneInfo("Europe/Madrid")
NINE_TO_SIX = ((540, 1080),)
WEEKDAYS = (NINE_TO_SIX,) * 5 + ((), ())


def at(year, month, day, hour=0, minute=0, zone=MADRID) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def madrid(**kwargs) -> BusinessTime:
    return BusinessTime(zone=MADRID, weekly=kwargs.pop("weekly", WEEKDAYS), **kwargs)


def test_inside_hours_counts_from_the_moment():
    # Tuesday 2025-03-11 10:00 + 2 h → 12:00 the same day.
    assert madrid().add(at(2025, 3, 11, 10), 120) == at(2025, 3, 11, 12)


def test_crossing_the_evening_continues_next_morning():
    # Tuesday 17:00 + 2 h: one hour on Tuesday, one on Wednesday from 9:00.
    assert madrid().add(at(2025, 3, 11, 17), 120) == at(2025, 3, 12, 10)


def test_before_opening_starts_at_opening():
    assert madrid().add(at(2025, 3, 11, 6, 30), 60) == at(2025, 3, 11, 10)


def test_after_closing_starts_next_business_day():
    # Friday 20:00 → Monday 9:00 + 1 h.
    assert madrid().add(at(2025, 3, 14, 20), 60) == at(2025, 3, 17, 10)


def test_weekend_creation_one_business_day():
    # Saturday noon, 9 business hours (one business day) → Monday 18:00.
    assert madrid().add(at(2025, 3, 15, 12), 9 * 60) == at(2025, 3, 17, 18)


def test_exactly_at_closing_is_the_due_time():
    assert madrid().add(at(2025, 3, 11, 9), 9 * 60) == at(2025, 3, 11, 18)


def test_public_holiday_is_skipped():
    # 2025-05-01 (Thursday) is a national holiday in Spain; 2025-05-02 a Madrid one.
    national = holidays.country_holidays("ES", subdiv="MD")
    business = madrid(closed=lambda day: day in national)
    assert business.add(at(2025, 4, 30, 17), 120) == at(2025, 5, 5, 10)
    assert madrid().add(at(2025, 4, 30, 17), 120) == at(2025, 5, 1, 10)


def test_custom_closed_day():
    business = madrid(closed={dt.date(2025, 3, 12)})
    assert business.add(at(2025, 3, 11, 17), 120) == at(2025, 3, 13, 10)


def test_split_shift():
    weekly = (((540, 840), (900, 1080)),) * 5 + ((), ())
    business = madrid(weekly=weekly)
    # 13:00 + 2 h: 13–14 then 15–16.
    assert business.add(at(2025, 3, 11, 13), 120) == at(2025, 3, 11, 16)
    # created in the lunch break
    assert business.add(at(2025, 3, 11, 14, 30), 30) == at(2025, 3, 11, 15, 30)


def test_spring_forward_on_a_24_hour_service():
    # 2025-03-30: Madrid clocks go from 02:00 to 03:00; that day lasts 23 hours.
    always = BusinessTime(zone=MADRID, weekly=(((0, 1440),),) * 7)
    start = at(2025, 3, 30, 0)
    assert always.add(start, 24 * 60) == at(2025, 3, 31, 1)
    assert always.elapsed(start, at(2025, 3, 31, 0)) == dt.timedelta(hours=23)


def test_fall_back_on_a_24_hour_service():
    # 2025-10-26: 03:00 becomes 02:00 again; that day lasts 25 hours.
    always = BusinessTime(zone=MADRID, weekly=(((0, 1440),),) * 7)
    start = at(2025, 10, 26, 0)
    assert always.add(start, 24 * 60) == at(2025, 10, 26, 23)
    assert always.elapsed(start, at(2025, 10, 27, 0)) == dt.timedelta(hours=25)


def test_office_hours_across_dst_keep_wall_clock():
    # Friday 2025-03-28 17:00 + 2 h over the DST weekend → Monday 10:00 local (CEST).
    due = madrid().add(at(2025, 3, 28, 17), 120)
    assert due == at(2025, 3, 31, 10)
    assert due.utcoffset() == dt.timedelta(0)  # answered in UTC
    assert due.astimezone(MADRID).utcoffset() == dt.timedelta(hours=2)


def test_other_time_zone_than_the_input():
    # A case opened at 23:30 UTC on a Tuesday is Wednesday 00:30 in Madrid (winter: +1).
    start = dt.datetime(2025, 3, 11, 23, 30, tzinfo=dt.UTC)
    assert madrid().add(start, 60) == at(2025, 3, 12, 10)
    new_york = BusinessTime(zone=ZoneInfo("America/New_York"), weekly=WEEKDAYS)
    # Same moment is 19:30 in New York (EDT since 2025-03-09): next morning 9:00 + 1 h.
    assert new_york.add(start, 60) == at(2025, 3, 12, 10, zone=ZoneInfo("America/New_York"))


def test_elapsed_is_the_inverse_of_add():
    business = madrid(closed={dt.date(2025, 3, 12)})
    start = at(2025, 3, 7, 16, 10)
    for minutes in (1, 50, 110, 9 * 60, 31 * 60 + 7):
        due = business.add(start, minutes)
        assert business.elapsed(start, due) == dt.timedelta(minutes=minutes)


def test_never_open_has_no_due_time():
    assert BusinessTime(zone=MADRID, weekly=((),) * 7).add(at(2025, 3, 11), 60) is None
    every_day_closed = madrid(closed=lambda day: True)
    assert every_day_closed.add(at(2025, 3, 11), 60) is None


def test_is_open():
    business = madrid()
    assert business.is_open(at(2025, 3, 11, 9))
    assert not business.is_open(at(2025, 3, 11, 18))
    assert not business.is_open(at(2025, 3, 15, 12))


def test_parse_and_format_intervals():
    assert parse_intervals("09:00-14:00, 15:00-18:30") == ((540, 840), (900, 1110))
    assert parse_intervals("") == ()
    assert parse_intervals("00:00-24:00") == ((0, 1440),)
    assert format_intervals(((540, 840), (900, 1110))) == "09:00-14:00, 15:00-18:30"
    for bad in ("9-18", "18:00-09:00", "09:00-12:00, 11:00-13:00", "09:00-25:00", "09:70-10:00"):
        with pytest.raises(ValueError):
            parse_intervals(bad)


def test_add_many_equals_add_one_by_one():
    national = holidays.country_holidays("ES", subdiv="MD")
    weekly = (((540, 840), (900, 1080)),) * 4 + (((480, 900),), (), ())
    business = madrid(weekly=weekly, closed=lambda day: day in national)
    amounts = [45 * 3600, 60, 9 * 3600, 4 * 3600, 0, 27 * 3600 + 17]
    for start in (at(2025, 4, 30, 17), at(2025, 3, 28, 13, 59), at(2025, 3, 15, 3)):
        ts = start.timestamp()
        assert business.add_many_ts(ts, amounts) == [business.add_ts(ts, s) for s in amounts]
