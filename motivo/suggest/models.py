"""Reason suggestion: the model versions, what they suggested for each contact, and what the
agents confirmed.

The classifier itself lives in `engine.py` (no Django); this app stores its versions (the
engine's bytes with their held-out metrics), one prediction and its top three suggestions per
contact, each contact's text embedding (so retraining and theme discovery never embed a
contact twice) and the agents' confirmations (the training data and the quality figures).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    """One trained classifier. At most one is active; the others stay so that a bad new
    version can be rolled back. `metrics` are measured on held-out confirmed contacts that
    no version ever trains on (a fixed fifth of them, chosen by contact id)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        TRAINING = "training", _("Training")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")
        REJECTED = "rejected", _("Rejected: worse than the active version")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        COLD_START = "cold_start", _("First model (reasons' names, descriptions, phrases)")
        CONFIRMATIONS = "confirmations", _("New confirmations")
        REASONS_CHANGED = "reasons_changed", _("Reasons or their phrases changed")
        MANUAL = "manual", _("Retrain now")
        DEMO = "demo", _("Demo data")

    number = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    trained_at = models.DateTimeField(_("trained"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    engine_version = models.CharField(max_length=16, blank=True, default="")
    n_examples = models.PositiveIntegerField(_("training examples"), default=0)
    n_labels = models.PositiveIntegerField(_("reasons"), default=0)
    # {"accuracy", "top3", "none_rate", "n_heldout", "none_recall", "n_heldout_none",
    #  "compared_with": {"number", "accuracy", "top3"} | None}; accuracies are 0..1, null
    # when there was nothing held out to measure on.
    metrics = models.JSONField(default=dict, blank=True)
    train_seconds = models.FloatField(null=True, blank=True)
    # What it learnt from: a hash of the active reasons' names, descriptions and phrases.
    seeds_fingerprint = models.CharField(max_length=64, blank=True, default="")
    note = models.TextField(blank=True, default="")
    data = models.BinaryField(editable=False, default=b"")  # engine.Classifier.to_bytes()
    # The first pass's lexical model (quick.QuickModel.to_bytes()), trained on the same data.
    quick_data = models.BinaryField(editable=False, default=b"")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="suggest_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} ({self.status})"

    @property
    def accuracy(self) -> float | None:
        return self.metrics.get("accuracy")

    @property
    def top3(self) -> float | None:
        return self.metrics.get("top3")

    @property
    def can_activate(self) -> bool:
        return self.status in (self.Status.RETIRED, self.Status.REJECTED)


class SuggestSettings(models.Model):
    """The organisation's policy for suggestions (one row, pk=1), changed by admins on the
    model page or through the API."""

    auto_apply = models.BooleanField(
        _("apply the top suggestion automatically"),
        default=True,
        help_text=_("When the model is at least this sure, the contact gets the reason at once."),
    )
    auto_apply_threshold = models.FloatField(
        _("confidence needed to apply automatically"), default=0.9
    )
    retrain_after = models.PositiveIntegerField(
        _("retrain after this many new confirmations"), default=50
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="suggest_settings_single_row"),
            models.CheckConstraint(
                condition=Q(auto_apply_threshold__gte=0.5, auto_apply_threshold__lte=1.0),
                name="suggest_threshold_range",
            ),
            models.CheckConstraint(condition=Q(retrain_after__gte=1), name="suggest_retrain_after"),
        ]

    def __str__(self) -> str:
        return f"auto {self.auto_apply} ≥ {self.auto_apply_threshold}"


class SuggesterState(models.Model):
    """Where the background suggester is (one row, pk=1): every contact above `watermark`
    still waits for its suggestions; contacts at or below `floor` existed before suggestions
    were switched on (or were bulk-loaded history) and never get any."""

    watermark = models.BigIntegerField(default=0)
    floor = models.BigIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="suggester_state_single_row")]


class ContactEmbedding(models.Model):
    """A contact's text as the engine's sentence embedding (float32 bytes), stored once so
    that retraining and theme discovery never embed it again."""

    contact = models.OneToOneField(
        "cases.Contact", on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    engine_version = models.CharField(max_length=16)
    vector = models.BinaryField()


class ContactPrediction(models.Model):
    """What the active model made of a contact: its three suggestions (1 is the best) with
    their confidence, whether it fits none of our reasons, and whether the top reason was
    applied automatically. One row per contact — one INSERT per contact for the suggester,
    one join for the case page. `refined` is False between the suggester's first (lexical)
    pass and its second (embedding) pass, which replaces the suggestions, decides "none of
    our reasons" and may apply the reason."""

    contact = models.OneToOneField(
        "cases.Contact", on_delete=models.CASCADE, primary_key=True, related_name="prediction"
    )
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()  # the contact's, for the discovery range
    reason_1 = models.ForeignKey(
        "reasons.Reason", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confidence_1 = models.FloatField(null=True)
    reason_2 = models.ForeignKey(
        "reasons.Reason", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confidence_2 = models.FloatField(null=True)
    reason_3 = models.ForeignKey(
        "reasons.Reason", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confidence_3 = models.FloatField(null=True)
    none_of_ours = models.BooleanField(default=False)
    top_confidence = models.FloatField()
    refined = models.BooleanField(default=True)
    auto_applied = models.BooleanField(default=False)
    auto_reason = models.ForeignKey(
        "reasons.Reason", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["received_at"], name="prediction_received"),
            # The second pass's queue: only first-pass rows carry an entry.
            models.Index(
                fields=["contact"], name="prediction_unrefined", condition=Q(refined=False)
            ),
        ]

    @property
    def ranked(self) -> list[tuple[int, int, float]]:
        """(rank, reason id, confidence) of the suggestions, best first."""
        return [
            (rank, reason_id, confidence)
            for rank, reason_id, confidence in (
                (1, self.reason_1_id, self.confidence_1),
                (2, self.reason_2_id, self.confidence_2),
                (3, self.reason_3_id, self.confidence_3),
            )
            if reason_id is not None
        ]


class Confirmation(models.Model):
    """An agent confirmed or changed a contact's reason, or said it fits none of our reasons.
    Kept with what had been suggested, so the quality page can say how often the suggestion
    was right; the contact's text and reason are training data for the next version."""

    contact = models.OneToOneField(
        "cases.Contact", on_delete=models.CASCADE, primary_key=True, related_name="confirmation"
    )
    # A reason can only be deleted while no contact has it; its confirmations go with it.
    reason = models.ForeignKey(
        "reasons.Reason", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    none_of_ours = models.BooleanField(_("none of our reasons"), default=False)
    # What the model had said (all empty when the contact had no suggestions).
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggested_reason = models.ForeignKey(
        "reasons.Reason", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggested_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    predicted_none = models.BooleanField(default=False)
    auto_applied = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["confirmed_at"], name="confirmation_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__isnull=False) | Q(none_of_ours=True),
                name="confirmation_reason_or_none",
            )
        ]

    @property
    def kept(self) -> bool:
        """The agent kept the top suggestion."""
        return self.suggested_rank == 1
