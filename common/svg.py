"""SVG primitives every chart of the portal uses: palette, font stack, escaping, wrapping, axes.

Pure Python (no Django), so the statistics and plot modules stay importable without settings.
Each chart module keeps its own layout; what must look and behave the same everywhere lives
here once:

* **Palette**: one colour for "this group" (``THIS_GROUP``, the orange of the furthest-behind
  boxes) and one for everyone else / the reference series (``OTHERS``, blue) on every page;
  both keep their contrast for the common colour-vision deficiencies and against white.
* **Escaping**: :func:`esc` for element text and attribute values (drops the control
  characters XML 1.0 forbids, then escapes ``& < > " '``); :func:`href` refuses script URLs.
* **Wrapping**: :func:`wrap` is a greedy word wrap that cuts words longer than a line (a long
  first word used to overflow the box in one of the old copies) and ends an overflow with "…".
* **Axes**: :func:`nice_ticks` gives round tick values (1, 2, 2.5, 5 × 10^k steps).
"""

from __future__ import annotations

import hashlib
import html
import math
import re

__all__ = [
    "EDGE",
    "FONT_STACK",
    "GRID",
    "MUTED",
    "OTHERS",
    "SERIES_COLOURS",
    "SERIES_DASHES",
    "TEXT",
    "THIS_GROUP",
    "esc",
    "href",
    "nice_ticks",
    "num",
    "plot_id",
    "text_width",
    "wrap",
]

FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    '"Liberation Sans", sans-serif'
)
# Text colours above 4.5:1 on white.
TEXT = "#1a1a1a"
MUTED = "#4a4a4a"
EDGE = "#6b6b6b"
GRID = "#d9d9d9"
# "This group" and "everyone else": the same two colours on every chart of a page.
THIS_GROUP = "#b5441b"
OTHERS = "#1c5a94"
# Further series, in order; each also has its own dash pattern so colour is never the only cue.
SERIES_COLOURS = ("#1c5a94", "#b5441b", "#2e7d32", "#6a3d9a", "#7a5c00", "#4a4a4a")
SERIES_DASHES = ("", "7 4", "2 3", "10 3 2 3", "4 4", "1 2")

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNSAFE_SCHEME = re.compile(r"^\s*(?:javascript|data|vbscript)\s*:", re.IGNORECASE)


def esc(value: object) -> str:
    """Text safe inside an SVG element or a quoted attribute value."""
    return html.escape(_XML_INVALID.sub("", str(value)), quote=True)


def href(url: str) -> str:
    """A link target safe for ``<a href>``: script and data URLs are refused (ValueError)."""
    if _UNSAFE_SCHEME.match(_XML_INVALID.sub("", url)):
        raise ValueError(f"Refusing to link a chart region to {url!r}.")
    return esc(url)


def num(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros, never "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def plot_id(kind: str, *parts: object) -> str:
    """A stable id prefix for one chart (so two charts on a page never share element ids)."""
    digest = hashlib.sha1("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:8]
    return f"{kind}-{digest}"


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of rendered width; SVG cannot measure text, so we over-allow."""
    return len(text) * size * (0.62 if bold else 0.58)


def wrap(text: object, max_chars: int, max_lines: int | None = None) -> tuple[str, ...]:
    """Greedy word wrap into lines of at most ``max_chars`` characters.

    Words longer than a line are cut across lines; when there are more than ``max_lines``
    lines the last kept line ends in "…". Always at least one (possibly empty) line.
    """
    max_chars = max(int(max_chars), 4)
    words: list[str] = []
    for word in str(text).split():
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


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
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
