"""The embeddable contact form: parses input; the services and spam checks decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext_lazy as _


class SizeLimitUploadHandler(FileUploadHandler):
    """First in the request's upload handlers: stops storing a file once it passes
    MOTIVO_FORM_MAX_ATTACHMENT_BYTES (the rest of it is read and thrown away, the other
    fields are still parsed), so an oversized upload never fills memory or the disk.
    `too_large` then says the visitor's file was refused."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit = settings.MOTIVO_FORM_MAX_ATTACHMENT_BYTES
        self.received = 0
        self.too_large = False

    def new_file(self, *args: object, **kwargs: object) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) holds the file


class ContactForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    message = forms.CharField(
        label=_("How can we help?"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    attachment = forms.FileField(label=_("Attachment (optional)"), required=False)
    # The honeypot: hidden from people (CSS and aria-hidden), filled in by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    lang = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, upload_handlers: tuple = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.upload_handlers = upload_handlers  # the request's, to see a refused file
        self.fields["attachment"].help_text = _("Up to %(mb)d MB.") % {
            "mb": settings.MOTIVO_FORM_MAX_ATTACHMENT_BYTES // (1024 * 1024)
        }

    def clean_attachment(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("attachment")
        limit = settings.MOTIVO_FORM_MAX_ATTACHMENT_BYTES
        refused = any(getattr(h, "too_large", False) for h in self.upload_handlers)
        if refused or (upload and upload.size and upload.size > limit):
            raise forms.ValidationError(
                _("The file is larger than the %(mb)d MB limit."), params={"mb": limit // 1048576}
            )
        return upload
