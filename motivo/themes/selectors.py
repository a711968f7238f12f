"""Reads of theme discovery: the contacts a run starts from, the runs and their themes.

Only managers (supervisors and admins) reach these: the views and the API check the role
before calling. A missing run or theme is a 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.themes.models import Theme, ThemeMember, ThemeRun

if TYPE_CHECKING:
    import numpy as np

MEMBERS_PAGE = 50
RUNS_SHOWN = 10
BACKGROUND_CONTACTS = 5000  # contacts whose mean embedding is "what every contact says"


# --------------------------------------------------------------------------------------------
# The input of a run
# --------------------------------------------------------------------------------------------


@dataclass
class DiscoveryInput:
    """Contacts to group, oldest first: ids, texts and embeddings (row i is contact i)."""

    contact_ids: list[int]
    texts: list[str]
    vectors: np.ndarray
    left_out: int = 0  # read from the suggestions, but already decided (see below)
    capped: bool = False  # there were more than `limit`
    background: np.ndarray | None = None  # mean embedding of the period's contacts


def discovery_input(
    *, date_from: dt.date, date_to: dt.date, max_confidence: float, limit: int
) -> DiscoveryInput:
    """The contacts received between the two local days (inclusive) that fit none of our
    reasons — the model said so, or an agent did — or whose best suggestion was less sure
    than `max_confidence`, with the embeddings the suggester stored
    (`suggest.selectors.contacts_for_discovery`). Left out: contacts a person has since
    given one of our reasons (their confirmation names a reason), and contacts of themes a
    manager already acted on (turned into a reason, merged or dismissed), so a decided theme
    does not come back in the next run."""
    from motivo.suggest.selectors import contacts_for_discovery

    found = contacts_for_discovery(
        date_from,
        date_to + dt.timedelta(days=1),
        max_confidence=max_confidence,
        limit=limit,
    )
    ids = [item.contact_id for item in found.contacts]
    decided = _decided(ids)
    keep = [i for i, pk in enumerate(ids) if pk not in decided]
    return DiscoveryInput(
        contact_ids=[ids[i] for i in keep],
        texts=[found.contacts[i].text for i in keep],
        vectors=found.vectors[keep] if keep else found.vectors[:0],
        left_out=len(ids) - len(keep),
        capped=len(ids) >= limit,
        background=background_vector(date_from=date_from, date_to=date_to) if keep else None,
    )


def background_vector(
    *, date_from: dt.date, date_to: dt.date, limit: int = BACKGROUND_CONTACTS
) -> np.ndarray | None:
    """The mean embedding of the contacts received in the period — all of them, not only
    those no reason fits; the latest `limit` — which the clustering leaves out of every
    similarity (what any contact says: the language, "my order", greetings). None when no
    contact of the period has an embedding."""
    import numpy as np

    from motivo.suggest.models import ContactEmbedding

    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    blobs = list(
        ContactEmbedding.objects.filter(
            contact__received_at__gte=start, contact__received_at__lt=end
        )
        .order_by("-pk")
        .values_list("vector", flat=True)[:limit]
    )
    if not blobs:
        return None
    total = np.zeros(len(blobs[0]) // 4, dtype=np.float64)
    for blob in blobs:
        total += np.frombuffer(bytes(blob), dtype=np.float32)
    return total / len(blobs)


def _decided(contact_ids: list[int]) -> set[int]:
    from motivo.suggest.models import Confirmation

    decided: set[int] = set()
    for start in range(0, len(contact_ids), 500):
        chunk = contact_ids[start : start + 500]
        decided.update(
            Confirmation.objects.filter(
                contact_id__in=chunk, reason__isnull=False, none_of_ours=False
            ).values_list("contact_id", flat=True)
        )
        decided.update(
            ThemeMember.objects.filter(contact_id__in=chunk)
            .exclude(theme__status=Theme.Status.OPEN)
            .values_list("contact_id", flat=True)
        )
    return decided


# --------------------------------------------------------------------------------------------
# Runs and themes
# --------------------------------------------------------------------------------------------


def latest_run() -> ThemeRun | None:
    """The newest finished run (the one the page and `GET /themes` show)."""
    return (
        ThemeRun.objects.filter(status=ThemeRun.Status.DONE)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def pending_run() -> ThemeRun | None:
    """A run waiting for or in the worker, if any (the newest)."""
    return (
        ThemeRun.objects.filter(status__in=(ThemeRun.Status.QUEUED, ThemeRun.Status.RUNNING))
        .order_by("-created_at", "-pk")
        .first()
    )


def runs_recent(*, limit: int = RUNS_SHOWN) -> list[ThemeRun]:
    return list(ThemeRun.objects.select_related("requested_by")[:limit])


def run_get(*, run_id: int) -> ThemeRun:
    run = ThemeRun.objects.select_related("requested_by").filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


def _examples() -> Prefetch:
    return Prefetch(
        "members",
        queryset=ThemeMember.objects.filter(is_example=True)
        .select_related("contact__case", "contact__message", "contact__reason")
        .order_by("position"),
        to_attr="examples",
    )


def themes_of_run(*, run: ThemeRun) -> list[Theme]:
    """The run's themes, largest first, each with `examples` (its most central contacts,
    with their case, message and reason) — four queries whatever the number of themes."""
    return list(
        Theme.objects.filter(run=run)
        .select_related("reason__category", "acted_by")
        .prefetch_related(_examples())
        .order_by("rank")
    )


def theme_get(*, theme_id: int) -> Theme:
    theme = (
        Theme.objects.select_related("run", "reason__category", "acted_by")
        .prefetch_related(_examples())
        .filter(pk=theme_id)
        .first()
    )
    if theme is None:
        raise Http404
    return theme


@dataclass
class MemberPage:
    items: list[ThemeMember] = field(default_factory=list)
    number: int = 1
    has_next: bool = False


def theme_members(*, theme: Theme, page: int = 1, per_page: int = MEMBERS_PAGE) -> MemberPage:
    """One page of the theme's contacts, most central first (one row more is read to know
    whether a next page exists)."""
    page = max(page, 1)
    start = (page - 1) * per_page
    rows = list(_members(theme)[start : start + per_page + 1])
    return MemberPage(items=rows[:per_page], number=page, has_next=len(rows) > per_page)


def theme_members_all(*, theme: Theme) -> QuerySet[ThemeMember]:
    """Every contact of the theme, most central first (the CSV)."""
    return _members(theme)


def _members(theme: Theme) -> QuerySet[ThemeMember]:
    return (
        ThemeMember.objects.filter(theme=theme)
        .select_related("contact__case", "contact__message", "contact__reason__category")
        .order_by("position")
    )


def contact_text(contact: Contact) -> str:
    """What the customer wrote (the case's subject and the contact's message), as the
    clustering read it."""
    from motivo.suggest.services import contact_text as text_of

    message = getattr(contact, "message", None)
    return text_of(contact.case.subject, message.body if message else "")


def daily_due(*, now: dt.datetime | None = None) -> bool:
    """No run was asked for in the last 24 hours (a failed one does not count)."""
    now = now or timezone.now()
    return (
        not ThemeRun.objects.filter(created_at__gt=now - dt.timedelta(hours=24))
        .exclude(status=ThemeRun.Status.FAILED)
        .exists()
    )
