"""Server-rendered SVG charts (pygal). Everything is inline: no remote JS, CSS or fonts."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import wraps
from math import cos
from math import radians as rad

import pygal
from django.utils.html import escape
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from pygal.style import Style
from pygal.util import get_text_box, get_texts_box, truncate

from motivo.insights.selectors import ParetoRow

VITAL_FEW_SHARE = 0.8  # the reasons that together make up the first 80% of contacts
CHART_LIMIT = 10
LABEL_LENGTH = 34

ACCENT = "#2b59c3"
ACCENT_LIGHT = "#9db3e6"
LINE = "#c2410c"

STYLE = Style(
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    background="transparent",
    plot_background="transparent",
    foreground="#1d2330",
    foreground_strong="#1d2330",
    foreground_subtle="#5f6b7a",
    guide_stroke_color="#dde2ea",
    major_guide_stroke_color="#dde2ea",
    opacity="1",
    opacity_hover="1",
    colors=(ACCENT, LINE),
    label_font_size=14,
    major_label_font_size=14,
    value_font_size=14,
    legend_font_size=14,
    title_font_size=15,
    stroke_width="3",
)


MEMO_SIZE = 64


def memoized(render: Callable[..., str]) -> Callable[..., str]:
    """Rendering a chart is a pure function of its input and the active language, and pygal
    is slow (tens of ms): keep the last MEMO_SIZE SVGs per process, keyed by the input, so
    a dashboard asked again with the same figures skips the render. Any changed figure is a
    new key, so nothing stale is ever shown."""
    cache: OrderedDict[str, str] = OrderedDict()

    @wraps(render)
    def wrapper(*args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        key = repr((get_language(), args, sorted(kwargs.items())))
        svg = cache.get(key)
        if svg is not None:
            cache.move_to_end(key)
            return svg
        svg = cache[key] = render(*args, **kwargs)
        if len(cache) > MEMO_SIZE:
            cache.popitem(last=False)
        return svg

    return wrapper


def vital_few_count(rows: Sequence[ParetoRow], threshold: float = VITAL_FEW_SHARE) -> int:
    """How many of the top rows it takes to reach `threshold` of all contacts: those rows
    and the one that crosses the line."""
    for index, row in enumerate(rows):
        if row.cumulative_share >= threshold - 1e-9:
            return index + 1
    return len(rows)


def _nice_step(raw: float) -> int:
    """The smallest "round" whole number ≥ raw (1, 2, 2.5, 3, 4, 5, 6, 7.5, 8 × 10^k)."""
    magnitude = 1
    while True:
        for factor in (1, 2, 2.5, 3, 4, 5, 6, 7.5, 8):
            step = factor * magnitude
            if step >= raw and step == int(step):
                return int(step)
        magnitude *= 10


class _ParetoBar(pygal.Bar):
    """A bar chart whose secondary series is drawn as a line through the bar centres
    (pygal has no combined chart type): counts as bars, cumulative share as a line, and a
    dashed guide at 80%. Tied to pygal 3's Bar internals (`_bar`, `_plot`, `_rescale`)."""

    def _bar(self, serie, parent, x, y, i, zero, secondary=False):  # type: ignore[no-untyped-def]
        # Bars share their slot among the primary series only; the line takes no room.
        order, self._order = self._order, len(self.series)
        try:
            return super()._bar(serie, parent, x, y, i, zero, secondary)
        finally:
            self._order = order

    def _tooltip_and_print_values(  # type: ignore[no-untyped-def]
        self, serie_node, serie, parent, i, val, metadata, x, y, width, height
    ):
        # The count sits inside the top of its bar (above it when the bar is too short),
        # moved down when the cumulative line's dot would cover it.
        size = self.style.value_font_size
        inside = height > 2.2 * size
        label_y = y + 1.35 * size if inside else y - 6
        dot_y = self._dot_y(i)
        if dot_y is not None:
            # the band taken by the dot and its percentage label above it
            band_top, band_bottom = dot_y - 12 - size, dot_y + 6
            if label_y > band_top and label_y - size < band_bottom:
                label_y = band_bottom + size + 2 if inside else band_top - 2
                inside = inside and label_y < y + height - 4
                label_y = label_y if inside or label_y < y else y - 6
        light = bool((metadata or {}).get("light"))
        text = self.svg.node(
            serie_node["text_overlay"],
            "text",
            x=x + width / 2,
            y=label_y,
            class_="value count" + (" inside" if inside else "") + (" light" if light else ""),
        )
        text.attrib["text-anchor"] = "middle"
        text.text = val

    def _dot_y(self, index: int) -> float | None:
        if not self.secondary_series:
            return None
        x, y = self._rescale([self.secondary_series[0].points[index]])[0]
        return self.view((x, y))[1]

    def _compute_margin(self) -> None:
        """pygal keeps room on the right for the widest rotated label; only the last one
        can overflow there, and only by what sticks out past the middle of its slot."""
        super()._compute_margin()
        if not (self._x_labels and self.x_label_rotation):
            return
        size, angle = self.style.label_font_size, rad(self.x_label_rotation)
        widest = get_texts_box(
            [truncate(label, self.truncate_label) for label, _ in self._x_labels], size
        )[1]
        last = get_text_box(truncate(self._x_labels[-1][0], self.truncate_label), size)[1]
        y2 = self.margin_box.right - max(widest * abs(cos(angle)), self.margin)
        slot = (self.width - self.margin_box.left - self.margin - y2) / len(self._x_labels)
        self.margin_box.right = max(last * abs(cos(angle)) - slot / 2, self.margin) + y2

    def _compute_secondary(self) -> None:
        super()._compute_secondary()
        # the right axis runs 0–100 in as many steps as the left one: label it in %
        self._y_2nd_labels = [
            (f"{index * 100 / max(len(self._y_2nd_labels) - 1, 1):.0f} %", pos)
            for index, (_label, pos) in enumerate(self._y_2nd_labels or [])
        ]

    def _plot(self) -> None:
        for serie in self.series:
            self.bar(serie)
        for serie in self.secondary_series:
            self._cumulative_line(serie)

    def _cumulative_line(self, serie) -> None:  # type: ignore[no-untyped-def]
        node = self.svg.serie(serie)
        (_, guide_y), *_ = self._rescale([(0, VITAL_FEW_SHARE * 100)])
        self.svg.line(
            node["plot"],
            [self.view((0, guide_y)), self.view((1, guide_y))],
            close=False,
            class_="line nofill threshold",
        )
        half_slot = 0.5 / (self._len or 1)
        view = [
            self.view(point)
            for point in self._rescale([(x + half_slot, y) for x, y in serie.points])
        ]
        self.svg.line(node["plot"], view, close=False, class_="line reactive nofill")
        dots = self.svg.node(node["overlay"], class_="dots")
        for index, (x, y) in enumerate(view):
            self.svg.node(dots, "circle", cx=x, cy=y, r=4, class_="dot reactive")
            text = self.svg.node(node["text_overlay"], "text", x=x, y=y - 10, class_="value share")
            text.attrib["text-anchor"] = "middle"
            text.text = self._format(serie, index)


