"""The SQLite full-text index follows the documents: new ones are indexed in a batch before
a search, updates and deletes of indexed ones are mirrored at once."""

from __future__ import annotations

import pytest
from django.db import connection

from motivo.search.models import SearchDocument
from motivo.search.selectors import _matching_ids
from motivo.search.services import search_document_put, search_index_pending

pytestmark = pytest.mark.django_db


def matches(word: str) -> set[int]:
    return set(_matching_ids([word], 100, word))


def test_new_documents_wait_for_the_batch_then_are_found():
    search_index_pending()
    search_document_put(kind="customer", object_id=1, text="Zoë Quintana", customer_id=1)
    search_document_put(kind="customer", object_id=2, text="Quinto Alba", customer_id=2)
    added = search_index_pending()
    assert added == (2 if connection.vendor == "sqlite" else 0)
    ids = set(SearchDocument.objects.values_list("id", flat=True))
    assert matches("quint") == ids
    assert matches("zoe") == {SearchDocument.objects.get(object_id=1).pk}  # accents folded
    assert search_index_pending() == 0  # nothing left: no write


def test_updates_and_deletes_of_indexed_documents_are_mirrored():
    search_document_put(kind="customer", object_id=1, text="Olga Ruiz", customer_id=1)
    search_index_pending()
    search_document_put(kind="customer", object_id=1, text="Olga Serrano", customer_id=1)
    assert matches("ruiz") == set() and len(matches("serrano")) == 1
    SearchDocument.objects.all().delete()
    assert matches("olga") == set()


def test_a_document_changed_before_indexing_is_indexed_as_it_is_now():
    search_index_pending()
    search_document_put(kind="customer", object_id=7, text="Primero", customer_id=7)
    search_document_put(kind="customer", object_id=7, text="Segundo", customer_id=7)
    search_index_pending()
    assert matches("primero") == set() and len(matches("segundo")) == 1


def test_the_query_expression_is_the_indexed_one():
    """PostgreSQL only uses the GIN index when the query's expression is the index's."""
    from importlib import import_module

    from motivo.search.selectors import PG_FOLDED_TEXT

    migration = import_module("motivo.search.migrations.0004_postgres_fold_accents")
    assert migration.FOLDED == PG_FOLDED_TEXT
