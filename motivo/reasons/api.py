"""API v1 operations of the reasons app (mounted by motivo.api.api): one reason with its
description and example phrases, changing it, and the council's value–irritant rating. The
taxonomy is listed by `GET /api/v1/reasons` and a reason created by `POST /api/v1/reasons`
(both in api.py, on the same path; `reason_create_apply` below does the work)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import AuthorizationError
from pydantic import ConfigDict

from motivo.accounts.models import User
from motivo.api.schemas import ReasonOut, errors
from motivo.core.errors import DomainError
from motivo.reasons import selectors, services
from motivo.reasons.models import Action, Department, Reason, ReasonCategory

router = Router(tags=["reasons"])


class RatingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_rating: int | None = Field(
        description="Value to the customer: -2 very irritating, -1 irritating, 1 valuable, "
        "2 very valuable; null (with company_rating null) clears the rating",
        examples=[-2],
    )
    company_rating: int | None = Field(
        description="Value to the company, same scale", examples=[-1]
    )


def require_manager(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if not user.is_manager:
        raise AuthorizationError(message=_("Only supervisors and administrators can rate reasons."))
    return user


@router.put(
    "/reasons/{reason_id}/rating",
    response={200: ReasonOut, **errors(401, 403, 404, 422)},
    summary="Rate a reason (value–irritant matrix)",
)
def reason_rating_put(request: HttpRequest, reason_id: int, payload: RatingIn) -> object:
    """Set how valuable or irritating the reason is to the customer and to the company.
    The answer is the reason with its `quadrant` and `flagged` (the chosen action disagrees
    with the quadrant). A change is recorded as a `rated` event of the reason; sending the
    same rating again changes nothing. Supervisors and administrators only."""
    user = require_manager(request)
    reason = get_object_or_404(selectors.reason_list(active_only=False), pk=reason_id)
    reason = services.reason_rate(
        reason=reason,
        customer_rating=payload.customer_rating,
        company_rating=payload.company_rating,
        actor=user,
    )
    return get_object_or_404(selectors.reason_list(active_only=False), pk=reason.pk)


# --------------------------------------------------------------------------------------------
# One reason: read, create, change
# --------------------------------------------------------------------------------------------

EXAMPLES_HELP = (
    "How customers put this reason, one short phrase each (at most 50, 300 characters "
    "each): with the name and the description, what reason suggestions learn from before "
    "any contact is confirmed; changing them retrains the model"
)


class ReasonDetailOut(ReasonOut):
    category_id: int
    owner_id: int | None = Field(description="The owning department's id")
    description: str = Field(description="When agents should pick this reason, and when not")
    examples: list[str] = Field(description=EXAMPLES_HELP)


class ReasonCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=150,
        description="Named the way the customer would say it",
        examples=["¿Dónde está mi pedido?"],
    )
    category: int = Field(description="The category's id")
    owner: int | None = Field(None, description="The owning department's id")
    owner_person: int | None = Field(None, description="The answerable person's user id")
    action: Action = Field(
        Action.ELIMINATE, description="eliminate, self_serve, simplify, leverage"
    )
    description: str = Field("", max_length=5000)
    examples: list[str] = Field(default_factory=list, description=EXAMPLES_HELP)
    active: bool = True


class ReasonUpdateIn(Schema):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=150)
    category: int | None = Field(None, description="The category's id")
    owner: int | None = Field(None, description="The owning department's id; null: none")
    owner_person: int | None = Field(None, description="A staff user's id; null: nobody")
    action: Action | None = None
    description: str | None = Field(None, max_length=5000)
    examples: list[str] | None = Field(None, description=EXAMPLES_HELP)
    active: bool | None = None


def _category(pk: int) -> ReasonCategory:
    found = ReasonCategory.objects.filter(pk=pk).first()
    if found is None:
        raise DomainError(_("Unknown category."), field="category", code="unknown")
    return found


def _department(pk: int | None) -> Department | None:
    if pk is None:
        return None
    found = Department.objects.filter(pk=pk).first()
    if found is None:
        raise DomainError(_("Unknown department."), field="owner", code="unknown")
    return found


def _person(pk: int | None) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk).first()
    if found is None:
        raise DomainError(_("Unknown user."), field="owner_person", code="unknown")
    return found


def _require_editor(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if not user.is_manager:
        raise AuthorizationError(
            message=_("Only supervisors and administrators can change reasons.")
        )
    return user


def _detail(reason: Reason) -> Reason:
    return get_object_or_404(selectors.reason_list(active_only=False), pk=reason.pk)


def reason_create_apply(request: HttpRequest, payload: ReasonCreateIn) -> Reason:
    """`POST /api/v1/reasons` (declared in api.py beside the list): create a reason."""
    user = _require_editor(request)
    reason = services.reason_save(
        category=_category(payload.category),
        name=payload.name,
        owner=_department(payload.owner),
        owner_person=_person(payload.owner_person),
        action=payload.action,
        description=payload.description,
        examples=payload.examples,
        active=payload.active,
        actor=user,
    )
    return _detail(reason)


@router.get(
    "/reasons/{int:reason_id}",
    response={200: ReasonDetailOut, **errors(401, 403, 404)},
    summary="Get a reason with its description and example phrases",
)
def reason_get(request: HttpRequest, reason_id: int) -> Reason:
    """One reason of the taxonomy, retired or not, with its description and the example
    phrases reason suggestions learn from. Staff only."""
    user: User = request.auth  # type: ignore[attr-defined]
    if not user.is_staff_member:
        raise AuthorizationError(message=_("Only staff can do this."))
    return get_object_or_404(selectors.reason_list(active_only=False), pk=reason_id)


@router.patch(
    "/reasons/{int:reason_id}",
    response={200: ReasonDetailOut, **errors(401, 403, 404, 422)},
    summary="Change a reason (name, category, owner, action, description, example phrases)",
)
def reason_patch(request: HttpRequest, reason_id: int, payload: ReasonUpdateIn) -> Reason:
    """Change the fields sent and keep the others. Each change is recorded as an event of
    the reason (its history); a new description or new example phrases make the reason
    suggestion model retrain. Supervisors and administrators only."""
    user = _require_editor(request)
    reason = get_object_or_404(selectors.reason_list(active_only=False), pk=reason_id)
    sent = payload.model_fields_set
    values: dict[str, Any] = {
        "category": _category(payload.category)
        if "category" in sent and payload.category
        else reason.category,
        "name": payload.name if "name" in sent and payload.name is not None else reason.name,
        "owner": _department(payload.owner) if "owner" in sent else reason.owner,
        "action": payload.action if "action" in sent and payload.action else reason.action,
        "description": payload.description
        if "description" in sent and payload.description is not None
        else reason.description,
        "active": payload.active
        if "active" in sent and payload.active is not None
        else reason.active,
    }
    if "owner_person" in sent:
        values["owner_person"] = _person(payload.owner_person)
    if "examples" in sent:
        values["examples"] = payload.examples or []
    reason = services.reason_save(reason=reason, actor=user, **values)
    return _detail(reason)
