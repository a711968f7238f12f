"""The reason taxonomy (category › reason) and the departments that own reasons."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """Owns reasons; receives the chargeback of the contacts they cause."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    email = models.EmailField(_("email"), blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReasonCategory(models.Model):
    """First level of the taxonomy."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "reason categories"

    def __str__(self) -> str:
        return self.name


class Action(models.TextChoices):
    """What to do about a reason, from the value–irritant matrix."""

    ELIMINATE = "eliminate", _("Eliminate")
    SELF_SERVE = "self_serve", _("Self-serve")
    SIMPLIFY = "simplify", _("Simplify")
    LEVERAGE = "leverage", _("Leverage")


class Reason(models.Model):
    """Why a customer had to contact us, named the way the customer would say it."""

    category = models.ForeignKey(ReasonCategory, on_delete=models.PROTECT, related_name="reasons")
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True, default="")
    owner = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reasons",
        verbose_name=_("owner"),
    )
    action = models.CharField(
        _("action"), max_length=16, choices=Action.choices, default=Action.ELIMINATE
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__position", "category__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="reason_unique_in_category")
        ]

    def __str__(self) -> str:
        return f"{self.category.name} › {self.name}"
