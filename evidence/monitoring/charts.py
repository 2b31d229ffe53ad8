"""The monitoring chart (the guide's Figure 7): the group's and everyone else's values by
year, their trends projected to the target year, the targets, milestones and the floor.

Server-rendered SVG with a title and a description; the page shows the same numbers in a
table beneath it. Observed values are solid lines with markers (and their 95% intervals as
whiskers); projections are dashed; targets and milestones are hollow markers on a dotted
"needed" line; the floor is a horizontal line.
"""

from __future__ import annotations

import hashlib
import html

from django.utils.translation import gettext as _

from .selectors import MonitoredIndicator

FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    '"Liberation Sans", sans-serif'
)
TEXT, MUTED, GRID = "#1a1a1a", "#4a4a4a", "#d9d9d9"
GROUP, OTHERS, FLOOR = "#b5441b", "#1c5a94", "#6a3d9a"
WIDTH, HEIGHT = 720.0, 440.0
LEFT, RIGHT, TOP, BOTTOM = 64.0, 650.0, 118.0, 380.0


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text(x, y, text, *, size=12, anchor="middle", fill=None, bold=False) -> str:
    fill_attr = f' fill="{fill}"' if fill else ""
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}"'
        f"{fill_attr}{weight}>{_esc(text)}</text>"
    )


def _fmt(value: float, percent: bool) -> str:
    return f"{value:.0f}%" if percent else f"{value:.3g}"


