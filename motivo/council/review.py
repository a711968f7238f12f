"""The weekly review: the figures of one ISO week (Monday to Sunday, local days) for the
council's weekly meeting — top ten reasons against the week before, movers, targets off
track, improvements due, improvements done and their effect, repeat contacts and the
studies of why they came back (motivo.studies), recognition.

Every figure is read from the roll-ups through motivo.insights.selectors and
motivo.council.measures, so the number of queries depends on the targets and improvements
shown, never on the number of contacts. The review is computed "as of" the Monday after the
week: targets and effects are measured on the full weeks that ended with the week's Sunday.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from motivo.accounts.models import MANAGER_ROLES, User
from motivo.council import measures, selectors
from motivo.council.measures import Progress, RecognitionRow, TargetState
from motivo.council.models import Improvement, Target
from motivo.insights import selectors as figures
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Reason
from motivo.studies.selectors import WeekStudies, week_studies

TOP = 10
DUE_WEEKS = 2  # improvements due within 2 weeks after the week's Sunday, or overdue
RECOGNITION_SHOWN = 5
REPEATS_SHOWN = 5
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
OFF_TRACK_STATES = frozenset({TargetState.OFF_TRACK, TargetState.MISSED})
OPEN_STATUSES = (
    Improvement.Status.PROPOSED,
    Improvement.Status.PLANNED,
    Improvement.Status.IN_PROGRESS,
)


# --------------------------------------------------------------------------------------------
# Weeks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """An ISO week: Monday `start` to Sunday `end`, local days."""

    start: dt.date

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)

    @property
    def key(self) -> str:
        """ "2026-W12"."""
        year, number, _day = self.start.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def previous(self) -> Week:
        return Week(self.start - dt.timedelta(weeks=1))

    @property
    def next(self) -> Week:
        return Week(self.start + dt.timedelta(weeks=1))

    @property
    def as_of(self) -> dt.date:
        """The day the week's figures are measured on: the Monday after it."""
        return self.end + dt.timedelta(days=1)

    def url(self) -> str:
        return reverse("council:review_week", args=[self.key])

    @classmethod
    def of(cls, day: dt.date) -> Week:
        return cls(figures.week_start(day))


def week_parse(value: str) -> Week:
    """ "2026-W12" → that ISO week; ValueError for anything else (week 53 only in the years
    that have one)."""
    match = WEEK_RE.match((value or "").strip())
    if not match:
        raise ValueError(value)
    return Week(dt.date.fromisocalendar(int(match[1]), int(match[2]), 1))


def latest_full_week(today: dt.date | None = None) -> Week:
    """The most recent week that has ended: the one before the week holding `today`."""
    return Week.of(today or timezone.localdate()).previous


def week_for_page(key: str | None, *, today: dt.date | None = None) -> Week:
    """The week a page asks for (404 for a malformed key or a week that has not ended)."""
    latest = latest_full_week(today)
    if not key:
        return latest
    try:
        week = week_parse(key)
    except ValueError:
        raise Http404 from None
    if week.start > latest.start:
        raise Http404
    return week


# --------------------------------------------------------------------------------------------
# Who takes part
# --------------------------------------------------------------------------------------------


def review_may_view(user: User) -> bool:
    """Managers, and staff members who own a reason (its named owner person, or the head of
    its owner department — see selectors.owned_reasons_q)."""
    if user.is_manager:
        return True
    if not user.is_staff_member:
        return False
    return Reason.objects.filter(selectors.owned_reasons_q(user)).exists()


def participants() -> list[User]:
    """Those the review is mailed to: active managers (supervisors and admins) and the named
    owner persons of active reasons, each once, by name."""
    owners = Reason.objects.filter(active=True, owner_person__isnull=False).values(
        "owner_person_id"
    )
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role__in=MANAGER_ROLES) | Q(pk__in=owners))
        .order_by("first_name", "last_name", "username", "pk")
    )


# --------------------------------------------------------------------------------------------
# The figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopRow:
    rank: int
    reason_id: int
    reason: str
    category: str
    owner: str
    count: int
    previous: int
    change: int
    change_pct: float | None  # None when the previous week had none
    share_pct: float
    link: str  # the contacts behind `count`
    previous_link: str


@dataclass(frozen=True)
class Mover:
    reason_id: int
    reason: str
    recent: int
    before: int
    change: int
    change_pct: float | None
    link: str  # the contacts of the recent weeks


@dataclass(frozen=True)
class DueItem:
    improvement: Improvement
    overdue: bool


@dataclass
class Review:
    week: Week
    total: int
    previous_total: int
    top: list[TopRow]
    rises: list[Mover]
    falls: list[Mover]
    mover_from: dt.date
    mover_split: dt.date  # first day of the recent window
    off_track: list[Progress]
    targets_checked: int
    due: list[DueItem]
    done: list[selectors.ImprovementItem]
    recognition: list[RecognitionRow]
    repeat_contacts: int
    repeat_reasons: list[RepeatRow]
    links: dict[str, str] = field(default_factory=dict)
    studies: WeekStudies | None = None  # repeat-contact studies of the week (motivo.studies)

    @property
    def change(self) -> int:
        return self.total - self.previous_total

    @property
    def change_pct(self) -> float | None:
        return self.change / self.previous_total * 100 if self.previous_total else None


def _pct(share: float | None) -> float | None:
    return None if share is None else share * 100


