"""Input parsing for the taxonomy pages. Forms only check shapes; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.core.errors import DomainError
from motivo.reasons.models import Action, Department, ReasonCategory

# One line per action of the value–irritant matrix (DESIGN.md, "Reason").
ACTION_HELP = {
    Action.ELIMINATE: _(
        "Irritating to the customer and to the company: fix the root cause so nobody needs "
        "to contact us."
    ),
    Action.SELF_SERVE: _(
        "Valuable to the customer but costly to the company: automate it so customers serve "
        "themselves."
    ),
    Action.SIMPLIFY: _(
        "Needed by the company but irritating to the customer: make it simpler and quicker."
    ),
    Action.LEVERAGE: _("Valuable to both: do it better — advise, sell, build the relationship."),
}


class DomainErrorMixin:
    """Show a service's DomainError next to the field it names (or above the form)."""

    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None  # type: ignore[attr-defined]
        self.add_error(field, error.message)  # type: ignore[attr-defined]


class DepartmentForm(DomainErrorMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Where the owner of these reasons can be reached."),
    )


class CategoryForm(DomainErrorMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        initial=0,
        help_text=_("Categories are listed by position, then by name."),
    )


class ReasonForm(DomainErrorMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        help_text=_("Say it the way the customer would, e.g. “Where is my order?”."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ReasonCategory.objects.all(), empty_label=None
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("— no owner yet —"),
        help_text=_("The department that can make this reason go away."),
    )
    action = forms.ChoiceField(label=_("Action"), choices=Action.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("When agents should pick this reason, and when not."),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive reasons keep their history but agents can no longer pick them."),
    )
