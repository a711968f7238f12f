"""Customers, the identities through which they reach us, and their preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motivo.core.choices import Channel


class CustomerTier(models.Model):
    """A kind of customer with its own promises (DESIGN.md: different customers, different
    treatment), e.g. standard and premium. A case keeps the tier its customer had when it
    was opened, so a tier that cases carry cannot be deleted (rename it instead)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A person or organisation that contacts the company; every channel lands here."""

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="es"
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    callback_allowed = models.BooleanField(_("we may call back"), default=False)
    callback_from = models.TimeField(_("call between"), null=True, blank=True)
    callback_to = models.TimeField(_("and"), null=True, blank=True)
    # Which promises apply to the customer's new cases (motivo.promises); none: the
    # promises made to every customer.
    tier = models.ForeignKey(
        CustomerTier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        db_index=False,
        verbose_name=_("tier"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when this customer was merged into another: everything moved there, this row stays
    # so old links and ids still lead somewhere. Always points at a customer not merged
    # itself (chains are flattened by customer_merge). Mostly empty: partial index.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_customers",
        db_index=False,
        verbose_name=_("merged into"),
    )
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(
                fields=["merged_into"],
                name="customer_merged_into",
                condition=models.Q(merged_into__isnull=False),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(callback_from__isnull=True)
                | models.Q(callback_to__isnull=True)
                | models.Q(callback_from__lt=models.F("callback_to")),
                name="customer_callback_window_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("pk")),
                name="customer_not_merged_into_self",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Identity(models.Model):
    """An address a customer writes from: email, phone number or chat handle (normalised)."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        CHAT = "chat", _("Chat handle")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_kind_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class DuplicateSuggestion(models.Model):
    """Two customers that may be one person: a contact carried an address of `customer`
    and another (`kind`, `value`) that already belongs to `other`. Shown on both customer
    pages until someone merges them or dismisses the suggestion."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="duplicate_suggestions"
    )
    other = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Identity.Kind.choices)
    value = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["other"], name="dupsuggestion_other")]
        constraints = [
            models.UniqueConstraint(fields=["customer", "other"], name="dupsuggestion_pair"),
            models.CheckConstraint(
                condition=~models.Q(customer=models.F("other")), name="dupsuggestion_two"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ~ {self.other_id} ({self.kind}:{self.value})"
