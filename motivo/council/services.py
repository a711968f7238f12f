"""Writes of the improvement council: targets and improvements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import User
from motivo.cases.models import Contact
from motivo.core.errors import DomainError
from motivo.costs.models import CallTally, Goodwill, ReasonDayCallSeconds
from motivo.council import events
from motivo.council.measures import BASELINE_WEEKS, full_weeks_before
from motivo.council.models import Improvement, Metric, Target, TargetReason
from motivo.insights import repeats
from motivo.insights import selectors as figures
from motivo.insights.models import FcrDayCount, ReasonDayCount, VolumeKind
from motivo.reasons import events as reason_events
from motivo.reasons.models import Reason

MAX_CHANGE = Decimal(100)

# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


def _check_change(change_pct: Decimal) -> None:
    if change_pct == 0 or not -MAX_CHANGE <= change_pct <= MAX_CHANGE:
        raise DomainError(
            _("The change must be between −100 % and +100 % and not zero, e.g. −20."),
            field="change_pct",
        )


def _check_due(set_on: dt.date, due_on: dt.date) -> None:
    if due_on <= set_on:
        raise DomainError(
            _("The due date must be after the day the target is set."), field="due_on"
        )


@transaction.atomic
def target_set(
    *,
    reasons: Collection[Reason],
    metric: str,
    change_pct: Decimal,
    due_on: dt.date,
    actor: User | None,
    volume_kind: VolumeKind | None = None,
    note: str = "",
    set_on: dt.date | None = None,
) -> Target:
    """Set a target for one reason or a set of reasons and store its baseline: the contacts
    (and, for CPX, the volume) of the BASELINE_WEEKS full weeks before the week of `set_on`
    (today by default). The baseline is never recomputed. A reason has at most one active
    target at a time."""
    set_on = set_on or timezone.localdate()
    reason_ids = sorted({reason.pk for reason in reasons})
    if not reason_ids:
        raise DomainError(_("Choose at least one reason."), field="reasons", code="required")
    if metric not in Metric.values:
        raise DomainError(_("Unknown metric."), field="metric")
    change_pct = Decimal(change_pct)
    _check_change(change_pct)
    _check_due(set_on, due_on)
    if metric == Metric.CPX and volume_kind is None:
        raise DomainError(
            _("Choose the business volume the contacts are counted per."),
            field="volume_kind",
            code="required",
        )
    if metric == Metric.CONTACTS:
        volume_kind = None
    taken = (
        TargetReason.objects.filter(reason_id__in=reason_ids, target__status=Target.Status.ACTIVE)
        .select_related("reason")
        .first()
    )
    if taken is not None:
        raise DomainError(
            _("“%(reason)s” already has an active target: close it first.")
            % {"reason": taken.reason.name},
            field="reasons",
            code="conflict",
        )
    window = full_weeks_before(set_on, BASELINE_WEEKS)
    per_reason = figures.reason_contact_counts(date_from=window.date_from, date_to=window.date_to)
    contacts = figures.contacts_count(
        reason_ids=reason_ids, date_from=window.date_from, date_to=window.date_to
    )
    volume = None
    if volume_kind is not None:
        volume = figures.volume_total(
            kind=volume_kind.slug, date_from=window.date_from, date_to=window.date_to
        )
        if not volume:
            raise DomainError(
                _(
                    "There is no %(kind)s volume for every week from %(start)s to %(end)s, "
                    "so the baseline cannot be measured. Send the volumes first."
                )
                % {
                    "kind": volume_kind.display_label,
                    "start": window.date_from.isoformat(),
                    "end": window.date_to.isoformat(),
                },
                field="volume_kind",
                code="no_volume",
            )
    target = Target.objects.create(
        metric=metric,
        volume_kind=volume_kind,
        change_pct=change_pct,
        set_on=set_on,
        due_on=due_on,
        note=note,
        baseline_from=window.date_from,
        baseline_to=window.date_to,
        baseline_weeks=BASELINE_WEEKS,
        baseline_contacts=contacts,
        baseline_volume=volume,
        set_by=actor,
    )
    TargetReason.objects.bulk_create(
        TargetReason(target=target, reason_id=pk, baseline_contacts=per_reason.get(pk, 0))
        for pk in reason_ids
    )
    return target


@transaction.atomic
def target_update(
    *, target: Target, change_pct: Decimal, due_on: dt.date, note: str, actor: User | None
) -> Target:
    """Change the goal or the date of an active target. Its reasons, metric and baseline stay
    as they were set (to measure something else, close it and set a new one)."""
    if not target.is_active:
        raise DomainError(_("This target is closed."), code="closed")
    change_pct = Decimal(change_pct)
    _check_change(change_pct)
    _check_due(target.set_on, due_on)
    target.change_pct, target.due_on, target.note = change_pct, due_on, note
    target.save(update_fields=["change_pct", "due_on", "note", "updated_at"])
    return target


@transaction.atomic
def target_close(*, target: Target, actor: User | None, closed_on: dt.date | None = None) -> Target:
    """Close a target: it keeps its final progress (measured as of the closing day) and its
    reasons are free for a new target."""
    if not target.is_active:
        raise DomainError(_("This target is already closed."), code="closed")
    closed_on = closed_on or timezone.localdate()
    if closed_on < target.set_on:
        raise DomainError(_("A target cannot close before it was set."), field="closed_on")
    target.status, target.closed_on = Target.Status.CLOSED, closed_on
    target.save(update_fields=["status", "closed_on", "updated_at"])
    return target


# --------------------------------------------------------------------------------------------
# Merging reasons
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonMergeResult:
    target: Reason
    contacts: int
    customers: int
    targets: int
    improvements: int


def _counter_move(model: type[Model], *, source: Reason, target: Reason, keys: list[str]) -> None:
    """Fold `source`'s rows of a (day, reason, …) counter table into `target`'s: add to the
    row with the same keys where there is one, else re-point the row."""
    numbers = [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.IntegerField) and not f.primary_key and f.attname not in keys
    ]
    for row in model.objects.filter(reason=source):
        same = {key: getattr(row, key) for key in keys}
        existing = model.objects.filter(reason=target, **same)
        if existing.update(**{name: F(name) + getattr(row, name) for name in numbers}):
            row.delete()
        else:
            row.reason = target
            row.save(update_fields=["reason"])


@transaction.atomic
def reason_merge(*, source: Reason, target: Reason, actor: User | None) -> ReasonMergeResult:
    """Merge `source` into `target` (two names for one cause): its contacts take `target`,
    the roll-ups (contacts and repeats per day and channel, call seconds, goodwill, FCR), its
    targets and improvements move with them, and the repeat flags of the customers involved
    are recomputed (two contacts with the two reasons are now "the same reason"). `source`
    stays, inactive and pointing at `target`, so its history and old links still resolve."""
    if source.pk == target.pk:
        raise DomainError(_("A reason cannot be merged into itself."), field="target")
    if source.merged_into_id or target.merged_into_id:
        raise DomainError(_("That reason was already merged."), field="target")
    if not target.active:
        raise DomainError(_("Merge into a reason that is in use."), field="target")
    source_targets = {
        row.target_id: row
        for row in TargetReason.objects.filter(reason=source).select_related("target")
    }
    target_targets = {
        row.target_id: row
        for row in TargetReason.objects.filter(reason=target).select_related("target")
    }
    active_source = {t for t, row in source_targets.items() if row.target.is_active}
    active_target = {t for t, row in target_targets.items() if row.target.is_active}
    if active_source and active_target and active_source != active_target:
        raise DomainError(
            _("Both reasons have a different active target: close one of them first."),
            field="target",
        )
    customer_ids = list(
        Contact.objects.filter(reason=source)
        .order_by()
        .values_list("customer_id", flat=True)
        .distinct()
    )
    moved_contacts = Contact.objects.filter(reason=source).update(reason=target)
    _counter_move(ReasonDayCount, source=source, target=target, keys=["day", "channel"])
    _counter_move(ReasonDayCallSeconds, source=source, target=target, keys=["day"])
    CallTally.objects.filter(reason=source).update(reason=target)
    Goodwill.objects.filter(reason=source).update(reason=target)
    FcrDayCount.objects.filter(reason=source).update(reason=target)
    for target_id, row in source_targets.items():
        if target_id in target_targets:
            kept = target_targets[target_id]
            kept.baseline_contacts += row.baseline_contacts
            kept.save(update_fields=["baseline_contacts"])
            row.delete()
        else:
            row.reason = target
            row.save(update_fields=["reason"])
    improvements = list(source.improvements.all())
    for improvement in improvements:
        improvement.reasons.remove(source)
        improvement.reasons.add(target)
    for customer_id in customer_ids:
        repeats.customer_repeats_recompute(customer_id=customer_id)
    source.active = False
    source.merged_into = target
    source.save(update_fields=["active", "merged_into"])
    result = ReasonMergeResult(
        target=target,
        contacts=moved_contacts,
        customers=len(customer_ids),
        targets=len(source_targets),
        improvements=len(improvements),
    )
    reason_events.reason_merged_events(
        source=source,
        target=target,
        actor=actor,
        moved={
            "contacts": result.contacts,
            "targets": result.targets,
            "improvements": result.improvements,
        },
    )
    return result


# --------------------------------------------------------------------------------------------
# Improvements
# --------------------------------------------------------------------------------------------


def _check_owner(owner: User | None) -> None:
    if owner is not None and not owner.is_staff_member:
        raise DomainError(_("The owner must be a member of staff."), field="owner")


def _done_on(status: str, done_on: dt.date | None, today: dt.date) -> dt.date | None:
    if status != Improvement.Status.DONE:
        return None
    done_on = done_on or today
    if done_on > today:
        raise DomainError(_("The done date cannot be in the future."), field="done_on")
    return done_on


@transaction.atomic
def improvement_create(
    *,
    title: str,
    reasons: Collection[Reason],
    actor: User | None,
    hypothesis: str = "",
    owner: User | None = None,
    status: str = Improvement.Status.PROPOSED,
    due_on: dt.date | None = None,
    done_on: dt.date | None = None,
    volume_kind: VolumeKind | None = None,
) -> Improvement:
    title = title.strip()
    if not title:
        raise DomainError(_("Give the improvement a title."), field="title", code="required")
    if not reasons:
        raise DomainError(_("Choose at least one reason."), field="reasons", code="required")
    if status not in Improvement.Status.values:
        raise DomainError(_("Unknown status."), field="status")
    _check_owner(owner)
    improvement = Improvement.objects.create(
        title=title,
        hypothesis=hypothesis,
        owner=owner,
        status=status,
        due_on=due_on,
        done_on=_done_on(status, done_on, timezone.localdate()),
        volume_kind=volume_kind,
    )
    improvement.reasons.set(reasons)
    events.improvement_created_event(improvement=improvement, actor=actor)
    return improvement


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


EDITABLE = ("title", "hypothesis", "owner_id", "due_on", "volume_kind_id")
UNSET: Any = object()


@transaction.atomic
def improvement_update(
    *,
    improvement: Improvement,
    actor: User | None,
    title: str = UNSET,
    hypothesis: str = UNSET,
    owner: User | None = UNSET,
    due_on: dt.date | None = UNSET,
    volume_kind: VolumeKind | None = UNSET,
    reasons: Collection[Reason] = UNSET,
    status: str = UNSET,
    done_on: dt.date | None = UNSET,
) -> Improvement:
    """Change what is given (left-out arguments stay). One event per kind of change:
    `changed` (details, with old and new values), `reasons_changed`, `status_changed`.
    Marking it done sets the done date (today unless given); leaving done clears it."""
    improvement = Improvement.objects.select_for_update().get(pk=improvement.pk)
    new: dict[str, Any] = {}
    if title is not UNSET:
        title = title.strip()
        if not title:
            raise DomainError(_("Give the improvement a title."), field="title", code="required")
        new["title"] = title
    if hypothesis is not UNSET:
        new["hypothesis"] = hypothesis
    if owner is not UNSET:
        _check_owner(owner)
        new["owner_id"] = owner.pk if owner else None
    if due_on is not UNSET:
        new["due_on"] = due_on
    if volume_kind is not UNSET:
        new["volume_kind_id"] = volume_kind.pk if volume_kind else None
    changes = {
        name.removesuffix("_id"): [_json(getattr(improvement, name)), _json(value)]
        for name, value in new.items()
        if getattr(improvement, name) != value
    }
    old_status, old_done = improvement.status, improvement.done_on
    if status is not UNSET or done_on is not UNSET:
        status = improvement.status if status is UNSET else status
        if status not in Improvement.Status.values:
            raise DomainError(_("Unknown status."), field="status")
        if done_on is UNSET:
            done_on = improvement.done_on if status == old_status else None
        improvement.status = status
        improvement.done_on = _done_on(status, done_on, timezone.localdate())
    for name, value in new.items():
        setattr(improvement, name, value)
    improvement.save()
    if changes:
        events.improvement_changed_event(improvement=improvement, actor=actor, changes=changes)
    if reasons is not UNSET:
        if not reasons:
            raise DomainError(_("Choose at least one reason."), field="reasons", code="required")
        before = set(improvement.reasons.values_list("pk", flat=True))
        after = {reason.pk for reason in reasons}
        if before != after:
            improvement.reasons.set(reasons)
            events.improvement_reasons_event(
                improvement=improvement,
                actor=actor,
                added=sorted(after - before),
                removed=sorted(before - after),
            )
    if (improvement.status, improvement.done_on) != (old_status, old_done):
        events.improvement_status_event(
            improvement=improvement, actor=actor, old=old_status, new=improvement.status
        )
    return improvement


# --------------------------------------------------------------------------------------------
# Weekly review by mail
# --------------------------------------------------------------------------------------------


@dataclass
class ReviewSendResult:
    sent: list[str] = field(default_factory=list)  # addresses mailed now
    already: list[str] = field(default_factory=list)  # mailed before: not again
    unreachable: list[str] = field(default_factory=list)  # no or invalid address (usernames)


def _review_mail(review: Any, user: User, url: str) -> tuple[str, str, str, str]:
    """(language, subject, text, html) of the review for `user`, in their language."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import translation

    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"review": review, "user": user, "url": url, "language": language}
        subject = _("Weekly review %(week)s: %(total)s contacts") % {
            "week": review.week.key,
            "total": review.total,
        }
        text = render_to_string("council/review_mail.txt", context)
        html = render_to_string("council/review_mail.html", context)
    return language, subject, text, html


