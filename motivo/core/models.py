"""Abstract models several apps share."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TypedEvent(models.Model):
    """One typed change to something (a reason, an improvement): its kind, who made it,
    what changed, when. Each subclass adds the foreign key to its subject, its `Kind`
    choices and an index, and is written only through its app's `events.py`."""

    kind = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]
