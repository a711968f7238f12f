"""API v1 operations of the council app (mounted by motivo.api.api): targets and
improvements. Staff read; managers write (an improvement's owner may also move its status)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthorizationError
from pydantic import ConfigDict

from motivo.accounts.models import User
from motivo.api.auth import require_staff
from motivo.api.schemas import errors
from motivo.core.errors import DomainError
from motivo.council import selectors, services
from motivo.council.measures import Effect, Progress
from motivo.council.models import Improvement, Metric, Target
from motivo.insights.models import VolumeKind
from motivo.reasons.models import Reason

router = Router(tags=["council"])

TargetStatus = Literal[(*Target.Status.values,)]  # type: ignore[valid-type]
ImprovementStatus = Literal[(*Improvement.Status.values,)]  # type: ignore[valid-type]


def require_manager(request: HttpRequest) -> User:
    user = require_staff(request)
    if not user.is_manager:
        raise AuthorizationError(message=_("Only supervisors and admins can do this."))
    return user


def _reasons(ids: list[int]) -> list[Reason]:
    found = list(Reason.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {reason.pk for reason in found})
    if missing:
        raise DomainError(
            _("Unknown reason: %(ids)s.") % {"ids": ", ".join(map(str, missing))},
            field="reasons",
            code="unknown",
        )
    return found


def _volume_kind(slug: str | None) -> VolumeKind | None:
    if not slug:
        return None
    kind = VolumeKind.objects.filter(slug=slug).first()
    if kind is None:
        raise DomainError(_("Unknown business volume."), field="volume_kind", code="unknown")
    return kind


def _dec(value: Decimal | None, places: int = 6) -> float | None:
    return None if value is None else round(float(value), places)


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


class TargetIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reasons: list[int] = Field(..., min_length=1, description="Reason ids")
    metric: Metric = Field(description="contacts (per week) or cpx (contacts per volume)")
    volume_kind: str | None = Field(None, description="Volume slug, e.g. orders (cpx only)")
    change_pct: Decimal = Field(description="e.g. -20 for 20 % fewer", examples=[-20])
    due_on: dt.date
    note: str = Field("", max_length=300)


class ReasonRefOut(Schema):
    id: int
    name: str


class BaselineOut(Schema):
    date_from: dt.date
    date_to: dt.date
    weeks: int
    contacts: int
    volume: float | None
    value: float | None = Field(description="Contacts per week, or contacts per volume unit")


class ProgressOut(Schema):
    as_of: dt.date
    date_from: dt.date = Field(description="Current window: same weeks as the baseline")
    date_to: dt.date
    contacts: int
    volume: float | None
    value: float | None
    change_pct: float | None = Field(description="Current value against the baseline, in %")
    expected_value: float | None = Field(description="The target line at date_to")
    goal_value: float | None
    state: str = Field(description="achieved, on_track, off_track, missed, no_volume")


class TargetOut(Schema):
    id: int
    reasons: list[ReasonRefOut]
    metric: str
    volume_kind: str | None
    change_pct: float
    set_on: dt.date
    due_on: dt.date
    note: str
    status: str
    closed_on: dt.date | None
    baseline: BaselineOut
    progress: ProgressOut


def _target_out(item: Progress) -> dict[str, Any]:
    target = item.target
    return {
        "id": target.pk,
        "reasons": [
            {"id": link.reason_id, "name": link.reason.name} for link in target.target_reasons.all()
        ],
        "metric": target.metric,
        "volume_kind": target.volume_kind.slug if target.volume_kind else None,
        "change_pct": float(target.change_pct),
        "set_on": target.set_on,
        "due_on": target.due_on,
        "note": target.note,
        "status": target.status,
        "closed_on": target.closed_on,
        "baseline": {
            "date_from": target.baseline_from,
            "date_to": target.baseline_to,
            "weeks": target.baseline_weeks,
            "contacts": target.baseline_contacts,
            "volume": _dec(target.baseline_volume),
            "value": _dec(item.baseline_value),
        },
        "progress": {
            "as_of": item.as_of,
            "date_from": item.window.date_from,
            "date_to": item.window.date_to,
            "contacts": item.current.contacts,
            "volume": _dec(item.current.volume),
            "value": _dec(item.current.value),
            "change_pct": _dec(item.change_pct, 2),
            "expected_value": _dec(item.expected_value),
            "goal_value": _dec(item.goal_value),
            "state": item.state,
        },
    }


@router.get(
    "/targets",
    response={200: list[TargetOut], **errors(401, 403, 422)},
    summary="List targets with their progress",
)
def target_list(request: HttpRequest, status: TargetStatus | None = None) -> list[dict]:
    """Targets (all, or `active` / `closed`) with their stored baseline and their progress
    today. Staff only."""
    require_staff(request)
    targets = selectors.target_list(status=status)
    progress = selectors.targets_with_progress(targets, today=timezone.localdate())
    return [_target_out(item) for item in progress]


@router.post(
    "/targets",
    response={201: TargetOut, **errors(400, 401, 403, 409, 422)},
    summary="Set a target",
)
def target_create(request: HttpRequest, payload: TargetIn) -> Status:
    """Set a target for one or more reasons; its baseline (the 8 full weeks before this week)
    is measured and stored now. Supervisors and admins."""
    user = require_manager(request)
    target = services.target_set(
        reasons=_reasons(payload.reasons),
        metric=payload.metric,
        volume_kind=_volume_kind(payload.volume_kind),
        change_pct=payload.change_pct,
        due_on=payload.due_on,
        note=payload.note,
        actor=user,
    )
    target = selectors.target_get(target_id=target.pk)
    [item] = selectors.targets_with_progress([target], today=timezone.localdate())
    return Status(201, _target_out(item))


# --------------------------------------------------------------------------------------------
# Improvements
# --------------------------------------------------------------------------------------------


class ImprovementIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(..., max_length=200)
    reasons: list[int] = Field(..., min_length=1)
    hypothesis: str = Field("", max_length=10_000)
    owner: int | None = Field(None, description="User id of the staff member who owns it")
    status: ImprovementStatus = "proposed"  # type: ignore[assignment]
    due_on: dt.date | None = None
    done_on: dt.date | None = Field(None, description="With status done; today if omitted")
    volume_kind: str | None = Field(None, description="Volume slug the effect is divided by")


class ImprovementPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    reasons: list[int] | None = None
    hypothesis: str | None = Field(None, max_length=10_000)
    owner: int | None = None
    status: ImprovementStatus | None = None  # type: ignore[valid-type]
    due_on: dt.date | None = None
    done_on: dt.date | None = None
    volume_kind: str | None = None


class EffectOut(Schema):
    ready: bool
    ready_on: dt.date
    before_from: dt.date
    before_to: dt.date
    after_from: dt.date
    after_to: dt.date
    basis: str | None = Field(description="volume slug when per volume, 'contacts' otherwise")
    volume_missing: bool
    before_contacts: int | None
    after_contacts: int | None
    before_volume: float | None
    after_volume: float | None
    before_value: float | None
    after_value: float | None
    change_pct: float | None


class ImprovementOut(Schema):
    id: int
    title: str
    hypothesis: str
    reasons: list[ReasonRefOut]
    owner: ReasonRefOut | None = Field(description="{id, name} of the owner")
    status: str
    due_on: dt.date | None
    done_on: dt.date | None
    volume_kind: str | None
    effect: EffectOut | None


class ImprovementPageOut(Schema):
    items: list[ImprovementOut]
    page: int
    has_next: bool


def _effect_out(effect: Effect | None) -> dict | None:
    if effect is None:
        return None
    return {
        "ready": effect.ready,
        "ready_on": effect.ready_on,
        "before_from": effect.before.date_from,
        "before_to": effect.before.date_to,
        "after_from": effect.after.date_from,
        "after_to": effect.after.date_to,
        "basis": (effect.volume_kind or "contacts") if effect.ready else None,
        "volume_missing": effect.volume_missing,
        "before_contacts": effect.before_contacts,
        "after_contacts": effect.after_contacts,
        "before_volume": _dec(effect.before_volume),
        "after_volume": _dec(effect.after_volume),
        "before_value": _dec(effect.before_value),
        "after_value": _dec(effect.after_value),
        "change_pct": _dec(effect.change_pct, 2),
    }


def _improvement_out(item: selectors.ImprovementItem) -> dict[str, Any]:
    improvement = item.improvement
    owner = improvement.owner
    return {
        "id": improvement.pk,
        "title": improvement.title,
        "hypothesis": improvement.hypothesis,
        "reasons": [{"id": r.pk, "name": r.name} for r in improvement.reasons.all()],
        "owner": {"id": owner.pk, "name": owner.display_name} if owner else None,
        "status": improvement.status,
        "due_on": improvement.due_on,
        "done_on": improvement.done_on,
        "volume_kind": improvement.volume_kind.slug if improvement.volume_kind else None,
        "effect": _effect_out(item.effect),
    }


def _owner(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    owner = User.objects.filter(pk=user_id).first()
    if owner is None:
        raise DomainError(_("Unknown user."), field="owner", code="unknown")
    return owner


@router.get(
    "/improvements",
    response={200: ImprovementPageOut, **errors(401, 403, 422)},
    summary="List improvements with their effect",
)
def improvement_list(
    request: HttpRequest,
    status: ImprovementStatus | None = None,  # type: ignore[valid-type]
    page: Annotated[int, Query(ge=1)] = 1,
) -> dict:
    """Improvements, most recently changed first, 25 a page; done ones carry their effect.
    Staff only."""
    require_staff(request)
    result = selectors.improvement_list(today=timezone.localdate(), status=status, page=page)
    return {
        "items": [_improvement_out(item) for item in result.items],
        "page": result.number,
        "has_next": result.has_next,
    }


@router.get(
    "/improvements/{improvement_id}",
    response={200: ImprovementOut, **errors(401, 403, 404)},
    summary="Get an improvement",
)
def improvement_get(request: HttpRequest, improvement_id: int) -> dict:
    require_staff(request)
    item = selectors.improvement_detail(improvement_id=improvement_id, today=timezone.localdate())
    return _improvement_out(item)


@router.post(
    "/improvements",
    response={201: ImprovementOut, **errors(400, 401, 403, 422)},
    summary="Create an improvement",
)
def improvement_create(request: HttpRequest, payload: ImprovementIn) -> Status:
    """Supervisors and admins."""
    user = require_manager(request)
    improvement = services.improvement_create(
        title=payload.title,
        reasons=_reasons(payload.reasons),
        hypothesis=payload.hypothesis,
        owner=_owner(payload.owner),
        status=payload.status,
        due_on=payload.due_on,
        done_on=payload.done_on,
        volume_kind=_volume_kind(payload.volume_kind),
        actor=user,
    )
    item = selectors.improvement_detail(improvement_id=improvement.pk, today=timezone.localdate())
    return Status(201, _improvement_out(item))


@router.patch(
    "/improvements/{improvement_id}",
    response={200: ImprovementOut, **errors(400, 401, 403, 404, 422)},
    summary="Change an improvement",
)
def improvement_patch(request: HttpRequest, improvement_id: int, payload: ImprovementPatch) -> dict:
    """Change the fields sent (null clears owner, due_on, volume_kind). Supervisors and admins
    change anything; the improvement's owner may change `status` and `done_on`."""
    user = require_staff(request)
    improvement = selectors.improvement_get(improvement_id=improvement_id)
    may = selectors.improvement_may_edit(user=user, improvement=improvement)
    sent = payload.model_fields_set
    if may is None or (may == "status" and sent - {"status", "done_on"}):
        raise AuthorizationError(message=_("You may not change this improvement."))
    changes: dict[str, Any] = {}
    for name in ("title", "hypothesis", "status", "due_on", "done_on"):
        if name in sent:
            changes[name] = getattr(payload, name)
    for name in ("title", "hypothesis", "status"):
        if changes.get(name, "") is None:
            raise DomainError(_("This field cannot be null."), field=name)
    if "reasons" in sent:
        changes["reasons"] = _reasons(payload.reasons or [])
    if "owner" in sent:
        changes["owner"] = _owner(payload.owner)
    if "volume_kind" in sent:
        changes["volume_kind"] = _volume_kind(payload.volume_kind)
    services.improvement_update(improvement=improvement, actor=user, **changes)
    item = selectors.improvement_detail(improvement_id=improvement.pk, today=timezone.localdate())
    return _improvement_out(item)