# pygal scopes its own rules by the chart's id (and does not fill its {{ id }} placeholder in
# inline CSS), so ours name the id too to take precedence.
_CSS = """inline:
#chart-ID .text-overlay text.value.share { fill: #c2410c; font-weight: 600;
  paint-order: stroke; stroke: #fff !important; stroke-width: 4px; stroke-linejoin: round; }
#chart-ID .text-overlay text.value.count { fill: #1d2330; font-weight: 600; }
#chart-ID .text-overlay text.value.count.inside { fill: #fff; }
#chart-ID .text-overlay text.value.count.inside.light { fill: #1d2a4a; }
#chart-ID .line.threshold { stroke: #c2410c; stroke-width: 1.5; stroke-dasharray: 6,5;
  opacity: .8; }
"""


def _tooltip(row: ParetoRow) -> str:
    count = ngettext("%(count)s contact", "%(count)s contacts", row.count) % {"count": row.count}
    return _("%(reason)s (%(category)s): %(count)s, %(share)s%% of the total") % {
        "reason": row.reason,
        "category": row.category,
        "count": count,
        "share": round(row.share * 100, 1),
    }


_NOISE = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)


@memoized
def pareto_chart(
    rows: Sequence[ParetoRow],
    *,
    limit: int = CHART_LIMIT,
    chart_id: str = "pareto",
    links: Sequence[str] | None = None,
) -> str:
    """The top `limit` reasons as an inline SVG string: bars for their contact counts
    (the reasons in the first 80% in a darker colour) and a line for the cumulative share
    on a secondary 0–100% axis, with a dashed guide at 80%."""
    top = list(rows[:limit])
    vital = vital_few_count(rows)
    step = _nice_step(max((row.count for row in top), default=1) * 1.04 / 4)
    chart = _ParetoBar(
        style=STYLE,
        width=1200,
        height=540,
        js=[],
        css=["file://style.css", "file://graph.css", _CSS.replace("chart-ID", f"chart-{chart_id}")],
        disable_xml_declaration=True,
        explicit_size=False,
        show_legend=False,  # the page's caption is the legend
        x_label_rotation=28,
        truncate_label=LABEL_LENGTH,
        show_x_guides=False,
        include_x_axis=True,
        range=(0, 4 * step),
        secondary_range=(0, 100),
        margin=12,
        spacing=12,
        y_title=_("Contacts"),
        no_data_text=_("No contacts"),
    )
    chart.uuid = chart_id  # the svg's id is "chart-<uuid>"; fixed so _CSS can name it
    chart.y_labels = [step * index for index in range(5)]
    chart.x_labels = [row.reason for row in top]
    chart.add(
        _("Contacts"),
        [
            {
                "value": row.count,
                "color": ACCENT if rank < vital else ACCENT_LIGHT,
                "light": rank >= vital,
                "tooltip": _tooltip(row),
                **({"xlink": {"href": links[rank], "target": "_top"}} if links else {}),
            }
            for rank, row in enumerate(top)
        ],
        formatter=lambda value: str(value),
    )
    chart.add(
        _("Cumulative share"),
        [round(row.cumulative_share * 100, 1) for row in top],
        secondary=True,
        formatter=lambda value: f"{value:.0f} %",
    )
    svg = _NOISE.sub("", chart.render(is_unicode=True))
    title = escape(_("Top reasons: contacts and cumulative share"))
    return svg.replace("<title>Pygal</title>", f"<title>{title}</title>", 1)


