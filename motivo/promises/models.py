"""Promises: what the customer is told (first answer within 1 business day, resolution within
5) and the stricter internal target behind it, per customer tier and channel, measured in the
business hours of one calendar. And the roll-up the promise dashboard reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motivo.core.choices import Channel

WEEKDAYS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


def default_time_zone() -> str:
    return settings.TIME_ZONE


def default_hours() -> list[list[list[int]]]:
    """Monday to Friday 09:00–18:00 (minutes after local midnight), closed at weekends."""
    return [[[540, 1080]]] * 5 + [[], []]


class BusinessCalendar(models.Model):
    """The business hours promises are counted in (one row): a time zone, opening hours per
    weekday, the public holidays of a country (the `holidays` package) and the closed days
    below. `revision` goes up with every change to the calendar, closed days, tiers or
    promises, so server processes know when to reload them."""

    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone)
    # Seven lists (Monday first) of [start, end] minutes after local midnight.
    hours = models.JSONField(_("opening hours"), default=default_hours)
    holiday_country = models.CharField(
        _("public holidays of"), max_length=8, blank=True, default=""
    )
    holiday_subdivision = models.CharField(_("region"), max_length=16, blank=True, default="")
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.time_zone} {self.holiday_country}"


class ClosedDay(models.Model):
    """A day the business is closed besides the public holidays (a local holiday, the
    company's own day off)."""

    day = models.DateField(_("day"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True, default="")

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class Promise(models.Model):
    """For the cases of a tier on a channel: the first answer (and, optionally, the
    resolution) within so many business minutes — what the customer is told — and the
    stricter internal target behind each. An empty tier is every customer (those without a
    tier too, who only get these); an empty channel is every channel. The most specific
    promise applies: tier and channel, tier, channel, then the general one."""

    tier = models.ForeignKey(
        "customers.CustomerTier",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="promises",
        verbose_name=_("tier"),
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, blank=True, default=""
    )
    first_answer_minutes = models.PositiveIntegerField(_("first answer within (promise)"))
    first_answer_target_minutes = models.PositiveIntegerField(
        _("first answer within (internal target)")
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (promise)"), null=True, blank=True
    )
    resolution_target_minutes = models.PositiveIntegerField(
        _("resolution within (internal target)"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "channel"],
                name="promise_tier_channel",
                condition=models.Q(tier__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["channel"], name="promise_all_tiers_channel", condition=models.Q(tier=None)
            ),
            models.CheckConstraint(
                condition=models.Q(first_answer_minutes__gt=0)
                & models.Q(first_answer_target_minutes__gt=0)
                & models.Q(first_answer_target_minutes__lte=models.F("first_answer_minutes")),
                name="promise_answer_target_within",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes=None, resolution_target_minutes=None)
                | models.Q(
                    resolution_minutes__gt=0,
                    resolution_target_minutes__gt=0,
                    resolution_target_minutes__lte=models.F("resolution_minutes"),
                ),
                name="promise_resolution_target_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier_id or '*'}/{self.channel or '*'}: {self.first_answer_minutes} min"


class PromiseDayCount(models.Model):
    """The promised cases opened on one local day (settings.TIME_ZONE) through one channel,
    for customers of one tier (as at the case's opening; 0: none) held by one team (the
    case's current team; 0: none), with how their promises went. Kept exactly by
    promises.services in the transaction that changes a case; none of these counts depends on
    the clock: whether a case still unanswered is pending or breached is decided when read.
    Keys are plain integers (not foreign keys) so that 'none' is a value of the unique key."""

    day = models.DateField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    tier_key = models.IntegerField()
    team_key = models.IntegerField()
    cases = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answer_kept = models.IntegerField(default=0)
    answer_delighted = models.IntegerField(default=0)
    # Of the cases, those promised a resolution, and how that went (first resolution).
    resolution_cases = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolution_kept = models.IntegerField(default=0)
    resolution_delighted = models.IntegerField(default=0)
    # The whole promise: the first answer and, where promised, the resolution in time.
    kept = models.IntegerField(default=0)
    delighted = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "tier_key", "team_key"], name="promise_day_key_unique"
            )
        ]


COUNTERS = (
    "cases",
    "answered",
    "answer_kept",
    "answer_delighted",
    "resolution_cases",
    "resolved",
    "resolution_kept",
    "resolution_delighted",
    "kept",
    "delighted",
)
