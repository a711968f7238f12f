"""Cases, the contacts that open or join them, their conversation and their timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motivo.core.choices import Channel


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)


class Case(models.Model):
    """The customer's problem, from first contact to resolution."""

    subject = models.CharField(_("subject"), max_length=255)
    # Foreign keys whose lookups a composite index below already serves carry no index of
    # their own (db_index=False): one index fewer to update on every contact.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        db_index=False,
    )
    # Mostly empty: indexed only where set (partial index below), not once per case.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"))
    last_activity_at = models.DateTimeField(_("last activity"))
    # The first answer: the first reply sent to the customer (not an internal note).
    first_reply_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The promise made when the case was opened (motivo.promises): the customer's tier then,
    # the customer-facing due times and the stricter internal targets behind them, in
    # business time. Empty when no promise applied. `first_resolved_at` is the first time
    # the case was resolved (or closed): a reopened case keeps it.
    tier = models.ForeignKey(
        "customers.CustomerTier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    first_answer_due_at = models.DateTimeField(_("first answer due"), null=True, blank=True)
    first_answer_target_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_target_at = models.DateTimeField(null=True, blank=True)
    first_resolved_at = models.DateTimeField(null=True, blank=True)
    # The last of the due times: until then the promise may still be pending. Indexed only
    # where set, for the dashboard's "still pending" count.
    promise_ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["status", "-last_activity_at", "-id"], name="case_status_activity"
            ),
            models.Index(fields=["-last_activity_at", "-id"], name="case_activity"),
            models.Index(
                fields=["assignee", "status", "-last_activity_at"], name="case_assignee_status"
            ),
            models.Index(fields=["team", "status", "-last_activity_at"], name="case_team_status"),
            models.Index(
                fields=["channel", "status", "-last_activity_at"], name="case_channel_status"
            ),
            models.Index(fields=["customer", "-created_at"], name="case_customer_created"),
            models.Index(
                fields=["merged_into"],
                name="case_merged_into",
                condition=models.Q(merged_into__isnull=False),
            ),
            # The promise dashboard's pending counts: promised cases not yet answered or not
            # yet resolved (the cases a promise can still be running for).
            models.Index(
                fields=["promise_ends_at"],
                name="case_promise_open",
                condition=models.Q(promise_ends_at__isnull=False)
                & (
                    models.Q(first_reply_at__isnull=True) | models.Q(first_resolved_at__isnull=True)
                ),
            ),
            # The promise dashboard's drill-down: promised cases by creation.
            models.Index(
                fields=["-created_at", "-id"],
                name="case_promised_created",
                condition=models.Q(first_answer_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> str:
        return f"#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Contact(models.Model):
    """One customer-initiated inbound interaction on one channel. Has exactly one reason
    once classified; a case cannot be resolved while one of its contacts lacks a reason."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="contacts", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("received"))
    reason = models.ForeignKey(
        "reasons.Reason",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("reason"),
        db_index=False,
    )
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A repeat (DESIGN.md): the customer had an earlier contact within R days with the same
    # reason or on the same case; `repeat_of` is the latest such contact. Kept by
    # motivo.insights.repeats, also when a reason is set or corrected later.
    is_repeat = models.BooleanField(_("repeat"), default=False, db_default=False)
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
        db_index=False,  # partial index below: only repeats carry one
    )

    class Meta:
        indexes = [
            models.Index(fields=["case", "received_at"], name="contact_case_received"),
            models.Index(fields=["customer", "-received_at"], name="contact_customer_received"),
            models.Index(fields=["reason", "received_at"], name="contact_reason_received"),
            models.Index(fields=["received_at"], name="contact_received"),
            models.Index(
                fields=["received_at"],
                name="contact_repeat_received",
                condition=models.Q(is_repeat=True),
            ),
            models.Index(
                fields=["repeat_of"],
                name="contact_repeat_of",
                condition=models.Q(repeat_of__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} contact {self.pk} on case {self.case_id}"


class Message(models.Model):
    """An entry in a case's conversation."""

    class Kind(models.TextChoices):
        INBOUND = "inbound", _("From the customer")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="message"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # inbound messages have none: partial index below
    )
    body = models.TextField(_("message"))
    body_html = models.TextField(blank=True, default="")  # sanitised on the way in
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["case", "created_at"], name="message_case_created"),
            models.Index(
                fields=["author"],
                name="message_author",
                condition=models.Q(author__isnull=False),
            ),
        ]

    @property
    def is_public(self) -> bool:
        return self.kind != self.Kind.NOTE


class Attachment(models.Model):
    """A file sent with a message, either way."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()


class CaseEvent(models.Model):
    """A typed record of one state change; the timeline, audit and analytics read these.
    Written only through the functions in `cases/events.py`."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Case opened")
        CONTACT_ADDED = "contact_added", _("Customer contacted us")
        REPLIED = "replied", _("Reply sent")
        NOTE_ADDED = "note_added", _("Internal note added")
        ASSIGNED = "assigned", _("Assigned")
        STATUS_CHANGED = "status_changed", _("Status changed")
        REASON_SET = "reason_set", _("Reason set")
        MERGED = "merged", _("Another case merged into this one")
        MERGED_INTO = "merged_into", _("Merged into another case")
        TRANSFERRED = "transferred", _("Transferred with a hand-off note")
        CUSTOMER_MERGED = "customer_merged", _("Customer merged")
        DELIVERY_FAILED = "delivery_failed", _("Reply could not be delivered")
        ATTACHMENT_REFUSED = "attachment_refused", _("Attachment kept out")
        CALL_LOGGED = "call_logged", _("Call logged")
        CALLBACK_REQUESTED = "callback_requested", _("Callback requested")
        CHAT_STARTED = "chat_started", _("Chat started")
        CHAT_ENDED = "chat_ended", _("Chat ended")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # events of incoming contacts have none: partial index below
    )
    created_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["case", "created_at"], name="event_case_created"),
            models.Index(
                fields=["actor"], name="event_actor", condition=models.Q(actor__isnull=False)
            ),
        ]


class CannedReply(models.Model):
    """A reusable answer with placeholders such as {customer_name} and {case_number}."""

    title = models.CharField(_("title"), max_length=150)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["title", "language"]
        constraints = [
            models.UniqueConstraint(fields=["title", "language"], name="canned_title_language")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class Handoff(models.Model):
    """A transfer's hand-off note as its receiver meets it: the note itself and who had the
    case are in the `transferred` event; this row says for whom it is and whether they have
    acknowledged it. The receiver is `assignee`, or, for a transfer to a team alone, any
    member of `team`. A later transfer, or a reassignment away from the receiver, supersedes
    an open hand-off."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="handoffs", db_index=False
    )
    event = models.OneToOneField(CaseEvent, on_delete=models.CASCADE, related_name="handoff")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    assignee = models.ForeignKey(
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
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Serves the case page (latest hand-off) and the inbox's per-row "open hand-off
        # for me?" check alike.
        indexes = [models.Index(fields=["case", "-created_at"], name="handoff_case_created")]

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.superseded_at is None
