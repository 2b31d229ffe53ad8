"""GeoJSON of a country's regions → simplified rings per region name, and the SVG
choropleth drawn from them. Pure Python (no Django): the portal stores the rings and draws
the map on the server, with no tiles and no external service.

Projection: equirectangular with the longitude scaled by cos(mean latitude), which keeps a
country's shape at the scale of one country. Rings are simplified by keeping points at
least ``tolerance`` apart (in degrees) so a detailed boundary file stays small.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any


class MapError(ValueError):
    """A GeoJSON file the portal cannot use, with a message a person can act on."""


MAX_POINTS = 200_000


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        return [ring for ring in coordinates[:1]]  # the outer ring; holes are not drawn
    if kind == "MultiPolygon":
        return [polygon[0] for polygon in coordinates if polygon]
    raise MapError(f"Only Polygon and MultiPolygon regions can be drawn (found {kind}).")


def _simplify(ring: Sequence[Sequence[float]], tolerance: float) -> list[list[float]]:
    kept: list[list[float]] = []
    for point in ring:
        x, y = float(point[0]), float(point[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            raise MapError("A coordinate is not a number.")
        if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= tolerance:
            kept.append([round(x, 5), round(y, 5)])
    return kept if len(kept) >= 3 else []


def parse_regions(
    content: bytes, *, name_property: str, tolerance: float = 0.01
) -> dict[str, list[list[list[float]]]]:
    """{region name: rings} from a GeoJSON FeatureCollection of the country's regions."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MapError("The file is not GeoJSON (JSON text in UTF-8).") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise MapError("The file must be a GeoJSON FeatureCollection of the regions.")
    features = data.get("features") or []
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise MapError("Every feature of the FeatureCollection must be a GeoJSON Feature.")
    points = sum(len(str(f.get("geometry", ""))) for f in features) // 8
    if points > MAX_POINTS * 4:
        raise MapError("The file is too detailed; simplify the boundaries first.")
    try:
        return _shapes(features, name_property=name_property, tolerance=tolerance)
    except MapError:
        raise
    except (TypeError, ValueError, IndexError, AttributeError) as exc:
        # A coordinate written as text, a point without its latitude, a geometry that is
        # not an object…: the file's own mistake, not the portal's.
        raise MapError(
            "A region's geometry cannot be read: every point must be [longitude, latitude] "
            "in numbers."
        ) from exc


def _shapes(features: list, *, name_property: str, tolerance: float):
    shapes: dict[str, list[list[list[float]]]] = {}
    for feature in features:
        properties = feature.get("properties") or {}
        if name_property not in properties:
            found = ", ".join(sorted(properties)) or "none"
            raise MapError(f"A region has no property “{name_property}” (its properties: {found}).")
        name = str(properties[name_property]).strip()
        rings = [
            r
            for r in (_simplify(ring, tolerance) for ring in _rings(feature.get("geometry") or {}))
            if r
        ]
        if rings:
            shapes.setdefault(name, []).extend(rings)
    if not shapes:
        raise MapError("The file holds no region that can be drawn.")
    return shapes