def _ticks(low: float, high: float) -> list[float]:
    span = high - low or 1.0
    raw = span / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    step = next(s * magnitude for s in (1, 2, 2.5, 5, 10) if s * magnitude >= raw)
    start = step * (low // step)
    ticks, value = [], start
    while value <= high + step / 2:
        ticks.append(round(value, 6))
        value += step
    return ticks


def monitoring_svg(item: MonitoredIndicator) -> str:
    """The chart of one monitoring indicator; empty when it has no round yet."""
    if not item.rounds:
        return ""
    percent = item.percent
    first_year = item.rounds[0].year
    last_year = max(item.target_year, item.rounds[-1].year)
    values = [v for r in item.rounds for v in (r.group, r.others)]
    values += [v for r in item.rounds for ci in (r.group_ci, r.others_ci) if ci for v in ci]
    values += [v for v in (item.target_group, item.target_others, item.floor) if v is not None]
    values += [v for v in (item.projected_group, item.projected_others) if v is not None]
    if percent:
        low, high = 0.0, 100.0
    else:
        low, high = min([0.0, *values]), max(values) * 1.1 or 1.0
    ticks = _ticks(low, high)
    low, high = min(ticks[0], low), max(ticks[-1], high)

    def x_of(year: float) -> float:
        return (
            LEFT + 16 + (year - first_year) / max(last_year - first_year, 1) * (RIGHT - LEFT - 32)
        )

    def y_of(value: float) -> float:
        return BOTTOM - (value - low) / (high - low) * (BOTTOM - TOP)

    title = _("%(name)s: the group and everyone else, to %(year)s") % {
        "name": item.name,
        "year": item.target_year,
    }
    desc = " ".join(
        [
            _("%(year)s: the group %(group)s, everyone else %(others)s.")
            % {
                "year": r.label,
                "group": _fmt(r.group, percent),
                "others": _fmt(r.others, percent),
            }
            for r in item.rounds
        ]
        + [item.verdict_text]
    )
    prefix = "monitoring-" + hashlib.sha1(f"{item.pk}:{item.name}".encode()).hexdigest()[:8]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(WIDTH)} {_n(HEIGHT)}" '
        f'role="img" aria-labelledby="{prefix}-title {prefix}-desc" class="chart-svg" '
        f"font-family='{FONT}' fill=\"{TEXT}\">",
        f'<title id="{prefix}-title">{_esc(title)}</title>',
        f'<desc id="{prefix}-desc">{_esc(desc)}</desc>',
        f'<rect width="{_n(WIDTH)}" height="{_n(HEIGHT)}" fill="#ffffff"/>',
        _text(24, 28, title, size=15, anchor="start", bold=True),
    ]
    # Legend: two rows under the title.
    legend = [
        (GROUP, "", "circle", _("The group (observed)")),
        (GROUP, "6 4", None, _("The group's trend")),
        (OTHERS, "", "square", _("Everyone else (observed)")),
        (OTHERS, "6 4", None, _("Everyone else's trend")),
        (GROUP, "2 3", "target", _("The group's target and milestones")),
        (OTHERS, "2 3", "target", _("Everyone else's target and milestones")),
    ]
    if item.floor is not None:
        legend.append((FLOOR, "", None, _("Floor")))
    x, y = 24.0, 52.0
    for colour, dash, marker, label in legend:
        width = 40 + len(label) * 6.6 + 18
        if x + width > WIDTH - 12:
            x, y = 24.0, y + 20
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 30)}" y2="{_n(y - 4)}" '
            f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        )
        if marker:
            out.append(_marker(marker, x + 15, y - 4, colour))
        out.append(_text(x + 36, y, label, anchor="start"))
        x += width
    obstacles: list[tuple[float, float, float, float]] = []
    # (text, colour, bold, candidate positions (x, y, anchor)), placed last, clear of marks.
    labels: list[tuple[str, str, bool, list[tuple[float, float, str]]]] = []
    # Grid and axes.
    out.append(f'<g stroke="{GRID}" aria-hidden="true">')
    for tick in ticks:
        out.append(
            f'<line x1="{_n(LEFT)}" y1="{_n(y_of(tick))}" x2="{_n(RIGHT)}" y2="{_n(y_of(tick))}"/>'
        )
    out.append("</g>")
    for tick in ticks:
        out.append(_text(LEFT - 8, y_of(tick) + 4, _fmt(tick, percent), anchor="end", fill=MUTED))
    out.append(
        f'<line x1="{_n(LEFT)}" y1="{_n(BOTTOM)}" x2="{_n(RIGHT)}" y2="{_n(BOTTOM)}" '
        f'stroke="{TEXT}"/>'
    )
    years = sorted(
        {r.year for r in item.rounds} | {m.year for m in item.milestones} | {item.target_year}
    )
    for year in years:
        out.append(_text(x_of(year), BOTTOM + 18, str(year), fill=MUTED))
    # The floor.
    if item.floor is not None:
        fy = y_of(item.floor)
        out.append(
            f'<line x1="{_n(LEFT)}" y1="{_n(fy)}" x2="{_n(RIGHT)}" y2="{_n(fy)}" '
            f'stroke="{FLOOR}" stroke-width="2"/>'
        )
        label = _("Floor %(value)s") % {"value": _fmt(item.floor, percent)}
        if item.floor_label:
            label += f" ({item.floor_label})"
        obstacles.append((LEFT, fy - 1.5, RIGHT, fy + 1.5))
        labels.append(
            (
                label,
                FLOOR,
                False,
                [
                    (RIGHT - 4, fy - 6, "end"),
                    (LEFT + 4, fy - 6, "start"),
                    (RIGHT - 4, fy + 16, "end"),
                    (LEFT + 4, fy + 16, "start"),
                    ((LEFT + RIGHT) / 2, fy - 6, "middle"),
                ],
            )
        )
    # Needed path: from the baseline to each milestone and the target (group, then others).
    base = item.rounds[0]
    for colour, start, key, target in (
        (GROUP, base.group, "group", item.target_group),
        (OTHERS, base.others, "others", item.target_others),
    ):
        if target is None:
            continue
        points = [(base.year, start)] + [
            (m.year, getattr(m, key)) for m in item.milestones if getattr(m, key) is not None
        ]
        if points[-1][0] != item.target_year:
            points.append((item.target_year, target))
        coords = " ".join(f"{_n(x_of(px))},{_n(y_of(py))}" for px, py in points)
        out.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="1.5" '
            f'stroke-dasharray="2 3" class="needed" data-series="{key}"/>'
        )
        for px, py in points[1:]:
            out.append(_marker("target", x_of(px), y_of(py), colour))
            obstacles.append(_box(x_of(px), y_of(py)))
        tx, ty = x_of(item.target_year) + 10, y_of(target) + 4
        labels.append(
            (
                _("target %(value)s") % {"value": _fmt(target, percent)},
                colour,
                True,
                [(tx, ty, "start"), (tx, ty - 13, "start"), (tx, ty + 13, "start")],
            )
        )
    # Observed values, intervals and projections.
    for colour, key, marker, projected in (
        (GROUP, "group", "circle", item.projected_group),
        (OTHERS, "others", "square", item.projected_others),
    ):
        observed = [(r.year, getattr(r, key), getattr(r, f"{key}_ci")) for r in item.rounds]
        out.append(f'<g class="series" data-series="{key}">')
        if len(observed) > 1:
            coords = " ".join(f"{_n(x_of(px))},{_n(y_of(py))}" for px, py, _ci in observed)
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
        if projected is not None and observed[-1][0] < item.target_year:
            last_year_seen, last_value, _ci = observed[-1]
            tx, ty = x_of(item.target_year) + 10, y_of(projected) + 4
            labels.append(
                (
                    _("trend %(value)s") % {"value": _fmt(projected, percent)},
                    colour,
                    False,
                    [(tx, ty, "start"), (tx, ty - 13, "start"), (tx, ty + 13, "start")],
                )
            )
            out.append(
                f'<line x1="{_n(x_of(last_year_seen))}" y1="{_n(y_of(last_value))}" '
                f'x2="{_n(x_of(item.target_year))}" y2="{_n(y_of(projected))}" stroke="{colour}" '
                f'stroke-width="2" stroke-dasharray="6 4" class="projection"/>'
            )
        for px, py, ci in observed:
            if ci:
                out.append(
                    f'<line x1="{_n(x_of(px))}" y1="{_n(y_of(ci[0]))}" x2="{_n(x_of(px))}" '
                    f'y2="{_n(y_of(ci[1]))}" stroke="{colour}" stroke-width="1.5" class="ci"/>'
                )
            out.append(_marker(marker, x_of(px), y_of(py), colour))
            obstacles.append(_box(x_of(px), y_of(py)))
            x, y = x_of(px), y_of(py)
            above = key == "others" if not item.barrier else key == "group"
            first, second = (y - 10, y + 20) if above else (y + 20, y - 10)
            labels.append(
                (
                    _fmt(py, percent),
                    colour,
                    True,
                    [
                        (x, first, "middle"),
                        (x, second, "middle"),
                        (x + 10, y + 4, "start"),
                        (x - 10, y + 4, "end"),
                    ],
                )
            )
        out.append("</g>")
    out += _place(labels, obstacles)
    out.append("</svg>")
    return "\n".join(out)


