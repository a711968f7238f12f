"""Forms of the costs pages (input only: the services validate and decide)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.cases.models import Contact
from motivo.core.choices import Channel
from motivo.core.forms import DATE_INPUT


class ChannelCostForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    effective_from = forms.DateField(
        label=_("Applies from"),
        widget=DATE_INPUT,
    )
    per_contact = forms.DecimalField(
        label=_("Cost per contact"), min_value=0, max_digits=10, decimal_places=2
    )
    per_minute = forms.DecimalField(
        label=_("Cost per call minute (phone)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=4,
        help_text=_("Only for phone: added for each minute of a call, to the second."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class MonthForm(forms.Form):
    month = forms.CharField(required=False)

    def month_start(self, today: dt.date) -> dt.date:
        """The first day of ?month=YYYY-MM; missing or invalid → the previous month."""
        raw = (self.data.get("month") or "").strip()
        try:
            return dt.datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _contact_label(contact: Contact) -> str:
    reason = contact.reason.name if contact.reason_id else _("no reason yet")
    return f"{contact.get_channel_display()} · {contact.received_at:%Y-%m-%d} · {reason}"


class GoodwillForm(forms.Form):
    contact = forms.TypedChoiceField(label=_("For the contact"), coerce=int)
    amount = forms.DecimalField(label=_("Amount"), min_value=0.01, max_digits=10, decimal_places=2)
    note = forms.CharField(
        label=_("What was given"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 10 € voucher, refund of shipping")}),
    )

    def __init__(self, *args, contacts: Iterable[Contact] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        contacts = list(contacts)
        self.fields["contact"].choices = [(c.pk, _contact_label(c)) for c in contacts]
        if contacts:
            self.fields["contact"].initial = contacts[-1].pk
