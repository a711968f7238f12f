"""Forms of the customer panel: they only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.customers.models import CustomerTier, Identity


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Identity.Kind.choices)
    value = forms.CharField(label=_("Address or number"), max_length=254)


class MergeSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find the customer to merge into"),
        max_length=254,
        help_text=_("Their email address, phone number or part of their name."),
    )


class TierForm(forms.Form):
    """The customer's tier (which promises their new cases get); empty: none. The choices
    come from the promises kept in the process (motivo.promises.book): no query."""

    tier = forms.TypedChoiceField(label=_("Tier"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs) -> None:
        from motivo.promises.book import promise_book

        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", _("No tier")), *promise_book().tiers]

    def clean_tier(self) -> CustomerTier | None:
        tier_id = self.cleaned_data.get("tier")
        if tier_id is None:
            return None
        tier = CustomerTier.objects.filter(pk=tier_id).first()
        if tier is None:
            raise forms.ValidationError(_("Unknown tier."))
        return tier
