"""The studies page's chart: causes by count (pygal, server-rendered SVG, nothing remote)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygal
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from motivo.insights.charts import STYLE, memoized

_NOISE = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)


def _step(top: int) -> int:
    """A round step giving at most about six whole-number ticks up to `top`."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000):
        if top / step <= 6:
            return step
    return 10 ** len(str(top // 6))


@memoized
def causes_chart(
    labels: Sequence[str], counts: Sequence[int], links: Sequence[str], *, chart_id: str = "causes"
) -> str:
    """One horizontal bar per cause (most first, top to bottom), its count printed on it;
    each bar links to the studies behind it."""
    step = _step(max([*counts, 1]))
    top = -(-max([*counts, 1]) // step) * step  # the axis ends on a whole step
    chart = pygal.HorizontalBar(
        style=STYLE,
        width=1000,
        height=max(160, 56 * len(labels) + 60),
        js=[],
        css=["file://style.css", "file://graph.css"],
        disable_xml_declaration=True,
        explicit_size=False,
        show_legend=False,
        show_y_guides=False,
        print_values=True,
        print_values_position="top",
        truncate_label=40,
        margin=12,
        spacing=10,
        range=(0, top * 1.08),
        x_title=_("Studies"),
        no_data_text=_("No studies"),
    )
    chart.uuid = chart_id
    chart.y_labels = list(range(0, top + 1, step))  # whole studies only
    # pygal draws the first value at the bottom: reverse so the largest is on top.
    chart.x_labels = list(reversed(labels))
    chart.add(
        _("Studies"),
        [
            {
                "value": count,
                "tooltip": _("%(cause)s: %(studies)s")
                % {
                    "cause": label,
                    "studies": ngettext("%(n)s study", "%(n)s studies", count) % {"n": count},
                },
                "xlink": {"href": link, "target": "_top"},
            }
            for label, count, link in reversed(list(zip(labels, counts, links, strict=True)))
        ],
        formatter=lambda value: str(int(value)),
    )
    svg = _NOISE.sub("", chart.render(is_unicode=True))
    title = escape(_("Why first contacts did not solve it: studies per cause"))
    return svg.replace("<title>Pygal</title>", f"<title>{title}</title>", 1)
