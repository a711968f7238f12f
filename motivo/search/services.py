"""Keeps the search documents in step with cases, messages and customers."""

from __future__ import annotations

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


def search_document_add(
    *,
    kind: str,
    object_id: int,
    text: str,
    case_id: int | None = None,
    customer_id: int | None = None,
) -> None:
    """Index a new object (one INSERT; for objects that cannot be indexed yet)."""
    SearchDocument.objects.create(
        kind=kind, object_id=object_id, text=text, case_id_ref=case_id, customer_id_ref=customer_id
    )


def search_documents_add(*, documents: list[SearchDocument]) -> None:
    """Index several new objects with one INSERT."""
    SearchDocument.objects.bulk_create(documents)


def search_documents_move_case(*, from_case_id: int, to_case_id: int) -> None:
    SearchDocument.objects.filter(case_id_ref=from_case_id).update(case_id_ref=to_case_id)
