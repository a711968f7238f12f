"""The quality page's chart (pygal, server-rendered SVG, nothing remote): per week, the
share of confirmations where the agent kept the top suggestion, and where the chosen reason
was among the three."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygal
from django.utils.html import escape
from django.utils.translation import gettext as _
from pygal.style import Style

from motivo.insights.charts import ACCENT, LINE, STYLE, memoized

_NOISE = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)


@memoized
def quality_chart(
    week_labels: Sequence[str],
    kept: Sequence[float | None],
    top3: Sequence[float | None],
    counts: Sequence[int],
) -> str:
    """Two lines on a 0–100 % axis; a week without confirmations is a gap."""
    chart = pygal.Line(
        style=Style(**{**STYLE.to_dict(), "colors": (ACCENT, LINE)}),
        width=1200,
        height=380,
        js=[],
        css=["file://style.css", "file://graph.css"],
        disable_xml_declaration=True,
        explicit_size=False,
        margin=12,
        spacing=12,
        legend_at_bottom=True,
        x_label_rotation=0,
        show_x_guides=False,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(week_labels) // 9),
        truncate_label=-1,
        allow_interruptions=True,
        range=(0, 100),
        y_labels=[0, 20, 40, 60, 80, 100],
        y_title=_("% of confirmations"),
        dots_size=4,
        no_data_text=_("No confirmations"),
    )
    chart.uuid = "suggest-quality"
    chart.x_labels = list(week_labels)
    for name, values in (
        (_("Top suggestion kept"), kept),
        (_("Chosen reason in the top three"), top3),
    ):
        chart.add(
            name,
            [
                None
                if value is None
                else {
                    "value": round(value, 1),
                    "tooltip": _("%(week)s: %(value)s %% of %(n)s confirmations")
                    % {"week": week_labels[i], "value": f"{value:.0f}", "n": counts[i]},
                }
                for i, value in enumerate(values)
            ],
            formatter=lambda value: f"{value:.0f} %",
        )
    svg = _NOISE.sub("", chart.render(is_unicode=True))
    title = escape(_("Suggestions the agents kept, per week (%)"))
    return svg.replace("<title>Pygal</title>", f"<title>{title}</title>", 1)
