"""Business-time arithmetic: a weekly schedule of opening hours in a time zone, less public
holidays and other closed days.

Pure Python over `zoneinfo` and the `holidays` package (ARCHITECTURE.md says why not
`businesstimedelta`). Business time is real elapsed time inside the open intervals: the
interval 09:00–18:00 of a day lasts nine hours, and an interval that spans a daylight-saving
change (a 24-hour service, for instance) lasts what the clock really measured. A wall-clock
time that does not exist on its day (skipped by a spring-forward change) or exists twice (an
autumn change) is read with `fold=0`: the offset in force before the change.

Moments are handled as Unix timestamps internally; each day's open intervals are computed once
and memoized, so adding business time costs a few dictionary look-ups per day crossed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Container, Sequence
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
# Adding business time never looks further than this many days ahead: a schedule that opens
# less than once in it (every day closed) has no due time.
HORIZON_DAYS = 3 * 366

Interval = tuple[int, int]  # minutes after local midnight, start < end <= 1440
WeeklyHours = tuple[tuple[Interval, ...], ...]  # seven entries, Monday first

HOURS_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def parse_intervals(text: str) -> tuple[Interval, ...]:
    """'09:00-14:00, 15:00-18:00' → ((540, 840), (900, 1080)). Empty text: closed. '24:00'
    is the end of the day. Raises ValueError on anything else, or on intervals that overlap
    or are out of order."""
    intervals: list[Interval] = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        match = HOURS_PATTERN.match(part)
        if not match:
            raise ValueError(part.strip())
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start >= MINUTES_PER_DAY or end > MINUTES_PER_DAY:
            raise ValueError(part.strip())
        if end <= start:
            raise ValueError(part.strip())
        if intervals and start < intervals[-1][1]:
            raise ValueError(part.strip())
        intervals.append((start, end))
    return tuple(intervals)


def format_intervals(intervals: Sequence[Sequence[int]]) -> str:
    """The inverse of `parse_intervals`."""
    return ", ".join(
        f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        for start, end in intervals
    )


class BusinessTime:
    """Opening hours `weekly` (Monday first) in `zone`, closed on any day in `closed`."""

    def __init__(
        self,
        *,
        zone: ZoneInfo,
        weekly: WeeklyHours,
        closed: Container[dt.date] | Callable[[dt.date], bool] = frozenset(),
    ) -> None:
        if len(weekly) != 7:
            raise ValueError("weekly needs seven days, Monday first")
        self.zone = zone
        self.weekly = tuple(tuple((int(a), int(b)) for a, b in day) for day in weekly)
        self._closed = closed if callable(closed) else closed.__contains__
        self._days: dict[int, tuple[tuple[float, float], ...]] = {}
        self.ever_open = any(self.weekly)

    # -- days ----------------------------------------------------------------------------

    def is_closed_day(self, day: dt.date) -> bool:
        """A holiday or closed day, or a weekday without opening hours."""
        return not self.weekly[day.weekday()] or bool(self._closed(day))

    def _moment(self, day: dt.date, minute: int) -> float:
        if minute >= MINUTES_PER_DAY:
            day, minute = day + dt.timedelta(days=1), minute - MINUTES_PER_DAY
        wall = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        return wall.replace(tzinfo=self.zone).timestamp()

    def day_intervals(self, day: dt.date) -> tuple[tuple[float, float], ...]:
        """The open intervals of a local day as (start, end) Unix timestamps; memoized."""
        key = day.toordinal()
        found = self._days.get(key)
        if found is None:
            if self.is_closed_day(day):
                found = ()
            else:
                found = tuple(
                    (self._moment(day, a), self._moment(day, b))
                    for a, b in self.weekly[day.weekday()]
                )
                # A skipped wall-clock hour can make an interval empty or reversed.
                found = tuple((a, b) for a, b in found if b > a)
            self._days[key] = found
        return found

    def _local_day(self, ts: float) -> dt.date:
        return dt.datetime.fromtimestamp(ts, self.zone).date()

    # -- arithmetic ----------------------------------------------------------------------

    def add_ts(self, start: float, seconds: float) -> float | None:
        """The moment `seconds` of business time after `start` (timestamps). Time before the
        next opening does not count; `seconds` = 0 gives the next open moment. None when
        the schedule does not open within HORIZON_DAYS."""
        if not self.ever_open:
            return None
        remaining = seconds
        day = self._local_day(start)
        # The local day before too: a moment just after midnight may still fall in an
        # interval of the previous day when a DST change moved midnight.
        day -= dt.timedelta(days=1)
        for _ in range(HORIZON_DAYS + 2):
            for a, b in self.day_intervals(day):
                if b <= start:
                    continue
                begin = a if a > start else start
                available = b - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += dt.timedelta(days=1)
        return None

    def add_many_ts(self, start: float, amounts: Sequence[float]) -> list[float | None]:
        """`add_ts` for several amounts of seconds from one start, in one walk over the
        days (the due times of a case: promise and target, answer and resolution)."""
        order = sorted(range(len(amounts)), key=amounts.__getitem__)
        found: list[float | None] = [None] * len(amounts)
        if not self.ever_open or not amounts:
            return found
        position, done = 0, 0.0  # business seconds counted before the current interval
        day = self._local_day(start) - dt.timedelta(days=1)
        for _ in range(HORIZON_DAYS + 2):
            for a, b in self.day_intervals(day):
                if b <= start:
                    continue
                begin = a if a > start else start
                end_done = done + (b - begin)
                while position < len(order) and amounts[order[position]] <= end_done:
                    found[order[position]] = begin + (amounts[order[position]] - done)
                    position += 1
                if position == len(order):
                    return found
                done = end_done
            day += dt.timedelta(days=1)
        return found

    def add(self, start: dt.datetime, minutes: int) -> dt.datetime | None:
        """`minutes` of business time after the aware datetime `start` (UTC result)."""
        found = self.add_ts(start.timestamp(), minutes * 60)
        return None if found is None else dt.datetime.fromtimestamp(found, dt.UTC)

    def elapsed_ts(self, start: float, end: float) -> float:
        """Seconds of business time between two timestamps (0 when end <= start)."""
        if end <= start or not self.ever_open:
            return 0.0
        total = 0.0
        day = self._local_day(start) - dt.timedelta(days=1)
        last = self._local_day(end)
        while day <= last:
            for a, b in self.day_intervals(day):
                low, high = max(a, start), min(b, end)
                if high > low:
                    total += high - low
            day += dt.timedelta(days=1)
        return total

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        return dt.timedelta(seconds=self.elapsed_ts(start.timestamp(), end.timestamp()))

    def is_open(self, moment: dt.datetime) -> bool:
        ts = moment.timestamp()
        day = self._local_day(ts)
        return any(
            a <= ts < b for d in (day - dt.timedelta(days=1), day) for a, b in self.day_intervals(d)
        )
