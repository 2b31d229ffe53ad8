"""Plots of self-signification, drawn as standalone SVG text: ternary plots and histograms.

No JavaScript and no external assets: a zone of a ternary plot or a bar of a histogram can be a
plain ``<a href>`` link, so "click a region to read the stories there" works in any browser.
Each SVG sizes itself by ``viewBox`` only, uses the system font stack, escapes every piece of
text, and carries a ``<title>`` and a plain-language ``<desc>`` that give the counts in words.

Accessibility: a plot without links has ``role="img"``. A plot *with* links has
``role="group"`` instead, because ``role="img"`` makes its children presentational and screen
readers would then skip the links; each link has its own ``aria-label``.
:func:`zone_names` gives the zone names used, so a page can also list the links as text.

Small numbers (PRODUCT.md §3): a series with fewer than ``min_count`` stories is not drawn
("fewer than N stories" is written instead), and counts given in words go through
:func:`consultations.privacy.suppress_counts`.

Every piece of text the charts write (legends, ``<desc>``, link labels, zone names) is
translated with Django's gettext at render time, in the active (reader's) language.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext

from common.suppression import min_count as configured_min_count
from common.svg import FONT_STACK, MUTED, OTHERS, TEXT
from common.svg import THIS_GROUP as HIGHLIGHT
from common.svg import esc as _text
from common.svg import href as _href
from common.svg import wrap as _wrap

from .privacy import suppress_counts
from .signifiers import TRIAD_ZONES, normalise_triad, triad_zone, zone_polygon

__all__ = ["histogram_svg", "ternary_svg", "zone_names"]


OUTLINE = "#6b6b6b"
ZONE_LINE = "#b8b8b8"
MAIN = OTHERS
#: "This group" has one colour on every chart of a page (common.svg.THIS_GROUP): the ternary
#: plot's highlighted squares and the histogram's group bars; everyone else (and all stories)
#: is MAIN, common.svg.OTHERS, as on the survey charts.
THIS_GROUP = HIGHLIGHT
LINK_FOCUS = OTHERS

# The focus and hover styles of linked regions live in static/css/portal.css (.lnob-plot):
# the Content-Security-Policy allows no <style> inside the page, and the SVG is always inline.


def _text_block(
    lines: Sequence[str], x: float, y: float, *, size: int, anchor: str, colour: str = TEXT
) -> str:
    """Lines of text as one <text> with <tspan> rows, first baseline at ``y``."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if index == 0 else round(size * 1.25)}">{_text(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{colour}">{spans}</text>'
    )


def _plot_id(kind: str, *parts: object) -> str:
    digest = hashlib.sha1(repr((kind, parts)).encode("utf-8")).hexdigest()[:10]
    return f"{kind}-{digest}"


def _svg_open(width: float, height: float, plot_id: str, *, interactive: bool) -> str:
    role = "group" if interactive else "img"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="{role}" aria-labelledby="{plot_id}-title {plot_id}-desc" class="lnob-plot" '
        f'font-family="{_text(FONT_STACK)}">'
    )


def _stories(count: int | None, min_count: int) -> str:
    if count is None or count < min_count:
        return ngettext("fewer than %(n)s story", "fewer than %(n)s stories", min_count) % {
            "n": min_count
        }
    return npgettext("plot", "%(n)s story", "%(n)s stories", count) % {"n": count}


def format_count(value: int | None, threshold: int | None = None) -> str:
    """A count in words, in the reader's language: "fewer than 5" for a hidden or small one."""
    if threshold is None:
        threshold = configured_min_count()
    if value is None or 0 < value < threshold:
        return _("fewer than %(n)s") % {"n": threshold}
    return str(value)


def _not_drawn(note: str) -> str:
    return _("%(stories)s, not drawn") % {"stories": note}


def _legend(name: str, note: str) -> str:
    """A legend row: "Women (53 stories)"."""
    return _("%(name)s (%(stories)s)") % {"name": name, "stories": note}


def _protected(name: str, note: str) -> str:
    return _("%(name)s: %(stories)s, not drawn to protect the people who told them.") % {
        "name": name,
        "stories": note,
    }


def _fewer_than(min_count: int) -> str:
    return ngettext("Fewer than %(n)s story", "Fewer than %(n)s stories", min_count) % {
        "n": min_count
    }


# --------------------------------------------------------------------------------------------
# Ternary plots

