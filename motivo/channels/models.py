"""Web-form submissions that were not let through (spam checks, expired or forged forms).

Kept so that a person whose real message was mistaken for spam is not lost: managers see
them at /forms/rejected/ and can accept one, which records it as a normal web contact.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RejectedSubmission(models.Model):
    """One refused submission of the embeddable contact form, as the visitor typed it."""

    class Why(models.TextChoices):
        HONEYPOT = "honeypot", _("Hidden field filled in")
        TOO_FAST = "too_fast", _("Sent too fast after the form loaded")
        BAD_TOKEN = "bad_token", _("Form token missing or forged")
        LINKS = "links", _("Too many links or link markup")

    why = models.CharField(_("why"), max_length=16, choices=Why.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    message = models.TextField(_("message"), blank=True)
    language = models.CharField(max_length=8, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    had_attachment = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_case_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["-created_at"], name="rejectedsub_created")]

    def __str__(self) -> str:
        return f"rejected web form {self.pk} ({self.why})"
