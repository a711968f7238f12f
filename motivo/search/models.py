"""One searchable text per case subject, message and customer.

The full-text index over `text` is the database's own: an FTS5 table kept in step by
triggers on SQLite, a GIN index over `to_tsvector('simple', text)` on PostgreSQL
(see the migrations). Rows are written by `search.services`.
"""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        CASE = "case", "case"
        MESSAGE = "message", "message"
        CUSTOMER = "customer", "customer"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    case_id_ref = models.BigIntegerField(null=True, blank=True)
    customer_id_ref = models.BigIntegerField(null=True, blank=True)
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="searchdoc_kind_object")
        ]
