"""Multi-row INSERT … RETURNING for the ingest hot path.

Building and compiling an ORM INSERT costs more than running it on SQLite; on the contact
ingest path (thousands a second) that overhead dominated. `insert_rows` builds the SQL once
per model and column set from the model's own metadata and converts values with each field's
`get_db_prep_save`, so the rows are the ones the ORM would write. It works on SQLite and
PostgreSQL (both support RETURNING). Use it only where the throughput matters.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

NOT_GIVEN = object()


@functools.cache
def _qmark(sql: str) -> str:
    return sql.replace("%s", "?")


def execute(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Run one statement (`%s` placeholders) and return its rows. On SQLite this skips
    Django's cursor wrapper (query rewriting, debug hooks) and uses the driver's
    prepared-statement cache; errors still become Django's exceptions (IntegrityError …)."""
    if connection.vendor == "sqlite" and not connection.queries_logged:
        # (When queries are being logged — DEBUG, tests counting queries — go through
        # Django's cursor, which accepts the same qmark SQL, so they are seen.)
        connection.ensure_connection()
        with connection.wrap_database_errors:
            return connection.connection.execute(_qmark(sql), params).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


@functools.cache
def _insert_sql(model: type[models.Model], names: tuple[str, ...], rows: int) -> str:
    quote = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 - names from model metadata
        + ", ".join([row] * rows)
        + f" RETURNING {quote(meta.pk.column)}"
    )


@functools.cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not getattr(field, "generated", False)
    )


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert `rows` (dicts keyed by field name; foreign keys by their `<name>_id`) and
    return the new primary keys in order. Fields left out get their model default
    (auto_now/auto_now_add fields: now)."""
    if not rows:
        return []
    fields = _fields(model)
    names = tuple(field.name for field in fields)
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the thread-local proxy
    params: list[Any] = []
    now = None
    for row in rows:
        for field in fields:
            value = row.get(field.attname, row.get(field.name, NOT_GIVEN))
            if getattr(field, "auto_now", False) or (
                getattr(field, "auto_now_add", False) and value in (None, NOT_GIVEN)
            ):
                now = now or timezone.now()
                value = now
            elif value is NOT_GIVEN:
                value = field.get_default()
            params.append(field.get_db_prep_save(value, db))
    return [row[0] for row in execute(_insert_sql(model, names, len(rows)), params)]


def insert_instance(instance: models.Model) -> models.Model:
    """Insert an unsaved model instance with `insert_rows`; sets its pk and returns it."""
    row = {field.attname: getattr(instance, field.attname) for field in _fields(type(instance))}
    (instance.pk,) = insert_rows(type(instance), [row])
    instance._state.adding = False
    return instance
