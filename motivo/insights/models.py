"""Incremental roll-ups that dashboards read, so their cost does not grow with contacts."""

from __future__ import annotations

from django.db import models

from motivo.core.choices import Channel


class ReasonDayCount(models.Model):
    """Number of contacts with a given reason received on one day through one channel.
    Maintained by the services that create or reclassify contacts (insights.services)."""

    day = models.DateField()
    reason = models.ForeignKey("reasons.Reason", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "reason", "channel"], name="reason_day_channel_unique"
            )
        ]
        indexes = [models.Index(fields=["day", "reason"], name="reasondaycount_day_reason")]