def _top(week: Week) -> tuple[list[TopRow], int, int]:
    comparison = figures.pareto_compare(date_from=week.start, date_to=week.end)
    previous = week.previous
    rows = []
    for index, item in enumerate(comparison.rows[:TOP]):
        if not item.row.count:
            break
        rows.append(
            TopRow(
                rank=index + 1,
                reason_id=item.row.reason_id,
                reason=item.row.reason,
                category=item.row.category,
                owner=item.row.owner,
                count=item.row.count,
                previous=item.previous,
                change=item.change,
                change_pct=_pct(item.change_share),
                share_pct=item.row.share * 100,
                link=contacts_url(item.row.reason_id, week.start, week.end),
                previous_link=contacts_url(item.row.reason_id, previous.start, previous.end),
            )
        )
    return rows, comparison.total, comparison.previous_total


def _movers(week: Week) -> tuple[list[Mover], list[Mover], dt.date, dt.date]:
    trend = figures.trend(until=week.end, weeks=2 * figures.MOVER_WEEKS)
    split = trend.mondays[figures.MOVER_WEEKS]

    def mover(item: figures.ReasonTrend) -> Mover:
        return Mover(
            reason_id=item.reason_id,
            reason=item.reason,
            recent=item.recent,
            before=item.before,
            change=item.change,
            change_pct=_pct(item.change_share),
            link=contacts_url(item.reason_id, split, week.end),
        )

    return [mover(i) for i in trend.rises], [mover(i) for i in trend.falls], trend.mondays[0], split


def _targets(week: Week) -> tuple[list[Progress], int]:
    """Active targets set by the week's end, measured as of the Monday after it; those off
    track or missed are returned."""
    targets = [
        target
        for target in selectors.target_list(status=Target.Status.ACTIVE)
        if target.set_on <= week.end
    ]
    progress = selectors.targets_with_progress(targets, today=week.as_of)
    return [item for item in progress if item.state in OFF_TRACK_STATES], len(targets)


def _due(week: Week) -> list[DueItem]:
    horizon = week.end + dt.timedelta(weeks=DUE_WEEKS)
    rows = (
        Improvement.objects.filter(status__in=OPEN_STATUSES, due_on__lte=horizon)
        .select_related("owner")
        .prefetch_related("reasons")
        .order_by("due_on", "pk")
    )
    return [DueItem(row, row.due_on <= week.end) for row in rows]


def _done(week: Week) -> list[selectors.ImprovementItem]:
    """Improvements done during the week (effect still being measured) and those whose
    effect was completed during it (their 28-day after-window ended in the week)."""
    shift = dt.timedelta(days=measures.EFFECT_DAYS)
    rows = (
        Improvement.objects.filter(status=Improvement.Status.DONE)
        .filter(
            Q(done_on__gte=week.start, done_on__lte=week.end)
            | Q(done_on__gte=week.start - shift, done_on__lte=week.end - shift)
        )
        .select_related("owner", "volume_kind")
        .prefetch_related("reasons")
        .order_by("-done_on", "pk")
    )
    return [
        selectors.ImprovementItem(
            row,
            measures.improvement_effect(
                row, today=week.as_of, reason_ids=[reason.pk for reason in row.reasons.all()]
            ),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class RepeatRow:
    reason_id: int
    reason: str
    repeats: int
    link: str  # the reason's contacts of the week


def repeat_contacts(week: Week) -> tuple[int, list[RepeatRow]]:
    """Repeat contacts of the week (DESIGN.md: the customer's earlier contact within R days
    with the same reason or on the same case) and the reasons with most repeats, from the
    roll-up's `repeats` column in one grouped query."""
    rows = (
        ReasonDayCount.objects.filter(day__gte=week.start, day__lte=week.end)
        .values("reason_id")
        .annotate(total=Sum("repeats"))
        .order_by()
    )
    counts = {row["reason_id"]: row["total"] for row in rows if row["total"]}
    names = dict(Reason.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    top = sorted(counts, key=lambda pk: (-counts[pk], names[pk]))[:REPEATS_SHOWN]
    return sum(counts.values()), [
        RepeatRow(pk, names[pk], counts[pk], contacts_url(pk, week.start, week.end)) for pk in top
    ]


def contacts_url(reason: int | None, date_from: dt.date, date_to: dt.date) -> str:
    from motivo.insights.views import contacts_url as url

    return url(reason, date_from, date_to)


def weekly_review(*, week: Week) -> Review:
    top, total, previous_total = _top(week)
    rises, falls, mover_from, split = _movers(week)
    off_track, checked = _targets(week)
    board = selectors.recognition(today=week.as_of)[:RECOGNITION_SHOWN]
    repeats, repeat_reasons = repeat_contacts(week)
    period = f"date_from={week.start.isoformat()}&date_to={week.end.isoformat()}"
    return Review(
        week=week,
        total=total,
        previous_total=previous_total,
        top=top,
        rises=rises,
        falls=falls,
        mover_from=mover_from,
        mover_split=split,
        off_track=off_track,
        targets_checked=checked,
        due=_due(week),
        done=_done(week),
        recognition=[row for row in board if row.avoided > 0],
        repeat_contacts=repeats,
        repeat_reasons=repeat_reasons,
        studies=week_studies(date_from=week.start, date_to=week.end),
        links={
            "pareto": f"{reverse('insights:pareto')}?{period}",
            "contacts": contacts_url(None, week.start, week.end),
            "previous_contacts": contacts_url(None, week.previous.start, week.previous.end),
            "trend": f"{reverse('insights:trend')}?until={week.end.isoformat()}",
            "targets": reverse("council:targets"),
            "improvements": reverse("council:improvements"),
            "recognition": reverse("council:recognition"),
            "studies": f"{reverse('studies:report')}?{period}",
        },
    )
