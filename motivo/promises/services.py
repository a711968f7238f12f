"""Writes of the promises app: the business calendar, closed days, customer tiers and
promises (every change bumps the calendar's revision so that server processes reload them,
see promises.book), and the PromiseDayCount roll-up, kept exactly in the transaction that
changes a case.

The roll-up is maintained by difference: `promise_snapshot(case)` before a change,
`promise_update(case=…, before=…)` after it. Each case contributes its key (local day of
opening, channel, tier at opening, current team) and counters that depend only on its stored
times, never on the clock; so moving a case to another team, answering it, resolving it or
merging it away is the same subtraction and addition.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

import holidays
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.cases.models import Case
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.core.fastsql import execute
from motivo.customers.models import Customer, CustomerTier
from motivo.promises.book import DueTimes, promise_book, promise_book_clear, promise_book_publish
from motivo.promises.businesstime import MINUTES_PER_DAY
from motivo.promises.models import (
    COUNTERS,
    BusinessCalendar,
    ClosedDay,
    Promise,
    PromiseDayCount,
)

Key = tuple[dt.date, str, int, int]
Snapshot = tuple[Key, dict[str, int]] | None

# ------------------------------------------------------------------------------------------
# Due times and the roll-up
# ------------------------------------------------------------------------------------------


def promise_due_times(*, tier_id: int | None, channel: str, at: dt.datetime) -> DueTimes | None:
    """The due times for a case opened at `at` (in-process, no query)."""
    return promise_book().due_times(tier_id=tier_id, channel=channel, at=at)


def case_promise_fields(due: DueTimes | None) -> dict[str, dt.datetime | None]:
    """The Case fields that hold `due`."""
    if due is None:
        return {}
    return {
        "first_answer_due_at": due.first_answer_due_at,
        "first_answer_target_at": due.first_answer_target_at,
        "resolution_due_at": due.resolution_due_at,
        "resolution_target_at": due.resolution_target_at,
        "promise_ends_at": due.promise_ends_at,
    }


def _within(moment: dt.datetime | None, limit: dt.datetime | None) -> bool:
    return moment is not None and limit is not None and moment <= limit


def promise_counts(
    *,
    first_answer_due_at: dt.datetime | None,
    first_answer_target_at: dt.datetime | None,
    resolution_due_at: dt.datetime | None,
    resolution_target_at: dt.datetime | None,
    first_reply_at: dt.datetime | None,
    first_resolved_at: dt.datetime | None,
) -> dict[str, int] | None:
    """A case's counters in the roll-up (None: no promise). A time equal to its due time
    is in time."""
    if first_answer_due_at is None:
        return None
    answer_kept = _within(first_reply_at, first_answer_due_at)
    answer_delighted = _within(first_reply_at, first_answer_target_at)
    promised = resolution_due_at is not None
    resolution_kept = _within(first_resolved_at, resolution_due_at)
    resolution_delighted = _within(first_resolved_at, resolution_target_at)
    return {
        "cases": 1,
        "answered": int(first_reply_at is not None),
        "answer_kept": int(answer_kept),
        "answer_delighted": int(answer_delighted),
        "resolution_cases": int(promised),
        "resolved": int(promised and first_resolved_at is not None),
        "resolution_kept": int(resolution_kept),
        "resolution_delighted": int(resolution_delighted),
        "kept": int(answer_kept and (not promised or resolution_kept)),
        "delighted": int(answer_delighted and (not promised or resolution_delighted)),
    }


def promise_snapshot(case: Case) -> Snapshot:
    """What `case` contributes to the roll-up now (None: nothing)."""
    if case.first_answer_due_at is None or case.merged_into_id is not None:
        return None
    counts = promise_counts(
        first_answer_due_at=case.first_answer_due_at,
        first_answer_target_at=case.first_answer_target_at,
        resolution_due_at=case.resolution_due_at,
        resolution_target_at=case.resolution_target_at,
        first_reply_at=case.first_reply_at,
        first_resolved_at=case.first_resolved_at,
    )
    key = (
        timezone.localtime(case.created_at).date(),
        case.channel,
        case.tier_id or 0,
        case.team_id or 0,
    )
    return key, counts  # type: ignore[return-value]


PROMISE_FIELDS = (
    "created_at", "channel", "tier_id", "team_id", "merged_into_id", "first_answer_due_at",
    "first_answer_target_at", "resolution_due_at", "resolution_target_at", "promise_ends_at",
    "first_reply_at", "first_resolved_at",
)  # fmt: skip


def promise_lock(case: Case) -> Snapshot:
    """`promise_snapshot` of the case as stored, its row locked for the rest of the
    transaction: the fields the roll-up depends on are read again into `case`, so a change
    made from a stale copy (two replies at once, a page open for a while) still moves the
    right counts. Nothing to read for a case without a promise (no query)."""
    if case.first_answer_due_at is None:
        return None
    fresh = Case.objects.select_for_update().filter(pk=case.pk).values(*PROMISE_FIELDS).first()
    if fresh is not None:
        for name, value in fresh.items():
            setattr(case, name, value)
    return promise_snapshot(case)


def _upsert_sql() -> str:
    quote = connection.ops.quote_name
    table = quote(PromiseDayCount._meta.db_table)
    keys = ("day", "channel", "tier_key", "team_key")
    columns = ", ".join(quote(c) for c in (*keys, *COUNTERS))
    marks = ", ".join(["%s"] * (len(keys) + len(COUNTERS)))
    updates = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in COUNTERS)
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 - model metadata
        f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {updates}"
    )


_SQL: dict[str, str] = {}


def rollup_add(key: Key, counts: dict[str, int], sign: int = 1) -> None:
    """Add `counts` (times `sign`) to the row of `key`, creating it: one statement."""
    sql = _SQL.get(connection.vendor)
    if sql is None:
        sql = _SQL[connection.vendor] = _upsert_sql()
    day, channel, tier_key, team_key = key
    values = [sign * counts.get(name, 0) for name in COUNTERS]
    execute(sql, [connection.ops.adapt_datefield_value(day), channel, tier_key, team_key, *values])


def promise_update(*, case: Case, before: Snapshot) -> None:
    """Move the case's contribution from `before` (its snapshot before a change) to what it
    is now."""
    after = promise_snapshot(case)
    if before == after:
        return
    if before is not None and after is not None and before[0] == after[0]:
        diff = {name: after[1][name] - before[1][name] for name in COUNTERS}
        if any(diff.values()):
            rollup_add(after[0], diff)
        return
    if before is not None:
        rollup_add(before[0], before[1], -1)
    if after is not None:
        rollup_add(after[0], after[1])


def promise_case_merged(*, source: Case, target: Case) -> list[str]:
    """`source` was merged into `target`: the customer has waited since the earlier of the
    two, and an answer on either reached them. The target takes the earlier due times and
    the earlier first answer; returns the fields changed (the caller saves them). The
    source's own contribution is removed by its `promise_update` (a merged case counts
    no more)."""
    changed = []
    for name in (
        "first_answer_due_at",
        "first_answer_target_at",
        "resolution_due_at",
        "resolution_target_at",
        "first_reply_at",
    ):
        theirs, ours = getattr(source, name), getattr(target, name)
        if theirs is not None and (ours is None or theirs < ours):
            setattr(target, name, theirs)
            changed.append(name)
    if changed and target.first_answer_due_at is not None:
        ends = max(
            target.first_answer_due_at, target.resolution_due_at or target.first_answer_due_at
        )
        if target.promise_ends_at != ends:
            target.promise_ends_at = ends
            changed.append("promise_ends_at")
    return changed


def promise_rollup_rebuild() -> int:
    """Recompute the whole roll-up from the cases (after a bulk load written without it, or
    to repair); returns the number of rows written."""
    totals: dict[Key, dict[str, int]] = {}
    fields = (
        "id", "created_at", "channel", "tier_id", "team_id", "merged_into_id",
        "first_answer_due_at", "first_answer_target_at", "resolution_due_at",
        "resolution_target_at", "first_reply_at", "first_resolved_at",
    )  # fmt: skip
    rows = Case.objects.filter(first_answer_due_at__isnull=False, merged_into__isnull=True)
    for row in rows.values(*fields).iterator(chunk_size=5000):
        snapshot = promise_snapshot(Case(**row))
        if snapshot is None:
            continue
        key, counts = snapshot
        bucket = totals.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for name in COUNTERS:
            bucket[name] += counts[name]
    with transaction.atomic():
        PromiseDayCount.objects.all().delete()
        PromiseDayCount.objects.bulk_create(
            [
                PromiseDayCount(
                    day=key[0], channel=key[1], tier_key=key[2], team_key=key[3], **counts
                )
                for key, counts in sorted(totals.items())
            ],
            batch_size=1000,
        )
    return len(totals)


# ------------------------------------------------------------------------------------------
# The calendar, closed days, tiers and promises
# ------------------------------------------------------------------------------------------


def _changed() -> None:
    """Bump the calendar's revision; this process forgets its copy now, every process
    after commit."""
    calendar = BusinessCalendar.objects.order_by("pk").first()
    if calendar is None:
        calendar = BusinessCalendar.objects.create(revision=1)
    else:
        BusinessCalendar.objects.filter(pk=calendar.pk).update(revision=F("revision") + 1)
        calendar.refresh_from_db(fields=["revision"])
    revision = calendar.revision
    promise_book_clear()
    transaction.on_commit(lambda: promise_book_publish(revision))


def calendar_get() -> BusinessCalendar:
    """The calendar (an unsaved default one until it is first saved)."""
    return BusinessCalendar.objects.order_by("pk").first() or BusinessCalendar()


def holiday_countries() -> dict[str, list[str]]:
    """Countries the `holidays` package knows, with their subdivision codes."""
    return {code: list(subdivs) for code, subdivs in holidays.list_supported_countries().items()}


@transaction.atomic
def calendar_save(
    *,
    time_zone: str,
    hours: Sequence[Sequence[tuple[int, int]]],
    holiday_country: str = "",
    holiday_subdivision: str = "",
) -> BusinessCalendar:
    """Set the time zone, the weekly opening hours (seven lists of (start, end) minutes
    after local midnight, Monday first) and whose public holidays close the business."""
    if time_zone not in zoneinfo.available_timezones():
        raise DomainError(_("Unknown time zone."), field="time_zone")
    if len(hours) != 7:
        raise DomainError(_("Give the opening hours of all seven days."), field="hours")
    clean: list[list[list[int]]] = []
    for index, day in enumerate(hours):
        intervals = sorted((int(a), int(b)) for a, b in day)
        last = 0
        for a, b in intervals:
            if not 0 <= a < b <= MINUTES_PER_DAY or a < last:
                raise DomainError(
                    _("Opening hours must be times of the day, in order, not overlapping."),
                    field=f"hours.{index}",
                )
            last = b
        clean.append([[a, b] for a, b in intervals])
    if not any(clean):
        raise DomainError(_("Open on at least one day of the week."), field="hours")
    country = (holiday_country or "").strip().upper()
    subdivision = (holiday_subdivision or "").strip().upper()
    if country:
        known = holiday_countries()
        if country not in known:
            raise DomainError(_("Unknown country for public holidays."), field="holiday_country")
        if subdivision and subdivision not in [s.upper() for s in known[country]]:
            raise DomainError(_("Unknown region of that country."), field="holiday_subdivision")
    elif subdivision:
        raise DomainError(_("Choose the country first."), field="holiday_subdivision")
    calendar = BusinessCalendar.objects.select_for_update().order_by("pk").first()
    calendar = calendar or BusinessCalendar()
    calendar.time_zone = time_zone
    calendar.hours = clean
    calendar.holiday_country = country
    calendar.holiday_subdivision = subdivision
    calendar.save()
    _changed()
    calendar.refresh_from_db()
    return calendar


@transaction.atomic
def closed_day_add(*, day: dt.date, name: str = "") -> ClosedDay:
    """Close the business on `day` (a day already closed gets the new name)."""
    closed, _created = ClosedDay.objects.update_or_create(
        day=day, defaults={"name": (name or "").strip()[:100]}
    )
    _changed()
    return closed


@transaction.atomic
def closed_day_remove(*, closed_day: ClosedDay) -> None:
    closed_day.delete()
    _changed()


@transaction.atomic
def tier_save(*, tier: CustomerTier | None = None, name: str, position: int = 0) -> CustomerTier:
    """Create a customer tier, or rename / reorder `tier`."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the tier a name."), field="name", code="required")
    if len(name) > 60:
        raise DomainError(_("The name is too long."), field="name")
    clash = CustomerTier.objects.filter(name__iexact=name)
    if tier is not None:
        clash = clash.exclude(pk=tier.pk)
    if clash.exists():
        raise DomainError(_("There is already a tier with that name."), field="name")
    tier = tier or CustomerTier()
    tier.name, tier.position = name, max(0, int(position or 0))
    tier.save()
    _changed()
    return tier


