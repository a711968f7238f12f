"""Reads of reason suggestion: a contact's suggestions, the model's status, the quality of
the suggestions, and the contacts theme discovery starts from.

Only staff reach these (the views and the API check the role); every contact belongs to a
case, and staff see every case.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from motivo.accounts.models import User
from motivo.cases.models import Contact
from motivo.reasons.models import Reason
from motivo.suggest.models import (
    Confirmation,
    ContactEmbedding,
    ContactPrediction,
    ModelVersion,
    SuggesterState,
    SuggestSettings,
)

if TYPE_CHECKING:
    import numpy as np

Status = ModelVersion.Status

LOW_CONFIDENCE = 0.5  # below this top confidence a contact is a candidate for a new theme
HEARTBEAT_STALE = dt.timedelta(seconds=60)


# ------------------------------------------------------------------------------------------
# A contact's suggestions
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionItem:
    rank: int
    reason: Reason
    confidence: float

    @property
    def reason_id(self) -> int:
        return self.reason.pk


@dataclass
class ContactSuggestions:
    """What the model said about one contact, and what an agent confirmed."""

    contact_id: int
    ready: bool = False  # False: the suggester has not reached this contact yet
    refined: bool = False  # True once the embedding model's suggestions replaced the first
    model_number: int | None = None
    none_of_ours: bool = False
    top_confidence: float | None = None
    auto_applied: bool = False
    auto_reason_id: int | None = None
    suggestions: list[SuggestionItem] = field(default_factory=list)
    confirmation: Confirmation | None = None

    @property
    def suggested_ids(self) -> set[int]:
        return {s.reason_id for s in self.suggestions}


PREDICTION_JOINS = (
    "prediction__model_version",
    "prediction__reason_1__category",
    "prediction__reason_2__category",
    "prediction__reason_3__category",
    "confirmation__actor",
)


def contact_suggestions(*, contact_ids: Sequence[int]) -> dict[int, ContactSuggestions]:
    """The suggestions of these contacts, in one query whatever their number."""
    ids = list(contact_ids)
    result = {pk: ContactSuggestions(contact_id=pk) for pk in ids}
    if not ids:
        return result
    for contact in Contact.objects.filter(pk__in=ids).select_related(*PREDICTION_JOINS):
        item = result[contact.pk]
        item.confirmation = getattr(contact, "confirmation", None)
        prediction = getattr(contact, "prediction", None)
        if prediction is None:
            continue
        item.ready = True
        item.refined = prediction.refined
        item.model_number = prediction.model_version.number
        item.none_of_ours = prediction.none_of_ours
        item.top_confidence = prediction.top_confidence
        item.auto_applied = prediction.auto_applied
        item.auto_reason_id = prediction.auto_reason_id
        item.suggestions = [
            SuggestionItem(rank=rank, reason=reason, confidence=confidence)
            for rank, reason, confidence in (
                (1, prediction.reason_1, prediction.confidence_1),
                (2, prediction.reason_2, prediction.confidence_2),
                (3, prediction.reason_3, prediction.confidence_3),
            )
            if reason is not None
        ]
    return result


def contact_get_for_staff(*, user: User, contact_id: int) -> Contact:
    """A contact, for a member of staff (anyone else, and a missing contact: 404)."""
    if not user.is_staff_member:
        raise Http404
    contact = Contact.objects.select_related("case", "reason__category").filter(pk=contact_id)
    found = contact.first()
    if found is None:
        raise Http404
    return found


# ------------------------------------------------------------------------------------------
# The model
# ------------------------------------------------------------------------------------------


@dataclass
class ModelOverview:
    active: ModelVersion | None
    pending: ModelVersion | None
    versions: list[ModelVersion]
    settings: SuggestSettings
    state: SuggesterState
    backlog: int  # contacts waiting for their suggestions, counted up to BACKLOG_CAP
    suggester_running: bool

    @property
    def backlog_capped(self) -> bool:
        return self.backlog >= BACKLOG_CAP


def versions_list(*, limit: int = 50) -> list[ModelVersion]:
    return list(
        ModelVersion.objects.defer("data").select_related("requested_by", "activated_by")[:limit]
    )


BACKLOG_CAP = 10_000


def model_overview() -> ModelOverview:
    versions = versions_list()
    policy, _created = SuggestSettings.objects.get_or_create(pk=1)
    state, _created = SuggesterState.objects.get_or_create(pk=1)
    now = timezone.now()
    return ModelOverview(
        active=next((v for v in versions if v.status == Status.ACTIVE), None),
        pending=next(
            (v for v in reversed(versions) if v.status in (Status.QUEUED, Status.TRAINING)), None
        ),
        versions=versions,
        settings=policy,
        state=state,
        # Counted up to a cap: a stopped suggester can leave millions waiting, and counting
        # them all took 0.7 s at 10M contacts.
        backlog=Contact.objects.filter(pk__gt=state.watermark)
        .order_by()
        .values("pk")[:BACKLOG_CAP]
        .count(),
        suggester_running=state.heartbeat_at is not None
        and now - state.heartbeat_at < HEARTBEAT_STALE,
    )


def version_get(*, number: int) -> ModelVersion:
    version = ModelVersion.objects.defer("data").filter(number=number).first()
    if version is None:
        raise Http404
    return version


# ------------------------------------------------------------------------------------------
# Quality
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """n confirmations, how many kept the top suggestion, how many had it in the top 3."""

    n: int
    kept: int
    top3: int

    @property
    def kept_pct(self) -> float | None:
        return self.kept * 100 / self.n if self.n else None

    @property
    def top3_pct(self) -> float | None:
        return self.top3 * 100 / self.n if self.n else None


@dataclass(frozen=True)
class WeekRate:
    monday: dt.date
    rate: Rate


@dataclass(frozen=True)
class ReasonRate:
    reason: Reason
    rate: Rate
    # The reason most often suggested (first) when agents chose this one instead.
    confused_with: Reason | None
    confused_count: int


@dataclass(frozen=True)
class Pair:
    """The model suggested `suggested` first; the agent chose `chosen`."""

    suggested: Reason
    chosen: Reason
    count: int
    share: float  # of all confirmations where `suggested` came first

    @property
    def share_pct(self) -> float:
        return self.share * 100


@dataclass
class QualityReport:
    date_from: dt.date
    date_to: dt.date
    total: Rate
    none_confirmed: int  # the agent said: none of our reasons
    none_predicted_right: int  # … and the model had said so too
    none_predicted_wrong: int  # the model said "none" but the agent chose a reason
    auto_applied: int
    auto_changed: int  # applied automatically, then changed by an agent
    weeks: list[WeekRate]
    reasons: list[ReasonRate]
    pairs: list[Pair]


def _window(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def _rate(values: dict) -> Rate:
    return Rate(n=values["n"] or 0, kept=values["kept"] or 0, top3=values["top3"] or 0)


RATE = {
    "n": Count("pk"),
    "kept": Count("pk", filter=Q(suggested_rank=1)),
    "top3": Count("pk", filter=Q(suggested_rank__isnull=False)),
}


def quality_report(*, date_from: dt.date, date_to: dt.date) -> QualityReport:
    """How often the suggestions were right, from the agents' confirmations between the two
    local days (inclusive) of contacts that had suggestions: the top suggestion kept, the
    chosen reason among the three; per week, per chosen reason, and the pairs the model
    confuses (suggested X first, the agent chose Y), most frequent first."""
    start, end = _window(date_from, date_to)
    base = Confirmation.objects.filter(
        confirmed_at__gte=start, confirmed_at__lt=end, model_version__isnull=False
    )
    in_scope = base.filter(none_of_ours=False)
    counts = base.aggregate(
        none_confirmed=Count("pk", filter=Q(none_of_ours=True)),
        none_right=Count("pk", filter=Q(none_of_ours=True, predicted_none=True)),
        none_wrong=Count("pk", filter=Q(none_of_ours=False, predicted_none=True)),
        auto=Count("pk", filter=Q(auto_applied=True)),
        auto_changed=Count(
            "pk",
            filter=Q(auto_applied=True) & (Q(suggested_rank__isnull=True) | ~Q(suggested_rank=1)),
        ),
    )
    total = _rate(in_scope.aggregate(**RATE))

    zone = timezone.get_current_timezone()
    by_day = in_scope.annotate(day=TruncDate("confirmed_at", tzinfo=zone)).values("day")
    weekly: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in by_day.annotate(**RATE).order_by("day"):
        day = row["day"]
        monday = day - dt.timedelta(days=day.weekday())
        bucket = weekly[monday]
        bucket[0] += row["n"]
        bucket[1] += row["kept"]
        bucket[2] += row["top3"]
    first = date_from - dt.timedelta(days=date_from.weekday())
    weeks = []
    monday = first
    while monday <= date_to:
        n, kept, top3 = weekly.get(monday, (0, 0, 0))
        weeks.append(WeekRate(monday=monday, rate=Rate(n=n, kept=kept, top3=top3)))
        monday += dt.timedelta(days=7)

    pair_rows = list(
        in_scope.filter(suggested_reason__isnull=False)
        .exclude(suggested_rank=1)
        .values("suggested_reason_id", "reason_id")
        .annotate(count=Count("pk"))
        .order_by("-count", "suggested_reason_id", "reason_id")
    )
    firsts = dict(
        in_scope.filter(suggested_reason__isnull=False)
        .values("suggested_reason_id")
        .annotate(count=Count("pk"))
        .values_list("suggested_reason_id", "count")
    )
    per_reason = list(in_scope.values("reason_id").annotate(**RATE).order_by("-n", "reason_id"))
    ids = {row["reason_id"] for row in per_reason}
    ids |= {row["suggested_reason_id"] for row in pair_rows} | {
        row["reason_id"] for row in pair_rows
    }
    reasons = Reason.objects.select_related("category").in_bulk(ids)
    pairs = [
        Pair(
            suggested=reasons[row["suggested_reason_id"]],
            chosen=reasons[row["reason_id"]],
            count=row["count"],
            share=row["count"] / firsts[row["suggested_reason_id"]],
        )
        for row in pair_rows
    ]
    confused: dict[int, tuple[Reason, int]] = {}
    for pair in pairs:  # most frequent first: the first pair per chosen reason wins
        confused.setdefault(pair.chosen.pk, (pair.suggested, pair.count))
    reason_rates = [
        ReasonRate(
            reason=reasons[row["reason_id"]],
            rate=_rate(row),
            confused_with=confused.get(row["reason_id"], (None, 0))[0],
            confused_count=confused.get(row["reason_id"], (None, 0))[1],
        )
        for row in per_reason
    ]
    return QualityReport(
        date_from=date_from,
        date_to=date_to,
        total=total,
        none_confirmed=counts["none_confirmed"],
        none_predicted_right=counts["none_right"],
        none_predicted_wrong=counts["none_wrong"],
        auto_applied=counts["auto"],
        auto_changed=counts["auto_changed"],
        weeks=weeks,
        reasons=reason_rates,
        pairs=pairs,
    )


# ------------------------------------------------------------------------------------------
# Theme discovery (motivo.themes)
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscoveryContact:
    contact_id: int
    received_at: dt.datetime
    text: str
    none_of_ours: bool  # the model or an agent said it fits none of our reasons
    top_confidence: float | None  # None: an agent flagged it, the model had not seen it


@dataclass
class DiscoverySet:
    """Contacts that fit no reason well, with their stored embeddings (row i of `vectors`
    is `contacts[i]`; (n, d) float32, L2-normalised, from `engine.embed`)."""

    contacts: list[DiscoveryContact]
    vectors: np.ndarray


def contacts_for_discovery(
    since: dt.datetime | dt.date,
    until: dt.datetime | dt.date,
    *,
    max_confidence: float = LOW_CONFIDENCE,
    limit: int = 20_000,
) -> DiscoverySet:
    """The input of theme discovery: contacts received in [since, until) that the model
    called "none of our reasons" or whose best suggestion is below `max_confidence`, plus
    those an agent confirmed as "none of our reasons", oldest first, at most `limit`, each
    with its stored embedding (contacts without one are left out: the suggester has not
    reached them). Dates are local days (`until` exclusive)."""
    from motivo.suggest.services import contact_text, vectors_from_bytes

    start, end = _bounds(since), _bounds(until)
    flagged = ContactPrediction.objects.filter(
        received_at__gte=start, received_at__lt=end, refined=True
    ).filter(Q(none_of_ours=True) | Q(top_confidence__lt=max_confidence))
    confirmed = Confirmation.objects.filter(
        none_of_ours=True, contact__received_at__gte=start, contact__received_at__lt=end
    )
    ids = set(flagged.values_list("contact_id", flat=True)[:limit])
    ids |= set(confirmed.values_list("contact_id", flat=True)[:limit])
    rows = list(
        Contact.objects.filter(pk__in=ids, embedding__isnull=False)
        .order_by("received_at", "pk")
        .values_list(
            "pk",
            "received_at",
            "case__subject",
            "message__body",
            "prediction__none_of_ours",
            "prediction__top_confidence",
            "confirmation__none_of_ours",
            "embedding__vector",
        )[:limit]
    )
    contacts = [
        DiscoveryContact(
            contact_id=pk,
            received_at=received,
            text=contact_text(subject, body),
            none_of_ours=bool(model_none) or bool(agent_none),
            top_confidence=confidence,
        )
        for pk, received, subject, body, model_none, confidence, agent_none, _v in rows
    ]
    return DiscoverySet(contacts=contacts, vectors=vectors_from_bytes([row[-1] for row in rows]))


def _bounds(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time.min, tzinfo=timezone.get_current_timezone())


def embeddings_for(*, contact_ids: Sequence[int]) -> dict[int, bytes]:
    """Stored embeddings (float32 bytes) of these contacts; contacts without one are absent."""
    found: dict[int, bytes] = {}
    ids = list(contact_ids)
    for start in range(0, len(ids), 500):
        found.update(
            ContactEmbedding.objects.filter(pk__in=ids[start : start + 500]).values_list(
                "pk", "vector"
            )
        )
    return found


@dataclass
class UnconfirmedPool:
    """Contacts nobody gave a reason to, with their stored embeddings (`vectors`, (n, d))."""

    contact_ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None


def unconfirmed_pool(
    *,
    engine_version: str,
    limit: int = 5000,
    before: dt.datetime | None = None,
    exclude_texts: Sequence[str] = (),
) -> UnconfirmedPool:
    """The newest `limit` contacts without a reason and without a confirmation whose
    embedding the suggester already stored (refined prediction, this engine version):
    the unlabelled texts a version learns from besides the confirmed ones (self-training).
    Texts in `exclude_texts` (the confirmed training texts) and repeated texts are left
    out, so no customer text counts twice. Nothing is embedded here."""
    from motivo.suggest.services import contact_text, vectors_from_bytes

    query = Contact.objects.filter(
        reason__isnull=True,
        confirmation__isnull=True,
        prediction__refined=True,
        embedding__engine_version=engine_version,
    )
    if before is not None:
        query = query.filter(received_at__lt=before)
    rows = query.order_by("-received_at", "-pk").values_list(
        "pk", "case__subject", "message__body", "embedding__vector"
    )[: limit * 2]
    seen = set(exclude_texts)
    pool = UnconfirmedPool()
    blobs = []
    for pk, subject, body, vector in rows:
        text = contact_text(subject, body)
        if not text or text in seen:
            continue
        seen.add(text)
        pool.contact_ids.append(pk)
        pool.texts.append(text)
        blobs.append(vector)
        if len(blobs) >= limit:
            break
    pool.vectors = vectors_from_bytes(blobs)
    return pool
