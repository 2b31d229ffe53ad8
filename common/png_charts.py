"""Small charts drawn as PNG with Pillow, for documents that cannot embed SVG (a DOCX for a
Common Country Analysis). Pillow's bundled TrueType font covers Latin scripts."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

#: Colour-blind-safe pair (Okabe–Ito blue and vermillion) plus a grey.
COLOURS = ("#0072b2", "#d55e00", "#555555")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    dashed: bool = False


def line_chart_png(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    percent: bool = True,
    width: int = 1200,
    height: int = 700,
) -> bytes:
    """A line chart (one line per series over the same x labels) with markers, a 0–100%
    (or 0–max) axis, a legend and the title; PNG bytes. Missing values break the line."""
    from PIL import Image, ImageDraw, ImageFont

    if not labels:
        raise ValueError("A chart needs at least one x label.")
    image = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    small = ImageFont.load_default(size=22)
    left, right, top, bottom = 110, 40, 90, 150
    draw.text((left, 25), title, fill="#1d2530", font=font)
    values = [v for s in series for v in s.values if v is not None]
    high = 1.0 if percent else (max(values) if values else 1.0) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(value: float) -> float:
        return top + plot_h * (1 - value / high)

    def x(index: int) -> float:
        return left + (plot_w * (index + 0.5) / len(labels))

    for step in range(6):
        value = high * step / 5
        draw.line((left, y(value), width - right, y(value)), fill="#d0d5dc", width=1)
        text = f"{value:.0%}" if percent else f"{value:.3g}"
        draw.text((left - 12, y(value)), text, fill="#4a5563", font=small, anchor="rm")
    draw.line((left, top, left, top + plot_h), fill="#1d2530", width=2)
    draw.line((left, top + plot_h, width - right, top + plot_h), fill="#1d2530", width=2)
    for index, label in enumerate(labels):
        draw.text(
            (x(index), top + plot_h + 14), str(label), fill="#1d2530", font=small, anchor="mt"
        )
    for number, line in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        points = [(x(i), y(v)) for i, v in enumerate(line.values) if v is not None]
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            if line.dashed:
                for k in range(0, 20, 2):
                    a, b = k / 20, (k + 1) / 20
                    draw.line(
                        (
                            x0 + (x1 - x0) * a,
                            y0 + (y1 - y0) * a,
                            x0 + (x1 - x0) * b,
                            y0 + (y1 - y0) * b,
                        ),
                        fill=colour,
                        width=4,
                    )
            else:
                draw.line((x0, y0, x1, y1), fill=colour, width=4)
        for px, py in points:
            draw.ellipse((px - 8, py - 8, px + 8, py + 8), fill=colour)
        for i, v in enumerate(line.values):
            if v is not None:
                text = f"{v:.0%}" if percent else f"{v:.3g}"
                draw.text((x(i) + 12, y(v) - 12), text, fill=colour, font=small, anchor="ls")
        legend_y = height - 60
        legend_x = left + number * (plot_w // max(1, len(series)))
        for a, b in ((0, 15), (25, 40)) if line.dashed else ((0, 40),):
            draw.line((legend_x + a, legend_y, legend_x + b, legend_y), fill=colour, width=4)
        draw.text((legend_x + 50, legend_y), line.name, fill="#1d2530", font=small, anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
