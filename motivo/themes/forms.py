"""Input parsing for the themes pages. Forms only check shapes; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.core.forms import DateRangeForm
from motivo.reasons.forms import DomainErrorMixin
from motivo.reasons.models import Action, Department, Reason, ReasonCategory


class RunForm(DomainErrorMixin, DateRangeForm):
    """The period of a run asked for on the page (both ends optional)."""


class ReasonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Reason) -> str:
        return f"{obj.category.name} › {obj.name}"


class ToReasonForm(DomainErrorMixin, forms.Form):
    name = forms.CharField(
        label=_("Name of the new reason"),
        max_length=150,
        help_text=_("The way a customer would say it, e.g. “My loyalty points are missing”."),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=ReasonCategory.objects.all())
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("— none yet —"),
    )
    action = forms.ChoiceField(label=_("Action"), choices=Action.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    apply_to = forms.ChoiceField(
        label=_("Give the new reason to"),
        choices=[
            ("examples", _("the theme's examples (its most typical contacts)")),
            ("all", _("all the theme's contacts")),
        ],
        initial="examples",
        widget=forms.RadioSelect,
        help_text=_(
            "They become the reason's first training data. Contacts an agent already gave "
            "one of our reasons keep theirs."
        ),
    )


class MergeForm(DomainErrorMixin, forms.Form):
    reason = ReasonChoice(
        label=_("Existing reason"),
        queryset=Reason.objects.filter(active=True).select_related("category"),
        help_text=_("All the theme's contacts get this reason (unless an agent chose another)."),
    )
