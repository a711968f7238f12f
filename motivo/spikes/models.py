"""Spike alerts: a reason's contacts rose far above what its own recent history predicts.

One alert covers one run of consecutive spike days of one reason (an incident that lasts
three days is one alert, and its owner is told once). Its figures are those of its strongest
day; every day of the run is kept in `days`. While the last day is still running (today),
its figures grow with the contacts. Detection: motivo/spikes/detection.py; writes:
motivo/spikes/services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from motivo.core.models import TypedEvent


class SpikeAlert(models.Model):
    """A significant rise of one reason's daily contacts."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    reason = models.ForeignKey(
        "reasons.Reason", on_delete=models.CASCADE, related_name="spike_alerts"
    )
    day = models.DateField(_("first day"))  # local day, as in insights.ReasonDayCount
    last_day = models.DateField(_("last day"))
    peak_day = models.DateField(_("peak day"))
    observed = models.PositiveIntegerField(_("contacts"))  # on the peak day (so far)
    expected = models.FloatField(_("expected"))  # on the peak day (by then, if running)
    score = models.FloatField(_("score"))  # −log10 P(X ≥ observed); 4 is p = 0.0001
    running = models.BooleanField(default=False)  # the peak day had not ended when judged
    # Every day of the run: [{"day", "observed", "expected", "score", "significant",
    # "running", "as_of"}], oldest first.
    days = models.JSONField(default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)  # the owner was told (once)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["reason", "day"], name="spike_alert_reason_day"),
            models.CheckConstraint(
                condition=Q(last_day__gte=F("day"))
                & Q(peak_day__gte=F("day"))
                & Q(peak_day__lte=F("last_day")),
                name="spike_alert_days_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(status="acknowledged", acknowledged_at__isnull=False)
                | Q(status="closed", closed_at__isnull=False),
                name="spike_alert_status_dated",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-day"], name="spikealert_status_day"),
            models.Index(fields=["reason", "-last_day"], name="spikealert_reason_last"),
        ]

    def __str__(self) -> str:
        return f"{self.reason_id} {self.day}: {self.observed} vs {self.expected:.1f}"

    @property
    def ratio(self) -> float | None:
        return self.observed / self.expected if self.expected > 0 else None

    @property
    def length(self) -> int:
        return (self.last_day - self.day).days + 1


class SpikeAlertEvent(TypedEvent):
    """One change to an alert. Written only through motivo/spikes/events.py."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Spike detected")
        EXTENDED = "extended", _("Spike went on another day")
        NOTIFIED = "notified", _("Owner notified")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    alert = models.ForeignKey(SpikeAlert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)

    class Meta(TypedEvent.Meta):
        indexes = [models.Index(fields=["alert", "-created_at"], name="spikealertevent_time")]
