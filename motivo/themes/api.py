"""API v1 operations of theme discovery (mounted by motivo.api.api): the latest run's themes,
a run's progress, a new run, and a manager's decision on a theme. Supervisors and admins
only, as on the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthorizationError
from pydantic import ConfigDict

from motivo.accounts.models import User
from motivo.api.auth import require_staff
from motivo.api.schemas import errors
from motivo.core.errors import DomainError
from motivo.reasons.models import Action, Department, Reason, ReasonCategory
from motivo.themes import selectors, services
from motivo.themes.models import Theme, ThemeRun

router = Router(tags=["themes"])


def require_manager(request: HttpRequest) -> User:
    user = require_staff(request)
    if not user.is_manager:
        raise AuthorizationError(message=_("Only supervisors and admins can do this."))
    return user


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class RunOut(Schema):
    id: int
    status: str = Field(description="queued, running, done or failed")
    trigger: str = Field(description="manual, daily or demo")
    date_from: dt.date = Field(description="First local day of the contacts read")
    date_to: dt.date = Field(description="Last local day (inclusive)")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    contacts: int = Field(description="Contacts considered (done runs)")
    noise: int = Field(description="Contacts in no theme")
    seconds: float | None = Field(description="How long the run took")
    params: dict[str, Any] = Field(description="Clustering and selection parameters used")
    error: str = Field(description="Why a failed run failed")


class ExampleOut(Schema):
    contact_id: int
    case_id: int
    received_at: dt.datetime
    channel: str
    subject: str
    text: str = Field(description="The contact's message")
    reason_id: int | None = Field(description="The contact's reason now, if any")


class ThemeOut(Schema):
    id: int
    run_id: int
    rank: int = Field(description="1 is the largest theme of its run")
    label: str = Field(description="The first key terms")
    terms: list[str] = Field(description="Distinctive words and word pairs, most telling first")
    size: int = Field(description="Contacts in the theme")
    share: float = Field(description="Of the run's contacts, 0..1")
    status: str = Field(description="open, reason_created, merged or dismissed")
    reason: RefOut | None = Field(description="The reason created from it or merged into")
    acted_by: RefOut | None
    acted_at: dt.datetime | None
    contacts_classified: int = Field(description="Contacts that got the reason by the decision")
    examples: list[ExampleOut] = Field(description="Its most typical contacts, best first")


class ThemesOut(Schema):
    run: RunOut | None = Field(description="The run shown (null: none has finished yet)")
    pending: RunOut | None = Field(description="A run waiting for or in the worker")
    themes: list[ThemeOut] = Field(description="Largest first")


class RunIn(Schema):
    model_config = ConfigDict(extra="forbid")

    date_from: dt.date | None = Field(
        None, description="First local day (default: MOTIVO_THEMES_DAYS days before date_to)"
    )
    date_to: dt.date | None = Field(None, description="Last local day, inclusive (default: today)")


class ToReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=150,
        description="The new reason, named the way the customer would say it",
        examples=["Mis puntos de Club Sol no aparecen"],
    )
    category: int = Field(description="The category's id")
    owner: int | None = Field(None, description="The owning department's id")
    action: Action = Field(
        Action.ELIMINATE, description="eliminate, self_serve, simplify, leverage"
    )
    description: str = Field("", max_length=5000)
    apply_to: Literal["examples", "all"] = Field(
        "examples",
        description="Which contacts of the theme get the new reason (its first training "
        "data): its examples or all of them. Contacts a person already gave one of our "
        "reasons keep theirs.",
    )


class MergeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: int = Field(description="The id of an active reason")


# --------------------------------------------------------------------------------------------
# Shaping
# --------------------------------------------------------------------------------------------


def _run_out(run: ThemeRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "status": run.status,
        "trigger": run.trigger,
        "date_from": run.date_from,
        "date_to": run.date_to,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "contacts": run.contacts,
        "noise": run.noise,
        "seconds": run.seconds,
        "params": run.params,
        "error": run.error,
    }


def _theme_out(theme: Theme, run: ThemeRun) -> dict[str, Any]:
    return {
        "id": theme.pk,
        "run_id": theme.run_id,
        "rank": theme.rank,
        "label": theme.label,
        "terms": theme.terms,
        "size": theme.size,
        "share": round(theme.size / run.contacts, 4) if run.contacts else 0.0,
        "status": theme.status,
        "reason": {"id": theme.reason.pk, "name": theme.reason.name} if theme.reason else None,
        "acted_by": (
            {"id": theme.acted_by.pk, "name": theme.acted_by.display_name}
            if theme.acted_by
            else None
        ),
        "acted_at": theme.acted_at,
        "contacts_classified": theme.contacts_classified,
        "examples": [
            {
                "contact_id": member.contact_id,
                "case_id": member.contact.case_id,
                "received_at": member.contact.received_at,
                "channel": member.contact.channel,
                "subject": member.contact.case.subject,
                "text": member.contact.message.body if hasattr(member.contact, "message") else "",
                "reason_id": member.contact.reason_id,
            }
            for member in theme.examples
        ],
    }


def _themes_out(run: ThemeRun | None) -> dict[str, Any]:
    themes = selectors.themes_of_run(run=run) if run and run.status == "done" else []
    return {
        "run": _run_out(run),
        "pending": _run_out(selectors.pending_run()),
        "themes": [_theme_out(theme, run) for theme in themes],  # type: ignore[arg-type]
    }


def _theme(theme_id: int) -> Theme:
    return selectors.theme_get(theme_id=theme_id)


def _get(model: type, pk: int | None, field: str, message: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise DomainError(message, field=field, code="unknown")
    return found


# --------------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------------


@router.get(
    "/themes",
    response={200: ThemesOut, **errors(401, 403)},
    summary="List the themes of the latest run",
)
def themes_list(request: HttpRequest) -> dict[str, Any]:
    """Contacts that fit none of our reasons (or whose suggestion was unsure), grouped into
    themes by the latest finished run: each theme with its key terms, size, share and
    example contacts, largest first, and what a manager decided about it. `pending` is a
    run still waiting or running. Supervisors and admins only."""
    require_manager(request)
    return _themes_out(selectors.latest_run())


@router.get(
    "/themes/runs/{run_id}",
    response={200: ThemesOut, **errors(401, 403, 404)},
    summary="Get a theme run and its themes",
)
def theme_run_get(request: HttpRequest, run_id: int) -> dict[str, Any]:
    """One run (poll it after `POST /themes/run` until `status` is done or failed) with its
    themes once done. Supervisors and admins only."""
    require_manager(request)
    return _themes_out(selectors.run_get(run_id=run_id))


@router.post(
    "/themes/run",
    response={202: RunOut, **errors(401, 403, 422)},
    summary="Find themes now",
)
def theme_run_create(request: HttpRequest, payload: RunIn) -> Status:
    """Queue a run over the period (default: the last MOTIVO_THEMES_DAYS days, today
    included); the background worker runs it. While a run of the same period is queued or
    running, that run is answered instead of a second. Poll `GET /themes/runs/{id}`.
    Supervisors and admins only."""
    user = require_manager(request)
    run = services.theme_run_request(
        actor=user, date_from=payload.date_from, date_to=payload.date_to
    )
    run.refresh_from_db()  # the immediate backend (tests) has run it already
    return Status(202, _run_out(run))


@router.post(
    "/themes/{theme_id}/to-reason",
    response={200: ThemeOut, **errors(401, 403, 404, 409, 422)},
    summary="Turn a theme into a new reason",
)
def theme_to_reason(request: HttpRequest, theme_id: int, payload: ToReasonIn) -> dict[str, Any]:
    """Create a reason from an open theme (as `POST /reasons` would) and give it to the
    theme's examples — or all its contacts — as confirmed by the caller: the reason's first
    training data. The theme records the decision; a theme already decided answers 409.
    Supervisors and admins only."""
    user = require_manager(request)
    theme = _theme(theme_id)
    theme = services.theme_to_reason(
        theme=theme,
        actor=user,
        name=payload.name,
        category=_get(ReasonCategory, payload.category, "category", _("Unknown category.")),
        owner=_get(Department, payload.owner, "owner", _("Unknown department.")),
        action=payload.action,
        description=payload.description,
        apply_to=payload.apply_to,
    )
    theme = _theme(theme.pk)
    return _theme_out(theme, theme.run)


@router.post(
    "/themes/{theme_id}/merge",
    response={200: ThemeOut, **errors(401, 403, 404, 409, 422)},
    summary="Merge a theme into an existing reason",
)
def theme_merge(request: HttpRequest, theme_id: int, payload: MergeIn) -> dict[str, Any]:
    """All the contacts of an open theme get an existing, active reason as confirmed by the
    caller (contacts a person already gave one of our reasons keep theirs). The theme
    records the decision; a theme already decided answers 409. Supervisors and admins
    only."""
    user = require_manager(request)
    theme = _theme(theme_id)
    reason = _get(Reason, payload.reason, "reason", _("Unknown reason."))
    theme = services.theme_merge(theme=theme, actor=user, reason=reason)
    theme = _theme(theme.pk)
    return _theme_out(theme, theme.run)


@router.post(
    "/themes/{theme_id}/dismiss",
    response={200: ThemeOut, **errors(401, 403, 404, 409)},
    summary="Dismiss a theme",
)
def theme_dismiss(request: HttpRequest, theme_id: int) -> dict[str, Any]:
    """Mark an open theme as not a reason of its own: its contacts stay as they are and
    later runs leave them out. Supervisors and admins only."""
    user = require_manager(request)
    theme = services.theme_dismiss(theme=_theme(theme_id), actor=user)
    theme = _theme(theme.pk)
    return _theme_out(theme, theme.run)