# --------------------------------------------------------------------------------------------
# Merging reasons
# --------------------------------------------------------------------------------------------


class ReasonMergeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    into: int = Field(description="id of the reason that absorbs this one")


class ReasonMergeOut(Schema):
    reason: int = Field(description="the reason that now holds everything")
    contacts: int = Field(description="contacts that took the reason")
    customers: int = Field(description="customers whose repeat contacts were recounted")
    targets: int
    improvements: int


@router.post(
    "/reasons/{reason_id}/merge",
    response={200: ReasonMergeOut, **errors(400, 401, 403, 404, 422)},
    summary="Merge a reason into another",
)
def reason_merge(request: HttpRequest, reason_id: int, payload: ReasonMergeIn) -> dict:
    """Two names for one cause: the contacts of `reason_id` take the reason `into`, and its
    roll-ups, targets and improvements move with them; repeat contacts are recounted for the
    customers involved. The merged reason stays, inactive, pointing at `into`. Supervisors
    and admins."""
    user = require_manager(request)
    source = get_object_or_404(Reason, pk=reason_id)
    [target] = _reasons([payload.into])
    result = services.reason_merge(source=source, target=target, actor=user)
    return {
        "reason": result.target.pk,
        "contacts": result.contacts,
        "customers": result.customers,
        "targets": result.targets,
        "improvements": result.improvements,
    }
