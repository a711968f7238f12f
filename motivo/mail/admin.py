"""Django admin for mail: mailboxes are configured here (the password stays in the
environment variable the admin names); inbound messages are read-only."""

from __future__ import annotations

from django.contrib import admin

from motivo.mail.models import InboundEmail, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = (
        "name", "address", "host", "port", "security", "folder", "active", "last_poll_at",
        "last_error",
    )  # fmt: skip
    list_filter = ("active", "security")
    readonly_fields = ("uidvalidity", "last_uid", "last_poll_at", "last_success_at", "last_error")
    fields = (
        "name", "address", "host", "port", "security", "username", "password_env", "folder",
        "active", *readonly_fields,
    )  # fmt: skip


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ("id", "received_at", "transport", "from_address", "subject", "status")
    list_filter = ("status", "transport")
    search_fields = ("rfc_message_id", "from_address", "subject")
    exclude = ("raw",)
    readonly_fields = [
        f.name for f in InboundEmail._meta.get_fields() if f.concrete and f.name != "raw"
    ]

    def has_add_permission(self, request):
        return False
