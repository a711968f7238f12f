"""The promise dashboard's chart: pygal, server-rendered SVG (the insights charts' style)."""

from __future__ import annotations

from collections.abc import Sequence

import pygal
from django.utils.translation import gettext as _

from motivo.insights.charts import ACCENT, ACCENT_LIGHT, _base, _finish, _link, memoized


@memoized
def rates_chart(
    labels: Sequence[str],
    kept: Sequence[float | None],
    delighted: Sequence[float | None],
    *,
    kept_links: Sequence[str],
    delighted_links: Sequence[str],
    chart_id: str = "promise-rates",
) -> str:
    """Grouped bars per group (channel, tier or team): promise kept rate and delight rate,
    0–100 %. A bar links to the cases behind it."""
    chart = _base(
        pygal.Bar,
        chart_id,
        colors=(ACCENT_LIGHT, ACCENT),
        show_legend=True,
        legend_at_bottom=True,
        x_label_rotation=0,
        truncate_label=24,
        show_x_guides=False,
        range=(0, 100),
        y_title=_("% of decided cases"),
        print_values=True,
        height=360,
    )
    # The printed values sit over the bars: let clicks through to the bar's link.
    chart.config.css = [
        *chart.config.css,
        f"inline:#chart-{chart_id} .text-overlay text {{ pointer-events: none; }}",
    ]
    chart.y_labels = [0, 25, 50, 75, 100]
    chart.x_labels = list(labels)
    for name, values, links in (
        (_("Promise kept"), kept, kept_links),
        (_("Delighted (internal target)"), delighted, delighted_links),
    ):
        chart.add(
            name,
            [
                None
                if value is None
                else {
                    "value": round(value, 1),
                    "tooltip": f"{label}: {name} {value:.1f} %",
                    **_link(links[index]),
                }
                for index, (label, value) in enumerate(zip(labels, values, strict=True))
            ],
            formatter=lambda value: f"{value:.0f} %",
        )
    return _finish(chart, _("Promise kept rate and delight rate"))
