"""Forms of the customer portal: they only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from motivo.core.choices import Channel


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files from one <input type=file multiple>."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


def _limit_help() -> str:
    return _("Up to %(mb)d MB per file.") % {
        "mb": settings.MOTIVO_MAX_ATTACHMENT_BYTES // (1024 * 1024)
    }


class MagicLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class NewRequestForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("How can we help?"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Tell us what happened. Order or invoice numbers help us answer sooner."),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _limit_help()


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _limit_help()


PREFERRED_CHANNELS = [(c.value, c.label) for c in Channel if c != Channel.WEB]


class PreferencesForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    preferred_channel = forms.ChoiceField(
        label=_("How should we contact you?"), choices=PREFERRED_CHANNELS
    )
    callback_allowed = forms.BooleanField(label=_("You may call me back"), required=False)
    callback_from = forms.TimeField(
        label=_("Call from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    callback_to = forms.TimeField(
        label=_("Call until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class CallbackForm(forms.Form):
    """Ask to be called back (voice.services.callback_request decides)."""

    phone = forms.CharField(
        label=_("Phone number to call"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    note = forms.CharField(
        label=_("What would you like to talk about?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: object, need_phone: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = need_phone
        if not need_phone:
            del self.fields["phone"]
