"""The promise book: cached in the process, reloaded when another process publishes an edit,
self-healing when the published revision is lost."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from motivo.promises import book as book_module
from motivo.promises.book import CACHE_KEY, promise_book
from motivo.promises.models import BusinessCalendar, Promise

pytestmark = pytest.mark.django_db


def _later(monkeypatch, seconds: float = 10.0) -> None:
    """Make the next promise_book() call check the published revision."""
    clock = book_module.time.monotonic() + seconds
    monkeypatch.setattr(book_module.time, "monotonic", lambda: clock)


def test_cached_until_another_process_publishes(promises, monkeypatch, django_assert_num_queries):
    first = promise_book()
    with django_assert_num_queries(0):
        assert promise_book() is first
    # Another process edits: the database changes and it publishes revision + 1.
    Promise.objects.filter(tier=None, channel="").update(first_answer_minutes=999)
    BusinessCalendar.objects.update(revision=first.revision + 1)
    with django_assert_num_queries(0):
        assert promise_book() is first  # within CHECK_SECONDS: not even the cache is read
    cache.set(CACHE_KEY, first.revision + 1)
    _later(monkeypatch)
    reloaded = promise_book()
    assert reloaded is not first
    assert reloaded.terms_for(tier_id=None, channel="email").first_answer == 999


def test_lost_publication_heals(promises, monkeypatch):
    stale = promise_book()
    cache.delete(CACHE_KEY)  # evicted
    BusinessCalendar.objects.update(revision=stale.revision + 1)  # edited elsewhere
    _later(monkeypatch)
    assert promise_book() is stale  # publishes its own (stale) revision
    assert cache.get(CACHE_KEY) == stale.revision
    # A process with the newer revision sees the mismatch and republishes.
    book_module.promise_book_clear()
    _later(monkeypatch, 20)
    newer = promise_book()
    assert newer.revision == stale.revision + 1
    _later(monkeypatch, 30)
    promise_book()
    assert cache.get(CACHE_KEY) == newer.revision
