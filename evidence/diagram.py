"""The problem tree as an SVG diagram (manifestation at the top, root causes at the bottom)."""

from __future__ import annotations

from common.svg import FONT_STACK, wrap
from common.svg import esc as escape

LEVEL_COLOURS = {
    "manifestation": "#0b4f8a",
    "immediate": "#1d6b37",
    "underlying": "#7a4d00",
    "root": "#a4161a",
}
BOX_W, BOX_H, GAP_X, GAP_Y = 220, 70, 20, 50


def _wrap(text: str, width: int = 32, lines: int = 3) -> list[str]:
    return list(wrap(text, width, lines))


def problem_tree_svg(causes: list[dict], *, title: str) -> str:
    """``causes``: dicts with id, parent, level, text. Children are laid out under parents."""
    if not causes:
        return ""
    children: dict = {}
    for cause in causes:
        children.setdefault(cause["parent"], []).append(cause)
    positions: dict[int, tuple[float, float]] = {}
    next_x = [0.0]

    def place(cause, depth):
        kids = children.get(cause["id"], [])
        for kid in kids:
            place(kid, depth + 1)
        if kids:
            x = (positions[kids[0]["id"]][0] + positions[kids[-1]["id"]][0]) / 2
        else:
            x = next_x[0]
            next_x[0] += BOX_W + GAP_X
        positions[cause["id"]] = (x, depth * (BOX_H + GAP_Y))

    ids = {c["id"] for c in causes}
    for root in [c for c in causes if c["parent"] not in ids]:
        place(root, 0)
    width = max(x for x, _ in positions.values()) + BOX_W + 20
    height = max(y for _, y in positions.values()) + BOX_H + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-labelledby="pt-title pt-desc" font-family="{escape(FONT_STACK)}">',
        f'<title id="pt-title">{escape(title)}</title>',
        f'<desc id="pt-desc">{escape(f"{len(causes)} statements; see the outline below.")}</desc>',
    ]
    for cause in causes:
        if cause["parent"] in positions:
            px, py = positions[cause["parent"]]
            x, y = positions[cause["id"]]
            parts.append(
                f'<line x1="{px + BOX_W / 2 + 10:.0f}" y1="{py + BOX_H + 30:.0f}" '
                f'x2="{x + BOX_W / 2 + 10:.0f}" y2="{y + 30:.0f}" stroke="#6b7280"/>'
            )
    for cause in causes:
        x, y = positions[cause["id"]]
        colour = LEVEL_COLOURS.get(cause["level"], "#333")
        parts.append(
            f'<g><rect x="{x + 10:.0f}" y="{y + 30:.0f}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="6" fill="#fff" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{x + 18:.0f}" y="{y + 46:.0f}" font-size="10" fill="{colour}" '
            f'font-weight="700">{escape(cause["level_label"].upper())}</text>'
        )
        for i, line in enumerate(_wrap(cause["text"])):
            parts.append(
                f'<text x="{x + 18:.0f}" y="{y + 62 + i * 14:.0f}" font-size="12" '
                f'fill="#1d2530">{escape(line)}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