# Geometry in viewBox units: corner a at the top, b bottom left, c bottom right.
_T_WIDTH = 520
_T_SIDE = 340
_T_TOP = 110
_T_HEIGHT_TRI = _T_SIDE * math.sqrt(3) / 2
_A = (_T_WIDTH / 2, _T_TOP)
_B = (_T_WIDTH / 2 - _T_SIDE / 2, _T_TOP + _T_HEIGHT_TRI)
_C = (_T_WIDTH / 2 + _T_SIDE / 2, _T_TOP + _T_HEIGHT_TRI)


def _xy(p: Sequence[float]) -> tuple[float, float]:
    a, b, c = p
    return (a * _A[0] + b * _B[0] + c * _C[0], a * _A[1] + b * _B[1] + c * _C[1])


def zone_names(labels: tuple[str, str, str]) -> dict[str, str]:
    """Plain-language names of the triad zones, e.g. "mostly Money", "between Money and Luck"."""
    a, b, c = labels
    return {
        "corner_a": _("mostly %(a)s") % {"a": a},
        "corner_b": _("mostly %(a)s") % {"a": b},
        "corner_c": _("mostly %(a)s") % {"a": c},
        "edge_ab": _("between %(a)s and %(b)s") % {"a": a, "b": b},
        "edge_bc": _("between %(a)s and %(b)s") % {"a": b, "b": c},
        "edge_ac": _("between %(a)s and %(b)s") % {"a": a, "b": c},
        "centre": _("a balance of all three"),
        "other": _("elsewhere"),
    }


def _valid_points(points: Sequence[Sequence[float]]) -> list[tuple[float, float, float]]:
    """Points re-normalised; a stored value that is not a triad (all zero) is left out."""
    valid = []
    for point in points:
        try:
            valid.append(normalise_triad(*point))
        except (TypeError, ValueError):
            continue
    return valid


def _zone_counts(points: Sequence[tuple[float, float, float]]) -> dict[str, int]:
    counts = dict.fromkeys(TRIAD_ZONES, 0)
    for point in points:
        counts[triad_zone(point)] += 1
    if not counts["other"]:
        del counts["other"]
    return counts


def _zone_sentence(points: Sequence[tuple[float, float, float]], names: dict[str, str]) -> str:
    counts = _zone_counts(points)
    shown = suppress_counts(counts, total=len(points))
    return "; ".join(f"{names[zone]}: {format_count(value)}" for zone, value in shown.items())


