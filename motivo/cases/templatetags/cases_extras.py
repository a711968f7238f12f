"""Small display helpers for the agent workspace templates."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def ago(value: dt.datetime | None) -> str:
    """'3 hours ago': the largest unit only, as an inbox shows it."""
    if not value:
        return ""
    if timezone.now() - value < dt.timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value, depth=1)}
