"""E-mail in and out. Inbound models live beside `OutboundEmail`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One e-mail Motivo sends: a reply on a case or a notification.

    `rfc_message_id` is the RFC 5322 Message-ID we gave it (without angle brackets); inbound
    threading looks replies up by it (In-Reply-To / References)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        "cases.Message",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    kind = models.CharField(max_length=24)  # "reply", "assignment", "portal_link", ...
    rfc_message_id = models.CharField(max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True, default="")
    references = models.TextField(blank=True, default="")
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "created_at"], name="outbound_case_created")]

    def __str__(self) -> str:
        return f"<{self.rfc_message_id}> → {self.to}"


class Mailbox(models.Model):
    """An IMAP mailbox Motivo polls for inbound mail. The password is never stored: the admin
    names an environment variable (`password_env`) that holds it. Polling goes by UID and
    remembers the folder's UIDVALIDITY and the last UID taken."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None (local servers only)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(
        _("address"), blank=True, help_text=_("The address customers write to (loop check).")
    )
    host = models.CharField(_("IMAP host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=8, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        help_text=_("Name of the environment variable that holds the password."),
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    active = models.BooleanField(_("active"), default=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_poll_at = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, default="", editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name


class InboundEmail(models.Model):
    """One e-mail as it arrived, stored raw before anything parses it.

    `dedupe_key` is the Message-ID (or the SHA-256 of the raw bytes when there is none): the
    same message delivered twice is stored once. Processing sets the status and the links to
    what it created; a message that cannot be processed stays here, quarantined, with its
    error, until someone retries it."""

    class Transport(models.TextChoices):
        IMAP = "imap", _("IMAP")
        LMTP = "lmtp", _("LMTP/SMTP")
        HTTP = "http", _("HTTP")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        QUARANTINED = "quarantined", _("Quarantined")

    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    rfc_message_id = models.CharField(max_length=255, blank=True, default="")
    dedupe_key = models.CharField(max_length=255, unique=True)
    transport = models.CharField(max_length=8, choices=Transport.choices)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    envelope_from = models.CharField(max_length=255, blank=True, default="")
    envelope_to = models.TextField(blank=True, default="")
    from_address = models.CharField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    reason = models.CharField(max_length=255, blank=True, default="")  # why ignored / routed
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        "cases.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        "cases.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["status", "-received_at"], name="inbound_status_received"),
            models.Index(
                fields=["rfc_message_id"],
                name="inbound_message_id",
                condition=~models.Q(rfc_message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_transport_display()} #{self.pk} <{self.rfc_message_id}>"
