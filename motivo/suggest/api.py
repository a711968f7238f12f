"""API v1 operations of reason suggestion (mounted by motivo.api.api): suggestions for a raw
text and for a contact, confirming or changing a contact's reason, the model's versions,
retraining, rolling back, and the policy. Staff read and confirm; supervisors and admins
retrain and roll back; admins change the policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthorizationError
from pydantic import ConfigDict

from motivo.accounts.models import Role, User
from motivo.api.auth import require_staff
from motivo.api.schemas import errors
from motivo.cases.models import Contact
from motivo.core.errors import DomainError
from motivo.reasons.models import Reason
from motivo.suggest import selectors, services
from motivo.suggest.models import ModelVersion

router = Router(tags=["suggestions"])


def require_manager(request: HttpRequest) -> User:
    user = require_staff(request)
    if not user.is_manager:
        raise AuthorizationError(message=_("Only supervisors and admins can do this."))
    return user


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class TextIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=5000,
        description="What the customer wrote (any language; the model reads the first "
        "2,000 characters)",
        examples=["Hola, mi pedido 4471 no ha llegado todavía"],
    )


class SuggestedOut(Schema):
    reason_id: int
    reason: str
    category: str
    confidence: float = Field(description="0..1: how sure the model is")


class SuggestionsOut(Schema):
    model_version: int = Field(description="The version that made the suggestions")
    none_of_ours: bool = Field(
        description="The text seems to fit none of the reasons (the suggestions are then only "
        "the closest ones)"
    )
    suggestions: list[SuggestedOut] = Field(description="Up to three reasons, best first")


class ReasonRefOut(Schema):
    id: int
    name: str
    category: str


class ConfirmationOut(Schema):
    reason_id: int | None = Field(description="The reason the agent chose; null with none_of_ours")
    none_of_ours: bool = Field(description="The agent said none of our reasons fits")
    suggested_rank: int | None = Field(
        description="Where the chosen reason was among the suggestions (1: the top one was "
        "kept); null when it was not among them"
    )
    by: str | None = Field(description="Who confirmed, by name")
    confirmed_at: dt.datetime


class ContactSuggestionsOut(Schema):
    contact_id: int
    case_id: int
    reason: ReasonRefOut | None = Field(description="The contact's reason now")
    ready: bool = Field(
        description="false while the background suggester has not reached the contact yet "
        "(normally within two seconds of its arrival)"
    )
    refined: bool = Field(
        description="false while the suggestions are the first, lexical pass; the embedding "
        "model's replace them moments later (and only then is none_of_ours decided)"
    )
    model_version: int | None
    none_of_ours: bool
    auto_applied: bool = Field(
        description="The model applied its top suggestion to the contact automatically"
    )
    suggestions: list[SuggestedOut]
    confirmation: ConfirmationOut | None


class ReasonChoiceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: int | str | None = Field(
        None, description="The reason's id or exact name (send it, or none_of_ours)", examples=[3]
    )
    none_of_ours: bool = Field(
        False, description="true: the contact fits none of our reasons (its reason stays)"
    )


class ComparedOut(Schema):
    number: int
    accuracy: float | None = None
    top3: float | None = None


class ModelVersionOut(Schema):
    number: int
    status: str = Field(
        description="queued, training, active, retired, rejected (worse than the active "
        "version on the held-out contacts) or failed"
    )
    trigger: str = Field(description="cold_start, confirmations, reasons_changed, manual or demo")
    created_at: dt.datetime
    trained_at: dt.datetime | None
    activated_at: dt.datetime | None
    n_examples: int = Field(description="Confirmed contacts it was trained on")
    n_labels: int = Field(description="Reasons it can suggest")
    n_heldout: int = Field(description="Held-out confirmed contacts it was measured on")
    accuracy: float | None = Field(description="0..1: top suggestion right, held out")
    top3: float | None = Field(description="0..1: the right reason among the three, held out")
    decision: str | None = Field(
        description="first, reasons_changed, no_heldout, not_worse or worse: why it was "
        "activated or rejected"
    )
    compared_with: ComparedOut | None = Field(
        description="The active version it was compared with, on the same held-out contacts"
    )
    train_seconds: float | None
    note: str

    @staticmethod
    def resolve_n_heldout(obj: ModelVersion) -> int:
        return int(obj.metrics.get("n_heldout") or 0)

    @staticmethod
    def resolve_accuracy(obj: ModelVersion) -> float | None:
        return obj.metrics.get("accuracy")

    @staticmethod
    def resolve_top3(obj: ModelVersion) -> float | None:
        return obj.metrics.get("top3")

    @staticmethod
    def resolve_decision(obj: ModelVersion) -> str | None:
        return obj.metrics.get("decision")

    @staticmethod
    def resolve_compared_with(obj: ModelVersion) -> dict | None:
        return obj.metrics.get("compared_with")


class SettingsIO(Schema):
    model_config = ConfigDict(extra="forbid")

    auto_apply: bool = Field(description="Apply the top suggestion automatically")
    auto_apply_threshold: float = Field(
        ge=0.5, le=1.0, description="From this confidence (0.5..1)", examples=[0.9]
    )
    retrain_after: int = Field(ge=1, description="Retrain after this many new confirmations")


class SuggesterOut(Schema):
    running: bool = Field(description="The background suggester reported in the last minute")
    heartbeat_at: dt.datetime | None
    waiting: int = Field(
        description="Contacts waiting for their suggestions, counted up to 10,000 (10000 means "
        "at least that many)"
    )


class ModelStatusOut(Schema):
    active: ModelVersionOut | None
    pending: ModelVersionOut | None = Field(description="A version queued or training")
    settings: SettingsIO
    suggester: SuggesterOut
    versions: list[ModelVersionOut] = Field(description="The latest 50, newest first")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _suggested(reason: Reason, confidence: float) -> dict[str, Any]:
    return {
        "reason_id": reason.pk,
        "reason": reason.name,
        "category": reason.category.name,
        "confidence": round(confidence, 4),
    }


def _contact_out(contact_id: int) -> dict[str, Any]:
    contact = Contact.objects.select_related("reason__category").get(pk=contact_id)
    found = selectors.contact_suggestions(contact_ids=[contact.pk])[contact.pk]
    confirmation = found.confirmation
    reason = contact.reason
    return {
        "contact_id": contact.pk,
        "case_id": contact.case_id,
        "reason": {"id": reason.pk, "name": reason.name, "category": reason.category.name}
        if reason
        else None,
        "ready": found.ready,
        "refined": found.refined,
        "model_version": found.model_number,
        "none_of_ours": found.none_of_ours,
        "auto_applied": found.auto_applied,
        "suggestions": [_suggested(s.reason, s.confidence) for s in found.suggestions],
        "confirmation": {
            "reason_id": confirmation.reason_id,
            "none_of_ours": confirmation.none_of_ours,
            "suggested_rank": confirmation.suggested_rank,
            "by": confirmation.actor.display_name if confirmation.actor else None,
            "confirmed_at": confirmation.confirmed_at,
        }
        if confirmation
        else None,
    }


def _reason(value: int | str) -> Reason:
    """An active reason by id or by exact name (case-insensitive)."""
    reasons = Reason.objects.filter(active=True)
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        found = reasons.filter(pk=int(value)).first()
    else:
        named = list(reasons.filter(name__iexact=value.strip())[:2])
        if len(named) > 1:
            raise DomainError(
                _("Several reasons have that name; send the reason's id."),
                field="reason",
                code="ambiguous",
            )
        found = named[0] if named else None
    if found is None:
        raise DomainError(_("Unknown reason."), field="reason", code="unknown")
    return found


# --------------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------------


@router.post(
    "/reasons/suggest",
    response={200: SuggestionsOut, **errors(401, 403, 409, 422)},
    summary="Suggest reasons for a text",
)
def reasons_suggest(request: HttpRequest, payload: TextIn) -> dict:
    """The three most likely reasons for a text, with the active model's confidence in each
    (0..1), and `none_of_ours` when the text seems to fit none of them. Nothing is stored.
    With no model yet, the first one is trained from the reasons' names, descriptions and
    example phrases; 409 while one is being trained. Staff only."""
    require_staff(request)
    found = services.suggest_text(text=payload.text)
    return {
        "model_version": found.model_number,
        "none_of_ours": found.none_of_ours,
        "suggestions": [_suggested(s.reason, s.confidence) for s in found.suggestions],
    }


@router.get(
    "/contacts/{contact_id}/suggestions",
    response={200: ContactSuggestionsOut, **errors(401, 403, 404)},
    summary="Get a contact's reason suggestions",
)
def contact_suggestions(request: HttpRequest, contact_id: int) -> dict:
    """The top three reasons the model suggested when the contact arrived, with their
    confidence; `ready` is false until the background suggester has reached it. Also the
    contact's reason now, whether the model applied it automatically, and the agent's
    confirmation, if any. Staff only."""
    user = require_staff(request)
    contact = selectors.contact_get_for_staff(user=user, contact_id=contact_id)
    return _contact_out(contact.pk)


@router.put(
    "/contacts/{contact_id}/reason",
    response={200: ContactSuggestionsOut, **errors(401, 403, 404, 422)},
    summary="Confirm or change a contact's reason",
)
def contact_reason_put(request: HttpRequest, contact_id: int, payload: ReasonChoiceIn) -> dict:
    """Set the contact's reason (`reason`: id or exact name of an active reason) — the same
    reason again confirms it — or say it fits none of our reasons (`none_of_ours: true`; its
    reason, if any, stays). The choice is recorded with what had been suggested (the quality
    figures) and becomes training data for the next model version. Staff only."""
    user = require_staff(request)
    contact = selectors.contact_get_for_staff(user=user, contact_id=contact_id)
    if payload.none_of_ours and payload.reason is not None:
        raise DomainError(
            _("Send a reason or none_of_ours, not both."), field="none_of_ours", code="invalid"
        )
    reason = _reason(payload.reason) if payload.reason is not None else None
    services.contact_reason_confirm(
        contact=contact, actor=user, reason=reason, none_of_ours=payload.none_of_ours
    )
    return _contact_out(contact.pk)


def _status() -> dict[str, Any]:
    overview = selectors.model_overview()
    policy = overview.settings
    return {
        "active": overview.active,
        "pending": overview.pending,
        "settings": {
            "auto_apply": policy.auto_apply,
            "auto_apply_threshold": policy.auto_apply_threshold,
            "retrain_after": policy.retrain_after,
        },
        "suggester": {
            "running": overview.suggester_running,
            "heartbeat_at": overview.state.heartbeat_at,
            "waiting": overview.backlog,
        },
        "versions": overview.versions,
    }


@router.get(
    "/suggest/model",
    response={200: ModelStatusOut, **errors(401, 403)},
    summary="The suggestion model's status and versions",
)
def suggest_model(request: HttpRequest) -> dict:
    """The active version with its held-out accuracy, a version queued or training, the
    policy (automatic application, retraining), whether the background suggester is running
    and how many contacts wait for it, and the latest versions. Staff only."""
    require_staff(request)
    return _status()


@router.post(
    "/suggest/retrain",
    response={202: ModelVersionOut, **errors(401, 403, 409)},
    summary="Retrain the suggestion model now",
)
def suggest_retrain(request: HttpRequest) -> Status:
    """Queue a new version; the background suggester trains it within seconds and activates
    it unless it does worse than the active one on the held-out contacts (follow it with
    `GET /suggest/model`). While a version is queued or training, that one is answered.
    Supervisors and admins."""
    user = require_manager(request)
    version = services.retrain_request(trigger=ModelVersion.Trigger.MANUAL, actor=user)
    return Status(202, version)


@router.post(
    "/suggest/model/{number}/activate",
    response={200: ModelVersionOut, **errors(401, 403, 404, 409)},
    summary="Activate a model version (roll back)",
)
def suggest_model_activate(request: HttpRequest, number: int) -> ModelVersion:
    """Make an earlier (retired) or a rejected version the active one: how a bad new version
    is rolled back. New contacts get its suggestions from the suggester's next round.
    Supervisors and admins."""
    user = require_manager(request)
    version = selectors.version_get(number=number)
    return services.model_activate(version=version, actor=user)


@router.put(
    "/suggest/settings",
    response={200: SettingsIO, **errors(401, 403, 422)},
    summary="Change the suggestion policy",
)
def suggest_settings_put(request: HttpRequest, payload: SettingsIO) -> dict:
    """Whether the top suggestion is applied automatically and from which confidence
    (0.5..1), and after how many new confirmations the model retrains. Admins only."""
    user = require_staff(request)
    if user.role != Role.ADMIN:
        raise AuthorizationError(message=_("Only administrators can change this."))
    policy = services.settings_update(
        auto_apply=payload.auto_apply,
        auto_apply_threshold=payload.auto_apply_threshold,
        retrain_after=payload.retrain_after,
    )
    return {
        "auto_apply": policy.auto_apply,
        "auto_apply_threshold": policy.auto_apply_threshold,
        "retrain_after": policy.retrain_after,
    }
