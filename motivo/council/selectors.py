"""Reads of the improvement council that depend on who asks. Figures come from
motivo.council.measures (which reads the insights roll-ups); "not yours" is a 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404

from motivo.accounts.models import User
from motivo.council import measures
from motivo.council.measures import Effect, Progress
from motivo.council.models import Improvement, Target, TargetReason
from motivo.insights import selectors as figures
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Reason

IMPROVEMENTS_PAGE = 25


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


def _targets() -> QuerySet[Target]:
    return Target.objects.select_related("volume_kind", "set_by").prefetch_related(
        Prefetch(
            "target_reasons",
            queryset=TargetReason.objects.select_related("reason__category").order_by(
                "reason__name"
            ),
        )
    )


def target_list(*, status: str | None = None) -> list[Target]:
    qs = _targets()
    if status:
        qs = qs.filter(status=status)
    return list(qs)


def target_get(*, target_id: int) -> Target:
    target = _targets().filter(pk=target_id).first()
    if target is None:
        raise Http404
    return target


def targets_with_progress(targets: list[Target], *, today: dt.date) -> list[Progress]:
    """Progress of each target (a few roll-up queries per target)."""
    return [
        measures.target_progress(
            target,
            today=today,
            reason_ids=[link.reason_id for link in target.target_reasons.all()],
        )
        for target in targets
    ]


# --------------------------------------------------------------------------------------------
# "My reasons"
# --------------------------------------------------------------------------------------------


@dataclass
class MyReason:
    reason: Reason
    weekly: list[tuple[dt.date, int]]
    progress: Progress | None
    via_department: bool

    @property
    def recent_contacts(self) -> int:
        """Contacts of the last BASELINE_WEEKS full weeks."""
        return sum(count for _day, count in self.weekly[-measures.BASELINE_WEEKS :])


@dataclass
class MyReasons:
    rows: list[MyReason] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)
    spark_until: dt.date | None = None


def owned_reasons_q(user: User) -> Q:
    """The reasons `user` answers for: those whose owner person they are, and — for the
    head of a department, i.e. the staff member whose e-mail address is the department's —
    every reason of that department."""
    q = Q(owner_person=user)
    if user.email:
        q |= Q(owner__email__iexact=user.email)
    return q


def my_reasons(*, user: User, today: dt.date) -> MyReasons:
    reasons = list(
        Reason.objects.filter(owned_reasons_q(user), active=True)
        .select_related("category", "owner", "owner_person")
        .order_by("category__position", "category__name", "name")
    )
    if not reasons:
        return MyReasons()
    ids = [reason.pk for reason in reasons]
    active = (
        _targets().filter(status=Target.Status.ACTIVE, target_reasons__reason_id__in=ids).distinct()
    )
    progress = targets_with_progress(list(active), today=today)
    by_reason = {
        link.reason_id: item for item in progress for link in item.target.target_reasons.all()
    }
    until = measures.spark_weeks(today)
    rows = [
        MyReason(
            reason=reason,
            weekly=figures.weekly_counts(
                reason_ids=[reason.pk], weeks=measures.SPARK_WEEKS, until=until
            ),
            progress=by_reason.get(reason.pk),
            via_department=reason.owner_person_id != user.pk,
        )
        for reason in reasons
    ]
    return MyReasons(rows=rows, progress=progress, spark_until=until)


# --------------------------------------------------------------------------------------------
# Recognition
# --------------------------------------------------------------------------------------------


def recognition(*, today: dt.date) -> list[measures.RecognitionRow]:
    links = TargetReason.objects.select_related(
        "target", "reason__owner_person", "reason__owner"
    ).order_by("target_id", "reason_id")
    return measures.recognition_board(today=today, links=links)


# --------------------------------------------------------------------------------------------
# Improvements
# --------------------------------------------------------------------------------------------


@dataclass
class ImprovementItem:
    improvement: Improvement
    effect: Effect | None


def _improvements() -> QuerySet[Improvement]:
    return Improvement.objects.select_related("owner", "volume_kind").prefetch_related(
        Prefetch("reasons", queryset=Reason.objects.select_related("category").order_by("name"))
    )


def _with_effect(improvement: Improvement, today: dt.date) -> ImprovementItem:
    reason_ids = [reason.pk for reason in improvement.reasons.all()]
    effect = measures.improvement_effect(improvement, today=today, reason_ids=reason_ids)
    return ImprovementItem(improvement, effect)


@dataclass
class ImprovementPage:
    items: list[ImprovementItem]
    number: int
    has_next: bool


def improvement_list(
    *, today: dt.date, status: str | None = None, page: int = 1
) -> ImprovementPage:
    """Improvements, most recently changed first, IMPROVEMENTS_PAGE a page (one row more is
    read to know whether a next page exists). The effect of the done ones is measured."""
    qs = _improvements()
    if status:
        qs = qs.filter(status=status)
    start = (max(page, 1) - 1) * IMPROVEMENTS_PAGE
    rows = list(qs[start : start + IMPROVEMENTS_PAGE + 1])
    items = [_with_effect(row, today) for row in rows[:IMPROVEMENTS_PAGE]]
    return ImprovementPage(items, max(page, 1), len(rows) > IMPROVEMENTS_PAGE)


def improvement_get(*, improvement_id: int) -> Improvement:
    improvement = _improvements().filter(pk=improvement_id).first()
    if improvement is None:
        raise Http404
    return improvement


def improvement_detail(*, improvement_id: int, today: dt.date) -> ImprovementItem:
    return _with_effect(improvement_get(improvement_id=improvement_id), today)


def improvement_events(*, improvement: Improvement) -> list:
    return list(improvement.events.select_related("actor"))


def improvement_may_edit(*, user: User, improvement: Improvement) -> str | None:
    """ "all" for managers, "status" for the improvement's owner, else None."""
    if user.is_manager:
        return "all"
    if user.is_staff_member and improvement.owner_id == user.pk:
        return "status"
    return None


@dataclass(frozen=True)
class MergePreview:
    reason: Reason
    contacts: int
    targets: int
    improvements: int


def reason_merge_preview(*, source_id: int | str) -> MergePreview | None:
    """What merging the reason `source_id` would move (contacts from the roll-up)."""
    reason = Reason.objects.select_related("category").filter(pk=source_id).first()
    if reason is None:
        return None
    contacts = (
        ReasonDayCount.objects.filter(reason=reason).aggregate(total=Sum("count"))["total"] or 0
    )
    return MergePreview(
        reason=reason,
        contacts=contacts,
        targets=TargetReason.objects.filter(reason=reason).count(),
        improvements=reason.improvements.count(),
    )