def _box(x: float, y: float, r: float = 7.0) -> tuple[float, float, float, float]:
    return (x - r, y - r, x + r, y + r)


def _text_box(x: float, y: float, text: str, anchor: str) -> tuple[float, float, float, float]:
    width = len(text) * 7.2
    left = {"start": x, "end": x - width}.get(anchor, x - width / 2)
    return (left, y - 11, left + width, y + 3)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place(labels, obstacles) -> list[str]:
    """Each label at its first candidate position that stays in the plot and clear of the
    markers, lines and labels already placed (else its first candidate)."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for text, colour, bold, candidates in labels:
        chosen = candidates[0]
        for x, y, anchor in candidates:
            box = _text_box(x, y, text, anchor)
            inside = box[0] >= LEFT and box[2] <= WIDTH - 4 and box[1] >= TOP - 8
            inside = inside and box[3] <= BOTTOM - 2
            if inside and not any(_overlaps(box, other) for other in obstacles + placed):
                chosen = (x, y, anchor)
                break
        x, y, anchor = chosen
        placed.append(_text_box(x, y, text, anchor))
        out.append(_text(x, y, text, anchor=anchor, fill=colour, bold=bold))
    return out


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    r = 4.5
    if shape == "square":
        return (
            f'<rect x="{_n(x - r)}" y="{_n(y - r)}" width="{_n(2 * r)}" height="{_n(2 * r)}" '
            f'fill="{colour}"/>'
        )
    if shape == "target":
        pts = ((x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y))
        coords = " ".join(f"{_n(px)},{_n(py)}" for px, py in pts)
        return f'<polygon points="{coords}" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{colour}"/>'
