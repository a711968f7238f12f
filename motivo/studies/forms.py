"""Input parsing for the studies pages. Forms only check shapes; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.core.forms import DateRangeForm
from motivo.reasons.forms import DomainErrorMixin
from motivo.studies.models import RepeatCause, RepeatStudy

DEFAULT_DAYS = 30


class StudyForm(DomainErrorMixin, forms.Form):
    """The study of one repeat contact: its cause — one of `causes` (the active ones, plus
    the study's own if it has been retired since), read once for every form of a page —
    and an optional note."""

    cause = forms.TypedChoiceField(
        label=_("Why did the first contact not solve it?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a cause."), "invalid_choice": _("Choose a cause.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=RepeatStudy.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What happened, in a sentence: the council reads these in the weekly review."),
    )

    def __init__(self, *args: Any, causes: list[RepeatCause], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.causes = {cause.pk: cause for cause in causes}
        self.fields["cause"].choices = [(cause.pk, cause.name) for cause in causes]

    def clean_cause(self) -> RepeatCause:
        return self.causes[self.cleaned_data["cause"]]


class CauseForm(DomainErrorMixin, forms.Form):
    name_en = forms.CharField(label=_("Name in English"), max_length=100)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=100)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, required=False)
    active = forms.BooleanField(
        label=_("Offered to agents"),
        required=False,
        initial=True,
        help_text=_("A retired cause stays on the studies that chose it."),
    )


class StudyFilterForm(DateRangeForm):
    """The period and breakdown filters of the studies pages; bad input → the defaults."""

    reason = forms.IntegerField(required=False, min_value=1)
    team = forms.RegexField(regex=r"^(\d{1,9}|none)$", required=False)
    agent = forms.RegexField(regex=r"^(\d{1,9}|none)$", required=False)
    cause = forms.IntegerField(required=False, min_value=1)
    before = forms.CharField(required=False, max_length=40)

    def period(self, today: dt.date) -> tuple[dt.date, dt.date]:
        return self.dates(today, DEFAULT_DAYS)

    def value(self, name: str) -> Any:
        return (self.cleaned_data if self.is_valid() else {}).get(name) or None