def ternary_svg(
    points: Sequence[tuple[float, float, float]],
    *,
    labels: tuple[str, str, str],
    title: str,
    zone_links: Mapping[str, str] | None = None,
    highlight: Sequence[tuple[float, float, float]] = (),
    min_count: int | None = None,
    main_label: str = "",
    highlight_label: str = "",
) -> str:
    """A ternary plot of triad answers as SVG text.

    The triangle has corner ``labels[0]`` at the top, ``labels[1]`` bottom left and
    ``labels[2]`` bottom right; the zones of PRODUCT.md §4 are outlined lightly. Each answer
    is a small semi-transparent dot (thousands stay legible: overlaps darken). ``zone_links``
    (zone key → URL) makes each zone a link to the stories in it. ``highlight`` (a comparison
    group) is drawn as orange squares over the blue dots, with a legend; ``main_label`` and
    ``highlight_label`` name the two series there (default "Other stories" / "Selected
    group", or "Stories" without a highlight). A series with fewer than ``min_count`` answers
    is not drawn (default: the ``SMALL_COUNT_MIN`` setting). ``<desc>`` gives each series' count
    per zone, suppressed below the same minimum.
    """
    if min_count is None:
        min_count = configured_min_count()
    if len(labels) != 3:
        raise ValueError(f"A ternary plot needs three corner labels, got {len(labels)}.")
    main = _valid_points(points)
    extra = _valid_points(highlight)
    has_highlight = bool(highlight)
    main_name = main_label or (_("Other stories") if has_highlight else _("Stories"))
    extra_name = highlight_label or _("Selected group")
    names = zone_names(labels)
    draw_main = len(main) >= min_count
    draw_extra = has_highlight and len(extra) >= min_count
    plot_id = _plot_id("ternary", title, labels, len(main), len(extra), main[:50], extra[:50])

    title_lines = _wrap(title, 52, 2)
    legend_top = _C[1] + 62
    legend_rows = 2 if has_highlight else 1
    height = legend_top + legend_rows * 22 + 12
    parts = [_svg_open(_T_WIDTH, height, plot_id, interactive=bool(zone_links))]
    parts.append(f'<title id="{plot_id}-title">{_text(title)}</title>')

    desc = [
        _("Ternary plot with corners %(a)s, %(b)s and %(c)s.")
        % {"a": labels[0], "b": labels[1], "c": labels[2]}
    ]
    for name, series, drawn in ((main_name, main, draw_main), (extra_name, extra, draw_extra)):
        if series is extra and not has_highlight:
            continue
        if drawn:
            desc.append(
                _("%(name)s: %(stories)s; %(detail)s.")
                % {
                    "name": name,
                    "stories": _stories(len(series), min_count),
                    "detail": _zone_sentence(series, names),
                }
            )
        else:
            desc.append(_protected(name, _stories(len(series), min_count)))
    parts.append(f'<desc id="{plot_id}-desc">{_text(" ".join(desc))}</desc>')
    parts.append(
        _text_block(title_lines, _T_WIDTH / 2, 26, size=17, anchor="middle").replace(
            "<text ", '<text font-weight="600" ', 1
        )
    )

    # Zones: clickable areas first (under everything), then their light outlines.
    counts = suppress_counts(_zone_counts(main + extra), total=len(main) + len(extra))
    for zone in TRIAD_ZONES:
        if zone == "other":
            continue
        polygon = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(_xy, zone_polygon(zone)))
        if zone_links and zone_links.get(zone):
            label = _("Read the stories %(zone)s") % {"zone": names[zone]}
            if draw_main or draw_extra:
                label = _legend(label, _stories(counts.get(zone), min_count))
            parts.append(
                f'<a href="{_href(zone_links[zone])}" aria-label="{_text(label)}">'
                f"<title>{_text(label)}</title>"
                f'<polygon class="hit" points="{polygon}" fill="#ffffff" fill-opacity="0"/></a>'
            )
    zone_lines = "".join(
        f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in map(_xy, zone_polygon(z)))}"/>'
        for z in TRIAD_ZONES
        if z != "other"
    )
    parts.append(
        f'<g fill="none" stroke="{ZONE_LINE}" stroke-width="1" stroke-dasharray="4 3" '
        f'pointer-events="none" aria-hidden="true">{zone_lines}</g>'
    )
    triangle = " ".join(f"{x:.1f},{y:.1f}" for x, y in (_A, _B, _C))
    parts.append(
        f'<polygon points="{triangle}" fill="none" stroke="{OUTLINE}" stroke-width="1.5" '
        'pointer-events="none"/>'
    )

    # Corner labels.
    parts.append(_text_block(_wrap(labels[0], 34, 2), _A[0], _A[1] - 28, size=14, anchor="middle"))
    parts.append(
        _text_block(_wrap(labels[1], 24, 2), _B[0] - 6, _B[1] + 22, size=14, anchor="start")
    )
    parts.append(_text_block(_wrap(labels[2], 24, 2), _C[0] + 6, _C[1] + 22, size=14, anchor="end"))

    # Dots.
    if draw_main:
        dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"/>' for x, y in map(_xy, main))
        parts.append(
            f'<g fill="{MAIN}" fill-opacity="0.35" pointer-events="none" aria-hidden="true">'
            f"{dots}</g>"
        )
    if draw_extra:
        squares = "".join(
            f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6"/>'
            for x, y in map(_xy, extra)
        )
        parts.append(
            f'<g fill="{THIS_GROUP}" fill-opacity="0.6" pointer-events="none" '
            f'aria-hidden="true">{squares}</g>'
        )
    if not draw_main and not (has_highlight and draw_extra):
        parts.append(
            _text_block(
                [_fewer_than(min_count)],
                _T_WIDTH / 2,
                _T_TOP + _T_HEIGHT_TRI * 0.62,
                size=15,
                anchor="middle",
                colour=MUTED,
            )
        )

    # Legend.
    y = legend_top
    legend = [(main_name, main, draw_main, "circle")]
    if has_highlight:
        legend.append((extra_name, extra, draw_extra, "square"))
    for name, series, drawn, marker in legend:
        colour = MAIN if marker == "circle" else THIS_GROUP
        if marker == "circle":
            parts.append(f'<circle cx="36" cy="{y - 5:.1f}" r="5" fill="{colour}"/>')
        else:
            parts.append(f'<rect x="31" y="{y - 10:.1f}" width="10" height="10" fill="{colour}"/>')
        note = _stories(len(series), min_count)
        note = note if drawn else _not_drawn(note)
        parts.append(_text_block([_legend(name, note)], 50, y, size=13, anchor="start"))
        y += 22
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Histograms

