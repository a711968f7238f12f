"""Writes of theme discovery: asking for a run, running it, and a manager's decision on a
theme (a new reason, a merge into an existing reason, or dismissing it)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import User
from motivo.cases.models import Contact
from motivo.core.errors import DomainError
from motivo.core.tasks import enqueue_on_commit
from motivo.reasons.models import Department, Reason, ReasonCategory
from motivo.reasons.services import reason_save
from motivo.themes import clustering, selectors
from motivo.themes.models import Theme, ThemeMember, ThemeRun

log = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 366
LABEL_TERMS = 3  # key terms in a theme's label

ApplyTo = Literal["examples", "all"]


def params_current() -> dict:
    """The parameters a new run uses (settings, docs/themes.md)."""
    found = clustering.Params(
        distance=settings.MOTIVO_THEMES_DISTANCE,
        min_size=settings.MOTIVO_THEMES_MIN_SIZE,
    )
    return {
        **found.as_dict(),
        "max_confidence": settings.MOTIVO_THEMES_MAX_CONFIDENCE,
        "max_contacts": settings.MOTIVO_THEMES_MAX_CONTACTS,
    }


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last MOTIVO_THEMES_DAYS local days, today included."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.MOTIVO_THEMES_DAYS - 1), today


def _check_period(date_from: dt.date, date_to: dt.date) -> None:
    if date_from > date_to:
        raise DomainError(
            _("The start of the period must not be after its end."), field="date_from"
        )
    if (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise DomainError(
            _("A run covers at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}, field="date_from"
        )
    if date_from > timezone.localdate():
        raise DomainError(_("The period must not start in the future."), field="date_from")


# --------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------


@transaction.atomic
def theme_run_request(
    *,
    actor: User | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    trigger: str = ThemeRun.Trigger.MANUAL,
    params: dict | None = None,
    enqueue: bool = True,
) -> ThemeRun:
    """Queue a run over the period (default: the MOTIVO_THEMES_DAYS days up to `date_to`,
    itself today by default); the worker runs it after the commit (`enqueue=False`: the
    caller runs it, e.g. the command). While a run of the same period is queued or running,
    that one is returned instead of a second."""
    date_to = date_to or max(timezone.localdate(), date_from or timezone.localdate())
    date_from = date_from or default_period(date_to)[0]
    _check_period(date_from, date_to)
    waiting = ThemeRun.objects.filter(
        date_from=date_from,
        date_to=date_to,
        status__in=(ThemeRun.Status.QUEUED, ThemeRun.Status.RUNNING),
    ).first()
    if waiting is not None:
        return waiting
    run = ThemeRun.objects.create(
        date_from=date_from,
        date_to=date_to,
        trigger=trigger,
        params=params or params_current(),
        requested_by=actor,
        created_at=timezone.now(),
    )
    if enqueue:
        from motivo.themes.tasks import theme_run_task

        enqueue_on_commit(theme_run_task, run.pk)
    return run


def theme_run_execute(*, run_id: int) -> ThemeRun:
    """Run a queued run: read its contacts, group them, store the themes. Reading and
    clustering happen outside any transaction; the themes are written in one. A run that is
    not queued (already taken by another worker, or done) is returned untouched; a failure
    is recorded on the run (status failed, the error) and not raised."""
    now = timezone.now()
    claimed = ThemeRun.objects.filter(pk=run_id, status=ThemeRun.Status.QUEUED).update(
        status=ThemeRun.Status.RUNNING, started_at=now
    )
    run = ThemeRun.objects.get(pk=run_id)
    if not claimed:
        return run
    started = time.perf_counter()
    try:
        found, source = _discover(run)
        _store(run, found, source, seconds=time.perf_counter() - started)
    except Exception as exc:  # the worker must go on; the run says what happened
        log.exception("theme run %s failed", run_id)
        ThemeRun.objects.filter(pk=run_id).update(
            status=ThemeRun.Status.FAILED,
            finished_at=timezone.now(),
            seconds=time.perf_counter() - started,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
    run.refresh_from_db()
    return run


def _params_of(run: ThemeRun) -> clustering.Params:
    known = clustering.Params().as_dict()
    return clustering.Params(**{key: run.params[key] for key in known if key in run.params})


def _discover(run: ThemeRun) -> tuple[clustering.Discovery, selectors.DiscoveryInput]:
    source = selectors.discovery_input(
        date_from=run.date_from,
        date_to=run.date_to,
        max_confidence=float(
            run.params.get("max_confidence", settings.MOTIVO_THEMES_MAX_CONFIDENCE)
        ),
        limit=int(run.params.get("max_contacts", settings.MOTIVO_THEMES_MAX_CONTACTS)),
    )
    found = clustering.discover(
        source.texts, source.vectors, _params_of(run), background=source.background
    )
    return found, source


@transaction.atomic
def _store(
    run: ThemeRun,
    found: clustering.Discovery,
    source: selectors.DiscoveryInput,
    *,
    seconds: float,
) -> None:
    examples = _params_of(run).examples
    ids = source.contact_ids
    members: list[ThemeMember] = []
    for rank, item in enumerate(found.themes, start=1):
        theme = Theme.objects.create(
            run=run,
            rank=rank,
            label=theme_label(item.terms),
            terms=list(item.terms),
            size=item.size,
        )
        members += [
            ThemeMember(
                theme=theme,
                contact_id=ids[position],
                position=order,
                centrality=round(centrality, 6),
                is_example=order <= examples,
            )
            for order, (position, centrality) in enumerate(
                zip(item.members, item.centrality, strict=True), start=1
            )
        ]
    ThemeMember.objects.bulk_create(members, batch_size=1000)
    run.status = ThemeRun.Status.DONE
    run.finished_at = timezone.now()
    run.contacts = len(ids)
    run.noise = len(found.noise)
    run.seconds = round(seconds, 3)
    run.params = {**run.params, "left_out": source.left_out, "capped": source.capped}
    run.save(update_fields=["status", "finished_at", "contacts", "noise", "seconds", "params"])


def theme_label(terms: tuple[str, ...] | list[str]) -> str:
    """A theme's name until someone names it: its first key terms ("" when it has none;
    the pages then say so in the reader's language)."""
    return ", ".join(terms[:LABEL_TERMS])[:200]


