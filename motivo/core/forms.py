"""Form pieces several apps share."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

# A native date picker whose value round-trips as ISO (YYYY-MM-DD) in every language.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DateRangeForm(forms.Form):
    """A period of whole local days for a dashboard; both ends optional."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def dates(self, today: dt.date, default_days: int) -> tuple[dt.date, dt.date]:
        """(date_from, date_to): a missing end is today, a missing start is `default_days`
        before the end; invalid input falls back to those defaults."""
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("date_from")
        date_to = data.get("date_to") or max(today, start or today)
        return start or date_to - dt.timedelta(days=default_days - 1), date_to