_H_WIDTH = 560
_H_LEFT = 56
_H_RIGHT = 24
_H_TOP = 70
_H_PLOT = 200


def _axis_max(top: float, *, shares: bool) -> float:
    """A round axis maximum at or above ``top`` whose quarters are round numbers too."""
    if shares:
        return next(m for m in (0.2, 0.4, 0.8, 1.0) if top <= m + 1e-12) if top <= 1 else top
    step = 1.0
    while 4 * step < top:
        for factor in (2, 2.5, 2):  # 1, 2, 5, 10, 20, 50, …
            step *= factor
            if 4 * step >= top:
                break
    return 4 * step


def _format_tick(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


def histogram_svg(
    counts: Sequence[int],
    *,
    left_label: str,
    right_label: str,
    title: str,
    bin_links: Sequence[str] | None = None,
    compare: Sequence[int] | None = None,
    compare_label: str = "",
    main_label: str = "",
    min_count: int | None = None,
) -> str:
    """A histogram of dyad answers (bins from ``left_label`` to ``right_label``) as SVG text.

    With ``compare`` (e.g. everyone else, next to a group), two bars per bin show the *share*
    of each series' stories in the bin, so series of different sizes can be compared; without
    it, bars show counts. ``bin_links`` (one URL per bin) makes each bin a link to its
    stories. A series with fewer than ``min_count`` stories is not drawn; ``<desc>`` gives
    each series' count per bin, suppressed below it (default: the ``SMALL_COUNT_MIN`` setting).
    """
    if min_count is None:
        min_count = configured_min_count()
    bins = len(counts)
    if bins < 1:
        raise ValueError("A histogram needs at least one bin.")
    if compare is not None and len(compare) != bins:
        raise ValueError(f"compare has {len(compare)} bins but counts has {bins}.")
    if bin_links is not None and len(bin_links) != bins:
        raise ValueError(f"bin_links has {len(bin_links)} links but there are {bins} bins.")
    if any(value < 0 for value in counts) or (compare and any(value < 0 for value in compare)):
        raise ValueError("Histogram counts cannot be negative.")

    total = sum(counts)
    compare_total = sum(compare) if compare is not None else 0
    has_compare = compare is not None
    draw_main = total >= min_count
    draw_compare = has_compare and compare_total >= min_count
    shares = has_compare
    main_name = main_label or (_("Selected group") if has_compare else _("Stories"))
    compare_name = compare_label or _("Everyone else")
    plot_id = _plot_id("histogram", title, left_label, right_label, tuple(counts), compare)

    # Next to "everyone else", the main series is the selected group: it takes the group's
    # colour, as in the ternary plots on the same page.
    main_colour = THIS_GROUP if has_compare else MAIN
    series: list[tuple[str, Sequence[int], int, str]] = []
    if draw_main:
        series.append((main_name, counts, total, main_colour))
    if draw_compare and compare is not None:
        series.append((compare_name, compare, compare_total, MAIN))

    def height_of(value: int, of_total: int) -> float:
        return value / of_total if shares else float(value)

    top_value = max((height_of(v, t) for _n, values, t, _c in series for v in values), default=0.0)
    axis_max = _axis_max(top_value, shares=shares)

    plot_width = _H_WIDTH - _H_LEFT - _H_RIGHT
    bottom = _H_TOP + _H_PLOT
    legend_top = bottom + 62
    legend_rows = 2 if has_compare else 1
    height = legend_top + legend_rows * 22 + (22 if shares else 0) + 8
    parts = [_svg_open(_H_WIDTH, height, plot_id, interactive=bool(bin_links))]
    parts.append(f'<title id="{plot_id}-title">{_text(title)}</title>')

    desc = [
        ngettext(
            "Histogram of %(n)s bar from %(left)s (left) to %(right)s (right).",
            "Histogram of %(n)s bars from %(left)s (left) to %(right)s (right).",
            bins,
        )
        % {"n": bins, "left": left_label, "right": right_label}
    ]
    for name, values, of_total, drawn in (
        (main_name, counts, total, draw_main),
        (compare_name, compare or (), compare_total, draw_compare),
    ):
        if name == compare_name and not has_compare:
            continue
        if drawn:
            shown = suppress_counts(
                {str(index): value for index, value in enumerate(values)}, total=of_total
            )
            per_bar = ", ".join(
                _("bar %(n)s: %(count)s") % {"n": int(index) + 1, "count": format_count(value)}
                for index, value in shown.items()
            )
            desc.append(
                _("%(name)s: %(stories)s; %(detail)s.")
                % {"name": name, "stories": _stories(of_total, min_count), "detail": per_bar}
            )
        else:
            desc.append(_protected(name, _stories(of_total, min_count)))
    if shares:
        desc.append(_("Bar heights are each series' share of its own stories."))
    parts.append(f'<desc id="{plot_id}-desc">{_text(" ".join(desc))}</desc>')
    parts.append(
        _text_block(_wrap(title, 58, 2), _H_WIDTH / 2, 26, size=17, anchor="middle").replace(
            "<text ", '<text font-weight="600" ', 1
        )
    )

    # Grid and y axis.
    grid = []
    for step in range(5):
        value = axis_max * step / 4
        y = bottom - _H_PLOT * step / 4
        grid.append(
            f'<line x1="{_H_LEFT}" y1="{y:.1f}" x2="{_H_WIDTH - _H_RIGHT}" y2="{y:.1f}" '
            f'stroke="{"#6b6b6b" if step == 0 else "#e0e0e0"}"/>'
        )
        if shares or float(value).is_integer():
            grid.append(
                f'<text x="{_H_LEFT - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end" '
                f'fill="{MUTED}">{_text(_format_tick(value, shares))}</text>'
            )
    parts.append(f'<g aria-hidden="true" pointer-events="none">{"".join(grid)}</g>')

    bin_width = plot_width / bins
    shown_main = suppress_counts({str(i): v for i, v in enumerate(counts)}, total=total)
    for index in range(bins):
        x0 = _H_LEFT + index * bin_width
        if bin_links and bin_links[index]:
            label = _("Read the stories in bar %(n)s of %(bins)s, from %(left)s to %(right)s") % {
                "n": index + 1,
                "bins": bins,
                "left": left_label,
                "right": right_label,
            }
            if draw_main:
                value = shown_main[str(index)]
                note = (
                    _stories(None, min_count)
                    if value is None or 0 < value < min_count
                    else npgettext("plot", "%(n)s story", "%(n)s stories", value) % {"n": value}
                )
                label = _legend(label, note)
            parts.append(
                f'<a href="{_href(bin_links[index])}" aria-label="{_text(label)}">'
                f"<title>{_text(label)}</title>"
                f'<rect class="hit" x="{x0:.1f}" y="{_H_TOP}" width="{bin_width:.1f}" '
                f'height="{_H_PLOT}" fill="#ffffff" fill-opacity="0"/></a>'
            )
    bars = []
    inner = bin_width * 0.8
    bar_width = inner / max(len(series), 1)
    for position, (_name, values, of_total, colour) in enumerate(series):
        for index, value in enumerate(values):
            if not value:
                continue
            h = _H_PLOT * min(height_of(value, of_total) / axis_max, 1.0)
            x = _H_LEFT + index * bin_width + bin_width * 0.1 + position * bar_width
            bars.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar_width:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
    parts.append(f'<g pointer-events="none" aria-hidden="true">{"".join(bars)}</g>')
    if not series:
        parts.append(
            _text_block(
                [_fewer_than(min_count)],
                _H_WIDTH / 2,
                _H_TOP + _H_PLOT / 2,
                size=15,
                anchor="middle",
                colour=MUTED,
            )
        )

    # End labels under the axis.
    parts.append(
        _text_block(_wrap(left_label, 30, 2), _H_LEFT, bottom + 22, size=13, anchor="start")
    )
    parts.append(
        _text_block(
            _wrap(right_label, 30, 2), _H_WIDTH - _H_RIGHT, bottom + 22, size=13, anchor="end"
        )
    )

    # Legend.
    y = legend_top
    entries = [(main_name, total, draw_main, main_colour)]
    if has_compare:
        entries.append((compare_name, compare_total, draw_compare, MAIN))
    for name, of_total, drawn, colour in entries:
        parts.append(f'<rect x="31" y="{y - 10:.1f}" width="10" height="10" fill="{colour}"/>')
        note = _stories(of_total, min_count)
        note = note if drawn else _not_drawn(note)
        parts.append(_text_block([_legend(name, note)], 50, y, size=13, anchor="start"))
        y += 22
    if shares:
        parts.append(
            _text_block(
                [_("Bar height: share of each series' stories")],
                31,
                y,
                size=12,
                anchor="start",
                colour=MUTED,
            )
        )
    parts.append("</svg>")
    return "".join(parts)
