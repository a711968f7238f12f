"""Keeps the search documents in step with cases, messages and customers."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction

from motivo.core.fastsql import execute, insert_rows
from motivo.search.models import SearchDocument


def search_document_put(
    *,
    kind: str,
    object_id: int,
    text: str,
    case_id: int | None = None,
    customer_id: int | None = None,
) -> None:
    """Create or replace the searchable text of one object."""
    SearchDocument.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={"text": text, "case_id_ref": case_id, "customer_id_ref": customer_id},
    )


def search_document(
    *,
    kind: str,
    object_id: int,
    text: str,
    case_id: int | None = None,
    customer_id: int | None = None,
) -> dict[str, object]:
    """The row of a new search document, for `search_documents_add`."""
    return {
        "kind": kind,
        "object_id": object_id,
        "text": text,
        "case_id_ref": case_id,
        "customer_id_ref": customer_id,
    }


def search_documents_add(*, documents: list[dict[str, object]]) -> None:
    """Index new objects (rows from `search_document`) with one INSERT."""
    insert_rows(SearchDocument, documents)


def search_documents_move_case(*, from_case_id: int, to_case_id: int) -> None:
    SearchDocument.objects.filter(case_id_ref=from_case_id).update(case_id_ref=to_case_id)


def search_documents_move_customer(
    *,
    from_customer_id: int,
    to_customer_id: int,
    case_ids: Sequence[int],
    message_ids: Sequence[int],
    absorbed_customer_ids: Sequence[int] = (),
) -> None:
    """A customer merge: the documents of the moved cases and messages, and the source
    customer's own document (its old name still finds the target), now belong to the
    target; so do those of the customers merged into the source earlier
    (`absorbed_customer_ids`). Selected through the (kind, object_id) index, never a scan
    of the table."""
    customers = [from_customer_id, *absorbed_customer_ids]
    wanted = [("customer", customers), ("case", case_ids), ("message", message_ids)]
    for kind, ids in wanted:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            documents = SearchDocument.objects.filter(kind=kind, object_id__in=chunk)
            documents.update(customer_id_ref=to_customer_id)


def search_index_pending() -> int:
    """SQLite: add the search documents written since the last call to the FTS5 index, with
    one INSERT … SELECT (see search/migrations/0003). Returns how many were added. A read
    first, so a search that finds nothing pending takes no write lock. PostgreSQL: 0."""
    if connection.vendor != "sqlite":
        return 0
    pending_sql = (
        "SELECT w.upto, (SELECT MAX(id) FROM search_searchdocument) "
        "FROM search_fts_watermark w WHERE w.id = 1"
    )
    upto, top = execute(pending_sql, [])[0]
    if not top or top <= upto:
        return 0
    with transaction.atomic():
        upto, top = execute(pending_sql, [])[0]  # again, now holding the write lock
        if not top or top <= upto:
            return 0
        execute(
            "INSERT INTO search_fts (rowid, text) SELECT id, text FROM search_searchdocument "
            "WHERE id > %s AND id <= %s",
            [upto, top],
        )
        execute("UPDATE search_fts_watermark SET upto = %s WHERE id = 1", [top])
    return top - upto
