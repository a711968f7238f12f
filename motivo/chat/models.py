"""Live chat sessions and agents' chat availability.

A chat session is one contact on a case (see docs/chat.md): its lines are the case's
Messages (inbound from the customer, replies from agents), so the transcript stays on the
case. The session row only records who is talking, its state, and the secret the widget
authenticates with (stored as a SHA-256 digest).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChatSession(models.Model):
    """A conversation in the chat widget, from the customer's first line until it ends."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for an agent")
        ACTIVE = "active", _("In progress")
        ENDED = "ended", _("Ended")

    class EndedBy(models.TextChoices):
        CUSTOMER = "customer", _("the customer")
        AGENT = "agent", _("an agent")
        IDLE = "idle", _("inactivity")

    token_digest = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="chat_sessions"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="chat_sessions", db_index=False
    )
    contact = models.ForeignKey(
        "cases.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.CharField(_("email"), max_length=254)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.WAITING
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    page_url = models.CharField(max_length=500, blank=True, default="")
    started_at = models.DateTimeField()
    # Changed on every state change (not on customer heartbeats): streams poll this.
    updated_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)
    customer_seen_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=8, choices=EndedBy.choices, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["case", "status"], name="chat_case_status"),
            models.Index(fields=["status", "started_at"], name="chat_status_started"),
            models.Index(fields=["updated_at"], name="chat_updated"),
        ]

    def __str__(self) -> str:
        return f"chat {self.pk} on case {self.case_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.ENDED


class AgentPresence(models.Model):
    """Whether a staff member takes chats. Available means: switched on in the chat
    console and seen there within MOTIVO_CHAT_PRESENCE_MINUTES (the console's stream
    keeps `last_seen_at` fresh while it is open)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="chat_presence",
    )
    available = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["available", "last_seen_at"], name="chat_presence_seen")]
