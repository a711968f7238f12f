"""Forms of the agent workspace. They only parse and validate input; the rules live in
`cases.services`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from motivo.accounts.models import User
from motivo.cases.models import Status
from motivo.cases.selectors import ACTIVE, CaseFilters
from motivo.core.choices import Channel

Choices = Sequence[tuple[Any, Any]]

MINE = "mine"
UNASSIGNED = "unassigned"
ALL = "all"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


@dataclass(frozen=True)
class FilterSelect:
    """One <select> of the inbox filters."""

    name: str
    label: str
    choices: Choices  # (value, label) pairs; (group label, pairs) for an <optgroup>
    value: str  # the submitted value if it is one of the choices, else ""

    @property
    def id(self) -> str:
        return f"id_{self.name}"


class InboxFilterForm:
    """The inbox filters, read from the query string; a value that is not one of the
    choices is simply ignored. Not a Django form: the inbox renders it on every request,
    and hand-written <select>s (`cases_extras.filter_select`) cost a fraction of widgets."""

    def __init__(self, data: Any, *, staff: Choices, teams: Choices, reasons: Choices) -> None:
        choices = {
            "status": [(ACTIVE, _("Active")), *Status.choices, (ALL, _("Any status"))],
            "assignee": [
                ("", _("Anyone")),
                (MINE, _("Mine")),
                (UNASSIGNED, _("Unassigned")),
                *[(str(pk), name) for pk, name in staff],
            ],
            "team": [("", _("Any team")), *[(str(pk), name) for pk, name in teams]],
            "reason": [("", _("Any reason")), *reasons],
            "channel": [("", _("Any channel")), *Channel.choices],
        }
        labels = {
            "status": _("Status"),
            "assignee": _("Assignee"),
            "team": _("Team"),
            "reason": _("Reason"),
            "channel": _("Channel"),
        }
        self.selects = [
            FilterSelect(
                name=name,
                label=labels[name],
                choices=options,
                value=_chosen(data.get(name) or "", options),
            )
            for name, options in choices.items()
        ]
        self._values = {select.name: select.value for select in self.selects}

    def value(self, name: str, default: str = "") -> str:
        return self._values.get(name) or default

    def filters(self, *, user: User) -> CaseFilters:
        """The selector's filters: no status means the active cases; "mine" is `user`."""
        status = self.value("status", ACTIVE)
        assignee = self.value("assignee")
        if assignee == MINE:
            assignee_id: int | None = user.pk
        elif assignee == UNASSIGNED:
            assignee_id = 0
        else:
            assignee_id = int(assignee) if assignee else None
        return CaseFilters(
            status=None if status == ALL else status,
            assignee_id=assignee_id,
            team_id=int(self.value("team") or 0) or None,
            reason_id=int(self.value("reason") or 0) or None,
            channel=self.value("channel") or None,
        )


def _chosen(value: str, choices: Choices) -> str:
    """`value` if it is one of `choices` (optgroups included), else ""."""
    for key, label in choices:
        if isinstance(label, list | tuple):
            if any(value == str(sub_key) for sub_key, _label in label):
                return value
        elif value == str(key):
            return value
    return ""


class _CaseForm(forms.Form):
    """The case page holds several forms: each gets its own id prefix."""

    id_prefix = "case"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ReplyForm(_CaseForm):
    id_prefix = "reply"
    body = forms.CharField(
        label=_("Reply to the customer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7, "id": "reply-body"}),
    )
    status = forms.ChoiceField(
        label=_("and set the status to"),
        required=False,
        choices=[
            ("", _("(leave as it is)")),
            (Status.WAITING, Status.WAITING.label),
            (Status.RESOLVED, Status.RESOLVED.label),
        ],
    )
    attachments = MultipleFileField(label=_("Attachments"))


class NoteForm(_CaseForm):
    id_prefix = "note"
    body = forms.CharField(
        label=_("Internal note (only staff see it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "id": "note-body"}),
    )
    attachments = MultipleFileField(label=_("Attachments"))


class AssignForm(_CaseForm):
    id_prefix = "assign"
    assignee = forms.ChoiceField(label=_("Agent"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(self, *args: Any, staff: Choices, teams: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("— nobody —")), *staff]
        self.fields["team"].choices = [("", _("— no team —")), *teams]


class TransferForm(_CaseForm):
    """A hand-off: agent and/or team, and the note the receiver reads first. The note's
    rules (required, long enough) are the service's, so pages and API say the same."""

    id_prefix = "transfer"
    assignee = forms.ChoiceField(label=_("To agent"), required=False)
    team = forms.ChoiceField(label=_("To team"), required=False)
    note = forms.CharField(
        label=_("Hand-off note"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "required": True,
                "placeholder": _("What was done, what is pending, what the customer expects"),
            }
        ),
    )

    def __init__(self, *args: Any, staff: Choices, teams: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("— any agent of the team —")), *staff]
        self.fields["team"].choices = [("", _("— no team —")), *teams]


class StatusForm(_CaseForm):
    id_prefix = "status"
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)


class ReasonForm(_CaseForm):
    id_prefix = "reason"
    reason = forms.ChoiceField(label=_("Reason"))

    def __init__(self, *args: Any, reasons: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("— choose the reason —")), *reasons]


class MergeForm(_CaseForm):
    id_prefix = "merge"
    target = forms.CharField(label=_("Merge into case"), required=False)
    number = forms.CharField(
        label=_("or case number"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "#123", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        raw = (data.get("number") or data.get("target") or "").strip().lstrip("#")
        if not raw.isdigit():
            raise forms.ValidationError(_("Choose a case or type its number."))
        data["target_id"] = int(raw)
        return data


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))
