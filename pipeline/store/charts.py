"""The report's charts: inline SVG drawn by pygal, with no script and nothing fetched (pygal's
tooltip script, which it loads from the network by default, and the config it writes for it
are left out; its CSS is inlined)."""
from __future__ import annotations

import html
import re
from itertools import cycle

FONT = '"Noto Sans Hebrew","Arial Hebrew",Arial,sans-serif'
GENDER_COLORS = {"female": "#c2185b", "male": "#1565c0", "unknown": "#9e9e9e"}
LINE_COLORS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
               "#9a6324", "#808000", "#000075")


def _style(colors):
    from pygal.style import Style

    return Style(font_family=FONT, label_font_size=13, major_label_font_size=13, legend_font_size=14,
                 value_font_size=12, background="white", plot_background="white", colors=tuple(colors),
                 opacity="1", opacity_hover="1")  # the colours of the page's legend


# (width, height, most x labels) of the drawing for a wide screen and a phone: the page shows
# one of the two (CSS), so that the phone's labels are not a third of the size. The legend is
# the page's (HTML, below the drawing): it wraps as the screen needs and is never cut off.
SIZES = {"wide": (900, 340, 10), "narrow": (420, 340, 5)}


def _config(colors, days: list[str], size: str, **kw) -> dict:
    width, height, labels = SIZES[size]
    many = len(days) > labels
    return dict(js=[], disable_xml_declaration=True, style=_style(colors), width=width, height=height,
                show_legend=False, truncate_label=10,
                x_label_rotation=30 if many or size == "narrow" else 0, show_minor_x_labels=not many,
                x_labels_major_count=labels if many else None, margin=12, margin_right=40, margin_left=16, **kw)


def _both(draw, names: list[str], colors) -> str:
    """The chart drawn for a wide screen and for a phone, and its legend (``names``: plain text)."""
    legend = "".join(f'<li><span class="swatch" style="background:{color}"></span>{html.escape(name)}</li>'
                     for name, color in zip(names, colors))
    return "".join(f'<div class="{size}">{draw(size)}</div>' for size in SIZES) + \
        f'<ul class="legend" dir="rtl">{legend}</ul>'


def _svg(chart, css_class: str) -> str:
    svg = chart.render(is_unicode=True)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)  # pygal's credits (URLs in comments)
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)  # its config, for the tooltips we leave out
    return svg.replace('class="pygal-chart"', f'class="pygal-chart {css_class}"', 1)


def mentions_chart(days: list[str], series: list[tuple[str, list[int]]]) -> str:
    """Mentions per day, one line per name (bars side by side when there is one day)."""
    import pygal

    top = max([v for _, values in series for v in values] + [1])
    step = max(1, -(-top // 8))  # whole numbers of mentions on the axis, at most about 9 of them

    def draw(size: str) -> str:
        config = _config(LINE_COLORS, days, size, y_labels=list(range(0, top + step, step)),
                         y_title="אזכורים")
        if len(days) > 1:
            chart = pygal.Line(**config, dots_size=3, stroke_style={"width": 2.5})
        else:  # a line needs two days
            chart = pygal.Bar(**config, value_formatter=str)
        chart.x_labels = days
        for name, values in series:
            chart.add(name, values)
        return _svg(chart, "mentions-chart")
    return _both(draw, [name for name, _ in series], cycle(LINE_COLORS))


def gender_chart(days: list[str], shares: dict[str, list[float]], labels: dict[str, str]) -> str:
    """The share of each gender in each day's quotes, as stacked bars of 100%."""
    import pygal

    def draw(size: str) -> str:
        chart = pygal.StackedBar(**_config([GENDER_COLORS[g] for g in shares], days, size, range=(0, 100),
                                           y_title="% מהציטוטים", value_formatter=lambda v: f"{v:.0f}%"))
        chart.x_labels = days
        for g, values in shares.items():
            chart.add(labels[g], values)
        return _svg(chart, "gender-chart")
    return _both(draw, [labels[g] for g in shares], [GENDER_COLORS[g] for g in shares])