# --- Dashboards of issue 5: comparison, trend, CPX -------------------------------------------

PREVIOUS = "#b8c0cc"
SERIES_COLORS = (ACCENT, LINE, "#15803d", "#7c3aed", "#0e7490")


def _link(href: str | None) -> dict:
    return {"xlink": {"href": href, "target": "_top"}} if href else {}


def _finish(chart: pygal.Graph, title: str) -> str:
    svg = _NOISE.sub("", chart.render(is_unicode=True))
    return svg.replace("<title>Pygal</title>", f"<title>{escape(title)}</title>", 1)


def _base(chart_class: type, chart_id: str, **options) -> pygal.Graph:  # type: ignore[no-untyped-def]
    chart = chart_class(
        style=Style(**{**STYLE.to_dict(), "colors": options.pop("colors", SERIES_COLORS)}),
        width=1200,
        height=options.pop("height", 420),
        js=[],
        css=["file://style.css", "file://graph.css"],
        disable_xml_declaration=True,
        explicit_size=False,
        margin=12,
        spacing=12,
        no_data_text=_("No contacts"),
        **options,
    )
    chart.uuid = chart_id
    return chart


@memoized
def compare_chart(
    labels: Sequence[str],
    current: Sequence[int],
    previous: Sequence[int],
    *,
    current_links: Sequence[str] | None = None,
    previous_links: Sequence[str] | None = None,
    chart_id: str = "compare",
) -> str:
    """Grouped bars per reason: the previous period (grey) beside this one (blue)."""
    step = _nice_step(max([*current, *previous, 1]) * 1.04 / 4)
    chart = _base(
        pygal.Bar,
        chart_id,
        colors=(PREVIOUS, ACCENT),
        show_legend=False,
        x_label_rotation=28,
        truncate_label=LABEL_LENGTH,
        show_x_guides=False,
        range=(0, 4 * step),
        y_title=_("Contacts"),
        print_values=True,
        height=480,
    )
    chart.y_labels = [step * index for index in range(5)]
    chart.x_labels = list(labels)
    for name, values, links in (
        (_("Previous period"), previous, previous_links),
        (_("This period"), current, current_links),
    ):
        chart.add(
            name,
            [
                {
                    "value": value,
                    "tooltip": f"{label}: {name} {value}",
                    **_link(links[index] if links else None),
                }
                for index, (label, value) in enumerate(zip(labels, values, strict=True))
            ],
        )
    return _finish(chart, _("Contacts per reason: this period and the previous one"))


@memoized
def week_line_chart(
    week_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], Sequence[str] | None]],
    *,
    chart_id: str,
    title: str,
    y_title: str,
    value_format: str = "{:.0f}",
    height: int = 380,
) -> str:
    """One line per series over the weeks; a None value (e.g. a week without a volume) is
    left as a gap. Each dot links to the contacts behind it when links are given."""
    values = [value for _, points, _ in series for value in points if value is not None]
    top = max(values, default=0)
    chart = _base(
        pygal.Line,
        chart_id,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        x_label_rotation=0,
        show_x_guides=False,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(week_labels) // 9),
        truncate_label=-1,
        allow_interruptions=True,
        include_x_axis=True,
        y_title=y_title,
        dots_size=4,
        height=height,
        range=(0, top * 1.1 if top else 1),
    )
    chart.x_labels = list(week_labels)
    for name, points, links in series:
        chart.add(
            name,
            [
                None
                if value is None
                else {
                    "value": value,
                    "tooltip": f"{week_labels[index]}: {value_format.format(value)}",
                    **_link(links[index] if links else None),
                }
                for index, value in enumerate(points)
            ],
            formatter=lambda value: value_format.format(value),
        )
    return _finish(chart, title)
