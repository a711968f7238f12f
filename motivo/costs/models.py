"""Cost per contact by channel, goodwill, and the call-seconds roll-up that costing reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motivo.core.choices import Channel


class ChannelCost(models.Model):
    """What one contact through `channel` costs from `effective_from` on (and, for phone, what
    each minute of a call costs). A change is a new row: earlier days keep the row that was in
    force on them, so past periods keep their cost."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    effective_from = models.DateField(_("effective from"))
    per_contact = models.DecimalField(_("cost per contact"), max_digits=10, decimal_places=2)
    per_minute = models.DecimalField(
        _("cost per call minute"), max_digits=10, decimal_places=4, default=0
    )
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "effective_from"], name="channelcost_channel_day_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(per_contact__gte=0, per_minute__gte=0),
                name="channelcost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} from {self.effective_from}: {self.per_contact}"


class Goodwill(models.Model):
    """A credit, refund or gift given to a customer to make up for a contact. It adds to the
    cost of the contact's reason on the local day it was given (DESIGN.md: cost of a reason)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="goodwill")
    contact = models.ForeignKey("cases.Contact", on_delete=models.CASCADE, related_name="goodwill")
    # The contact's reason, kept in step with it by costs.services (null until it has one).
    reason = models.ForeignKey(
        "reasons.Reason", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    day = models.DateField()  # local day it was given (settings.TIME_ZONE)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["day", "reason"], name="goodwill_day_reason"),
            models.Index(fields=["case", "-created_at"], name="goodwill_case_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="goodwill_positive")
        ]

    def __str__(self) -> str:
        return f"goodwill {self.amount} on case {self.case_id}"


class ReasonDayCallSeconds(models.Model):
    """Seconds of calls whose contact has `reason` and was received on local `day`. Kept
    exact by costs.services from the voice and cases services, in the same transaction."""

    day = models.DateField()
    reason = models.ForeignKey("reasons.Reason", on_delete=models.CASCADE, related_name="+")
    seconds = models.BigIntegerField(default=0)
    calls = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "reason"], name="callseconds_day_reason_unique")
        ]


class CallTally(models.Model):
    """What one call currently adds to ReasonDayCallSeconds (day, reason, seconds), so a later
    change to the call or its contact moves exactly that amount."""

    call = models.OneToOneField(
        "voice.Call", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    day = models.DateField()
    reason = models.ForeignKey("reasons.Reason", on_delete=models.CASCADE, related_name="+")
    seconds = models.PositiveIntegerField()
