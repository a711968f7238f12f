"""Reads of the promises app: the promise rates by channel, tier and team (from the
PromiseDayCount roll-up plus the few cases whose promise is still running), the cases behind
each figure, and what the settings page shows.

Pending or breached (docs/promises.md): a case whose first answer (or promised resolution)
has not come yet is *pending* while its due time is in the future and counts in no rate; the
moment the due time passes it is *breached* (not kept), and stays so even when answered later.
Rates are over the decided cases: kept ÷ (cases − pending). The delight rate does the same
with the internal targets, so a case can be decided for delight (target passed) and still
pending for the promise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from django.db.models import Count, F, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import Team, User
from motivo.cases.models import Case
from motivo.core.choices import Channel
from motivo.customers.models import CustomerTier
from motivo.insights.selectors import local_day_bounds
from motivo.promises.models import COUNTERS, ClosedDay, Promise, PromiseDayCount

NONE_KEY = 0  # tier_key / team_key of cases without a tier / team

# --- what is pending, kept, breached (Q objects over Case, for a moment `now`) --------------


def _answer_pending(now: dt.datetime, target: bool = False) -> Q:
    due = "first_answer_target_at" if target else "first_answer_due_at"
    return Q(first_reply_at__isnull=True, **{f"{due}__gt": now})


def _resolution_pending(now: dt.datetime, target: bool = False) -> Q:
    due = "resolution_target_at" if target else "resolution_due_at"
    return Q(first_resolved_at__isnull=True, **{f"{due}__gt": now})


def _answer_in_time(target: bool = False) -> Q:
    due = "first_answer_target_at" if target else "first_answer_due_at"
    return Q(first_reply_at__lte=F(due))


def _resolution_in_time(target: bool = False) -> Q:
    due = "resolution_target_at" if target else "resolution_due_at"
    return Q(resolution_due_at__isnull=True) | Q(first_resolved_at__lte=F(due))


def pending_q(now: dt.datetime, *, target: bool = False) -> Q:
    """Not decided yet: nothing late so far, and something still within its due time."""
    return (
        (_answer_pending(now, target) | _resolution_pending(now, target))
        & (_answer_in_time(target) | _answer_pending(now, target))
        & (_resolution_in_time(target) | _resolution_pending(now, target))
    )


def kept_q(*, target: bool = False) -> Q:
    return _answer_in_time(target) & _resolution_in_time(target)


def breached_q(now: dt.datetime, *, target: bool = False) -> Q:
    """Decided and not kept: answered (or resolved) late, or not in time and past due."""
    due = "first_answer_target_at" if target else "first_answer_due_at"
    res_due = "resolution_target_at" if target else "resolution_due_at"
    answer_late = Q(first_reply_at__gt=F(due)) | Q(
        first_reply_at__isnull=True, **{f"{due}__lte": now}
    )
    resolution_late = Q(first_resolved_at__gt=F(res_due)) | Q(
        first_resolved_at__isnull=True, **{f"{res_due}__lte": now}
    )
    return answer_late | resolution_late


# --- figures ---------------------------------------------------------------------------


@dataclass
class Figures:
    """The counts of one group of promised cases, and its rates (None: nothing decided)."""

    key: str
    label: str
    cases: int = 0
    answered: int = 0
    answer_kept: int = 0
    answer_delighted: int = 0
    resolution_cases: int = 0
    resolved: int = 0
    resolution_kept: int = 0
    resolution_delighted: int = 0
    kept: int = 0
    delighted: int = 0
    # Still running at the moment of reading (not in the roll-up: they depend on the clock).
    pending: int = 0
    delight_pending: int = 0
    answer_pending: int = 0
    answer_target_pending: int = 0
    resolution_pending: int = 0
    resolution_target_pending: int = 0

    def add(self, other: dict[str, int]) -> None:
        for name, value in other.items():
            setattr(self, name, getattr(self, name) + (value or 0))

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole > 0 else None

    @property
    def decided(self) -> int:
        return self.cases - self.pending

    @property
    def breached(self) -> int:
        return self.decided - self.kept

    @property
    def kept_rate(self) -> float | None:
        return self._rate(self.kept, self.decided)

    @property
    def delight_decided(self) -> int:
        return self.cases - self.delight_pending

    @property
    def delight_rate(self) -> float | None:
        return self._rate(self.delighted, self.delight_decided)

    @property
    def answer_kept_rate(self) -> float | None:
        return self._rate(self.answer_kept, self.cases - self.answer_pending)

    @property
    def answer_delight_rate(self) -> float | None:
        return self._rate(self.answer_delighted, self.cases - self.answer_target_pending)

    @property
    def resolution_kept_rate(self) -> float | None:
        return self._rate(self.resolution_kept, self.resolution_cases - self.resolution_pending)

    @property
    def resolution_delight_rate(self) -> float | None:
        return self._rate(
            self.resolution_delighted, self.resolution_cases - self.resolution_target_pending
        )

    def pct(self, name: str) -> float | None:
        value = getattr(self, name)
        return None if value is None else value * 100

    @property
    def kept_pct(self) -> float | None:
        return self.pct("kept_rate")

    @property
    def delight_pct(self) -> float | None:
        return self.pct("delight_rate")

    @property
    def answer_kept_pct(self) -> float | None:
        return self.pct("answer_kept_rate")

    @property
    def resolution_kept_pct(self) -> float | None:
        return self.pct("resolution_kept_rate")


COUNT_NAMES = tuple(f.name for f in fields(Figures) if f.name not in ("key", "label"))
PENDING_NAMES = tuple(name for name in COUNT_NAMES if name not in COUNTERS)


@dataclass(frozen=True)
class RateFilters:
    date_from: dt.date
    date_to: dt.date
    channel: str | None = None
    tier: int | None = None  # a tier id, NONE_KEY for customers without one, None: all
    team: int | None = None  # a team id, NONE_KEY for cases without one, None: all


@dataclass
class RateReport:
    filters: RateFilters
    now: dt.datetime
    total: Figures
    channels: list[Figures] = field(default_factory=list)
    tiers: list[Figures] = field(default_factory=list)
    teams: list[Figures] = field(default_factory=list)


def tier_labels() -> dict[int, str]:
    return {NONE_KEY: _("No tier"), **dict(CustomerTier.objects.values_list("pk", "name"))}


def _team_labels(keys: Iterable[int]) -> dict[int, str]:
    wanted = [key for key in keys if key != NONE_KEY]
    names = dict(Team.objects.filter(pk__in=wanted).values_list("pk", "name"))
    return {NONE_KEY: _("No team"), **{key: names.get(key, _("Deleted team")) for key in wanted}}


def _pending_counts(filters: RateFilters, now: dt.datetime) -> list[dict]:
    """The cases of the period whose promise still runs, counted per channel, tier and team:
    read along the partial index of promised cases not yet answered or resolved
    (`case_promise_open`), so only those, opened within the longest promise, are visited
    (all the cases of the last week were 0.4 s a page at 10M contacts)."""
    start, end = local_day_bounds(filters.date_from, filters.date_to)
    qs = Case.objects.filter(
        Q(first_reply_at__isnull=True) | Q(first_resolved_at__isnull=True),
        promise_ends_at__gt=now,
        merged_into__isnull=True,
        created_at__gte=start,
        created_at__lt=end,
    )
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.tier is not None:
        qs = qs.filter(tier_id=filters.tier or None)
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team or None)
    return list(
        qs.values("channel", "tier_id", "team_id")
        .annotate(
            pending=Count("id", filter=pending_q(now)),
            delight_pending=Count("id", filter=pending_q(now, target=True)),
            answer_pending=Count("id", filter=_answer_pending(now)),
            answer_target_pending=Count("id", filter=_answer_pending(now, target=True)),
            resolution_pending=Count("id", filter=_resolution_pending(now)),
            resolution_target_pending=Count("id", filter=_resolution_pending(now, target=True)),
        )
        .order_by()
    )


def promise_rates(*, filters: RateFilters, now: dt.datetime | None = None) -> RateReport:
    """Promise kept and delight rates of the cases opened in the period (local days), in
    total and by channel, tier and team. Two queries over the roll-up and the running
    promises, plus the labels: the cost depends on days, channels, tiers and teams, not on
    the number of cases."""
    now = now or timezone.now()
    rows = PromiseDayCount.objects.filter(day__gte=filters.date_from, day__lte=filters.date_to)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.tier is not None:
        rows = rows.filter(tier_key=filters.tier)
    if filters.team is not None:
        rows = rows.filter(team_key=filters.team)
    groups: list[tuple[str, int, int, dict[str, int]]] = []
    for row in (
        rows.values("channel", "tier_key", "team_key")
        .annotate(**{name: Sum(name) for name in COUNTERS})
        .order_by()
    ):
        counts = {name: row[name] or 0 for name in COUNTERS}
        groups.append((row["channel"], row["tier_key"], row["team_key"], counts))
    for row in _pending_counts(filters, now):
        counts = {name: row[name] for name in PENDING_NAMES}
        groups.append(
            (row["channel"], row["tier_id"] or NONE_KEY, row["team_id"] or NONE_KEY, counts)
        )
    tiers = tier_labels()
    teams = _team_labels({team for _c, _t, team, _n in groups})
    channels = dict(Channel.choices)
    total = Figures(key="total", label=_("All promised cases"))
    by: dict[str, dict[str | int, Figures]] = {"channel": {}, "tier": {}, "team": {}}
    for channel, tier, team, counts in groups:
        total.add(counts)
        for dimension, key, label in (
            ("channel", channel, str(channels.get(channel, channel))),
            ("tier", tier, tiers.get(tier, _("Deleted tier"))),
            ("team", team, teams.get(team, _("Deleted team"))),
        ):
            figures = by[dimension].get(key)
            if figures is None:
                figures = by[dimension][key] = Figures(key=str(key), label=label)
            figures.add(counts)

    def ordered(items: dict, order: list) -> list[Figures]:
        rank = {key: index for index, key in enumerate(order)}
        return sorted(
            (f for f in items.values() if f.cases),
            key=lambda f: (rank.get(_key(f.key), len(rank)), f.label),
        )

    return RateReport(
        filters=filters,
        now=now,
        total=total,
        channels=ordered(by["channel"], list(Channel.values)),
        tiers=ordered(by["tier"], [*(k for k in tiers if k != NONE_KEY), NONE_KEY]),
        teams=ordered(by["team"], []),
    )


def _key(value: str) -> str | int:
    return int(value) if value.lstrip("-").isdigit() else value


# --- the cases behind a figure ---------------------------------------------------------

OUTCOMES = ("all", "kept", "breached", "pending", "delighted", "not_delighted")
CASE_PAGE_SIZE = 50
CURSOR_FORMAT = "%Y%m%d%H%M%S%f"


@dataclass(frozen=True)
class CasePage:
    items: list[Case]
    next_cursor: str | None


def outcome_q(outcome: str, now: dt.datetime) -> Q:
    if outcome == "kept":
        return kept_q()
    if outcome == "breached":
        return breached_q(now)
    if outcome == "pending":
        return pending_q(now)
    if outcome == "delighted":
        return kept_q(target=True)
    if outcome == "not_delighted":
        return breached_q(now, target=True)
    return Q()


def promise_case_page(
    *,
    filters: RateFilters,
    outcome: str = "all",
    now: dt.datetime | None = None,
    before: str | None = None,
    size: int = CASE_PAGE_SIZE,
) -> CasePage:
    """One page of the promised cases behind a figure, newest first, read along the
    partial (created_at, id) index of promised cases, one row more than a page."""
    now = now or timezone.now()
    start, end = local_day_bounds(filters.date_from, filters.date_to)
    qs = Case.objects.filter(
        first_answer_due_at__isnull=False,
        merged_into__isnull=True,
        created_at__gte=start,
        created_at__lt=end,
    )
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.tier is not None:
        qs = qs.filter(tier_id=filters.tier or None)
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team or None)
    qs = qs.filter(outcome_q(outcome, now))
    if before:
        stamp, _sep, pk = before.partition("_")
        try:
            moment = dt.datetime.strptime(stamp, CURSOR_FORMAT).replace(tzinfo=dt.UTC)
            qs = qs.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=int(pk)))
        except ValueError:
            pass
    rows = list(
        qs.select_related("customer", "team", "tier", "assignee").order_by("-created_at", "-id")[
            : size + 1
        ]
    )
    items = rows[:size]
    cursor = None
    if len(rows) > size and items:
        last = items[-1]
        cursor = f"{last.created_at.astimezone(dt.UTC).strftime(CURSOR_FORMAT)}_{last.pk}"
    return CasePage(items=items, next_cursor=cursor)


# --- one case --------------------------------------------------------------------------


@dataclass(frozen=True)
class CasePromise:
    """How the promise of one case stands (for the case page)."""

    due_at: dt.datetime
    target_at: dt.datetime
    resolution_due_at: dt.datetime | None
    state: str  # "kept", "breached" or "pending"
    delighted: bool | None  # None: still pending for the internal target


def case_promise(case: Case, now: dt.datetime | None = None) -> CasePromise | None:
    """The promise of a case, computed from its own fields (no query)."""
    if case.first_answer_due_at is None or case.first_answer_target_at is None:
        return None
    now = now or timezone.now()

    def state(target: bool) -> str:
        due = case.first_answer_target_at if target else case.first_answer_due_at
        res_due = case.resolution_target_at if target else case.resolution_due_at
        answer = _state(case.first_reply_at, due, now)
        resolution = "kept" if res_due is None else _state(case.first_resolved_at, res_due, now)
        if "breached" in (answer, resolution):
            return "breached"
        return "pending" if "pending" in (answer, resolution) else "kept"

    delight = state(True)
    return CasePromise(
        due_at=case.first_answer_due_at,
        target_at=case.first_answer_target_at,
        resolution_due_at=case.resolution_due_at,
        state=state(False),
        delighted=None if delight == "pending" else delight == "kept",
    )


def _state(done: dt.datetime | None, due: dt.datetime, now: dt.datetime) -> str:
    if done is not None:
        return "kept" if done <= due else "breached"
    return "pending" if due > now else "breached"


# --- settings --------------------------------------------------------------------------


def promise_list() -> list[Promise]:
    """Every promise, general ones first, then by tier and channel."""
    order = {code: index for index, code in enumerate(["", *Channel.values])}
    promises = list(Promise.objects.select_related("tier"))
    promises.sort(
        key=lambda p: (
            p.tier is not None,
            p.tier.position if p.tier else 0,
            p.tier.name if p.tier else "",
            order.get(p.channel, 99),
        )
    )
    return promises


def closed_days(*, since: dt.date | None = None) -> list[ClosedDay]:
    qs = ClosedDay.objects.all()
    if since is not None:
        qs = qs.filter(day__gte=since)
    return list(qs)


def tiers_with_use() -> list[tuple[CustomerTier, int]]:
    """Every tier with its number of customers."""
    return [
        (tier, tier.n)
        for tier in CustomerTier.objects.annotate(n=Count("customers")).order_by("position", "name")
    ]


def promise_get(*, promise_id: int) -> Promise:
    try:
        return Promise.objects.select_related("tier").get(pk=promise_id)
    except (Promise.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def require_manager(user: User) -> None:
    if not (user.is_authenticated and user.is_manager):
        raise Http404
