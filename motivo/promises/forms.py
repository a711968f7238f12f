"""Forms of the promise pages: the dashboard's filters and the settings."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from motivo.accounts.models import Team
from motivo.core.choices import Channel
from motivo.core.forms import DATE_INPUT, DateRangeForm
from motivo.customers.models import CustomerTier
from motivo.promises.businesstime import format_intervals, parse_intervals
from motivo.promises.models import WEEKDAYS
from motivo.promises.selectors import NONE_KEY, OUTCOMES, RateFilters

DEFAULT_DAYS = 30


class RateFilterForm(DateRangeForm):
    """Period (cases opened in it), channel, tier and team; invalid input → defaults."""

    channel = forms.ChoiceField(label=_("Channel"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("All channels")), *Channel.choices]
        self.fields["tier"].choices = [
            ("", _("All tiers")),
            *((str(t.pk), t.name) for t in CustomerTier.objects.all()),
            (str(NONE_KEY), _("No tier")),
        ]
        self.fields["team"].choices = [
            ("", _("All teams")),
            *((str(t.pk), t.name) for t in Team.objects.order_by("name")),
            (str(NONE_KEY), _("No team")),
        ]

    def filters(self, today: dt.date) -> RateFilters:
        date_from, date_to = self.dates(today, DEFAULT_DAYS)
        data = self.cleaned_data if self.is_valid() else {}
        return RateFilters(
            date_from=date_from,
            date_to=date_to,
            channel=data.get("channel") or None,
            tier=int(data["tier"]) if data.get("tier") else None,
            team=int(data["team"]) if data.get("team") else None,
        )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=[(o, o) for o in OUTCOMES], required=False)
    before = forms.CharField(required=False, max_length=40)


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class CalendarForm(forms.Form):
    """The time zone, each weekday's opening hours as text, and whose public holidays."""

    time_zone = forms.ChoiceField(label=_("Time zone"))
    holiday_country = forms.CharField(
        label=_("Public holidays of (country code)"),
        required=False,
        max_length=8,
        help_text=_("ISO code such as ES, PT, GB, US; empty: no public holidays."),
    )
    holiday_subdivision = forms.CharField(
        label=_("Region"),
        required=False,
        max_length=16,
        help_text=_("Optional, e.g. MD (Madrid) or CT (Catalonia) for ES."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _time_zone_choices()
        for index, label in enumerate(WEEKDAYS):
            self.fields[f"day_{index}"] = forms.CharField(
                label=label,
                required=False,
                max_length=120,
                widget=forms.TextInput(attrs={"placeholder": _("closed")}),
            )

    @classmethod
    def for_calendar(cls, calendar) -> CalendarForm:
        initial = {
            "time_zone": calendar.time_zone,
            "holiday_country": calendar.holiday_country,
            "holiday_subdivision": calendar.holiday_subdivision,
        }
        for index, day in enumerate(calendar.hours):
            initial[f"day_{index}"] = format_intervals(day)
        return cls(initial=initial)

    def clean(self) -> dict:
        data = super().clean()
        hours = []
        for index in range(7):
            try:
                hours.append(parse_intervals(data.get(f"day_{index}", "")))
            except ValueError:
                self.add_error(
                    f"day_{index}",
                    _("Write the hours as 09:00-14:00, 15:00-18:00 (in order, not overlapping)."),
                )
                hours.append(())
        data["hours"] = hours
        return data


class ClosedDayForm(forms.Form):
    day = forms.DateField(label=_("Closed on"), widget=DATE_INPUT)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)


class TierForm(forms.Form):
    name = forms.CharField(label=_("Tier"), max_length=60)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, initial=0)


HOURS = {"min_value": Decimal("0.01"), "max_digits": 7, "decimal_places": 2}


class PromiseForm(forms.Form):
    """Durations in business hours (2 decimals: 0.25 = 15 minutes)."""

    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=CustomerTier.objects.all(),
        required=False,
        empty_label=_("Every customer"),
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    first_answer_hours = forms.DecimalField(label=_("First answer within (hours)"), **HOURS)
    first_answer_target_hours = forms.DecimalField(label=_("Internal target (hours)"), **HOURS)
    resolution_hours = forms.DecimalField(
        label=_("Resolution within (hours)"), required=False, **HOURS
    )
    resolution_target_hours = forms.DecimalField(
        label=_("Internal target (hours)"), required=False, **HOURS
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("Every channel")), *Channel.choices]

    @classmethod
    def for_promise(cls, promise) -> PromiseForm:
        def hours(minutes: int | None) -> Decimal | None:
            return None if minutes is None else (Decimal(minutes) / 60).quantize(Decimal("0.01"))

        return cls(
            initial={
                "tier": promise.tier_id,
                "channel": promise.channel,
                "first_answer_hours": hours(promise.first_answer_minutes),
                "first_answer_target_hours": hours(promise.first_answer_target_minutes),
                "resolution_hours": hours(promise.resolution_minutes),
                "resolution_target_hours": hours(promise.resolution_target_minutes),
            }
        )

    def minutes(self) -> dict:
        data = self.cleaned_data

        def convert(value: Decimal | None) -> int | None:
            return None if value is None else max(1, round(value * 60))

        return {
            "tier": data.get("tier"),
            "channel": data.get("channel") or "",
            "first_answer_minutes": convert(data.get("first_answer_hours")),
            "first_answer_target_minutes": convert(data.get("first_answer_target_hours")),
            "resolution_minutes": convert(data.get("resolution_hours")),
            "resolution_target_minutes": convert(data.get("resolution_target_hours")),
        }
