"""Theme discovery: runs that group the contacts no reason fits into themes, the themes with
their key terms and contacts, and what a manager did with each theme.

A ThemeRun is one pass over a period (its parameters stored, so it can be repeated); its
Themes are ranked by size; ThemeMember rows list each theme's contacts, most central first
(the first few are its examples). A theme is open until a manager turns it into a new reason,
merges it into an existing one or dismisses it; who did it and when stays on the theme.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ThemeRun(models.Model):
    """One discovery over the contacts of a period (local days, both inclusive)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("On demand")
        DAILY = "daily", _("Daily run")
        DEMO = "demo", _("Demo data")

    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    trigger = models.CharField(_("trigger"), max_length=8, choices=Trigger.choices)
    # clustering.Params.as_dict() plus the selection: {"max_confidence", "max_contacts"}.
    params = models.JSONField(default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    contacts = models.PositiveIntegerField(_("contacts considered"), default=0)
    noise = models.PositiveIntegerField(_("contacts in no theme"), default=0)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="themerun_status_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=models.F("date_from")), name="themerun_period"
            ),
            # One daily run per day (the daily task may be asked twice); a failed one may be
            # tried again.
            models.UniqueConstraint(
                fields=["date_to"],
                condition=Q(trigger="daily") & ~Q(status="failed"),
                name="themerun_one_daily",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} {self.date_from}–{self.date_to} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Theme(models.Model):
    """A group of similar contacts that none of our reasons fits, with its key terms."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REASON_CREATED = "reason_created", _("Turned into a new reason")
        MERGED = "merged", _("Merged into a reason")
        DISMISSED = "dismissed", _("Dismissed")

    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="themes")
    rank = models.PositiveSmallIntegerField(_("rank"))  # 1: the largest theme of the run
    label = models.CharField(_("theme"), max_length=200)
    terms = models.JSONField(_("key terms"), default=list)
    size = models.PositiveIntegerField(_("contacts"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    # The reason created from the theme, or the one it was merged into.
    reason = models.ForeignKey(
        "reasons.Reason",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reason"),
    )
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acted_at = models.DateTimeField(null=True, blank=True)
    contacts_classified = models.PositiveIntegerField(default=0)  # got the reason by the action

    class Meta:
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rank"], name="theme_rank_in_run"),
            models.CheckConstraint(
                condition=Q(status="open", acted_at__isnull=True)
                | (~Q(status="open") & Q(acted_at__isnull=False)),
                name="theme_acted_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.label}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class ThemeMember(models.Model):
    """One contact of a theme; `position` 1 is the most central (the examples come first)."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey("cases.Contact", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    centrality = models.FloatField()  # average similarity to the theme's other contacts
    is_example = models.BooleanField(default=False)

    class Meta:
        ordering = ["theme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "contact"], name="theme_member_unique"),
            models.UniqueConstraint(fields=["theme", "position"], name="theme_member_position"),
        ]
        indexes = [models.Index(fields=["contact"], name="theme_member_contact")]
