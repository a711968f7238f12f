"""Repeat-contact studies: why a first contact did not solve the customer's problem.

Every repeat contact (DESIGN.md; `Contact.is_repeat`, kept by motivo.insights.repeats) has a
study waiting for it. The study "exists" without a row: nothing is written at ingest. The
row (RepeatStudy) is written when an agent answers it — the cause from a short list the
admins edit (RepeatCause), an optional note — so ingesting a contact costs nothing more.

Repeats can be recomputed (a reason corrected, cases or customers merged): a study whose
contact is no longer a repeat keeps its row but is not counted anywhere (every read filters
on `contact.is_repeat`), and counts again if the contact becomes a repeat again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from motivo.core.models import TypedEvent


class RepeatCause(models.Model):
    """One answer to "why did the first contact not solve it?" (e.g. promise not kept).
    Named in English and Spanish; retired causes stay on the studies that used them."""

    slug = models.SlugField(_("key"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (English when there is no Spanish one)."""
        return self.name_for(translation.get_language() or settings.LANGUAGE_CODE)

    def name_for(self, language: str) -> str:
        if language.startswith("es") and self.name_es:
            return self.name_es
        return self.name_en


class RepeatStudy(models.Model):
    """The answered study of one repeat contact: the cause, a note, who answered it, and
    the first contact it repeats as it was when answered. The first contact's agent (who
    answered the customer the first time) and team are stored for the breakdowns."""

    NOTE_MAX = 1000

    contact = models.OneToOneField(
        "cases.Contact",
        on_delete=models.CASCADE,
        related_name="repeat_study",
        verbose_name=_("repeat contact"),
    )
    first_contact = models.ForeignKey(
        "cases.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("first contact"),
    )
    # The repeat contact's received_at, copied (it never changes): the period of every
    # report is read along this index without touching the contacts table.
    received_at = models.DateTimeField()
    cause = models.ForeignKey(
        RepeatCause,
        on_delete=models.PROTECT,
        related_name="studies",
        verbose_name=_("cause"),
        db_index=False,  # the (cause, received_at) index below serves it
    )
    note = models.TextField(_("note"), blank=True, default="", max_length=NOTE_MAX)
    # Who answered the customer the first time (the last reply on the first contact's case
    # before the repeat, else that case's assignee) and that case's team.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    answered_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["received_at"], name="repeatstudy_received"),
            models.Index(fields=["cause", "received_at"], name="repeatstudy_cause_received"),
        ]

    def __str__(self) -> str:
        return f"study of contact {self.contact_id}: {self.cause_id}"


class StudyEvent(TypedEvent):
    """One change to a study or to the list of causes. Written only through
    motivo/studies/events.py."""

    class Kind(models.TextChoices):
        STUDY_ANSWERED = "study_answered", _("Study answered")
        STUDY_CHANGED = "study_changed", _("Study changed")
        CAUSE_CREATED = "cause_created", _("Cause added")
        CAUSE_CHANGED = "cause_changed", _("Cause changed")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    study = models.ForeignKey(
        RepeatStudy, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    cause = models.ForeignKey(
        RepeatCause, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )

    class Meta(TypedEvent.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(study__isnull=False) | models.Q(cause__isnull=False),
                name="studyevent_has_subject",
            )
        ]
