"""Charts for LNOB results, drawn as standalone SVG text (and the tree also as a PNG).

Everything here works from the JSON form of a result (:func:`analysis.engine.result_to_dict`),
so a stored result can be drawn without re-running the engine. Plain Python: no Django, no
JavaScript, no external assets; every piece of text is escaped with :func:`html.escape`.

The tree is laid out once (:func:`tree_layout`) and drawn twice from that layout, as SVG
(:func:`tree_svg`) and with Pillow (:func:`tree_png`), so the two pictures match. Furthest
behind and furthest ahead are marked by colour, border style *and* a text label, so the
charts still read when printed in black and white. The SVGs carry ``role="img"`` with a
``<title>`` and a plain-language ``<desc>``; :func:`tree_text_alternative` gives the whole
tree as an indented outline for a page's text alternative.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Edge",
    "NodeBox",
    "TreeLayout",
    "shapley_svg",
    "tree_layout",
    "tree_png",
    "tree_svg",
    "tree_text_alternative",
    "trend_series",
    "trend_svg",
]

FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    '"Liberation Sans", sans-serif'
)

# Colours: dark text on light fills and white text on dark fills, all above 4.5:1 contrast.
# Orange for behind and blue for ahead stay distinct for the common colour-vision deficiencies.
TEXT = "#1a1a1a"
MUTED = "#4a4a4a"
EDGE = "#6b6b6b"
GRID = "#d9d9d9"
BOX_FILL = "#ffffff"
BOX_STROKE = "#6b6b6b"
BEHIND_FILL = "#fbe3d6"
BEHIND_STROKE = "#b5441b"
AHEAD_FILL = "#dbe9f6"
AHEAD_STROKE = "#1c5a94"
SERIES_COLOURS = ("#1c5a94", "#b5441b", "#2e7d32", "#6a3d9a", "#7a5c00", "#4a4a4a")
SERIES_DASHES = ("", "7 4", "2 3", "10 3 2 3", "4 4", "1 2")
SERIES_MARKERS = ("circle", "square", "triangle", "diamond")

# Tree geometry, in viewBox units (CSS pixels at 100%).
BOX_WIDTH = 200
H_GAP = 24
V_GAP = 44
PAD = 8
MARGIN = 24
MIN_WIDTH = 640
MAX_CONDITION_LINES = 4
COND_SIZE, COND_LINE = 13, 17
MEAN_SIZE, MEAN_LINE = 17, 24
SMALL_SIZE, SMALL_LINE = 12, 16
MARKER_GAP, MARKER_HEIGHT = 4, 24
TITLE_SIZE, TITLE_LINE = 18, 24
SUBTITLE_SIZE, SUBTITLE_LINE = 13, 20
LEGEND_SIZE, LEGEND_LINE = 12, 22

BEHIND, AHEAD, BOTH = "behind", "ahead", "both"
MARKER_TEXT = {
    BEHIND: "Furthest behind",
    AHEAD: "Furthest ahead",
    BOTH: "Furthest behind and ahead",
}

# Characters XML 1.0 does not allow, even escaped; a stray one in a label would break parsing.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --------------------------------------------------------------------------------------------
# Layout


@dataclass(frozen=True)
class NodeBox:
    """One tree node placed on the page: its box (top-left ``x``, ``y``) and what it shows."""

    id: int
    parent: int | None
    depth: int
    x: float
    y: float
    width: float
    height: float
    label: str
    condition_lines: tuple[str, ...]
    mean: float
    share: float
    n: int
    is_leaf: bool
    marker: str | None  # "behind", "ahead", "both" or None

    @property
    def cx(self) -> float:
        """Horizontal centre of the box."""
        return self.x + self.width / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Edge:
    """A connector from a parent's bottom centre to a child's top centre, as an elbow line."""

    parent: int
    child: int
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class TreeLayout:
    """Positioned boxes and edges of a tree, with the size of the area they occupy.

    Boxes are in depth-first order (children by rpart number, so the 2i branch is on the
    left). Coordinates start at (0, 0); a renderer puts its title above and legend below.
    """

    boxes: tuple[NodeBox, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float
    box_width: float
    box_height: float
    furthest_behind: int | None
    furthest_ahead: int | None

    def box(self, node_id: int) -> NodeBox:
        """The box of node ``node_id``."""
        for box in self.boxes:
            if box.id == node_id:
                return box
        raise KeyError(node_id)


def _condition_label(condition: Mapping[str, Any] | None) -> str:
    if not condition:
        return "All"
    if condition.get("label"):
        return str(condition["label"])
    name = str(condition.get("circumstance", ""))
    levels = condition.get("levels")
    if levels is not None:
        levels = [str(level) for level in levels]
        return f"{name} = {levels[0]}" if len(levels) == 1 else f"{name} in {{{', '.join(levels)}}}"
    return f"{name} {condition.get('operator', '')} {condition.get('threshold', '')}".strip()


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of rendered width; SVG cannot measure text, so we over-allow."""
    return len(text) * size * (0.62 if bold else 0.58)


def _wrap(text: str, max_chars: int, max_lines: int | None = None) -> tuple[str, ...]:
    """Greedy word wrap; words longer than a line are cut; overflow ends in an ellipsis."""
    max_chars = max(max_chars, 4)
    words: list[str] = []
    for word in text.split():
        while len(word) > max_chars:
            words.append(word[:max_chars])
            word = word[max_chars:]
        words.append(word)
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if not lines:
        lines = [""]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max_chars - 1].rstrip() + "…"
    return tuple(lines)


