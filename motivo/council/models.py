"""Targets and improvements of the improvement council.

A Target asks one reason (or a set of reasons) to cause fewer contacts — or fewer contacts per
unit of a business volume — by a date. Its baseline is measured once, when it is set, and kept:
progress is always judged against the baseline that was current then, whatever happens to the
figures of those weeks later. An Improvement is one action item of the council; when it is
done, its effect is measured from the roll-ups (motivo.council.measures).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motivo.core.models import TypedEvent


class Metric(models.TextChoices):
    CONTACTS = "contacts", _("Contacts per week")
    CPX = "cpx", _("Contacts per business volume")


class Target(models.Model):
    """“−20 % contacts per order by 2027-03-31” for a set of reasons."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    reasons = models.ManyToManyField(
        "reasons.Reason", through="TargetReason", related_name="council_targets"
    )
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    volume_kind = models.ForeignKey(
        "insights.VolumeKind",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("business volume"),
    )
    change_pct = models.DecimalField(_("change %"), max_digits=6, decimal_places=2)
    set_on = models.DateField(_("set on"))
    due_on = models.DateField(_("due date"))
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    # The baseline, measured when the target was set and never recomputed.
    baseline_from = models.DateField()
    baseline_to = models.DateField()
    baseline_weeks = models.PositiveSmallIntegerField()
    baseline_contacts = models.PositiveIntegerField()
    baseline_volume = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    closed_on = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gt=models.F("set_on")), name="target_due"),
            models.CheckConstraint(
                condition=Q(metric="contacts") | Q(volume_kind__isnull=False),
                name="target_cpx_has_volume",
            ),
            models.CheckConstraint(
                condition=Q(status="active", closed_on__isnull=True)
                | Q(status="closed", closed_on__isnull=False),
                name="target_closed_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change_pct:+}% {self.metric} by {self.due_on}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def baseline_value(self) -> Decimal | None:
        """Contacts per week, or contacts per one unit of the volume (None: no volume)."""
        if self.metric == Metric.CPX:
            if not self.baseline_volume:
                return None
            return Decimal(self.baseline_contacts) / self.baseline_volume
        return Decimal(self.baseline_contacts) / self.baseline_weeks

    @property
    def goal_value(self) -> Decimal | None:
        base = self.baseline_value
        return None if base is None else base * (1 + self.change_pct / 100)


class TargetReason(models.Model):
    """One reason of a target, with its own share of the baseline (the recognition board
    credits each reason's owner with that reason's avoided contacts)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="target_reasons")
    reason = models.ForeignKey("reasons.Reason", on_delete=models.PROTECT, related_name="+")
    baseline_contacts = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "reason"], name="target_reason_unique")
        ]
        indexes = [models.Index(fields=["reason", "target"], name="targetreason_reason")]


class Improvement(models.Model):
    """An action item of the improvement council: what we change, for which reasons, and
    what we expect (the hypothesis). Every change is an ImprovementEvent."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    title = models.CharField(_("title"), max_length=200)
    hypothesis = models.TextField(_("hypothesis"), blank=True, default="")
    reasons = models.ManyToManyField(
        "reasons.Reason", related_name="improvements", verbose_name=_("reasons addressed")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvements",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    volume_kind = models.ForeignKey(
        "insights.VolumeKind",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("business volume"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False)
                | (~Q(status="done") & Q(done_on__isnull=True)),
                name="improvement_done_on",
            )
        ]
        indexes = [models.Index(fields=["status", "-updated_at"], name="improvement_status")]

    def __str__(self) -> str:
        return self.title


class ImprovementEvent(TypedEvent):
    """One change to an improvement. Written only through motivo/council/events.py."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Improvement proposed")
        CHANGED = "changed", _("Details changed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        REASONS_CHANGED = "reasons_changed", _("Reasons changed")

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)

    class Meta(TypedEvent.Meta):
        indexes = [
            models.Index(fields=["improvement", "-created_at"], name="improvementevent_time")
        ]


class WeeklyReviewSent(models.Model):
    """One weekly review mailed to one participant: the review of a week goes to each
    person at most once (motivo.council.review.weekly_review_send)."""

    week = models.DateField()  # the Monday of the ISO week
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    to = models.CharField(max_length=254)
    language = models.CharField(max_length=8)
    email = models.ForeignKey(
        "mail.OutboundEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["week", "user"], name="weekly_review_sent_unique")
        ]

    def __str__(self) -> str:
        return f"{self.week} → {self.to}"
