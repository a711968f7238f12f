"""Calls and callback requests.

A call the customer makes to us is a Contact (DESIGN.md); a call an agent makes is recorded
on the case (a `Call` and an internal note) but is not a contact. A callback request is the
customer asking us to call them inside their callback window: it is a contact (a phone one).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CallbackRequest(models.Model):
    """A customer asked to be called back inside their window (company time zone)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CLAIMED = "claimed", _("Taken by an agent")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        WIDGET = "widget", _("Chat widget")
        API = "api", _("API")
        AGENT = "agent", _("Agent")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="callback_requests"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="callback_requests"
    )
    # The contact the request was recorded as; none when it answered a question of ours.
    contact = models.OneToOneField(
        "cases.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callback_request",
    )
    phone = models.CharField(_("number to call"), max_length=40)
    note = models.TextField(_("note"), blank=True, default="")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.PORTAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The window occurrence computed when asked (or moved on by a retry); the queue
    # recomputes it from the customer's current preferences once it has passed.
    window_start = models.DateTimeField(_("call from"))
    window_end = models.DateTimeField(_("call until"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_callbacks",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "window_start"], name="callback_status_window"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_start__lt=models.F("window_end")),
                name="callback_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"callback {self.pk} for customer {self.customer_id}"


class Call(models.Model):
    """One phone call, either way, logged by an agent or reported by the telephony system."""

    class Direction(models.TextChoices):
        IN = "in", _("Incoming")
        OUT = "out", _("Outgoing")

    class State(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ACTIVE = "active", _("In progress")
        ENDED = "ended", _("Ended")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        CALLBACK_PROMISED = "callback_promised", _("Callback promised")
        FOLLOW_UP = "follow_up", _("Follow-up needed")
        TRANSFERRED = "transferred", _("Transferred")
        VOICEMAIL = "voicemail", _("Voicemail left")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    # The contact an incoming call is (none for outgoing calls, which are not contacts).
    contact = models.OneToOneField(
        "cases.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="call"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="calls")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="calls"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("agent"),
    )
    callback = models.ForeignKey(
        CallbackRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.ENDED)
    from_number = models.CharField(_("from"), max_length=40, blank=True, default="")
    to_number = models.CharField(_("to"), max_length=40, blank=True, default="")
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    # The telephony system's id of the call: webhook deliveries are idempotent on it.
    external_call_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["case", "-started_at"], name="call_case_started"),
            models.Index(
                fields=["state", "-started_at"],
                name="call_live",
                condition=~models.Q(state="ended"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} call {self.pk} on case {self.case_id}"

    @property
    def duration_display(self) -> str:
        minutes, seconds = divmod(self.duration_seconds or 0, 60)
        return f"{minutes}:{seconds:02d}"

    @property
    def customer_number(self) -> str:
        return self.from_number if self.direction == self.Direction.IN else self.to_number
