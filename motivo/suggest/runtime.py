"""The active model in this process: loaded from its ModelVersion row once, and again only
when another version becomes active (one small indexed query per use tells)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from motivo.suggest.models import ModelVersion

if TYPE_CHECKING:
    from motivo.suggest.engine import Classifier
    from motivo.suggest.quick import QuickModel


@dataclass(frozen=True)
class LoadedModel:
    pk: int
    number: int
    trained_at: object  # with pk, the cache key (a rolled-back test may reuse a pk)
    classifier: Classifier
    quick: QuickModel | None  # the first pass (None for a version trained without one)


_lock = threading.Lock()
_loaded: LoadedModel | None = None


def active_model() -> LoadedModel | None:
    """The active version's classifier, or None while there is no active version."""
    global _loaded
    row = (
        ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE)
        .values_list("pk", "number", "trained_at")
        .first()
    )
    if row is None:
        return None
    loaded = _loaded
    if loaded is not None and (loaded.pk, loaded.trained_at) == (row[0], row[2]):
        return loaded
    with _lock:
        if _loaded is not None and (_loaded.pk, _loaded.trained_at) == (row[0], row[2]):
            return _loaded
        blobs = ModelVersion.objects.filter(pk=row[0]).values_list("data", "quick_data").first()
        if not blobs or not blobs[0]:
            return None
        _loaded = LoadedModel(
            pk=row[0],
            number=row[1],
            trained_at=row[2],
            classifier=load_classifier(blobs[0]),
            quick=load_quick(blobs[1]) if blobs[1] else None,
        )
        return _loaded


def load_classifier(data: bytes | memoryview) -> Classifier:
    from motivo.suggest import engine

    return engine.Classifier.from_bytes(bytes(data))


def load_quick(data: bytes | memoryview) -> QuickModel:
    from motivo.suggest.quick import QuickModel

    return QuickModel.from_bytes(bytes(data))


def forget() -> None:
    """Drop the cached model (tests; the next use reloads it)."""
    global _loaded
    with _lock:
        _loaded = None
