"""The council's figures: baselines, progress of targets, effect of improvements and the
recognition board. Every figure is read through motivo.insights.selectors (the daily
roll-up and the business volumes), never by counting contacts here.

Weeks are ISO weeks, Monday to Sunday, in local days (settings.TIME_ZONE). A week is *full*
once it has ended: on any day, the most recent full week is the one that ended on the Sunday
before the current week. docs/council.md states every definition below in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from motivo.council.models import Improvement, Metric, Target, TargetReason
from motivo.insights import selectors as figures

BASELINE_WEEKS = 8  # the baseline (and the "current" value) is a weekly average over 8 weeks
EFFECT_DAYS = 28  # an improvement's effect compares 4 weeks before with 4 weeks after
SPARK_WEEKS = 12
DAY = dt.timedelta(days=1)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Window:
    """Local days date_from..date_to, both inclusive."""

    date_from: dt.date
    date_to: dt.date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def weeks(self) -> int:
        return self.days // 7


def full_weeks_before(day: dt.date, weeks: int = BASELINE_WEEKS) -> Window:
    """The `weeks` full weeks that ended before the week holding `day`."""
    end = figures.week_start(day) - DAY
    return Window(end - dt.timedelta(weeks=weeks) + DAY, end)


@dataclass(frozen=True)
class Measurement:
    contacts: int
    volume: Decimal | None
    value: Decimal | None  # contacts per week, or contacts per unit of volume


def measure(
    *, reason_ids: Collection[int], window: Window, metric: str, volume_kind: str | None
) -> Measurement:
    """Contacts of the reasons in the window and the metric's value: the weekly average for
    `contacts`, contacts ÷ volume for `cpx` (None when the volume is missing or zero)."""
    contacts = figures.contacts_count(
        reason_ids=reason_ids, date_from=window.date_from, date_to=window.date_to
    )
    if metric == Metric.CPX:
        volume = figures.volume_total(
            kind=volume_kind or "", date_from=window.date_from, date_to=window.date_to
        )
        value = Decimal(contacts) / volume if volume else None
        return Measurement(contacts, volume, value)
    return Measurement(contacts, None, Decimal(contacts) / window.weeks)


# ------------------------------------------------------------------------------------------
# Targets
# ------------------------------------------------------------------------------------------


class TargetState:
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    OFF_TRACK = "off_track"
    MISSED = "missed"
    NO_VOLUME = "no_volume"


@dataclass(frozen=True)
class Progress:
    target: Target
    as_of: dt.date
    window: Window  # the current window: as many full weeks as the baseline, most recent
    current: Measurement
    baseline_value: Decimal | None
    goal_value: Decimal | None
    expected_value: Decimal | None  # where the linear target line is at window.date_to
    elapsed: Decimal  # share of the way from set_on to due_on at window.date_to, 0..1
    state: str

    @property
    def change_pct(self) -> Decimal | None:
        """Change of the current value against the baseline, in %."""
        base, now = self.baseline_value, self.current.value
        if base is None or now is None or base == 0:
            return None
        return (now - base) / base * 100

    @property
    def elapsed_pct(self) -> Decimal:
        return self.elapsed * 100

    @property
    def reached_pct(self) -> Decimal | None:
        """How much of the asked change is done already (0 at the baseline, 100 at the goal),
        clamped to 0..100 for drawing."""
        base, goal, now = self.baseline_value, self.goal_value, self.current.value
        if base is None or goal is None or now is None or goal == base:
            return None
        return min(max((now - base) / (goal - base) * 100, ZERO), Decimal(100))


def target_as_of(target: Target, today: dt.date) -> dt.date:
    """A closed target is measured as it stood on its closing day."""
    return target.closed_on if target.closed_on else today


def expected_on(target: Target, day: dt.date) -> tuple[Decimal | None, Decimal]:
    """The target line: a straight line from the baseline on set_on to the goal on due_on,
    flat before and after. Returns (value on `day`, elapsed share 0..1)."""
    total = (target.due_on - target.set_on).days
    elapsed = Decimal(min(max((day - target.set_on).days, 0), total)) / total
    base, goal = target.baseline_value, target.goal_value
    if base is None or goal is None:
        return None, elapsed
    return base + (goal - base) * elapsed, elapsed


def target_progress(target: Target, *, today: dt.date, reason_ids: Collection[int]) -> Progress:
    """The target's current value (the `baseline_weeks` most recent full weeks before
    `as_of`) against its stored baseline, goal and target line."""
    as_of = target_as_of(target, today)
    window = full_weeks_before(as_of, target.baseline_weeks)
    slug = target.volume_kind.slug if target.volume_kind_id else None
    current = measure(reason_ids=reason_ids, window=window, metric=target.metric, volume_kind=slug)
    expected, elapsed = expected_on(target, window.date_to)
    base, goal = target.baseline_value, target.goal_value
    state = _state(target, current.value, expected, goal, as_of)
    return Progress(target, as_of, window, current, base, goal, expected, elapsed, state)


def _state(
    target: Target,
    now: Decimal | None,
    expected: Decimal | None,
    goal: Decimal | None,
    as_of: dt.date,
) -> str:
    if now is None or expected is None or goal is None:
        return TargetState.NO_VOLUME
    down = target.change_pct < 0
    if (now <= goal) if down else (now >= goal):
        return TargetState.ACHIEVED
    if as_of > target.due_on:
        return TargetState.MISSED
    if (now <= expected) if down else (now >= expected):
        return TargetState.ON_TRACK
    return TargetState.OFF_TRACK


# ------------------------------------------------------------------------------------------
# Recognition
# ------------------------------------------------------------------------------------------


def weeks_since_set(target: Target, today: dt.date) -> Window | None:
    """The full weeks that began on or after the day the target was set and ended before
    `as_of` (today, or the closing day). None when no such week has ended yet."""
    first = figures.week_start(target.set_on)
    if first < target.set_on:
        first += dt.timedelta(weeks=1)
    end = figures.week_start(target_as_of(target, today)) - DAY
    return Window(first, end) if end >= first else None


@dataclass
class ReasonCredit:
    reason_id: int
    name: str
    target_id: int
    weeks: int
    baseline_weekly: Decimal
    contacts: int
    avoided: Decimal


@dataclass
class RecognitionRow:
    key: str  # "user:<id>" or "department:<id>"
    name: str
    is_person: bool
    avoided: Decimal = ZERO
    credits: list[ReasonCredit] = field(default_factory=list)
    rank: int = 0

    @property
    def avoided_rounded(self) -> int:
        return int(self.avoided.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def recognition_board(*, today: dt.date, links: Iterable[TargetReason]) -> list[RecognitionRow]:
    """Owners ranked by the contacts their reasons no longer cause.

    For each reason of each target: avoided = max(0, baseline weekly contacts × W − contacts
    of the reason in those W weeks), where W is the number of full weeks since the target was
    set (`weeks_since_set`) and the baseline weekly contacts is the reason's baseline (stored
    when the target was set) ÷ the baseline weeks. A reason's credit goes to its owner person,
    or to its department when it has no named owner. Ranked by avoided contacts, then name.

    `links` must come with target, reason, reason.owner_person and reason.owner loaded. One
    roll-up query per distinct window (targets set in the same week share one)."""
    counts: dict[Window, dict[int, int]] = {}
    rows: dict[str, RecognitionRow] = {}
    for link in links:
        reason = link.reason
        if reason.owner_person_id:
            person = reason.owner_person
            key, name, is_person = f"user:{person.pk}", person.display_name, True
        elif reason.owner_id:
            key, name, is_person = f"department:{reason.owner_id}", reason.owner.name, False
        else:
            continue
        row = rows.setdefault(key, RecognitionRow(key=key, name=name, is_person=is_person))
        target = link.target
        baseline_weekly = Decimal(link.baseline_contacts) / target.baseline_weeks
        window = weeks_since_set(target, today)
        if window is None:
            weeks, contacts, avoided = 0, 0, ZERO
        else:
            if window not in counts:
                counts[window] = figures.reason_contact_counts(
                    date_from=window.date_from, date_to=window.date_to
                )
            weeks, contacts = window.weeks, counts[window].get(reason.pk, 0)
            avoided = max(baseline_weekly * weeks - contacts, ZERO)
        row.avoided += avoided
        row.credits.append(
            ReasonCredit(
                reason.pk, reason.name, target.pk, weeks, baseline_weekly, contacts, avoided
            )
        )
    ranked = sorted(rows.values(), key=lambda row: (-row.avoided, row.name.casefold(), row.key))
    for index, row in enumerate(ranked, start=1):
        row.rank = index
    return ranked


# ------------------------------------------------------------------------------------------
# Improvements
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    done_on: dt.date
    before: Window
    after: Window
    ready_on: dt.date  # the first day the after-window is complete
    ready: bool
    before_contacts: int | None = None
    after_contacts: int | None = None
    volume_kind: str | None = None  # slug, when the rate is per unit of volume
    volume_missing: bool = False  # a volume was chosen but is missing for a window
    before_volume: Decimal | None = None
    after_volume: Decimal | None = None

    @property
    def per_volume(self) -> bool:
        return self.volume_kind is not None

    @property
    def before_value(self) -> Decimal | None:
        return self._value(self.before_contacts, self.before_volume)

    @property
    def after_value(self) -> Decimal | None:
        return self._value(self.after_contacts, self.after_volume)

    def _value(self, contacts: int | None, volume: Decimal | None) -> Decimal | None:
        if contacts is None:
            return None
        if self.per_volume:
            return Decimal(contacts) / volume if volume else None
        return Decimal(contacts)

    @property
    def change_pct(self) -> Decimal | None:
        before, after = self.before_value, self.after_value
        if before is None or after is None or before == 0:
            return None
        return (after - before) / before * 100


def effect_windows(done_on: dt.date) -> tuple[Window, Window, dt.date]:
    """The 28 days before the done day and the 28 days after it (the done day itself is in
    neither), and the day the effect is ready: the day after the after-window ends."""
    before = Window(done_on - dt.timedelta(days=EFFECT_DAYS), done_on - DAY)
    after = Window(done_on + DAY, done_on + dt.timedelta(days=EFFECT_DAYS))
    return before, after, after.date_to + DAY


def improvement_effect(
    improvement: Improvement, *, today: dt.date, reason_ids: Collection[int]
) -> Effect | None:
    """The contact rate of the improvement's reasons before and after it was done; None
    unless it is done. Until the after-window has passed, only the dates (`ready` False).
    With a chosen volume that has values for both windows the rate is contacts per unit of
    volume; otherwise raw contacts (`volume_missing` tells a chosen volume was missing)."""
    if improvement.status != Improvement.Status.DONE or improvement.done_on is None:
        return None
    before, after, ready_on = effect_windows(improvement.done_on)
    if today < ready_on:
        return Effect(improvement.done_on, before, after, ready_on, ready=False)
    counts = [
        figures.contacts_count(reason_ids=reason_ids, date_from=w.date_from, date_to=w.date_to)
        for w in (before, after)
    ]
    slug = improvement.volume_kind.slug if improvement.volume_kind_id else None
    volumes: list[Decimal | None] = [None, None]
    if slug:
        volumes = [
            figures.volume_total(kind=slug, date_from=w.date_from, date_to=w.date_to)
            for w in (before, after)
        ]
    usable = slug is not None and all(volumes)
    return Effect(
        improvement.done_on,
        before,
        after,
        ready_on,
        ready=True,
        before_contacts=counts[0],
        after_contacts=counts[1],
        volume_kind=slug if usable else None,
        volume_missing=slug is not None and not usable,
        before_volume=volumes[0] if usable else None,
        after_volume=volumes[1] if usable else None,
    )


def spark_weeks(today: dt.date) -> dt.date:
    """The last day of the most recent full week: sparklines end there."""
    return figures.week_start(today) - DAY
