"""Small accessible inline SVG bar charts (a table with the same numbers sits beneath each)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString, mark_safe

from common.svg import FONT_STACK, OTHERS
from common.svg import esc as escape

BAR = OTHERS
STATUS_COLOURS = ("#9e9e9e", "#e3a21a", "#2e7d32", "#6a4c93")
LABEL_WIDTH = 260
CHART_WIDTH = 640
ROW = 22


def _label(text: str, limit: int = 40) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(rows: Sequence[tuple[str, int]], *, title: str) -> SafeString:
    """Horizontal bars, one per (label, count)."""
    rows = [(str(label), int(n)) for label, n in rows]
    if not rows:
        return mark_safe("")
    top = max(n for _, n in rows) or 1
    plot = CHART_WIDTH - LABEL_WIDTH - 50
    height = 30 + ROW * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" font-family="{escape(FONT_STACK)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, n) in enumerate(rows):
        y = 28 + i * ROW
        width = plot * n / top
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 14}" font-size="12" text-anchor="end">'
            f"{escape(_label(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{ROW - 6}" '
            f'fill="{BAR}"><title>{escape(label)}: {n}</title></rect>'
            f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + 14}" font-size="12">{n}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def stacked_bar_chart(
    rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], *, title: str
) -> SafeString:
    """One horizontal stacked bar per row (e.g. a year), segments per series, with a legend."""
    if not rows:
        return mark_safe("")
    top = max(sum(values) for _, values in rows) or 1
    plot = CHART_WIDTH - 120 - 50
    legend_y = 28 + ROW * len(rows) + 10
    height = legend_y + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" font-family="{escape(FONT_STACK)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, values) in enumerate(rows):
        y = 28 + i * ROW
        x = 120.0
        parts.append(
            f'<text x="114" y="{y + 14}" font-size="12" text-anchor="end">{escape(label)}</text>'
        )
        for k, value in enumerate(values):
            width = plot * value / top
            if width:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{ROW - 6}" '
                    f'fill="{STATUS_COLOURS[k % len(STATUS_COLOURS)]}"><title>{escape(label)}, '
                    f"{escape(series[k])}: {value}</title></rect>"
                )
            x += width
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 14}" font-size="12">{sum(values)}</text>')
    x = 0
    for k, name in enumerate(series):
        colour = STATUS_COLOURS[k % len(STATUS_COLOURS)]
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{legend_y + 11}" font-size="12">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return mark_safe("".join(parts))
