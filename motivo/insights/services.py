"""Writes to the roll-ups. Called inside the transaction that changes the contacts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.core.errors import DomainError
from motivo.core.fastsql import execute
from motivo.insights.models import BusinessVolume, ReasonDayCount, VolumeKind
from motivo.insights.selectors import week_start


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def reason_count_add(
    *, reason_id: int, channel: str, day: dt.date, delta: int, repeats: int = 0
) -> None:
    """Add `delta` contacts, of which `repeats` repeats (insights.repeats), to the
    (day, reason, channel) counter, creating it if needed."""
    table = connection.ops.quote_name(ReasonDayCount._meta.db_table)
    execute(
        f"INSERT INTO {table} (day, reason_id, channel, count, repeats)"  # noqa: S608
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (day, reason_id, channel) DO UPDATE"
        f" SET count = {table}.count + excluded.count,"
        f" repeats = {table}.repeats + excluded.repeats",
        (connection.ops.adapt_datefield_value(day), reason_id, channel, delta, repeats),
    )


# --- Business volumes (the X of contacts per X) ---------------------------------------------

KIND_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_VALUE = Decimal("99999999999999")  # fits DecimalField(max_digits=18, decimal_places=4)
MAX_ITEMS = 10_000


@dataclass(frozen=True)
class VolumeInput:
    """One value sent by the company: `kind` is a slug (orders, active_customers, …),
    `date` the day, or any day of the ISO week for weekly kinds."""

    kind: str
    date: dt.date
    value: Decimal
    period: str | None = None  # "day" or "week"; only needed to create a weekly kind
    label: str | None = None


@dataclass(frozen=True)
class VolumeUpsertResult:
    created: int
    updated: int
    kinds_created: tuple[str, ...]


def _value(raw: Decimal | int | float | str, field: str) -> Decimal:
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation:
        raise DomainError(_("Not a number."), field=field) from None
    if not value.is_finite():
        raise DomainError(_("Not a number."), field=field)
    if value < 0:
        raise DomainError(_("A volume cannot be negative."), field=field)
    if value > MAX_VALUE:
        raise DomainError(_("The value is too large."), field=field)
    if -value.as_tuple().exponent > 4:  # type: ignore[operator]
        raise DomainError(_("Use at most 4 decimal places."), field=field)
    return value


@transaction.atomic
def volumes_upsert(*, items: Sequence[VolumeInput]) -> VolumeUpsertResult:
    """Store business volumes: one value per kind and day (or ISO week, stored under its
    Monday), replacing the value already stored for that kind and date, so sending the same
    list again changes nothing. An unknown kind is created (daily unless `period` says
    "week"), with `label` when given. Everything is checked first: one bad item refuses the
    whole list, naming the item's field as `<index>.<field>`."""
    if len(items) > MAX_ITEMS:
        raise DomainError(
            _("Send at most %(n)s values at a time.") % {"n": f"{MAX_ITEMS:,}"}, field=None
        )
    slugs = {item.kind.strip().lower() for item in items if isinstance(item.kind, str)}
    kinds = {kind.slug: kind for kind in VolumeKind.objects.filter(slug__in=slugs)}
    new_kinds: dict[str, VolumeKind] = {}
    values: dict[tuple[str, dt.date], Decimal] = {}
    for index, item in enumerate(items):
        slug = item.kind.strip().lower() if isinstance(item.kind, str) else ""
        if not KIND_PATTERN.match(slug):
            raise DomainError(
                _(
                    "Name the kind with lowercase letters, digits, '-' or '_' "
                    "(e.g. orders, active_customers)."
                ),
                field=f"{index}.kind",
            )
        period = (item.period or "").strip().lower() or None
        if period is not None and period not in VolumeKind.Period.values:
            raise DomainError(_("The period is 'day' or 'week'."), field=f"{index}.period")
        label = (item.label or "").strip()
        if len(label) > 100:
            raise DomainError(_("The label is too long."), field=f"{index}.label")
        kind = kinds.get(slug) or new_kinds.get(slug)
        if kind is None:
            kind = VolumeKind(slug=slug, label=label, period=period or VolumeKind.Period.DAY)
            new_kinds[slug] = kind
        elif period is not None and period != kind.period:
            raise DomainError(
                _("%(kind)s values are given per %(period)s.")
                % {"kind": slug, "period": kind.get_period_display().lower()},
                field=f"{index}.period",
            )
        elif label and label != kind.label:
            kind.label = label
            if kind.pk:
                kind.save(update_fields=["label"])
        if not isinstance(item.date, dt.date) or isinstance(item.date, dt.datetime):
            raise DomainError(_("Give the date as YYYY-MM-DD."), field=f"{index}.date")
        day = week_start(item.date) if kind.period == VolumeKind.Period.WEEK else item.date
        values[(slug, day)] = _value(item.value, f"{index}.value")
    for kind in new_kinds.values():
        kind.save()
        kinds[kind.slug] = kind
    by_kind: dict[int, dict[dt.date, Decimal]] = {}
    for (slug, day), value in values.items():
        by_kind.setdefault(kinds[slug].pk, {})[day] = value
    created = updated = 0
    now = timezone.now()
    for kind_id, days in by_kind.items():
        existing = {
            row.date: row
            for row in BusinessVolume.objects.filter(kind_id=kind_id, date__in=list(days))
        }
        changed = []
        for day, value in days.items():
            row = existing.get(day)
            if row is not None and row.value != value:
                row.value, row.updated_at = value, now
                changed.append(row)
        BusinessVolume.objects.bulk_update(changed, ["value", "updated_at"], batch_size=500)
        BusinessVolume.objects.bulk_create(
            [
                BusinessVolume(kind_id=kind_id, date=day, value=value)
                for day, value in days.items()
                if day not in existing
            ],
            batch_size=500,
        )
        created += len(days) - len(existing)
        updated += len(changed)
    return VolumeUpsertResult(
        created=created, updated=updated, kinds_created=tuple(sorted(new_kinds))
    )
