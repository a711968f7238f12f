"""The alert page's chart (pygal, server-rendered SVG, nothing remote): a reason's daily
contacts with the expected band from its history, the alert's days marked."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygal
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from pygal.style import Style

from motivo.insights.charts import ACCENT, STYLE
from motivo.spikes.selectors import ChartDay

BAND = "#9db3e6"
EXPECTED = "#5f6b7a"
SPIKE = "#c2410c"

_NOISE = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)

_CSS = """inline:
#chart-ID .serie-0 .line, #chart-ID .serie-2 .line { stroke-dasharray: 3,4; stroke-width: 1.5; }
#chart-ID .serie-1 .line { stroke-dasharray: 8,5; stroke-width: 2; }
#chart-ID .serie-4 .line { stroke: none; }
"""


def spike_chart(days: Sequence[ChartDay], *, chart_id: str = "spike") -> str:
    """Contacts per day (blue) against the expected count (grey dashes) and its 95 % band
    (light dashes); the alert's days as large orange dots."""
    top = max(
        [*(d.observed for d in days), *(d.high or 0 for d in days), 1],
    )
    chart = pygal.Line(
        style=Style(**{**STYLE.to_dict(), "colors": (BAND, EXPECTED, BAND, ACCENT, SPIKE)}),
        width=1200,
        height=400,
        js=[],
        css=[
            "file://style.css",
            "file://graph.css",
            _CSS.replace("chart-ID", f"chart-{chart_id}"),
        ],
        disable_xml_declaration=True,
        explicit_size=False,
        margin=12,
        spacing=12,
        show_legend=False,  # the page's caption is the legend
        x_label_rotation=0,
        show_x_guides=False,
        show_minor_x_labels=False,
        x_labels_major_every=7,
        truncate_label=-1,
        allow_interruptions=True,
        include_x_axis=True,
        y_title=_("Contacts"),
        dots_size=3,
        range=(0, top * 1.1),
        no_data_text=_("No contacts"),
    )
    chart.uuid = chart_id
    labels = [date_format(d.day, "SHORT_DATE_FORMAT") for d in days]
    chart.x_labels = labels
    chart.add(_("Usual range, top"), [d.high for d in days], show_dots=False)
    chart.add(
        _("Expected"),
        [None if d.expected is None else round(d.expected, 1) for d in days],
        show_dots=False,
    )
    chart.add(_("Usual range, bottom"), [d.low for d in days], show_dots=False)
    chart.add(
        _("Contacts"),
        [
            {"value": d.observed, "tooltip": f"{labels[i]}: {d.observed}"}
            for i, d in enumerate(days)
        ],
    )
    chart.add(
        _("Spike"),
        [
            {"value": d.observed, "tooltip": f"{labels[i]}: {d.observed}"} if d.spike else None
            for i, d in enumerate(days)
        ],
        dots_size=8,
        stroke=False,
    )
    svg = _NOISE.sub("", chart.render(is_unicode=True))
    title = escape(_("Contacts per day against the expected range"))
    return svg.replace("<title>Pygal</title>", f"<title>{title}</title>", 1)