@transaction.atomic
def tier_delete(*, tier: CustomerTier) -> None:
    """Delete a tier that no case carries: its customers are left without a tier and its
    promises go with it."""
    try:
        with transaction.atomic():
            Customer.objects.filter(tier=tier).update(tier=None)
            tier.delete()
    except (ProtectedError, IntegrityError):
        raise DomainError(
            _("Cases were opened for customers of this tier: rename it instead."),
            code="in_use",
        ) from None
    _changed()


def _minutes(value: int | None, field: str, *, required: bool) -> int | None:
    if value is None:
        if required:
            raise DomainError(_("Give a duration."), field=field, code="required")
        return None
    if value <= 0:
        raise DomainError(_("A duration is more than zero."), field=field)
    if value > 366 * MINUTES_PER_DAY:
        raise DomainError(_("The duration is too long."), field=field)
    return int(value)


@transaction.atomic
def promise_save(
    *,
    promise: Promise | None = None,
    tier: CustomerTier | None,
    channel: str,
    first_answer_minutes: int | None,
    first_answer_target_minutes: int | None,
    resolution_minutes: int | None = None,
    resolution_target_minutes: int | None = None,
) -> Promise:
    """Create or change a promise (durations in business minutes). The internal target is
    at most the promise; a resolution promise needs its target too. It applies to cases
    opened from then on: cases already open keep the due times they were given."""
    channel = channel or ""
    if channel and channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    answer = _minutes(first_answer_minutes, "first_answer_minutes", required=True)
    answer_target = _minutes(
        first_answer_target_minutes, "first_answer_target_minutes", required=True
    )
    if answer_target > answer:  # type: ignore[operator]
        raise DomainError(
            _("The internal target must be stricter than (or equal to) the promise."),
            field="first_answer_target_minutes",
        )
    resolution = _minutes(resolution_minutes, "resolution_minutes", required=False)
    resolution_target = _minutes(
        resolution_target_minutes, "resolution_target_minutes", required=resolution is not None
    )
    if resolution is None and resolution_target is not None:
        raise DomainError(
            _("Give the resolution promise for this target."), field="resolution_minutes"
        )
    if resolution is not None and resolution_target > resolution:  # type: ignore[operator]
        raise DomainError(
            _("The internal target must be stricter than (or equal to) the promise."),
            field="resolution_target_minutes",
        )
    clash = Promise.objects.filter(tier=tier, channel=channel)
    if promise is not None:
        clash = clash.exclude(pk=promise.pk)
    if clash.exists():
        raise DomainError(
            _("There is already a promise for that tier and channel: change it instead."),
            field="channel",
            code="duplicate",
        )
    promise = promise or Promise()
    promise.tier = tier
    promise.channel = channel
    promise.first_answer_minutes = answer  # type: ignore[assignment]
    promise.first_answer_target_minutes = answer_target  # type: ignore[assignment]
    promise.resolution_minutes = resolution
    promise.resolution_target_minutes = resolution_target
    promise.save()
    _changed()
    return promise


@transaction.atomic
def promise_delete(*, promise: Promise) -> None:
    promise.delete()
    _changed()
