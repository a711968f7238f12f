"""Input parsing for the taxonomy pages. Forms only check shapes; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.accounts.models import User
from motivo.core.errors import DomainError
from motivo.core.forms import DateRangeForm
from motivo.reasons.models import Action, Department, Rating, ReasonCategory
from motivo.reasons.selectors import SORTS, owner_person_choices

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
    owner_person = forms.ModelChoiceField(
        label=_("Owner person"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— nobody yet —"),
        help_text=_("The named person answerable for this reason and its target."),
    )
    action = forms.ChoiceField(label=_("Action"), choices=Action.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("When agents should pick this reason, and when not."),
    )
    examples = forms.CharField(
        label=_("Example phrases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One per line, the way customers say it (“my parcel never came”). Reason "
            "suggestions learn from them, with the name and the description."
        ),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive reasons keep their history but agents can no longer pick them."),
    )

    def __init__(self, *args: Any, owner_person_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_person"]
        field.queryset = owner_person_choices(current_id=owner_person_id)
        field.label_from_instance = lambda user: user.display_name

    def clean_examples(self) -> list[str]:
        """One phrase per line; the service trims and de-duplicates them."""
        return [line for line in self.cleaned_data["examples"].splitlines() if line.strip()]


RATING_CHOICES = [("", _("— not rated —")), *((str(v), label) for v, label in Rating.choices)]


class RatingForm(DomainErrorMixin, forms.Form):
    """The council's two ratings; both empty clears the rating (the service decides)."""

    customer_rating = forms.TypedChoiceField(
        label=_("To the customer"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Does the customer get something they value from this contact?"),
    )
    company_rating = forms.TypedChoiceField(
        label=_("To the company"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Does the company need or gain from this contact, or is it only a cost?"),
    )


class MatrixForm(DateRangeForm):
    """The period the matrix counts volume and cost in, and the table's order."""

    sort = forms.ChoiceField(
        label=_("Order by"),
        required=False,
        choices=[
            ("cost", _("Cost")),
            ("volume", _("Contacts")),
            ("quadrant", _("Quadrant")),
            ("name", _("Name")),
        ],
    )

    def period(self, today: dt.date, default_days: int) -> tuple[dt.date, dt.date, str]:
        """(date_from, date_to, sort); see DateRangeForm.dates."""
        date_from, date_to = self.dates(today, default_days)
        sort = (self.cleaned_data.get("sort") if self.is_valid() else None) or "cost"
        return date_from, date_to, sort if sort in SORTS else "cost"