def themes_daily(*, today: dt.date | None = None) -> ThemeRun | None:
    """The daily run over the last MOTIVO_THEMES_DAYS days, run now (the worker's daily task
    and `manage.py themes_discover` call this). None when today's daily run exists already."""
    date_from, date_to = default_period(today)
    try:
        with transaction.atomic():
            run = ThemeRun.objects.create(
                date_from=date_from,
                date_to=date_to,
                trigger=ThemeRun.Trigger.DAILY,
                params=params_current(),
                created_at=timezone.now(),
            )
    except IntegrityError:  # today's daily run is there already (the unique constraint)
        return None
    return theme_run_execute(run_id=run.pk)


# --------------------------------------------------------------------------------------------
# A manager's decision
# --------------------------------------------------------------------------------------------


def _lock_open(theme: Theme) -> Theme:
    locked = Theme.objects.select_for_update().select_related("run").get(pk=theme.pk)
    if not locked.is_open:
        raise DomainError(
            _("This theme was already dealt with: %(status)s.")
            % {"status": locked.get_status_display()},
            field="theme",
            code="conflict",
        )
    return locked


def _decided_by_person(contact_ids: list[int]) -> set[int]:
    """Contacts a person has put under one of our reasons (their confirmation names one):
    a theme decision never overrides that."""
    from motivo.suggest.models import Confirmation

    return set(
        Confirmation.objects.filter(
            contact_id__in=contact_ids, reason__isnull=False, none_of_ours=False
        ).values_list("contact_id", flat=True)
    )


def _classify(*, theme: Theme, reason: Reason, actor: User, examples_only: bool) -> int:
    """Give the theme's contacts (or only its examples) `reason`, through the suggestion
    app's confirmation — so they become training data for the next model version, and the
    roll-ups, repeats and case timelines follow through `contact_set_reason`. Contacts a
    person already gave one of our reasons keep theirs. Returns how many got it."""
    from motivo.suggest.services import contact_reason_confirm

    members = ThemeMember.objects.filter(theme=theme)
    if examples_only:
        members = members.filter(is_example=True)
    ids = list(members.order_by("position").values_list("contact_id", flat=True))
    kept = _decided_by_person(ids)
    contacts = Contact.objects.in_bulk([pk for pk in ids if pk not in kept])
    done = 0
    for pk in ids:
        contact = contacts.get(pk)
        if contact is None:
            continue
        contact_reason_confirm(contact=contact, actor=actor, reason=reason)
        done += 1
    return done


def _record(theme: Theme, *, status: str, actor: User, reason: Reason | None, done: int) -> Theme:
    theme.status = status
    theme.reason = reason
    theme.acted_by = actor
    theme.acted_at = timezone.now()
    theme.contacts_classified = done
    theme.save(update_fields=["status", "reason", "acted_by", "acted_at", "contacts_classified"])
    return theme


@transaction.atomic
def theme_to_reason(
    *,
    theme: Theme,
    actor: User,
    name: str,
    category: ReasonCategory,
    owner: Department | None,
    action: str,
    description: str = "",
    apply_to: ApplyTo = "examples",
) -> Theme:
    """Turn an open theme into a new reason (created through the reasons app, with its
    `created` event). The theme's example contacts — or all its contacts, with
    `apply_to="all"` — get the new reason as confirmed by `actor`: the first training data
    of the reason. The theme records the decision (status, reason, who, when)."""
    if apply_to not in ("examples", "all"):
        raise DomainError(
            _("Apply the reason to the examples or to all contacts."), field="apply_to"
        )
    theme = _lock_open(theme)
    reason = reason_save(
        category=category,
        name=name,
        owner=owner,
        action=action,
        description=description,
        actor=actor,
    )
    done = _classify(theme=theme, reason=reason, actor=actor, examples_only=apply_to == "examples")
    return _record(theme, status=Theme.Status.REASON_CREATED, actor=actor, reason=reason, done=done)


@transaction.atomic
def theme_merge(*, theme: Theme, actor: User, reason: Reason) -> Theme:
    """Merge an open theme into an existing, active reason: all its contacts get that reason
    as confirmed by `actor` (those a person already classified keep theirs)."""
    if not reason.active:
        raise DomainError(_("That reason is no longer in use."), field="reason")
    theme = _lock_open(theme)
    done = _classify(theme=theme, reason=reason, actor=actor, examples_only=False)
    return _record(theme, status=Theme.Status.MERGED, actor=actor, reason=reason, done=done)


@transaction.atomic
def theme_dismiss(*, theme: Theme, actor: User) -> Theme:
    """Mark an open theme as not a reason of its own; its contacts stay as they are and are
    left out of later runs."""
    theme = _lock_open(theme)
    return _record(theme, status=Theme.Status.DISMISSED, actor=actor, reason=None, done=0)
