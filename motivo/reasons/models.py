"""The reason taxonomy (category › reason) and the departments that own reasons."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motivo.core.models import TypedEvent


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


class Rating(models.IntegerChoices):
    """How valuable (positive) or irritating (negative) a reason is to one side. There is no
    neutral point on purpose: the council has to decide, so every rated reason has a quadrant."""

    VERY_IRRITATING = -2, _("Very irritating")
    IRRITATING = -1, _("Irritating")
    VALUABLE = 1, _("Valuable")
    VERY_VALUABLE = 2, _("Very valuable")


def quadrant_for(customer_rating: int | None, company_rating: int | None) -> str | None:
    """The action the value–irritant matrix gives a rating (DESIGN.md, "Reason"), or None
    while either side is unrated. Ratings are never 0, so every rated reason has a quadrant:
    irritating to both → eliminate; valuable to the customer only → self-serve; valuable to
    the company only → simplify; valuable to both → leverage."""
    if customer_rating is None or company_rating is None:
        return None
    if customer_rating > 0:
        return Action.LEVERAGE if company_rating > 0 else Action.SELF_SERVE
    return Action.SIMPLIFY if company_rating > 0 else Action.ELIMINATE


class Reason(models.Model):
    """Why a customer had to contact us, named the way the customer would say it."""

    category = models.ForeignKey(ReasonCategory, on_delete=models.PROTECT, related_name="reasons")
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True, default="")
    # How customers put it ("my parcel never came", "¿dónde está mi pedido?"): with the name
    # and the description, what the suggestion model learns from before any contact is
    # confirmed (motivo.suggest). A list of short strings.
    examples = models.JSONField(_("example phrases"), default=list, blank=True)
    owner = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reasons",
        verbose_name=_("owner"),
    )
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_reasons",
        verbose_name=_("owner person"),
        help_text=_("The named person answerable for this reason (a member of staff)."),
    )
    action = models.CharField(
        _("action"), max_length=16, choices=Action.choices, default=Action.ELIMINATE
    )
    active = models.BooleanField(_("active"), default=True)
    # Value–irritant matrix: both null until the council rates the reason.
    customer_rating = models.SmallIntegerField(
        _("value to the customer"), choices=Rating.choices, null=True, blank=True
    )
    company_rating = models.SmallIntegerField(
        _("value to the company"), choices=Rating.choices, null=True, blank=True
    )
    # Set when the council merged this reason into another: its contacts, roll-ups, targets
    # and improvements moved there (reasons.services.reason_merge); it stays, inactive, so
    # old links and events still resolve.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["category__position", "category__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="reason_unique_in_category"),
            models.CheckConstraint(
                condition=Q(customer_rating__isnull=True) | Q(customer_rating__in=Rating.values),
                name="reason_customer_rating_valid",
            ),
            models.CheckConstraint(
                condition=Q(company_rating__isnull=True) | Q(company_rating__in=Rating.values),
                name="reason_company_rating_valid",
            ),
            models.CheckConstraint(
                condition=Q(customer_rating__isnull=True, company_rating__isnull=True)
                | Q(customer_rating__isnull=False, company_rating__isnull=False),
                name="reason_rated_on_both_sides",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} › {self.name}"

    @property
    def rated(self) -> bool:
        return self.customer_rating is not None and self.company_rating is not None

    @property
    def quadrant(self) -> str | None:
        """The action the council's rating points to (an `Action` value), None if unrated."""
        return quadrant_for(self.customer_rating, self.company_rating)

    @property
    def quadrant_label(self) -> str:
        quadrant = self.quadrant
        return str(Action(quadrant).label) if quadrant else ""

    @property
    def flagged(self) -> bool:
        """The chosen action disagrees with the quadrant of the rating."""
        quadrant = self.quadrant
        return quadrant is not None and quadrant != self.action


class ReasonEvent(TypedEvent):
    """A typed record of one change to a reason (rating, action, owner, name, …).
    Written only through the functions in `reasons/events.py`; the reason's history reads them."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Reason created")
        RENAMED = "renamed", _("Renamed")
        MOVED = "moved", _("Moved to another category")
        OWNER_CHANGED = "owner_changed", _("Owner changed")
        ACTION_CHANGED = "action_changed", _("Action changed")
        RATED = "rated", _("Rated")
        ACTIVE_CHANGED = "active_changed", _("Activated or deactivated")
        MERGED_INTO = "merged_into", _("Merged into another reason")
        ABSORBED = "absorbed", _("Another reason merged into it")
        DESCRIBED = "described", _("Description or example phrases changed")

    reason = models.ForeignKey(Reason, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)

    class Meta(TypedEvent.Meta):
        indexes = [models.Index(fields=["reason", "-created_at"], name="reasonevent_reason_time")]

    def __str__(self) -> str:
        return f"{self.reason_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"
