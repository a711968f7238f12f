"""People who sign in, their roles and teams, API tokens and in-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
MANAGER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class User(AbstractUser):
    """Anyone who signs in: a customer in the portal or a member of staff."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    @property
    def is_staff_member(self) -> bool:
        return self.is_active and self.role in STAFF_ROLES

    @property
    def is_manager(self) -> bool:
        return self.is_active and self.role in MANAGER_ROLES

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Team(models.Model):
    """A group of agents that cases can be routed to."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token for integrations. Only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class Notification(models.Model):
    """Something a member of staff should look at: a case (assigned to them, …) or, for
    notices about something else (a spike on a reason they own), a page (`link`, `text`)."""

    class Kind(models.TextChoices):
        CASE_ASSIGNED = "case_assigned", _("Case assigned to you")
        CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
        CALL_ANSWERED = "call_answered", _("Call answered by you")
        SPIKE = "spike", _("Contact spike on your reason")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    link = models.CharField(max_length=300, blank=True, default="")  # a path, when no case
    text = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
