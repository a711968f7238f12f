"""API v1 operations of the reasons app (mounted by motivo.api.api): the council's
value–irritant rating of a reason. The taxonomy itself is listed by `GET /api/v1/reasons`."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import AuthorizationError
from pydantic import ConfigDict

from motivo.accounts.models import User
from motivo.api.schemas import ReasonOut, errors
from motivo.reasons import selectors, services

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