def _children_map(result_dict: Mapping[str, Any]) -> tuple[Mapping[str, Any], dict[int, list]]:
    """The root node and each node's children (sorted by id), checking the tree is whole."""
    nodes = list(result_dict.get("nodes") or [])
    if not nodes:
        raise ValueError("The result has no tree nodes to draw.")
    by_id = {int(node["id"]): node for node in nodes}
    roots = [node for node in nodes if node.get("parent") is None]
    if len(roots) != 1:
        raise ValueError(f"A tree needs exactly one root node; found {len(roots)}.")
    children: dict[int, list] = {node_id: [] for node_id in by_id}
    for node in nodes:
        parent = node.get("parent")
        if parent is None:
            continue
        if int(parent) not in by_id:
            raise ValueError(
                f"Node {node['id']} names a parent ({parent}) that is not in the tree."
            )
        children[int(parent)].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda node: int(node["id"]))
    return roots[0], children


def _walk(root: Mapping[str, Any], children: dict[int, list]) -> list[tuple[Mapping, int]]:
    """Depth-first (node, depth) pairs, children in id order."""
    order: list[tuple[Mapping, int]] = []
    stack = [(root, 0)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        node_id = int(node["id"])
        if node_id in seen:
            raise ValueError(f"Node {node_id} appears twice in the tree.")
        seen.add(node_id)
        order.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(children[node_id]))
    return order


def _extreme_node(result_dict: Mapping[str, Any], key: str) -> int | None:
    extreme = result_dict.get(key)
    if not extreme or extreme.get("node") is None:
        return None
    return int(extreme["node"])


