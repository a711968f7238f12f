"""Forms of the phone pages: they only parse input; the services decide."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motivo.voice.models import Call
from motivo.voice.services import CallbackResult

_DURATION = re.compile(r"^\s*(?:(\d{1,4})\s*:\s*([0-5]?\d)|(\d{1,4}))\s*$")


class DurationField(forms.CharField):
    """A call's length as "m:ss" or whole minutes ("4" is four minutes); cleans to seconds."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "4:30", "size": 6}))
        super().__init__(**kwargs)

    def clean(self, value: object) -> int:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return 0
        match = _DURATION.match(text)
        if match is None:
            raise forms.ValidationError(
                _("Write the duration as minutes:seconds, e.g. 4:30."), code="invalid"
            )
        minutes, seconds, whole = match.groups()
        if whole is not None:
            return int(whole) * 60
        return int(minutes) * 60 + int(seconds)


def _outcome_choices() -> list[tuple[str, str]]:
    return [("", _("— outcome —")), *Call.Outcome.choices]


class CallForm(forms.Form):
    """Log a call on a case."""

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Call.Direction.choices,
        initial=Call.Direction.IN,
        widget=forms.RadioSelect,
    )
    number = forms.CharField(label=_("Customer's number"), max_length=40, required=False)
    started_at = forms.DateTimeField(
        label=_("Started"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Empty: it just ended."),
    )
    duration = DurationField(label=_("Duration (min:sec)"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=_outcome_choices, required=False)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_started_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("started_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class NewCallForm(CallForm):
    """A call with a number, from the agent page /voice/calls/new/."""

    phone = forms.CharField(label=_("Phone number"), max_length=40)
    name = forms.CharField(label=_("Name (new customers)"), max_length=200, required=False)
    case = forms.TypedChoiceField(
        label=_("Case"), coerce=int, empty_value=None, required=False, choices=()
    )
    subject = forms.CharField(label=_("Subject of a new case"), max_length=255, required=False)

    field_order = ["phone", "name", "direction", "case", "subject"]

    def __init__(self, *args: object, cases: list[tuple[int, str]] = (), **kwargs: object):
        super().__init__(*args, **kwargs)
        del self.fields["number"]
        self.fields["case"].choices = [("", _("— a new case (incoming calls) —")), *cases]


class PhoneLookupForm(forms.Form):
    phone = forms.CharField(label=_("Phone number"), max_length=40)


class CallbackCallForm(forms.Form):
    """Log the call that works a callback, and what became of the request."""

    result = forms.ChoiceField(
        label=_("The callback is"),
        choices=CallbackResult.choices,
        initial=CallbackResult.DONE,
        widget=forms.RadioSelect,
    )
    duration = DurationField(label=_("Duration (min:sec)"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=_outcome_choices, required=False)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class WrapUpForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Call.Outcome.choices)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
