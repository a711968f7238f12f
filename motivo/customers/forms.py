"""Forms of the customer panel: they only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.customers.models import Identity


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Identity.Kind.choices)
    value = forms.CharField(label=_("Address or number"), max_length=254)


class MergeSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find the customer to merge into"),
        max_length=254,
        help_text=_("Their email address, phone number or part of their name."),
    )