def tree_layout(result_dict: Mapping[str, Any]) -> TreeLayout:
    """Place the tree top-down: leaves evenly spaced in order, each parent centred over its
    children (the first and last child), one row per depth.

    Two nodes at the same depth own disjoint runs of leaves, so their centres are at least
    one leaf slot (box width + gap) apart and boxes never overlap. Width grows with the
    number of leaves (never below ``MIN_WIDTH``; a narrow tree is centred); height with depth.
    All boxes share one height, set by the longest condition (wrapped, at most four lines).
    """
    root, children = _children_map(result_dict)
    order = _walk(root, children)
    if len(order) != len(result_dict["nodes"]):
        raise ValueError("Some nodes are not connected to the root.")

    behind = _extreme_node(result_dict, "furthest_behind")
    ahead = _extreme_node(result_dict, "furthest_ahead")
    inner = BOX_WIDTH - 2 * PAD
    max_chars = int(inner // (COND_SIZE * 0.62))
    labels = {int(node["id"]): _condition_label(node.get("condition")) for node, _ in order}
    wrapped = {key: _wrap(text, max_chars, MAX_CONDITION_LINES) for key, text in labels.items()}
    condition_rows = max(len(lines) for lines in wrapped.values())
    box_height = 2 * PAD + condition_rows * COND_LINE + 4 + MEAN_LINE + 2 * SMALL_LINE

    slot = BOX_WIDTH + H_GAP
    centres: dict[int, float] = {}
    next_leaf = 0
    for node, _ in order:  # leaves left to right, in depth-first order
        if not children[int(node["id"])]:
            centres[int(node["id"])] = MARGIN + next_leaf * slot + BOX_WIDTH / 2
            next_leaf += 1
    for node, _ in reversed(order):  # children come before their parents
        kids = children[int(node["id"])]
        if kids:
            first, last = centres[int(kids[0]["id"])], centres[int(kids[-1]["id"])]
            centres[int(node["id"])] = (first + last) / 2

    content_width = 2 * MARGIN + next_leaf * slot - H_GAP
    width = max(content_width, MIN_WIDTH)
    shift = (width - content_width) / 2
    max_depth = max(depth for _, depth in order)
    row = box_height + V_GAP

    boxes = []
    for node, depth in order:
        node_id = int(node["id"])
        marker = None
        if node_id == behind and node_id == ahead:
            marker = BOTH
        elif node_id == behind:
            marker = BEHIND
        elif node_id == ahead:
            marker = AHEAD
        boxes.append(
            NodeBox(
                id=node_id,
                parent=None if node.get("parent") is None else int(node["parent"]),
                depth=depth,
                x=centres[node_id] + shift - BOX_WIDTH / 2,
                y=MARGIN + depth * row,
                width=BOX_WIDTH,
                height=box_height,
                label=labels[node_id],
                condition_lines=wrapped[node_id],
                mean=float(node["mean"]),
                share=float(node.get("share", math.nan)),
                n=int(node.get("n", 0)),
                is_leaf=not children[node_id],
                marker=marker,
            )
        )
    placed = {box.id: box for box in boxes}
    edges = []
    for box in boxes:
        if box.parent is None:
            continue
        parent = placed[box.parent]
        mid = parent.bottom + V_GAP / 2
        edges.append(
            Edge(
                parent=parent.id,
                child=box.id,
                points=(
                    (parent.cx, parent.bottom),
                    (parent.cx, mid),
                    (box.cx, mid),
                    (box.cx, box.y),
                ),
            )
        )
    height = MARGIN + (max_depth + 1) * row - V_GAP + MARKER_GAP + MARKER_HEIGHT + MARGIN
    return TreeLayout(
        boxes=tuple(boxes),
        edges=tuple(edges),
        width=width,
        height=height,
        box_width=BOX_WIDTH,
        box_height=box_height,
        furthest_behind=behind,
        furthest_ahead=ahead,
    )


# --------------------------------------------------------------------------------------------
# Formatting


def _fmt_value(value: float | None, percent: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if percent:
        return f"{value * 100:.1f}%"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _fmt_share(share: float) -> str:
    return "n/a" if math.isnan(share) else f"{share * 100:.1f}%"


def _fmt_gap(gap: float, percent: bool) -> str:
    return f"{gap * 100:.1f} percentage points" if percent else _fmt_value(gap, False)


def _join_plain(parts: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _path_text(path: Sequence[str]) -> str:
    return _join_plain([str(step) for step in path]) if path else "everyone (no split)"


def _esc(text: object) -> str:
    """Text safe for XML content and attribute values."""
    return html.escape(_XML_INVALID.sub("", str(text)), quote=True)


def _n(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _id_prefix(kind: str, *parts: object) -> str:
    digest = hashlib.sha1("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:8]
    return f"{kind}-{digest}"


def _svg_open(width: float, height: float, prefix: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
        f'preserveAspectRatio="xMidYMid meet" class="chart-svg" '
        f"font-family='{FONT_STACK}' fill=\"{TEXT}\">",
        f'<title id="{prefix}-title">{_esc(title)}</title>',
        f'<desc id="{prefix}-desc">{_esc(desc)}</desc>',
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
    ]


def _svg_text(
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    anchor: str = "middle",
    bold: bool = False,
    fill: str | None = None,
    extra: str = "",
) -> str:
    weight = ' font-weight="700"' if bold else ""
    colour = f' fill="{fill}"' if fill else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}"'
        f"{weight}{colour}{extra}>{_esc(text)}</text>"
    )


def _title_lines(title: str, width: float) -> tuple[str, ...]:
    max_chars = int((width - 2 * MARGIN) // (TITLE_SIZE * 0.62))
    return _wrap(title, max_chars, 3)


# --------------------------------------------------------------------------------------------
# Tree: shared drawing plan for SVG and PNG


@dataclass(frozen=True)
class _Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    bold: bool = False
    anchor: str = "middle"  # "middle" or "start"
    fill: str = TEXT


@dataclass(frozen=True)
class _Frame:
    """The tree page: header above the layout, legend below, and the overall size."""

    texts: tuple[_Text, ...]
    offset: float  # where the layout's y = 0 lands
    legend_y: float
    width: float
    height: float


def _box_style(marker: str | None) -> tuple[str, str, float, str]:
    """Fill, stroke colour, stroke width and SVG dash pattern of a box."""
    if marker in (BEHIND, BOTH):
        return BEHIND_FILL, BEHIND_STROKE, 3.0, ""
    if marker == AHEAD:
        return AHEAD_FILL, AHEAD_STROKE, 3.0, "8 4"
    return BOX_FILL, BOX_STROKE, 1.25, ""


def _box_texts(box: NodeBox, layout: TreeLayout, offset: float, percent: bool) -> list[_Text]:
    """Condition (bold, centred in its block), mean, share and n, bottom-aligned across boxes."""
    top = box.y + offset
    rows = (layout.box_height - 2 * PAD - 4 - MEAN_LINE - 2 * SMALL_LINE) // COND_LINE
    spare = (rows - len(box.condition_lines)) * COND_LINE / 2
    texts = []
    y = top + PAD + spare
    for line in box.condition_lines:
        y += COND_LINE
        texts.append(_Text(box.cx, y - 4, line, COND_SIZE, bold=True))
    bottom = top + layout.box_height - PAD
    texts.append(
        _Text(
            box.cx,
            bottom - 2 * SMALL_LINE - 6,
            f"Mean {_fmt_value(box.mean, percent)}",
            MEAN_SIZE,
            True,
        )
    )
    texts.append(
        _Text(box.cx, bottom - SMALL_LINE - 4, f"{_fmt_share(box.share)} of population", SMALL_SIZE)
    )
    texts.append(_Text(box.cx, bottom - 4, f"n = {box.n:,}", SMALL_SIZE, fill=MUTED))
    return texts


def _marker_geometry(box: NodeBox, offset: float) -> tuple[tuple[float, float, float, float], str]:
    """The marker band under a highlighted box and its colour."""
    top = box.y + offset + box.height + MARKER_GAP
    colour = AHEAD_STROKE if box.marker == AHEAD else BEHIND_STROKE
    return (box.x, top, box.x + box.width, top + MARKER_HEIGHT), colour


def _triangle(x: float, y: float, down: bool) -> tuple[tuple[float, float], ...]:
    """A small triangle in a 10×9 cell at (x, y): down for behind, up for ahead."""
    if down:
        return ((x, y), (x + 10, y), (x + 5, y + 9))
    return ((x, y + 9), (x + 10, y + 9), (x + 5, y))


def _tree_frame(layout: TreeLayout, title: str, subtitle: str, note: str) -> _Frame:
    lines = _title_lines(title, layout.width)
    texts: list[_Text] = []
    y = MARGIN
    for line in lines:
        y += TITLE_LINE
        texts.append(_Text(MARGIN, y - 6, line, TITLE_SIZE, bold=True, anchor="start"))
    if subtitle:
        for line in _wrap(subtitle, int((layout.width - 2 * MARGIN) // (SUBTITLE_SIZE * 0.58)), 2):
            y += SUBTITLE_LINE
            texts.append(_Text(MARGIN, y - 5, line, SUBTITLE_SIZE, anchor="start", fill=MUTED))
    offset = y - MARGIN / 2
    legend_y = offset + layout.height
    note_lines = _wrap(note, int((layout.width - 2 * MARGIN) // (LEGEND_SIZE * 0.58)), 3)
    height = legend_y + LEGEND_LINE * (1 + len(note_lines)) + MARGIN
    return _Frame(tuple(texts), offset, legend_y, layout.width, height)


def _legend_items(frame: _Frame) -> list[tuple[str, tuple[float, float, float, float], str]]:
    """(marker kind, swatch rectangle, label) for the two legend entries."""
    y = frame.legend_y
    items = []
    x = MARGIN
    for kind, text in (
        (BEHIND, "Furthest behind (worst outcome)"),
        (AHEAD, "Furthest ahead (best outcome)"),
    ):
        items.append((kind, (x, y, x + 28, y + 16), text))
        x += 28 + 8 + _text_width(text, LEGEND_SIZE) + 24
    return items


def _tree_note(result_dict: Mapping[str, Any], indicator_label: str, percent: bool) -> str:
    what = f"of {indicator_label} " if indicator_label else ""
    scale = " (as a percentage)" if percent else ""
    note = (
        f"Each box shows the condition that defines the group, the mean {what}in that group"
        f"{scale}, its share of the population and the number of people surveyed (n)."
    )
    if result_dict.get("barrier"):
        note += " This is a barrier: a higher mean is worse."
    return note


def _tree_desc(result_dict: Mapping[str, Any], indicator_label: str, percent: bool) -> str:
    parts = []
    if indicator_label:
        parts.append(f"Tree of groups for {indicator_label}.")
    if result_dict.get("barrier"):
        parts.append("This indicator is a barrier, so a higher value is worse.")
    parts.append(f"National mean: {_fmt_value(result_dict.get('mean'), percent)}.")
    for key, name in (("furthest_behind", "Furthest behind"), ("furthest_ahead", "Furthest ahead")):
        group = result_dict.get(key)
        if group:
            parts.append(
                f"{name}: {_path_text(group.get('path') or [])}, with a mean of "
                f"{_fmt_value(group.get('mean'), percent)} and "
                f"{_fmt_share(float(group.get('share', math.nan)))} of the population."
            )
    if result_dict.get("gap") is not None:
        parts.append(
            "The gap between the furthest ahead and the furthest behind is "
            f"{_fmt_gap(float(result_dict['gap']), percent)}."
        )
    if result_dict.get("d_index") is not None:
        parts.append(f"Dissimilarity index (D): {float(result_dict['d_index']):.3f}.")
    nodes = result_dict.get("nodes") or []
    leaves = sum(1 for node in nodes if node.get("is_leaf"))
    parts.append(f"The tree has {len(nodes)} groups, {leaves} of them final groups.")
    return " ".join(parts)


def _subtitle(result_dict: Mapping[str, Any], indicator_label: str, percent: bool) -> str:
    head = f"{indicator_label}. " if indicator_label else ""
    gap = result_dict.get("gap")
    gap_text = f" Gap: {_fmt_gap(float(gap), percent)}." if gap is not None else ""
    return (
        f"{head}National mean {_fmt_value(result_dict.get('mean'), percent)}, "
        f"n = {int(result_dict.get('n', 0)):,}.{gap_text}"
    )


def tree_svg(
    result_dict: Mapping[str, Any],
    *,
    title: str,
    indicator_label: str = "",
    percent: bool = True,
    id_prefix: str | None = None,
) -> str:
    """The LNOB tree as an accessible, standalone SVG document (a string).

    ``percent`` shows means as percentages (for 0/1 outcomes); otherwise as values. The SVG
    has only a ``viewBox`` (no fixed size) so it scales to its container. ``id_prefix``
    keeps element ids unique when several charts share a page (derived from the title if
    not given). Each node is a ``<g>`` with ``data-node-id``.
    """
    layout = tree_layout(result_dict)
    subtitle = _subtitle(result_dict, indicator_label, percent)
    frame = _tree_frame(layout, title, subtitle, _tree_note(result_dict, indicator_label, percent))
    prefix = id_prefix or _id_prefix("lnob-tree", title, indicator_label)
    out = _svg_open(
        frame.width, frame.height, prefix, title, _tree_desc(result_dict, indicator_label, percent)
    )
    out += [
        _svg_text(t.x, t.y, t.text, size=t.size, anchor=t.anchor, bold=t.bold, fill=t.fill)
        for t in frame.texts
    ]

    out.append(f'<g fill="none" stroke="{EDGE}" stroke-width="1.5" aria-hidden="true">')
    for edge in layout.edges:
        points = " ".join(f"{_n(x)},{_n(y + frame.offset)}" for x, y in edge.points)
        out.append(f'<polyline points="{points}" data-edge="{edge.parent}-{edge.child}"/>')
    out.append("</g>")

    for box in layout.boxes:
        classes = ["node", "leaf" if box.is_leaf else "split"]
        if box.marker:
            classes.append(f"furthest-{box.marker}")
        out.append(
            f'<g id="{prefix}-node-{box.id}" class="{" ".join(classes)}" data-node-id="{box.id}">'
        )
        if " ".join(box.condition_lines) != box.label:  # cut short or hard-wrapped
            out.append(f"<title>{_esc(box.label)}</title>")
        fill, stroke, stroke_width, dash = _box_style(box.marker)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<rect x="{_n(box.x)}" y="{_n(box.y + frame.offset)}" width="{_n(box.width)}" '
            f'height="{_n(box.height)}" rx="5" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{_n(stroke_width)}"{dash_attr}/>'
        )
        for t in _box_texts(box, layout, frame.offset, percent):
            out.append(_svg_text(t.x, t.y, t.text, size=t.size, bold=t.bold, fill=t.fill))
        if box.marker:
            out += _svg_marker(box, frame.offset)
        out.append("</g>")

    out += _svg_tree_legend(frame, _tree_note(result_dict, indicator_label, percent))
    out.append("</svg>")
    return "\n".join(out)


def _svg_marker(box: NodeBox, offset: float) -> list[str]:
    (x0, y0, x1, y1), colour = _marker_geometry(box, offset)
    out = [
        f'<rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(x1 - x0)}" height="{_n(y1 - y0)}" rx="4" '
        f'fill="{colour}" class="marker"/>'
    ]
    text_x = x0 + 10
    if box.marker != BOTH:
        tri = _triangle(x0 + 10, y0 + 7.5, down=box.marker == BEHIND)
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in tri)
        out.append(f'<polygon points="{points}" fill="#ffffff" aria-hidden="true"/>')
        text_x = x0 + 26
    out.append(
        _svg_text(
            text_x,
            y1 - 7,
            MARKER_TEXT[box.marker],
            size=SMALL_SIZE + 1,
            anchor="start",
            bold=True,
            fill="#ffffff",
        )
    )
    return out


def _svg_tree_legend(frame: _Frame, note: str) -> list[str]:
    out = ['<g class="legend">']
    for kind, (x0, y0, x1, y1), text in _legend_items(frame):
        fill, stroke, width, dash = _box_style(kind)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(x1 - x0)}" height="{_n(y1 - y0)}" rx="3" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{_n(width - 1)}"{dash_attr}/>'
        )
        out.append(_svg_text(x1 + 8, y1 - 3, text, size=LEGEND_SIZE, anchor="start"))
    y = frame.legend_y + LEGEND_LINE
    for line in _wrap(note, int((frame.width - 2 * MARGIN) // (LEGEND_SIZE * 0.58)), 3):
        y += LEGEND_LINE - 6
        out.append(_svg_text(MARGIN, y, line, size=LEGEND_SIZE, anchor="start", fill=MUTED))
    out.append("</g>")
    return out


def tree_text_alternative(result_dict: Mapping[str, Any], *, percent: bool = True) -> str:
    """The tree as an indented plain-text outline, one line per node, for screen readers.

    Each line: condition, mean, share of population, n, and "[furthest behind]" /
    "[furthest ahead]" where it applies. Plain text; escape it when placing it in HTML.
    """
    root, children = _children_map(result_dict)
    behind = _extreme_node(result_dict, "furthest_behind")
    ahead = _extreme_node(result_dict, "furthest_ahead")
    lines = []
    for node, depth in _walk(root, children):
        node_id = int(node["id"])
        marks = []
        if node_id == behind:
            marks.append("furthest behind")
        if node_id == ahead:
            marks.append("furthest ahead")
        mark = f" [{' and '.join(marks)}]" if marks else ""
        share = _fmt_share(float(node.get("share", math.nan)))
        lines.append(
            f"{'  ' * depth}- {_condition_label(node.get('condition'))}: mean "
            f"{_fmt_value(float(node['mean']), percent)}, {share} of the population, "
            f"n = {int(node.get('n', 0)):,}{mark}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Tree as PNG

# Pillow's bundled font lacks these glyphs and would draw empty boxes.
_PNG_TEXT = str.maketrans({"—": "-", "–": "-", "−": "-", "≤": "<=", "≥": ">=", "×": "x"})


def _dashed_rectangle(
    draw: Any,
    box: tuple[float, float, float, float],
    colour: str,
    width: int,
    dash: float,
    gap: float,
) -> None:
    x0, y0, x1, y1 = box
    for (ax, ay), (bx, by) in (
        ((x0, y0), (x1, y0)),
        ((x1, y0), (x1, y1)),
        ((x1, y1), (x0, y1)),
        ((x0, y1), (x0, y0)),
    ):
        length = math.hypot(bx - ax, by - ay)
        pos = 0.0
        while pos < length:
            end = min(pos + dash, length)
            draw.line(
                [
                    (ax + (bx - ax) * pos / length, ay + (by - ay) * pos / length),
                    (ax + (bx - ax) * end / length, ay + (by - ay) * end / length),
                ],
                fill=colour,
                width=width,
            )
            pos = end + gap


def tree_png(
    result_dict: Mapping[str, Any],
    *,
    title: str,
    scale: float = 1.0,
    indicator_label: str = "",
    percent: bool = True,
) -> bytes:
    """The same tree as :func:`tree_svg`, drawn with Pillow from the same layout; PNG bytes.

    ``scale`` multiplies the viewBox size (2.0 for print). Uses Pillow's bundled TrueType
    font (``ImageFont.load_default(size=…)``, Pillow ≥ 10.1), which has no bold face and
    covers Latin scripts only.
    """
    from PIL import Image, ImageDraw, ImageFont

    if scale <= 0:
        raise ValueError("scale must be positive.")
    layout = tree_layout(result_dict)
    note = _tree_note(result_dict, indicator_label, percent)
    frame = _tree_frame(layout, title, _subtitle(result_dict, indicator_label, percent), note)
    image = Image.new(
        "RGB", (max(1, round(frame.width * scale)), max(1, round(frame.height * scale))), "#ffffff"
    )
    draw = ImageDraw.Draw(image)
    fonts: dict[float, Any] = {}

    def s(value: float) -> float:
        return value * scale

    def text(t: _Text) -> None:
        if t.size not in fonts:
            fonts[t.size] = ImageFont.load_default(size=max(1, round(t.size * scale)))
        anchor = "ms" if t.anchor == "middle" else "ls"
        draw.text(
            (s(t.x), s(t.y)),
            t.text.translate(_PNG_TEXT),
            fill=t.fill,
            font=fonts[t.size],
            anchor=anchor,
        )

    def line_width(width: float) -> int:
        return max(1, round(width * scale))

    for t in frame.texts:
        text(t)
    for edge in layout.edges:
        draw.line(
            [(s(x), s(y + frame.offset)) for x, y in edge.points],
            fill=EDGE,
            width=line_width(1.5),
            joint="curve",
        )
    for box in layout.boxes:
        fill, stroke, stroke_width, dash = _box_style(box.marker)
        rect = (
            s(box.x),
            s(box.y + frame.offset),
            s(box.x + box.width),
            s(box.bottom + frame.offset),
        )
        if dash:
            draw.rounded_rectangle(rect, radius=s(5), fill=fill)
            _dashed_rectangle(draw, rect, stroke, line_width(stroke_width), s(8), s(4))
        else:
            draw.rounded_rectangle(
                rect, radius=s(5), fill=fill, outline=stroke, width=line_width(stroke_width)
            )
        for t in _box_texts(box, layout, frame.offset, percent):
            text(t)
        if box.marker:
            (x0, y0, x1, y1), colour = _marker_geometry(box, frame.offset)
            draw.rounded_rectangle((s(x0), s(y0), s(x1), s(y1)), radius=s(4), fill=colour)
            text_x = x0 + 10
            if box.marker != BOTH:
                tri = _triangle(x0 + 10, y0 + 7.5, down=box.marker == BEHIND)
                draw.polygon([(s(x), s(y)) for x, y in tri], fill="#ffffff")
                text_x = x0 + 26
            text(
                _Text(
                    text_x,
                    y1 - 7,
                    MARKER_TEXT[box.marker],
                    SMALL_SIZE + 1,
                    True,
                    "start",
                    "#ffffff",
                )
            )
    for kind, (x0, y0, x1, y1), label in _legend_items(frame):
        fill, stroke, width, dash = _box_style(kind)
        rect = (s(x0), s(y0), s(x1), s(y1))
        if dash:
            draw.rectangle(rect, fill=fill)
            _dashed_rectangle(draw, rect, stroke, line_width(width - 1), s(5), s(3))
        else:
            draw.rectangle(rect, fill=fill, outline=stroke, width=line_width(width - 1))
        text(_Text(x1 + 8, y1 - 3, label, LEGEND_SIZE, anchor="start"))
    y = frame.legend_y + LEGEND_LINE
    for line in _wrap(note, int((frame.width - 2 * MARGIN) // (LEGEND_SIZE * 0.58)), 3):
        y += LEGEND_LINE - 6
        text(_Text(MARGIN, y, line, LEGEND_SIZE, anchor="start", fill=MUTED))

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Axes shared by the bar and line charts


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 × 10^k steps)."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 12))
        if value >= high - 1e-12:
            break
        value += step
    return ticks


def _header(title: str, width: float) -> tuple[list[_Text], float]:
    texts = []
    y = MARGIN
    for line in _title_lines(title, width):
        y += TITLE_LINE
        texts.append(_Text(MARGIN, y - 6, line, TITLE_SIZE, bold=True, anchor="start"))
    return texts, y


# --------------------------------------------------------------------------------------------
# Shapley bars


def shapley_svg(
    shapley: Mapping[str, Mapping[str, float]],
    *,
    title: str,
    id_prefix: str | None = None,
) -> str:
    """Horizontal bars of each circumstance's Shapley share of the D-index (%), largest first.

    ``shapley`` is the result dict's ``{name: {"value": …, "share": …}}``. Each bar is labelled
    with its share; negative shares (possible in a Shapley decomposition) extend left of zero.
    """
    items = sorted(
        ((str(name), float(entry["share"])) for name, entry in (shapley or {}).items()),
        key=lambda item: (-item[1], item[0]),
    )
    width = 640.0
    header, y = _header(title, width)
    prefix = id_prefix or _id_prefix("lnob-shapley", title)
    if items:
        listed = "; ".join(f"{name} {_fmt_share(share)}" for name, share in items)
        desc = (
            "Bar chart of how much of the inequality in opportunity (D-index) each circumstance "
            f"accounts for (Shapley decomposition), largest first: {listed}."
        )
    else:
        desc = "No Shapley decomposition is available for this result."
    bar_height, bar_gap = 26.0, 12.0
    top = y + 16
    plot_height = max(len(items), 1) * (bar_height + bar_gap)
    axis_y = top + plot_height
    height = axis_y + 48 + MARGIN
    out = _svg_open(width, height, prefix, title, desc)
    out += [_svg_text(t.x, t.y, t.text, size=t.size, anchor=t.anchor, bold=t.bold) for t in header]
    if not items:
        out.append(
            _svg_text(width / 2, top + 24, "No decomposition available", size=14, fill=MUTED)
        )
        out.append("</svg>")
        return "\n".join(out)

    label_chars = max(len(name) for name, _ in items)
    label_width = min(220.0, max(60.0, label_chars * 13 * 0.58))
    max_chars = int(label_width // (13 * 0.58))
    left, right = MARGIN + label_width + 12, width - MARGIN - 56
    low = min(0.0, min(share for _, share in items))
    high = max(0.0, max(share for _, share in items))
    ticks = _nice_ticks(low, high if high > low else 1.0, 5)
    low, high = min(ticks[0], low), max(ticks[-1], high)

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    out.append(f'<g stroke="{GRID}" stroke-width="1" aria-hidden="true">')
    for tick in ticks:
        out.append(
            f'<line x1="{_n(x_of(tick))}" y1="{_n(top)}" x2="{_n(x_of(tick))}" y2="{_n(axis_y)}"/>'
        )
    out.append("</g>")
    for tick in ticks:
        out.append(_svg_text(x_of(tick), axis_y + 16, f"{tick * 100:.0f}%", size=12, fill=MUTED))
    out.append(
        _svg_text(
            (left + right) / 2, axis_y + 36, "Share of the D-index explained", size=12, fill=MUTED
        )
    )
    zero = x_of(0.0)
    for index, (name, share) in enumerate(items):
        bar_top = top + index * (bar_height + bar_gap) + bar_gap / 2
        x0, x1 = sorted((zero, x_of(share)))
        shown = name if len(name) <= max_chars else name[: max_chars - 1] + "…"
        baseline = bar_top + bar_height / 2 + 4.5
        out.append(f'<g class="bar" data-circumstance="{_esc(name)}" data-share="{share:.6f}">')
        out.append(f"<title>{_esc(name)}: {_fmt_share(share)}</title>")
        out.append(_svg_text(left - 10, baseline, shown, size=13, anchor="end"))
        out.append(
            f'<rect x="{_n(x0)}" y="{_n(bar_top)}" width="{_n(max(x1 - x0, 0.5))}" '
            f'height="{_n(bar_height)}" fill="{AHEAD_STROKE}"/>'
        )
        label_x, anchor = (x1 + 6, "start") if share >= 0 else (x0 - 6, "end")
        out.append(
            _svg_text(
                label_x,
                baseline,
                _fmt_share(share),
                size=13,
                anchor=anchor,
                bold=True,
                extra=' class="value"',
            )
        )
        out.append("</g>")
    out.append(
        f'<line x1="{_n(zero)}" y1="{_n(top)}" x2="{_n(zero)}" y2="{_n(axis_y)}" stroke="{TEXT}"/>'
    )
    out.append("</svg>")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Trend lines


def _points(series: Mapping[str, Any]) -> list[tuple[str, float | None]]:
    points = []
    for point in series.get("points") or []:
        if isinstance(point, Mapping):
            label, value = point.get("label"), point.get("value")
        else:
            label, value = point
        points.append((str(label), None if value is None else float(value)))
    return points


def _marker_svg(shape: str, x: float, y: float, colour: str) -> str:
    r = 4.5
    if shape == "square":
        return (
            f'<rect x="{_n(x - r)}" y="{_n(y - r)}" width="{_n(2 * r)}" height="{_n(2 * r)}" '
            f'fill="{colour}"/>'
        )
    if shape == "triangle":
        pts = ((x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r))
    elif shape == "diamond":
        pts = ((x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y))
    else:
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{colour}"/>'
    return f'<polygon points="{" ".join(f"{_n(px)},{_n(py)}" for px, py in pts)}" fill="{colour}"/>'


def _ordered_labels(all_points: Iterable[list[tuple[str, float | None]]]) -> list[str]:
    labels: list[str] = []
    for points in all_points:
        for label, _ in points:
            if label not in labels:
                labels.append(label)
    return labels


def _definition_of(result: Mapping[str, Any], node_id: int) -> tuple:
    """A node's group definition: its path's conditions as a set (circumstance, levels or
    bounds), so the same group reached by splits in another order is the same definition."""
    nodes = {n["id"]: n for n in result.get("nodes") or ()}
    found: dict[str, frozenset] = {}
    current = nodes.get(node_id)
    while current is not None and current.get("condition"):
        condition = current["condition"]
        name = condition.get("circumstance", "")
        if condition.get("levels") is not None:
            levels = frozenset(str(v) for v in condition["levels"])
            found[name] = found[name] & levels if name in found else levels
        else:
            bound = frozenset({(condition.get("operator"), condition.get("threshold"))})
            found[name] = found.get(name, frozenset()) | bound
        current = nodes.get(current.get("parent"))
    return tuple(sorted((name, tuple(sorted(map(str, v)))) for name, v in found.items()))


def trend_series(
    rounds: Sequence[tuple[str, Mapping[str, Any]]], *, national: str, behind: str
) -> list[dict[str, Any]]:
    """Series for :func:`trend_svg` from ``(round label, stored result)`` pairs, oldest
    first: the national mean, then one "furthest behind" line per *group definition*.

    A round whose furthest-behind leaf is another group starts another series, so the chart
    never joins different groups with a line (a definition found in one round only is a
    single marked point)."""
    series: list[dict[str, Any]] = [
        {"name": national, "points": [(label, result.get("mean")) for label, result in rounds]}
    ]
    by_definition: dict[tuple, dict[str, Any]] = {}
    for label, result in rounds:
        leaf = result.get("furthest_behind")
        if not leaf or leaf.get("node") is None:
            continue
        # Without the node's conditions (an older stored result), the path's labels.
        definition = _definition_of(result, int(leaf["node"])) or (
            ("path", tuple(sorted(leaf.get("path") or ()))),
        )
        entry = by_definition.get(definition)
        if entry is None:
            path = " · ".join(leaf.get("path") or ()) or "—"
            entry = by_definition[definition] = {
                "name": f"{behind}: {path}",
                "points": {},
            }
        entry["points"][label] = leaf.get("mean")
    labels = [label for label, _result in rounds]
    for entry in by_definition.values():
        # Rounds where this group is not the furthest behind are gaps, never joined across.
        series.append(
            {
                "name": entry["name"],
                "points": [(label, entry["points"].get(label)) for label in labels],
            }
        )
    return series


def trend_svg(
    series: Sequence[Mapping[str, Any]],
    *,
    title: str,
    y_label: str,
    percent: bool = True,
    id_prefix: str | None = None,
) -> str:
    """A line chart comparing survey rounds, e.g. "National mean" and "Furthest behind".

    ``series`` is ``[{"name": …, "points": [(round label, value 0..1), …]}, …]``; rounds are
    placed in order of first appearance. Points are marked (a different shape, colour and line
    style per series) and labelled with their values; a ``None`` value leaves a gap.
    """
    all_points = [_points(item) for item in series]
    labels = _ordered_labels(all_points)
    if not labels:
        raise ValueError("A trend chart needs at least one point.")
    names = [str(item.get("name", f"Series {i + 1}")) for i, item in enumerate(series)]
    width = 640.0
    header, y = _header(title, width)
    prefix = id_prefix or _id_prefix("lnob-trend", title, y_label)

    described = []
    for name, points in zip(names, all_points, strict=True):
        values = ", ".join(f"{label} {_fmt_value(value, percent)}" for label, value in points)
        described.append(f"{name}: {values or 'no data'}.")
    desc = f"Line chart of {y_label} by survey round ({_join_plain(labels)}). " + " ".join(
        described
    )

    # Legend row(s) under the title.
    legend: list[tuple[float, float, int]] = []
    x, legend_y = MARGIN, y + 18
    for index, name in enumerate(names):
        entry_width = 34 + _text_width(name, 12) + 20
        if x + entry_width > width - MARGIN and x > MARGIN:
            x, legend_y = MARGIN, legend_y + 20
        legend.append((x, legend_y, index))
        x += entry_width

    top = legend_y + 28
    left, right = MARGIN + 56, width - MARGIN - 16
    bottom = top + 240
    height = bottom + 40 + MARGIN

    values = [value for points in all_points for _, value in points if value is not None]
    low = min([0.0, *values])
    high = max([1.0 if percent else 0.0, *values])
    ticks = _nice_ticks(low, high, 5)
    low, high = min(ticks[0], low), max(ticks[-1], high)

    def x_of(label: str) -> float:
        if len(labels) == 1:
            return (left + right) / 2
        inset = 36
        return left + inset + labels.index(label) * (right - left - 2 * inset) / (len(labels) - 1)

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    out = _svg_open(width, height, prefix, title, desc)
    out += [_svg_text(t.x, t.y, t.text, size=t.size, anchor=t.anchor, bold=t.bold) for t in header]
    for lx, ly, index in legend:
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        dash = SERIES_DASHES[index % len(SERIES_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append('<g class="legend-entry">')
        out.append(
            f'<line x1="{_n(lx)}" y1="{_n(ly - 4)}" x2="{_n(lx + 28)}" y2="{_n(ly - 4)}" '
            f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        )
        out.append(
            _marker_svg(SERIES_MARKERS[index % len(SERIES_MARKERS)], lx + 14, ly - 4, colour)
        )
        out.append(_svg_text(lx + 34, ly, names[index], size=12, anchor="start"))
        out.append("</g>")

    out.append(f'<g stroke="{GRID}" stroke-width="1" aria-hidden="true">')
    for tick in ticks:
        out.append(
            f'<line x1="{_n(left)}" y1="{_n(y_of(tick))}" x2="{_n(right)}" y2="{_n(y_of(tick))}"/>'
        )
    out.append("</g>")
    for tick in ticks:
        tick_text = f"{tick * 100:.0f}%" if percent else f"{tick:g}"
        out.append(
            _svg_text(left - 8, y_of(tick) + 4, tick_text, size=12, anchor="end", fill=MUTED)
        )
    out.append(
        f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(right)}" y2="{_n(bottom)}" '
        f'stroke="{TEXT}"/>'
    )
    for label in labels:
        out.append(_svg_text(x_of(label), bottom + 18, label, size=12))
    mid = (top + bottom) / 2
    out.append(
        _svg_text(
            MARGIN - 6,
            mid,
            y_label,
            size=12,
            fill=MUTED,
            extra=(
                f' transform="rotate(-90 {_n(MARGIN - 6)} {_n(mid)})" dominant-baseline="hanging"'
            ),
        )
    )

    # Value labels: the highest point at a round goes above, the others below, pushed apart.
    placed: dict[tuple[int, str], float] = {}
    for label in labels:
        at = sorted(
            (
                (value, index)
                for index, points in enumerate(all_points)
                for point_label, value in points
                if point_label == label and value is not None
            ),
            reverse=True,
        )
        previous = -math.inf
        for rank, (value, index) in enumerate(at):
            want = y_of(value) - 9 if rank == 0 else y_of(value) + 18
            want = max(want, previous + 14)
            placed[(index, label)] = want
            previous = want

    for index, points in enumerate(all_points):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        dash = SERIES_DASHES[index % len(SERIES_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" data-series="{_esc(names[index])}">')
        runs: list[list[tuple[float, float]]] = [[]]
        for label, value in points:
            if value is None:
                runs.append([])
            else:
                runs[-1].append((x_of(label), y_of(value)))
        for run in runs:
            if len(run) > 1:
                coords = " ".join(f"{_n(px)},{_n(py)}" for px, py in run)
                out.append(
                    f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dash_attr}/>'
                )
        for label, value in points:
            if value is None:
                continue
            out.append(
                _marker_svg(
                    SERIES_MARKERS[index % len(SERIES_MARKERS)], x_of(label), y_of(value), colour
                )
            )
            out.append(
                _svg_text(
                    x_of(label),
                    placed[(index, label)],
                    _fmt_value(value, percent),
                    size=12,
                    bold=True,
                    fill=colour,
                    extra=' class="value"',
                )
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