# Sequential palette, light to dark (5 classes), each with a text colour readable on it.
PALETTE = ("#fde5d4", "#f9b98f", "#ef8a54", "#c9562a", "#8c2d04")
NO_DATA = "#eeeeee"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _n(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def choropleth_svg(
    shapes: Mapping[str, Sequence[Sequence[Sequence[float]]]],
    values: Mapping[str, float | None],
    *,
    title: str,
    legend_label: str,
    fmt=lambda v: f"{v:.3f}",
    no_data: str = "No data",
    width: float = 640.0,
) -> str:
    """An SVG map: each region shaded by its value in five equal-width classes; regions
    without a value are grey and said to be so. Every region has a <title> with its value."""
    points = [p for rings in shapes.values() for ring in rings for p in ring]
    if not points:
        return ""
    lat0 = math.radians(sum(p[1] for p in points) / len(points))
    scale_x = math.cos(lat0)
    xs = [p[0] * scale_x for p in points]
    ys = [p[1] for p in points]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    top, pad = 48.0, 16.0
    legend_height = 56.0
    map_width = width - 2 * pad
    span_x, span_y = max(max_x - min_x, 1e-9), max(max_y - min_y, 1e-9)
    factor = map_width / span_x
    map_height = min(span_y * factor, 520.0)
    factor = min(factor, map_height / span_y)
    offset_x = pad + (map_width - span_x * factor) / 2
    height = top + map_height + legend_height + pad

    def xy(point) -> str:
        x = offset_x + (point[0] * scale_x - min_x) * factor
        y = top + (max_y - point[1]) * factor
        return f"{_n(x)},{_n(y)}"

    known = [v for v in values.values() if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    step = (high - low) / len(PALETTE) or 1.0

    def colour(value: float | None) -> str:
        if value is None:
            return NO_DATA
        return PALETTE[min(int((value - low) / step), len(PALETTE) - 1)]

    listed = "; ".join(
        f"{name} {fmt(values[name]) if values.get(name) is not None else no_data}"
        for name in sorted(shapes)
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'role="img" aria-labelledby="map-title map-desc" class="chart-svg" '
        f'font-family="system-ui, sans-serif" fill="#1a1a1a">',
        f'<title id="map-title">{_esc(title)}</title>',
        f'<desc id="map-desc">{_esc(legend_label)}: {_esc(listed)}.</desc>',
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
        f'<text x="{_n(pad)}" y="28" font-size="15" font-weight="700">{_esc(title)}</text>',
    ]
    for name in sorted(shapes):
        value = values.get(name)
        path = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for ring in shapes[name])
        label = fmt(value) if value is not None else no_data
        out.append(
            f'<path d="{path}" fill="{colour(value)}" stroke="#ffffff" stroke-width="1" '
            f'class="region" data-region="{_esc(name)}"><title>{_esc(name)}: {_esc(label)}</title>'
            "</path>"
        )
    # Names and values on the largest ring of each region (its vertex centroid), with a
    # white halo so they read on any fill.
    for name in sorted(shapes):
        ring = max(shapes[name], key=len)
        cx = sum(p[0] for p in ring) / len(ring)
        cy = sum(p[1] for p in ring) / len(ring)
        x, y = (float(v) for v in xy((cx, cy)).split(","))
        value = values.get(name)
        for offset, text, weight in (
            (-2, name, "400"),
            (12, fmt(value) if value is not None else no_data, "700"),
        ):
            out.append(
                f'<text x="{_n(x)}" y="{_n(y + offset)}" font-size="11" text-anchor="middle" '
                f'font-weight="{weight}" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
                f'aria-hidden="true">{_esc(text)}</text>'
            )
    y = top + map_height + 24
    out.append(f'<text x="{_n(pad)}" y="{_n(y - 6)}" font-size="12">{_esc(legend_label)}</text>')
    x = pad
    for index, fill in enumerate(PALETTE):
        start, end = low + index * step, low + (index + 1) * step
        out.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="96" height="14" fill="{fill}" '
            'stroke="#6b6b6b" stroke-width="0.5"/>'
        )
        out.append(
            f'<text x="{_n(x)}" y="{_n(y + 28)}" font-size="11">'
            f"{_esc(fmt(start))}–{_esc(fmt(end))}</text>"
        )
        x += 104
    if any(values.get(name) is None for name in shapes):
        out.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="40" height="14" fill="{NO_DATA}" '
            'stroke="#6b6b6b" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{_n(x)}" y="{_n(y + 28)}" font-size="11">{_esc(no_data)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def bars_svg(
    rows: Sequence[tuple[str, float | None]],
    *,
    title: str,
    fmt=lambda v: f"{v:.3f}",
    no_data: str = "No data",
    colour: str = "#1c5a94",
    width: float = 640.0,
) -> str:
    """Horizontal bars, one per row in the order given, each labelled with its value; a row
    without a value says so instead of drawing a bar."""
    if not rows:
        return ""
    bar, gap, top, pad = 22.0, 10.0, 44.0, 16.0
    label_width = min(240.0, max(80.0, max(len(label) for label, _ in rows) * 7.0))
    widest = max((len(fmt(v)) for _, v in rows if v is not None), default=len(no_data))
    left, right = pad + label_width + 8, width - pad - max(widest, len(no_data)) * 7.5 - 8
    known = [v for _, v in rows if v is not None]
    high = max([0.0, *known]) or 1.0
    height = top + len(rows) * (bar + gap) + pad
    listed = "; ".join(f"{label} {fmt(v) if v is not None else no_data}" for label, v in rows)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'role="img" class="chart-svg" font-family="system-ui, sans-serif" fill="#1a1a1a">',
        f"<title>{_esc(title)}</title><desc>{_esc(listed)}.</desc>",
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
        f'<text x="{_n(pad)}" y="26" font-size="15" font-weight="700">{_esc(title)}</text>',
    ]
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar + gap)
        shown = (
            label if len(label) * 7.0 <= label_width else label[: int(label_width / 7) - 1] + "…"
        )
        out.append(f'<g class="bar" data-label="{_esc(label)}">')
        out.append(
            f'<text x="{_n(left - 8)}" y="{_n(y + bar / 2 + 4)}" font-size="12" '
            f'text-anchor="end">{_esc(shown)}</text>'
        )
        if value is None:
            out.append(
                f'<text x="{_n(left)}" y="{_n(y + bar / 2 + 4)}" font-size="12" '
                f'fill="#4a4a4a">{_esc(no_data)}</text>'
            )
        else:
            end = left + max(value, 0.0) / high * (right - left)
            out.append(
                f'<rect x="{_n(left)}" y="{_n(y)}" width="{_n(max(end - left, 0.5))}" '
                f'height="{_n(bar)}" fill="{colour}"/>'
            )
            out.append(
                f'<text x="{_n(end + 6)}" y="{_n(y + bar / 2 + 4)}" font-size="12" '
                f'font-weight="700">{_esc(fmt(value))}</text>'
            )
        out.append("</g>")
    out.append(
        f'<line x1="{_n(left)}" y1="{_n(top - 4)}" x2="{_n(left)}" y2="{_n(height - pad)}" '
        'stroke="#1a1a1a"/>'
    )
    out.append("</svg>")
    return "\n".join(out)
