"""The promises in force, cached in the process: the business calendar and every promise,
read once and kept until they change.

`case_open` (the ingest hot path) asks `promise_book()` for the due times of each new case:
no query per contact, only timestamp arithmetic. An edit (promises.services) clears this
process's copy at once and, after commit, publishes the calendar's new revision in Django's
cache; other processes compare it with theirs at most every CHECK_SECONDS (a cache read, not
a database query) and reload when it differs. So a change applies to cases opened from a
couple of seconds after it is saved, in every server process.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.conf import settings
from django.core.cache import cache

from motivo.promises.businesstime import BusinessTime

CACHE_KEY = "motivo:promises:revision"
CHECK_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Terms:
    """One promise, in business minutes."""

    promise_id: int
    first_answer: int
    first_answer_target: int
    resolution: int | None
    resolution_target: int | None


@dataclass(frozen=True, slots=True)
class DueTimes:
    """The due times of one case (aware UTC datetimes)."""

    first_answer_due_at: dt.datetime
    first_answer_target_at: dt.datetime
    resolution_due_at: dt.datetime | None
    resolution_target_at: dt.datetime | None

    @property
    def promise_ends_at(self) -> dt.datetime:
        return max(self.first_answer_due_at, self.resolution_due_at or self.first_answer_due_at)


def _utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)


class PromiseBook:
    """The calendar as `BusinessTime` and the promises by (tier id or None, channel or "")."""

    def __init__(
        self,
        *,
        revision: int,
        business: BusinessTime,
        terms: dict,
        tiers: tuple[tuple[int, str], ...] = (),
    ) -> None:
        self.revision = revision
        self.business = business
        self.terms: dict[tuple[int | None, str], Terms] = terms
        self.tiers = tiers  # (id, name) of every customer tier, in order

    def terms_for(self, *, tier_id: int | None, channel: str) -> Terms | None:
        """The most specific promise: tier and channel, tier, channel, then general.
        Customers without a tier get only the promises made to every tier."""
        terms = self.terms
        if not terms:
            return None
        if tier_id is not None:
            found = terms.get((tier_id, channel)) or terms.get((tier_id, ""))
            if found is not None:
                return found
        return terms.get((None, channel)) or terms.get((None, ""))

    def due_times(self, *, tier_id: int | None, channel: str, at: dt.datetime) -> DueTimes | None:
        """When a case opened at `at` must be answered (and resolved) to keep the promise
        and to meet the internal target; None when no promise applies (or the calendar
        never opens)."""
        found = self.terms_for(tier_id=tier_id, channel=channel)
        if found is None:
            return None
        return self.due_times_for(found, at.timestamp())

    def due_times_for(self, terms: Terms, start: float) -> DueTimes | None:
        amounts = [terms.first_answer * 60, terms.first_answer_target * 60]
        if terms.resolution is not None and terms.resolution_target is not None:
            amounts += [terms.resolution * 60, terms.resolution_target * 60]
        found = self.business.add_many_ts(start, amounts)
        if None in found:
            return None
        moments = [_utc(ts) for ts in found]  # type: ignore[arg-type]
        return DueTimes(
            first_answer_due_at=moments[0],
            first_answer_target_at=moments[1],
            resolution_due_at=moments[2] if len(moments) > 2 else None,
            resolution_target_at=moments[3] if len(moments) > 2 else None,
        )


def calendar_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def public_holidays(country: str, subdivision: str = "") -> holidays.HolidayBase | None:
    """The `holidays` package's calendar of a country (and region), or None."""
    if not country:
        return None
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None)
    except (NotImplementedError, KeyError):
        return None


def business_time(calendar, closed_days: set[dt.date]) -> BusinessTime:
    """A BusinessCalendar row (or an unsaved default one) as BusinessTime."""
    national = public_holidays(calendar.holiday_country, calendar.holiday_subdivision)

    def closed(day: dt.date) -> bool:
        return day in closed_days or (national is not None and day in national)

    weekly = tuple(tuple((a, b) for a, b in day) for day in calendar.hours)
    return BusinessTime(zone=calendar_zone(calendar.time_zone), weekly=weekly, closed=closed)


def book_load() -> PromiseBook:
    """Read the calendar, closed days, promises and tiers (four queries)."""
    from motivo.customers.models import CustomerTier
    from motivo.promises.models import BusinessCalendar, ClosedDay, Promise

    calendar = BusinessCalendar.objects.order_by("pk").first() or BusinessCalendar()
    closed = set(ClosedDay.objects.values_list("day", flat=True))
    terms = {
        (p.tier_id, p.channel): Terms(
            promise_id=p.pk,
            first_answer=p.first_answer_minutes,
            first_answer_target=p.first_answer_target_minutes,
            resolution=p.resolution_minutes,
            resolution_target=p.resolution_target_minutes,
        )
        for p in Promise.objects.all()
    }
    return PromiseBook(
        revision=calendar.revision,
        business=business_time(calendar, closed),
        terms=terms,
        tiers=tuple(CustomerTier.objects.values_list("pk", "name")),
    )


_lock = threading.Lock()
_state: dict[str, object] = {"book": None, "checked": 0.0}


def promise_book() -> PromiseBook:
    """The promises in force (see the module's docstring)."""
    book: PromiseBook | None = _state["book"]  # type: ignore[assignment]
    now = time.monotonic()
    if book is not None and now - _state["checked"] < CHECK_SECONDS:  # type: ignore[operator]
        return book
    with _lock:
        book = _state["book"]  # type: ignore[assignment]
        published = None
        if book is not None:
            _state["checked"] = now
            published = cache.get(CACHE_KEY)
            if published is None:
                # Never published, or evicted: publish ours. Should it be stale, a process
                # holding a newer revision will not match it and publish its own below.
                cache.add(CACHE_KEY, book.revision, None)
                return book
            if published == book.revision:
                return book
        book = book_load()
        if published is not None and book.revision > published:
            cache.set(CACHE_KEY, book.revision, None)  # heal a lost publication
        _state["book"], _state["checked"] = book, now
        return book


def promise_book_clear() -> None:
    """Forget this process's copy (the next use reads the database again)."""
    _state["book"] = None


def promise_book_publish(revision: int) -> None:
    """Tell every process that the promises changed (after commit)."""
    cache.set(CACHE_KEY, revision, None)
    promise_book_clear()
