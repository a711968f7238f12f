"""Small server-rendered SVG charts (pygal) for the council's pages: no remote JS or CSS."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pygal
from django.utils.html import escape
from django.utils.translation import gettext as _

from motivo.insights.charts import STYLE

_NOISE = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)


def sparkline(weekly: Sequence[tuple[dt.date, int]], *, chart_id: str) -> str:
    """Contacts per week as a small line (oldest first), with a title naming the weeks."""
    chart = pygal.Line(
        style=STYLE,
        css=["file://style.css", "file://graph.css"],
        interpolate=None,
        disable_xml_declaration=True,
        include_x_axis=True,
        stroke_style={"width": 2},
    )
    chart.uuid = chart_id
    chart.add("", [count for _day, count in weekly], stroke_style={"width": 2})
    svg = chart.render_sparkline(width=160, height=36, explicit_size=True, margin=2, js=[])
    svg = _NOISE.sub("", svg if isinstance(svg, str) else svg.decode())
    if weekly:
        title = _("Contacts per week from %(start)s to %(end)s: %(counts)s") % {
            "start": weekly[0][0].isoformat(),
            "end": (weekly[-1][0] + dt.timedelta(days=6)).isoformat(),
            "counts": ", ".join(str(count) for _day, count in weekly),
        }
    else:
        title = _("No weeks")
    return svg.replace("<title>Pygal</title>", f"<title>{escape(title)}</title>", 1)
