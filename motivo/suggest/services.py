"""Writes of reason suggestion: suggestions for new contacts, confirmations, training and
activating model versions, the organisation's settings.

The heavy work (embedding, training) runs outside transactions; each write is one short
transaction. Nothing here runs inside `contact_ingest`: the background suggester
(`loop.py`, started by `motivo serve`) calls `suggest_pending` for the contacts that arrived.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import User
from motivo.cases.models import Contact
from motivo.cases.services import contact_set_reason
from motivo.core.errors import DomainError
from motivo.reasons.models import Reason
from motivo.suggest import quick, runtime, selectors
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

    from motivo.suggest.engine import Classifier

log = logging.getLogger(__name__)

Status = ModelVersion.Status
Trigger = ModelVersion.Trigger

TOP_K = 3
BATCH = 200  # contacts per first-pass round
REFINE_BATCH = 8  # contacts per second-pass round (about 40 ms of CPU each)
# Characters of a contact's subject and message the model reads: the opening says why the
# customer writes, and embedding time grows with the length (bounded here, for throughput).
MAX_TEXT = 600
MAX_PER_REASON = 200  # most recent confirmed contacts per reason a version trains on
MAX_NONE = 500  # most recent "none of our reasons" contacts a version trains on
MAX_POOL = 5000  # newest unconfirmed, already embedded contacts a version also learns from
HOLDOUT_EVERY = 5  # one confirmed contact in five is held out (chosen by id, for good)
MIN_FOR_HOLDOUT = 20  # below this many confirmed contacts, all of them train
EMBED_CHUNK = 64  # texts per embed() call while training, so the suggester can interleave
SWEEP_IDS = 1000  # how far below the watermark a round looks for contacts it skipped
FAILURE_PAUSE = dt.timedelta(minutes=10)  # no automatic retry of a failed training sooner
STALE_TRAINING = dt.timedelta(hours=2)


# ------------------------------------------------------------------------------------------
# Settings and state
# ------------------------------------------------------------------------------------------


def settings_get() -> SuggestSettings:
    policy, _created = SuggestSettings.objects.get_or_create(pk=1)
    return policy


def state_get() -> SuggesterState:
    state, _created = SuggesterState.objects.get_or_create(pk=1)
    return state


@transaction.atomic
def settings_update(
    *, auto_apply: bool, auto_apply_threshold: float, retrain_after: int
) -> SuggestSettings:
    """Change the organisation's policy: whether and from which confidence (0.5–1) the top
    suggestion is applied automatically, and after how many new confirmations the model
    retrains."""
    if not 0.5 <= auto_apply_threshold <= 1.0:
        raise DomainError(
            _("The confidence must be between 50 % and 100 %."), field="auto_apply_threshold"
        )
    if retrain_after < 1:
        raise DomainError(_("Retrain after at least one confirmation."), field="retrain_after")
    policy = settings_get()
    policy.auto_apply = auto_apply
    policy.auto_apply_threshold = auto_apply_threshold
    policy.retrain_after = retrain_after
    policy.save()
    return policy


@transaction.atomic
def suggester_skip_to_latest() -> int:
    """Contacts that exist now never get suggestions (bulk-loaded history: the demo's, an
    import of years): the suggester starts after the newest one. Returns that contact id."""
    top = Contact.objects.aggregate(top=Max("pk"))["top"] or 0
    state = state_get()
    state.watermark = state.floor = max(state.watermark, top)
    state.save(update_fields=["watermark", "floor"])
    return state.watermark


def suggester_heartbeat() -> None:
    SuggesterState.objects.filter(pk=1).update(heartbeat_at=timezone.now())


# ------------------------------------------------------------------------------------------
# Texts, embeddings, predictions
# ------------------------------------------------------------------------------------------


def contact_text(subject: str | None, body: str | None) -> str:
    """What the model reads of a contact: the case's subject and the contact's message."""
    parts = [part.strip() for part in (subject, body) if part and part.strip()]
    return "\n".join(parts)[:MAX_TEXT]


def _texts_of(contact_ids: Sequence[int]) -> dict[int, str]:
    texts: dict[int, str] = {}
    for start in range(0, len(contact_ids), 500):
        rows = Contact.objects.filter(pk__in=contact_ids[start : start + 500]).values_list(
            "pk", "case__subject", "message__body"
        )
        texts.update((pk, contact_text(subject, body)) for pk, subject, body in rows)
    return texts


def _vector_bytes(vector: np.ndarray) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype=np.float32).tobytes()


def vectors_from_bytes(blobs: Sequence[bytes | memoryview]) -> np.ndarray:
    """Stored embeddings (ContactEmbedding.vector) as one (n, d) float32 array."""
    import numpy as np

    from motivo.suggest import engine

    if not blobs:
        return np.zeros((0, engine.DIM), dtype=np.float32)
    return np.vstack([np.frombuffer(bytes(blob), dtype=np.float32) for blob in blobs])


def contact_vectors(contact_ids: Sequence[int], texts: Sequence[str]) -> np.ndarray:
    """The embeddings of these contacts, in order: stored ones as they are, the others
    embedded now (a few at a time) and stored for next time."""
    import numpy as np

    from motivo.suggest import engine

    found: dict[int, bytes] = {}
    for start in range(0, len(contact_ids), 500):
        found.update(
            ContactEmbedding.objects.filter(
                pk__in=contact_ids[start : start + 500], engine_version=engine.ENGINE_VERSION
            ).values_list("pk", "vector")
        )
    missing = [i for i, pk in enumerate(contact_ids) if pk not in found]
    for start in range(0, len(missing), EMBED_CHUNK):
        chunk = missing[start : start + EMBED_CHUNK]
        vectors = engine.embed([texts[i] for i in chunk])
        rows = [
            ContactEmbedding(
                contact_id=contact_ids[i],
                engine_version=engine.ENGINE_VERSION,
                vector=_vector_bytes(vector),
            )
            for i, vector in zip(chunk, vectors, strict=True)
        ]
        with transaction.atomic():
            ContactEmbedding.objects.filter(pk__in=[row.contact_id for row in rows]).delete()
            ContactEmbedding.objects.bulk_create(rows, ignore_conflicts=True)
        found.update((row.contact_id, row.vector) for row in rows)
    if not contact_ids:
        return np.zeros((0, engine.DIM), dtype=np.float32)
    return vectors_from_bytes([found[pk] for pk in contact_ids])


@dataclass(frozen=True)
class Suggested:
    reason: Reason
    confidence: float


@dataclass(frozen=True)
class SuggestionSet:
    """The top three active reasons for one text, best first, and whether it seems to fit
    none of our reasons."""

    model_number: int
    none_of_ours: bool
    suggestions: list[Suggested] = field(default_factory=list)

    @property
    def top_confidence(self) -> float:
        return self.suggestions[0].confidence if self.suggestions else 0.0


def _active_reasons() -> dict[str, Reason]:
    return {str(r.pk): r for r in Reason.objects.filter(active=True).select_related("category")}


def _suggestion_sets(
    model: runtime.LoadedModel,
    texts: Sequence[str],
    vectors: np.ndarray,
    reasons: dict[str, Reason],
) -> list[SuggestionSet]:
    """Predictions mapped to active reasons: a reason retired since the model was trained
    is skipped and the next one moves up."""
    predictions = model.classifier.predict(texts, k=TOP_K + 3, vectors=vectors)
    result = []
    for prediction in predictions:
        picked = [
            Suggested(reason=reasons[s.label], confidence=float(s.confidence))
            for s in prediction.suggestions
            if s.label in reasons
        ][:TOP_K]
        result.append(
            SuggestionSet(
                model_number=model.number,
                none_of_ours=prediction.none_of_ours or not picked,
                suggestions=picked,
            )
        )
    return result


def ensure_model() -> runtime.LoadedModel | None:
    """The active model; with none at all yet, a first one trained now (cold start: from
    the reasons' names, descriptions and example phrases, and any contacts that already
    have a reason). None while a version is queued or training (the suggester trains it),
    when there are no active reasons, or shortly after a failed attempt."""
    model = runtime.active_model()
    if model is not None:
        return model
    if ModelVersion.objects.filter(status__in=(Status.QUEUED, Status.TRAINING)).exists():
        return None
    if _failed_recently() or not Reason.objects.filter(active=True).exists():
        return None
    model_train_now(trigger=Trigger.COLD_START)
    return runtime.active_model()


def suggest_text(*, text: str) -> SuggestionSet:
    """The top three reasons for a raw text (the API's `POST /reasons/suggest`)."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Send the text to suggest reasons for."), field="text")
    model = ensure_model()
    if model is None:
        raise DomainError(
            _("There is no suggestion model yet: create reasons, or wait for the first model."),
            code="conflict",
        )
    from motivo.suggest import engine

    texts = [text[:MAX_TEXT]]
    return _suggestion_sets(model, texts, engine.embed(texts), _active_reasons())[0]


ROW_FIELDS = ("pk", "case__subject", "message__body", "reason_id", "received_at")


def suggest_pending(*, limit: int = BATCH, sweep: bool = False) -> int:
    """Both passes for what is waiting now (tests, `motivo suggest run --once`): the first
    pass for up to `limit` new contacts, then the second for every contact it left
    unrefined. Returns how many contacts got suggestions in the first pass."""
    handled = suggest_first_pass(limit=limit, sweep=sweep)
    while suggest_second_pass(limit=limit):
        pass
    return handled


def suggest_first_pass(*, limit: int = BATCH, sweep: bool = False) -> int:
    """Suggestions for the next `limit` contacts that arrived (in id order above the
    watermark; with `sweep`, also ones a round skipped just below it) from the version's
    lexical model: well under a millisecond each, so every contact has suggestions within
    moments whatever the rate. A version without one gets the embedding pass at once."""
    state = state_get()
    waiting = Contact.objects.filter(pk__gt=state.watermark)
    if not sweep and not waiting.exists():
        return 0
    model = ensure_model()
    if model is None:
        return 0
    rows = list(waiting.order_by("pk").values_list(*ROW_FIELDS)[:limit])
    if sweep:
        low = max(state.floor, state.watermark - SWEEP_IDS)
        rows += list(
            Contact.objects.filter(pk__gt=low, pk__lte=state.watermark, prediction__isnull=True)
            .order_by("pk")
            .values_list(*ROW_FIELDS)[:limit]
        )
    if not rows:
        return 0
    if model.quick is None:
        return _suggest_rows(rows, model=model)
    texts = [contact_text(subject, body) for _pk, subject, body, _r, _t in rows]
    sets = _quick_sets(model, texts, _active_reasons())
    _suggestions_write(model=model, rows=rows, sets=sets, vectors=None, refined=False)
    return len(rows)


def suggest_second_pass(*, limit: int = REFINE_BATCH) -> int:
    """The embedding pass for the oldest `limit` contacts that only have first-pass
    suggestions: their embedding is stored, the engine's suggestions replace the first ones,
    "none of our reasons" is decided and the top reason applied where the policy allows."""
    ids = list(
        ContactPrediction.objects.filter(refined=False)
        .order_by("contact")
        .values_list("contact_id", flat=True)[:limit]
    )
    if not ids:
        return 0
    model = ensure_model()
    if model is None:
        return 0
    rows = list(Contact.objects.filter(pk__in=ids).order_by("pk").values_list(*ROW_FIELDS))
    return _suggest_rows(rows, model=model, advance=False)


def suggest_contacts(*, contact_ids: Sequence[int]) -> int:
    """Suggestions from the embedding model for these contacts (those that have none yet),
    whatever the watermark: the demo's open cases, a re-run for chosen contacts."""
    ids = list(contact_ids)
    for start in range(0, len(ids), BATCH):
        rows = list(
            Contact.objects.filter(pk__in=ids[start : start + BATCH], prediction__isnull=True)
            .order_by("pk")
            .values_list(*ROW_FIELDS)
        )
        _suggest_rows(rows, advance=False)
    return len(ids)


def _suggest_rows(
    rows: list, *, model: runtime.LoadedModel | None = None, advance: bool = True
) -> int:
    """The embedding pass for `rows` (ROW_FIELDS values)."""
    if not rows:
        return 0
    model = model or ensure_model()
    if model is None:
        return 0
    from motivo.suggest import engine

    texts = [contact_text(subject, body) for _pk, subject, body, _r, _t in rows]
    vectors = engine.embed(texts)
    sets = _suggestion_sets(model, texts, vectors, _active_reasons())
    _suggestions_write(model=model, rows=rows, sets=sets, vectors=vectors, advance=advance)
    return len(rows)


def _quick_sets(
    model: runtime.LoadedModel, texts: Sequence[str], reasons: dict[str, Reason]
) -> list[SuggestionSet]:
    """First-pass suggestions; whether a contact fits none of our reasons is left to the
    second pass (the lexical model cannot tell)."""
    assert model.quick is not None
    result = []
    for ranked in model.quick.predict(texts, k=TOP_K + 3):
        picked = [
            Suggested(reason=reasons[label], confidence=confidence)
            for label, confidence in ranked
            if label in reasons
        ][:TOP_K]
        result.append(
            SuggestionSet(model_number=model.number, none_of_ours=not picked, suggestions=picked)
        )
    return result


PREDICTION_UPDATES = (
    "model_version",
    "reason_1",
    "confidence_1",
    "reason_2",
    "confidence_2",
    "reason_3",
    "confidence_3",
    "none_of_ours",
    "top_confidence",
    "refined",
    "auto_applied",
    "auto_reason",
)


def _suggestions_write(
    *,
    model: runtime.LoadedModel,
    rows: list[tuple[int, str, str, int | None, dt.datetime]],
    sets: list[SuggestionSet],
    vectors: np.ndarray | None,
    refined: bool = True,
    advance: bool = True,
) -> None:
    """One transaction: the contacts' predictions with their suggestions (first pass, or
    replaced by the second), their embeddings (second pass) and the automatic reasons. The
    rows are built before the transaction opens: it holds SQLite's write lock briefly."""
    from motivo.suggest import engine

    now = timezone.now()
    contact_ids = [row[0] for row in rows]
    predictions = [
        ContactPrediction(
            contact_id=row[0],
            model_version_id=model.pk,
            received_at=row[4],
            **_ranked_fields(found),
            none_of_ours=found.none_of_ours,
            top_confidence=found.top_confidence,
            refined=refined,
            created_at=now,
        )
        for row, found in zip(rows, sets, strict=True)
    ]
    embeddings = (
        []
        if vectors is None
        else [
            ContactEmbedding(
                contact_id=pk, engine_version=engine.ENGINE_VERSION, vector=_vector_bytes(vector)
            )
            for pk, vector in zip(contact_ids, vectors, strict=True)
        ]
    )
    with transaction.atomic():
        applied = _auto_apply(rows=rows, sets=sets, policy=settings_get()) if refined else {}
        for prediction in predictions:
            prediction.auto_applied = prediction.contact_id in applied
            prediction.auto_reason_id = applied.get(prediction.contact_id)
        _predictions_store(predictions=predictions, embeddings=embeddings, advance=advance)


def _ranked_fields(found: SuggestionSet) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for rank in (1, 2, 3):
        item = found.suggestions[rank - 1] if len(found.suggestions) >= rank else None
        fields[f"reason_{rank}"] = item.reason if item else None
        fields[f"confidence_{rank}"] = item.confidence if item else None
    return fields


def _predictions_store(
    *, predictions: list[ContactPrediction], embeddings: list[ContactEmbedding], advance: bool
) -> None:
    from motivo.suggest import engine

    contact_ids = [prediction.contact_id for prediction in predictions]
    if embeddings:
        ContactEmbedding.objects.filter(pk__in=contact_ids).exclude(
            engine_version=engine.ENGINE_VERSION
        ).delete()
        ContactEmbedding.objects.bulk_create(embeddings, ignore_conflicts=True)
    ContactPrediction.objects.bulk_create(
        predictions,
        update_conflicts=True,
        unique_fields=["contact"],
        update_fields=PREDICTION_UPDATES,
    )
    if advance:
        top = max(contact_ids)
        SuggesterState.objects.filter(pk=1, watermark__lt=top).update(watermark=top)


def _auto_apply(
    *,
    rows: list[tuple[int, str, str, int | None, dt.datetime]],
    sets: list[SuggestionSet],
    policy: SuggestSettings,
) -> dict[int, int]:
    """Give the top reason to contacts without one where the model is sure enough, through
    the same service an agent uses (roll-ups, repeats and the case's `reason_set` event
    follow; the event has no actor: Motivo set it). Returns {contact id: reason id}."""
    if not policy.auto_apply:
        return {}
    wanted = {
        row[0]: found.suggestions[0].reason
        for row, found in zip(rows, sets, strict=True)
        if row[3] is None
        and not found.none_of_ours
        and found.suggestions
        and found.top_confidence >= policy.auto_apply_threshold
    }
    applied: dict[int, int] = {}
    if not wanted:
        return applied
    contacts = Contact.objects.filter(pk__in=list(wanted), reason__isnull=True).select_related(
        "case"
    )
    for contact in contacts:
        reason = wanted[contact.pk]
        contact_set_reason(contact=contact, actor=None, reason=reason)
        applied[contact.pk] = reason.pk
    return applied


# ------------------------------------------------------------------------------------------
# Confirmations
# ------------------------------------------------------------------------------------------


@transaction.atomic
def contact_reason_confirm(
    *,
    contact: Contact,
    actor: User | None,
    reason: Reason | None = None,
    none_of_ours: bool = False,
    confirmed_at: dt.datetime | None = None,
) -> Confirmation:
    """An agent confirms or changes a contact's reason (`reason`), or says it fits none of
    our reasons (`none_of_ours`; the contact keeps whatever reason it has). The reason is set
    through `contact_set_reason`; the confirmation keeps what had been suggested, for the
    quality page, and makes the contact training data for the next model version.
    `confirmed_at` (default: now) is for loading history (the demo)."""
    if (reason is None) == (not none_of_ours):
        raise DomainError(
            _("Choose a reason, or say that none of our reasons fits."), field="reason"
        )
    if reason is not None:
        contact_set_reason(contact=contact, actor=actor, reason=reason)
    prediction = ContactPrediction.objects.filter(contact=contact).first()
    ranks = {reason_id: rank for rank, reason_id, _c in prediction.ranked} if prediction else {}
    top = prediction.reason_1_id if prediction else None
    confirmation, _created = Confirmation.objects.update_or_create(
        contact=contact,
        defaults={
            "reason": reason,
            "none_of_ours": none_of_ours,
            "model_version_id": prediction.model_version_id if prediction else None,
            "suggested_reason_id": top,
            "suggested_rank": ranks.get(reason.pk) if reason is not None else None,
            "predicted_none": prediction.none_of_ours if prediction else False,
            "auto_applied": prediction.auto_applied if prediction else False,
            "actor": actor,
            "confirmed_at": confirmed_at or timezone.now(),
        },
    )
    return confirmation


# ------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------


def seeds_of(reasons: Iterable[Reason]) -> dict[str, list[str]]:
    """What a reason is before any contact is confirmed: its name, description and
    example phrases (the engine's cold-start seeds)."""
    return {
        str(reason.pk): [
            text for text in (reason.name, reason.description, *reason.examples) if text.strip()
        ]
        for reason in reasons
    }


def seeds_fingerprint(reasons: Iterable[Reason]) -> str:
    content = sorted(
        (reason.pk, reason.name, reason.description, list(reason.examples)) for reason in reasons
    )
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def current_fingerprint() -> str:
    reasons = Reason.objects.filter(active=True).only("name", "description", "examples")
    return seeds_fingerprint(reasons)


def is_held_out(contact_id: int) -> bool:
    """One confirmed contact in five, fixed by its id, is never trained on: every version
    is measured, and compared with the active one, on the same contacts."""
    return (contact_id * 2654435761) % 2**32 % HOLDOUT_EVERY == 0


def _trainable() -> Q:
    """A contact's reason is training data unless the model applied it and no person has
    looked at it since, or an agent said it fits none of our reasons."""
    return (
        Q(prediction__isnull=True)
        | Q(prediction__auto_applied=False)
        | Q(confirmation__isnull=False)
        | ~Q(prediction__auto_reason_id=F("reason_id"))
    ) & ~Q(confirmation__none_of_ours=True)


@dataclass
class TrainingData:
    ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    none_ids: list[int] = field(default_factory=list)
    none_texts: list[str] = field(default_factory=list)


def training_data(
    *,
    reason_ids: Sequence[int],
    per_reason: int = MAX_PER_REASON,
    before: dt.datetime | None = None,
) -> TrainingData:
    """The most recent confirmed contacts of each active reason (at most `per_reason`,
    received before `before` when given) and the most recent "none of our reasons" ones."""
    data = TrainingData()
    for reason_id in reason_ids:
        query = Contact.objects.filter(reason_id=reason_id).filter(_trainable())
        if before is not None:
            query = query.filter(received_at__lt=before)
        rows = query.order_by("-received_at", "-pk").values_list(
            "pk", "case__subject", "message__body"
        )[:per_reason]
        for pk, subject, body in rows:
            data.ids.append(pk)
            data.texts.append(contact_text(subject, body))
            data.labels.append(str(reason_id))
    none_rows = (
        Confirmation.objects.filter(none_of_ours=True)
        .order_by("-confirmed_at")
        .values_list("contact_id", "contact__case__subject", "contact__message__body")[:MAX_NONE]
    )
    for pk, subject, body in none_rows:
        data.none_ids.append(pk)
        data.none_texts.append(contact_text(subject, body))
    return data


def _evaluate(
    classifier: Classifier, texts: list[str], labels: list[str], vectors: np.ndarray
) -> dict[str, Any]:
    """Top-1 and top-3 accuracy, and how often a contact with one of our reasons was called
    "none of ours", on held-out contacts."""
    if not texts:
        return {"accuracy": None, "top3": None, "none_rate": None}
    predictions = classifier.predict(texts, k=TOP_K, vectors=vectors)
    top1 = top3 = flagged = 0
    for label, prediction in zip(labels, predictions, strict=True):
        ranked = [s.label for s in prediction.suggestions]
        top1 += bool(ranked) and ranked[0] == label
        top3 += label in ranked[:TOP_K]
        flagged += prediction.none_of_ours
    n = len(texts)
    return {"accuracy": top1 / n, "top3": top3 / n, "none_rate": flagged / n}


def _evaluate_quick(model: quick.QuickModel, texts: list[str], labels: list[str]) -> dict:
    """The first pass's held-out top-1 and top-3 accuracy."""
    if not texts:
        return {"quick_accuracy": None, "quick_top3": None}
    ranked = [[label for label, _p in row] for row in model.predict(texts, k=TOP_K)]
    n = len(texts)
    return {
        "quick_accuracy": sum(r[0] == label for r, label in zip(ranked, labels, strict=True)) / n,
        "quick_top3": sum(label in r for r, label in zip(ranked, labels, strict=True)) / n,
    }


def _none_recall(classifier: Classifier, texts: list[str], vectors: np.ndarray) -> float | None:
    if not texts:
        return None
    predictions = classifier.predict(texts, k=1, vectors=vectors)
    return sum(p.none_of_ours for p in predictions) / len(predictions)


def retrain_request(*, trigger: str, actor: User | None = None) -> ModelVersion:
    """Queue a new version (the suggester trains it within seconds). While one is queued or
    training, that one is the answer: requests do not pile up."""
    for _attempt in range(3):
        pending = (
            ModelVersion.objects.filter(status__in=(Status.QUEUED, Status.TRAINING))
            .defer("data")
            .order_by("number")
            .first()
        )
        if pending is not None:
            return pending
        number = (ModelVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                return ModelVersion.objects.create(
                    number=number,
                    status=Status.QUEUED,
                    trigger=trigger,
                    requested_by=actor,
                    created_at=timezone.now(),
                )
        except IntegrityError:  # another process took the number: look again
            continue
    raise DomainError(_("Could not queue the retraining; try again."), code="conflict")


def model_train_pending(**options: Any) -> ModelVersion | None:
    """Train the oldest queued version, if any (and if no other process took it first)."""
    version = (
        ModelVersion.objects.filter(status=Status.QUEUED).defer("data").order_by("number").first()
    )
    if version is None:
        return None
    claimed = ModelVersion.objects.filter(pk=version.pk, status=Status.QUEUED).update(
        status=Status.TRAINING
    )
    if not claimed:
        return None
    return _train(version, **options)


def model_train_now(
    *,
    trigger: str,
    actor: User | None = None,
    per_reason: int = MAX_PER_REASON,
    before: dt.datetime | None = None,
) -> ModelVersion:
    """Queue a version and train it here and now (cold start, the CLI, the demo, tests).
    When another process is already training one, that version is returned as it is."""
    version = retrain_request(trigger=trigger, actor=actor)
    claimed = ModelVersion.objects.filter(pk=version.pk, status=Status.QUEUED).update(
        status=Status.TRAINING
    )
    if not claimed:
        return version
    return _train(version, per_reason=per_reason, before=before)


def _train(
    version: ModelVersion, *, per_reason: int = MAX_PER_REASON, before: dt.datetime | None = None
) -> ModelVersion:
    """Train `version` (claimed: status training), measure it on the held-out contacts and
    activate it unless it does worse there than the active version."""
    started = time.perf_counter()
    try:
        outcome = _fit(version, per_reason=per_reason, before=before)
    except Exception as exc:
        log.exception("training suggestion model v%s failed", version.number)
        ModelVersion.objects.filter(pk=version.pk).update(
            status=Status.FAILED, note=f"{type(exc).__name__}: {exc}"[:2000]
        )
        version.refresh_from_db()
        return version
    outcome["train_seconds"] = round(time.perf_counter() - started, 3)
    return _finish(version, outcome)


def _fit(version: ModelVersion, *, per_reason: int, before: dt.datetime | None) -> dict[str, Any]:
    from motivo.suggest import engine

    reasons = list(Reason.objects.filter(active=True))
    if not reasons:
        raise ValueError("there are no active reasons to suggest")
    data = training_data(reason_ids=[r.pk for r in reasons], per_reason=per_reason, before=before)
    vectors = contact_vectors(data.ids, data.texts)
    use_holdout = len(data.ids) >= MIN_FOR_HOLDOUT
    held = [use_holdout and is_held_out(pk) for pk in data.ids]
    train_idx = [i for i, h in enumerate(held) if not h]
    test_idx = [i for i, h in enumerate(held) if h]
    none_held = [use_holdout and is_held_out(pk) for pk in data.none_ids]
    none_train = [t for t, h in zip(data.none_texts, none_held, strict=True) if not h]
    none_test = [t for t, h in zip(data.none_texts, none_held, strict=True) if h]
    # unconfirmed contacts the suggester already embedded: the engine labels the ones it is
    # sure of and learns from them too, at a lower weight (self-training)
    pool = selectors.unconfirmed_pool(
        engine_version=engine.ENGINE_VERSION,
        limit=MAX_POOL,
        before=before,
        exclude_texts=data.texts + data.none_texts,
    )
    classifier = engine.train(
        [data.texts[i] for i in train_idx],
        [data.labels[i] for i in train_idx],
        vectors=vectors[train_idx],
        seeds=seeds_of(reasons),
        none_texts=none_train,
        unlabelled_texts=pool.texts,
        unlabelled_vectors=pool.vectors,
    )
    test_texts = [data.texts[i] for i in test_idx]
    test_labels = [data.labels[i] for i in test_idx]
    test_vectors = vectors[test_idx]
    none_vectors = engine.embed(none_test) if none_test else None
    metrics = _evaluate(classifier, test_texts, test_labels, test_vectors)
    metrics |= {
        "n_unconfirmed": len(pool.texts),
        "n_pseudo_labelled": classifier.info.get("n_pseudo_labelled", 0),
        "n_heldout": len(test_idx),
        "n_heldout_none": len(none_test),
        "none_recall": _none_recall(classifier, none_test, none_vectors) if none_test else None,
    }
    first_pass = quick.train(
        [data.texts[i] for i in train_idx],
        [data.labels[i] for i in train_idx],
        seeds=seeds_of(reasons),
    )
    metrics |= _evaluate_quick(first_pass, test_texts, test_labels)
    decision, compared = _compare(classifier, test_texts, test_labels, test_vectors, metrics)
    metrics["compared_with"] = compared
    metrics["decision"] = decision
    return {
        "classifier": classifier,
        "quick": first_pass,
        "metrics": metrics,
        "n_examples": len(train_idx),
        "n_labels": len(classifier.labels),
        "fingerprint": seeds_fingerprint(reasons),
        "accept": decision in ("first", "reasons_changed", "no_heldout", "not_worse"),
    }


def _compare(
    classifier: Classifier,
    texts: list[str],
    labels: list[str],
    vectors: np.ndarray,
    metrics: dict[str, Any],
) -> tuple[str, dict | None]:
    """Whether the new version may replace the active one: "first" (there is none), the
    reasons changed (the active one cannot suggest the new set), nothing held out to
    compare on, or its held-out accuracy is "not_worse" / "worse"."""
    active = ModelVersion.objects.filter(status=Status.ACTIVE).first()
    if active is None or not active.data:
        return "first", None
    old = runtime.load_classifier(active.data)
    if set(old.labels) != set(classifier.labels):
        return "reasons_changed", {"number": active.number}
    if not texts:
        return "no_heldout", {"number": active.number}
    old_metrics = _evaluate(old, texts, labels, vectors)
    compared = {"number": active.number, **old_metrics}
    better = metrics["accuracy"] >= old_metrics["accuracy"] - 1e-9
    return ("not_worse" if better else "worse"), compared


@transaction.atomic
def _finish(version: ModelVersion, outcome: dict[str, Any]) -> ModelVersion:
    from motivo.suggest import engine

    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    classifier = outcome["classifier"]
    now = timezone.now()
    version.data = classifier.to_bytes()
    version.quick_data = outcome["quick"].to_bytes()
    version.metrics = outcome["metrics"]
    version.n_examples = outcome["n_examples"]
    version.n_labels = outcome["n_labels"]
    version.train_seconds = outcome["train_seconds"]
    version.seeds_fingerprint = outcome["fingerprint"]
    version.engine_version = engine.ENGINE_VERSION
    version.trained_at = now
    if outcome["accept"]:
        ModelVersion.objects.filter(status=Status.ACTIVE).update(status=Status.RETIRED)
        version.status, version.activated_at = Status.ACTIVE, now
    else:
        version.status = Status.REJECTED
    version.save()
    return version


@transaction.atomic
def model_activate(*, version: ModelVersion, actor: User | None) -> ModelVersion:
    """Make an earlier (or a rejected) version the active one: the rollback of a bad new
    version. New contacts are suggested by it from the suggester's next round."""
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == Status.ACTIVE:
        return version
    if not version.can_activate or not version.data:
        raise DomainError(
            _("Only a trained version that is not active can be activated."),
            field="version",
            code="conflict",
        )
    ModelVersion.objects.filter(status=Status.ACTIVE).update(status=Status.RETIRED)
    version.status = Status.ACTIVE
    version.activated_at = timezone.now()
    version.activated_by = actor
    version.save(update_fields=["status", "activated_at", "activated_by"])
    return version


def _failed_recently() -> bool:
    return ModelVersion.objects.filter(
        status=Status.FAILED, created_at__gte=timezone.now() - FAILURE_PAUSE
    ).exists()


def retrain_due() -> str | None:
    """Why a new version should be trained now, if it should (the suggester asks this every
    few seconds): no model yet, the reasons' names, descriptions or phrases changed since
    the last version, or enough new confirmations came in."""
    if ModelVersion.objects.filter(status__in=(Status.QUEUED, Status.TRAINING)).exists():
        return None
    if _failed_recently():
        return None
    if not Reason.objects.filter(active=True).exists():
        return None
    last = (
        ModelVersion.objects.exclude(status=Status.FAILED).defer("data").order_by("-number").first()
    )
    if last is None:
        return Trigger.COLD_START
    if last.seeds_fingerprint != current_fingerprint():
        return Trigger.REASONS_CHANGED
    policy = settings_get()
    fresh = Confirmation.objects.filter(confirmed_at__gt=last.created_at).count()
    if fresh >= policy.retrain_after:
        return Trigger.CONFIRMATIONS
    return None


def training_interrupted(*, before: dt.datetime) -> int:
    """Versions a stopped suggester left "training" (claimed before `before`, the moment
    this suggester started) are marked failed, so they do not block new requests."""
    return ModelVersion.objects.filter(status=Status.TRAINING, created_at__lt=before).update(
        status=Status.FAILED, note="interrupted: the suggester stopped while training"
    )


def stale_training_fail() -> int:
    """A training that has run for hours is taken as hung."""
    return ModelVersion.objects.filter(
        status=Status.TRAINING, created_at__lt=timezone.now() - STALE_TRAINING
    ).update(status=Status.FAILED, note="timed out")
