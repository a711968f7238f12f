"""Input parsing for the council's pages. Forms only check shapes; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.accounts.models import STAFF_ROLES, User
from motivo.core.forms import DATE_INPUT
from motivo.council.models import Improvement, Metric
from motivo.insights.models import VolumeKind
from motivo.reasons.forms import DomainErrorMixin
from motivo.reasons.models import Reason

DATE = DATE_INPUT


class ReasonChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Reason) -> str:
        return f"{obj.category.name} › {obj.name}"


def _reasons() -> ReasonChoices:
    return ReasonChoices(
        label=_("Reasons"),
        queryset=Reason.objects.filter(active=True).select_related("category"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


def _volume_kind(required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Business volume"),
        queryset=VolumeKind.objects.all(),
        required=required,
        empty_label=_("— none —"),
    )


class TargetForm(DomainErrorMixin, forms.Form):
    reasons = _reasons()
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices)
    volume_kind = _volume_kind()
    change_pct = forms.DecimalField(
        label=_("Change %"),
        max_digits=6,
        decimal_places=2,
        help_text=_(
            "Negative to reduce: −20 asks for 20 per cent fewer contacts than the baseline."
        ),
    )
    due_on = forms.DateField(label=_("Due date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["volume_kind"].help_text = _(
            "For contacts per business volume: the volume the contacts are divided by."
        )
        if editing:  # what a target measures is fixed when it is set
            for name in ("reasons", "metric", "volume_kind"):
                del self.fields[name]


class ImprovementForm(DomainErrorMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reasons = _reasons()
    hypothesis = forms.CharField(
        label=_("Hypothesis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What we change, and how many fewer contacts we expect because of it."),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by(
            "first_name", "last_name", "username"
        ),
        required=False,
        empty_label=_("— nobody yet —"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Improvement.Status.choices)
    due_on = forms.DateField(label=_("Due date"), widget=DATE, required=False)
    done_on = forms.DateField(
        label=_("Done on"),
        widget=DATE,
        required=False,
        help_text=_("Only when done; today if left empty."),
    )
    volume_kind = _volume_kind()

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["owner"].label_from_instance = lambda user: user.display_name
        self.fields["volume_kind"].help_text = _(
            "The effect is measured in contacts per this volume when it has values for both "
            "windows, otherwise in contacts."
        )


class StatusForm(DomainErrorMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Improvement.Status.choices)
    done_on = forms.DateField(label=_("Done on"), widget=DATE, required=False)


class ReasonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Reason) -> str:
        return f"{obj.category.name} › {obj.name}"


class ReasonMergeForm(DomainErrorMixin, forms.Form):
    """Two names for one cause: merge `source` into `target`."""

    source = ReasonChoice(
        label=_("Merge this reason"),
        queryset=Reason.objects.filter(merged_into__isnull=True).select_related("category"),
    )
    target = ReasonChoice(
        label=_("into this reason"),
        queryset=Reason.objects.filter(active=True).select_related("category"),
    )