def weekly_review_send(*, week: Any) -> ReviewSendResult:
    """Mail the review of `week` (a motivo.council.review.Week) to every participant in
    their language (User.language, else the site's), with its key figures and a link to
    the page. At most once per week and person (WeeklyReviewSent): running it again only
    mails participants added since. Each recipient is its own transaction, so one bad
    address does not stop the others."""
    from django.conf import settings
    from django.db import IntegrityError

    from motivo.council import review as weekly
    from motivo.council.models import WeeklyReviewSent
    from motivo.mail.outbound import email_send

    result = ReviewSendResult()
    people = weekly.participants()
    done = set(
        WeeklyReviewSent.objects.filter(week=week.start, user__in=people).values_list(
            "user_id", flat=True
        )
    )
    todo = [user for user in people if user.pk not in done]
    result.already = [user.email or user.username for user in people if user.pk in done]
    if not todo:
        return result
    data = weekly.weekly_review(week=week)
    url = settings.SITE_URL.rstrip("/") + week.url()
    for user in todo:
        if not user.email:
            result.unreachable.append(user.username)
            continue
        language, subject, text, html = _review_mail(data, user, url)
        try:
            with transaction.atomic():
                record = WeeklyReviewSent.objects.create(
                    week=week.start, user=user, to=user.email, language=language
                )
                record.email = email_send(
                    kind="weekly_review", to=user.email, subject=subject, body=text, html=html
                )
                record.save(update_fields=["email"])
        except IntegrityError:  # sent meanwhile by a concurrent run
            result.already.append(user.email)
        except DomainError:
            result.unreachable.append(user.username)
        else:
            result.sent.append(user.email)
    return result
