"""Input parsing for the suggestion pages. Forms only check shapes; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.core.forms import DateRangeForm


class ConfirmForm(forms.Form):
    """The agent's choice for one contact: a reason, or "none of our reasons"."""

    reason = forms.IntegerField(required=False, min_value=1)
    none_of_ours = forms.BooleanField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("reason") and not data.get("none_of_ours"):
            raise forms.ValidationError(_("Choose one of the reasons in the list."))
        return data


class SettingsForm(forms.Form):
    auto_apply = forms.BooleanField(
        label=_("Apply the top suggestion automatically"),
        required=False,
        help_text=_(
            "When the model is at least this sure, a new contact gets the reason at once "
            "(marked as set automatically); agents can still change it."
        ),
    )
    auto_apply_percent = forms.IntegerField(
        label=_("Confidence needed (%)"),
        min_value=50,
        max_value=100,
        help_text=_(
            "Between 50 and 100. The higher, the fewer reasons are applied, but the "
            "fewer of them wrong."
        ),
    )
    retrain_after = forms.IntegerField(
        label=_("Retrain after this many new confirmations"),
        min_value=1,
        max_value=100_000,
    )


class TryForm(forms.Form):
    text = forms.CharField(
        label=_("Try a text"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "style": "min-height: 3.2rem"}),
        help_text=_("What a customer might write; the active model suggests its reasons."),
    )


class QualityForm(DateRangeForm):
    """The period of the quality page (confirmations made in it)."""
