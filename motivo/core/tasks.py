"""Helpers for scheduling background work after the current transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """Enqueue a django.tasks task once the surrounding transaction has committed."""
    transaction.on_commit(lambda: task.enqueue(*args))
