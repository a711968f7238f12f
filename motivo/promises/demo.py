"""The demo's promises: tiers, a Spanish calendar, promises, and the bulk writer's part.

`promises_demo_seed` (called by motivo.demo.seed before the cases are written) creates the
Standard and Premium tiers, business hours Monday to Friday 09:00–18:00 in Europe/Madrid
with the public holidays of Spain (Madrid), and the promises below, through the services,
when there are none yet. `BulkPromises` gives the bulk writer (motivo.demo.bulk) what the
services would have written: each customer's tier, each case's due times, and the
PromiseDayCount increments for its first answer and first resolution.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from motivo.customers.models import CustomerTier
from motivo.promises import services
from motivo.promises.book import book_load
from motivo.promises.models import COUNTERS, Promise

HOUR = 60  # minutes
DAY = 9 * HOUR  # one business day of the demo's 09:00–18:00 calendar
OFFICE = [[(540, 1080)]] * 5 + [[], []]
PREMIUM_EVERY = 8  # one customer in eight is Premium
STANDARD, PREMIUM = "Standard", "Premium"

# (tier, channel, first answer, internal target, resolution, internal target) in minutes.
PROMISES = (
    (None, "", DAY, 4 * HOUR, 5 * DAY, 3 * DAY),
    (None, "chat", 15, 5, None, None),
    (None, "phone", 2 * HOUR, 30, 5 * DAY, 3 * DAY),
    (PREMIUM, "", 4 * HOUR, 2 * HOUR, 3 * DAY, 2 * DAY),
    (PREMIUM, "chat", 10, 3, None, None),
)


def promises_demo_seed() -> None:
    """Tiers, the calendar and the promises, where there are no promises yet."""
    if Promise.objects.exists():
        return
    tiers = {t.name: t for t in CustomerTier.objects.all()}
    for position, name in enumerate((PREMIUM, STANDARD)):
        if name not in tiers:
            tiers[name] = services.tier_save(name=name, position=position)
    services.calendar_save(
        time_zone="Europe/Madrid", hours=OFFICE, holiday_country="ES", holiday_subdivision="MD"
    )
    for tier, channel, answer, answer_target, resolution, resolution_target in PROMISES:
        services.promise_save(
            tier=tiers[tier] if tier else None,
            channel=channel,
            first_answer_minutes=answer,
            first_answer_target_minutes=answer_target,
            resolution_minutes=resolution,
            resolution_target_minutes=resolution_target,
        )


def _aware(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


class BulkPromises:
    """The promises in force when the bulk load starts, for the bulk writer."""

    def __init__(self) -> None:
        self.book = book_load()
        names = dict(CustomerTier.objects.values_list("name", "pk"))
        self.premium = names.get(PREMIUM)
        self.standard = names.get(STANDARD)
        self.rollup: Counter[tuple[Any, ...]] = Counter()

    def tier_of(self, customer_id: int) -> int | None:
        """The demo's tier of a customer: one in PREMIUM_EVERY is Premium."""
        if customer_id % PREMIUM_EVERY == 0 and self.premium:
            return self.premium
        return self.standard

    def case(
        self,
        *,
        customer_id: int,
        channel: str,
        team_id: int | None,
        day: dt.date,
        created_ts: int,
        first_reply_ts: int | None,
        resolved_ts: int | None,
    ) -> tuple[Any, ...]:
        """(tier_id, first_answer_due_at, first_answer_target_at, resolution_due_at,
        resolution_target_at, promise_ends_at, first_resolved_at) as Unix timestamps (the
        writer adapts them), and the case's counters added to the roll-up increments."""
        tier_id = self.tier_of(customer_id)
        terms = self.book.terms_for(tier_id=tier_id, channel=channel)
        due = self.book.due_times_for(terms, created_ts) if terms is not None else None
        if due is None:
            return (tier_id, None, None, None, None, None, resolved_ts)
        counts = services.promise_counts(
            first_answer_due_at=due.first_answer_due_at,
            first_answer_target_at=due.first_answer_target_at,
            resolution_due_at=due.resolution_due_at,
            resolution_target_at=due.resolution_target_at,
            first_reply_at=_aware(first_reply_ts),
            first_resolved_at=_aware(resolved_ts),
        )
        key = (day, channel, tier_id or 0, team_id or 0)
        for index, name in enumerate(COUNTERS):
            if counts[name]:  # type: ignore[index]
                self.rollup[(*key, index)] += counts[name]  # type: ignore[index]

        def ts(moment: dt.datetime | None) -> int | None:
            return None if moment is None else int(moment.timestamp())

        return (
            tier_id,
            ts(due.first_answer_due_at),
            ts(due.first_answer_target_at),
            ts(due.resolution_due_at),
            ts(due.resolution_target_at),
            ts(due.promise_ends_at),
            resolved_ts,
        )

    def flush(self, cursor: Any, day: Any) -> None:
        """Add the collected increments to PromiseDayCount (one upsert per row) and start
        over; `day` adapts a date for the database."""
        rows: dict[tuple, list[int]] = {}
        for (*key, index), value in self.rollup.items():
            rows.setdefault(tuple(key), [0] * len(COUNTERS))[index] += value
        self.rollup.clear()
        if rows:
            cursor.executemany(
                services._upsert_sql(),
                [(day(key[0]), *key[1:], *values) for key, values in sorted(rows.items())],
            )
