"""Incremental roll-ups that dashboards read, so their cost does not grow with contacts,
and the business volumes the company sends (the X of contacts per X)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motivo.core.choices import Channel


class ReasonDayCount(models.Model):
    """Number of contacts with a given reason received on one day through one channel.
    Maintained by the services that create or reclassify contacts (insights.services)."""

    day = models.DateField()
    reason = models.ForeignKey("reasons.Reason", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    count = models.IntegerField(default=0)
    # Of those contacts, the repeats (Contact.is_repeat): kept with the flags, same transaction.
    repeats = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "reason", "channel"], name="reason_day_channel_unique"
            )
        ]
        indexes = [models.Index(fields=["day", "reason"], name="reasondaycount_day_reason")]


# Labels of the kinds of volume most companies send; any other slug is allowed with a label.
KNOWN_KINDS = {
    "orders": _("Orders"),
    "active_customers": _("Active customers"),
    "shipments": _("Shipments"),
}


class VolumeKind(models.Model):
    """A business volume the company sends (orders, active customers, shipments, …), each
    value covering one day or one ISO week (Monday to Sunday, local time)."""

    class Period(models.TextChoices):
        DAY = "day", _("Day")
        WEEK = "week", _("Week")

    slug = models.SlugField(_("kind"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if self.label:
            return self.label
        known = KNOWN_KINDS.get(self.slug)
        return str(known) if known else self.slug


class BusinessVolume(models.Model):
    """The value of one kind of volume for one day, or for the ISO week starting on `date`
    (a Monday) when the kind is weekly. One row per kind and date: sending it again
    replaces the value."""

    kind = models.ForeignKey(
        VolumeKind, on_delete=models.CASCADE, related_name="volumes", db_index=False
    )
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "date"], name="business_volume_kind_date"),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="business_volume_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_id} {self.date}: {self.value}"


class FcrDayCount(models.Model):
    """Cases resolved on one local day (Case.resolved_at) whose R-day window after
    resolution has passed, per reason of their first contact, channel, team and agent (the
    case's, when the day was finalised). Written only by insights.repeats.fcr_finalise,
    which recomputes whole days from the raw rows."""

    day = models.DateField()
    reason = models.ForeignKey(
        "reasons.Reason", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
    )
    resolved = models.IntegerField(default=0)
    # Exactly one contact and no repeat within R days: resolved at first contact.
    first_contact = models.IntegerField(default=0)
    # Followed by a contact with the same reason within R days of resolution.
    repeated = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="fcrdaycount_day")]


class FcrDay(models.Model):
    """A resolution day whose FcrDayCount rows are final (one row per day finalised)."""

    day = models.DateField(primary_key=True)
    finalised_at = models.DateTimeField()
