"""Self-signification arithmetic: triads (three-corner triangles) and dyads (two-end sliders).

A teller places a story in a triangle whose corners are three labelled ideas (a *triad*) or on a
slider between two labelled extremes (a *dyad*); PRODUCT.md §4. A triad is stored as three
proportions that sum to 1, a dyad as one proportion in 0..1. Both may be "not applicable",
which callers represent as ``None``; nothing here turns "not applicable" into a number.

Triad zones (PRODUCT.md §4), with ``p = (a, b, c)`` the three proportions:

* ``corner_a`` / ``corner_b`` / ``corner_c`` — one proportion is **≥ 0.6**;
* ``edge_ab`` / ``edge_bc`` / ``edge_ac`` — two proportions are between 0.2 and 0.6 and the third
  is **< 0.2** (``edge_ab`` is the edge between corners a and b, so c is the small one);
* ``centre`` — all three are between 0.2 and 0.6.

Boundaries: 0.6 belongs to the corner (``(0.6, 0.2, 0.2)`` is ``corner_a``) and 0.2 belongs to
the band "between 0.2 and 0.6" (``(0.4, 0.4, 0.2)`` is ``centre``; ``(0.45, 0.4, 0.15)`` is
``edge_ab``). A tolerance of 1e-9 absorbs floating-point error, so ``1/5`` computed as
``0.19999999999999998`` still counts as 0.2. Because proportions sum to 1, the seven zones
cover the whole triangle and do not overlap; ``other`` is returned only for a point that
floating-point error leaves in none of them, and is kept in :data:`TRIAD_ZONES` so that
tables keyed by zone never miss a key.

Pure Python; no Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = [
    "CENTRE_BAND",
    "CORNER_THRESHOLD",
    "TRIAD_ZONES",
    "dyad_bin",
    "dyad_histogram",
    "normalise_dyad",
    "normalise_triad",
    "triad_zone",
    "zone_polygon",
]

#: A proportion at or above this puts the point in that corner.
CORNER_THRESHOLD = 0.6
#: Lower bound of the "between 0.2 and 0.6" band used by edges and the centre.
CENTRE_BAND = 0.2
_EPS = 1e-9

#: Every zone key, in display order: corners, edges, centre, then the fallback.
TRIAD_ZONES: tuple[str, ...] = (
    "corner_a",
    "corner_b",
    "corner_c",
    "edge_ab",
    "edge_bc",
    "edge_ac",
    "centre",
    "other",
)

_CORNERS = ("corner_a", "corner_b", "corner_c")
# The edge named after the two large proportions, indexed by the position of the small one.
_EDGE_BY_SMALL = {2: "edge_ab", 0: "edge_bc", 1: "edge_ac"}

# Each zone as a polygon of (a, b, c) vertices; together they tile the triangle exactly.
_ZONE_POLYGONS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "corner_a": ((1.0, 0.0, 0.0), (0.6, 0.4, 0.0), (0.6, 0.0, 0.4)),
    "corner_b": ((0.0, 1.0, 0.0), (0.0, 0.6, 0.4), (0.4, 0.6, 0.0)),
    "corner_c": ((0.0, 0.0, 1.0), (0.4, 0.0, 0.6), (0.0, 0.4, 0.6)),
    "edge_ab": ((0.6, 0.4, 0.0), (0.4, 0.6, 0.0), (0.2, 0.6, 0.2), (0.6, 0.2, 0.2)),
    "edge_bc": ((0.0, 0.6, 0.4), (0.0, 0.4, 0.6), (0.2, 0.2, 0.6), (0.2, 0.6, 0.2)),
    "edge_ac": ((0.6, 0.0, 0.4), (0.6, 0.2, 0.2), (0.2, 0.2, 0.6), (0.4, 0.0, 0.6)),
    "centre": ((0.6, 0.2, 0.2), (0.2, 0.6, 0.2), (0.2, 0.2, 0.6)),
}


def _non_negative(value: float, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}.")
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{what} must be a finite number, got {value!r}.")
    if number < 0:
        raise ValueError(f"{what} cannot be negative, got {value!r}.")
    return number


def normalise_triad(a: float, b: float, c: float) -> tuple[float, float, float]:
    """Scale three non-negative weights to proportions that sum to 1.

    The weights may be on any scale — three 0–100 sliders from the no-JavaScript form, Kobo
    integers, or proportions already — because only their ratios matter:
    ``p_i = w_i / (w_a + w_b + w_c)``. Raises :class:`ValueError` for a negative or non-numeric
    weight, or when all three are zero (the point has no position in the triangle).
    """
    weights = (
        _non_negative(a, "The first triad value"),
        _non_negative(b, "The second triad value"),
        _non_negative(c, "The third triad value"),
    )
    total = math.fsum(weights)
    if total <= 0:
        raise ValueError(
            "The triad values are all zero, so the point has no place in the triangle; "
            "at least one of the three must be above zero."
        )
    return (weights[0] / total, weights[1] / total, weights[2] / total)


def triad_zone(p: tuple[float, float, float]) -> str:
    """The zone of a triad point (see the module docstring for the rules and boundaries).

    ``p`` is re-normalised first, so proportions stored with rounding (``0.33, 0.33, 0.33``)
    are placed correctly; all-zero or negative values raise :class:`ValueError`.
    """
    if len(p) != 3:
        raise ValueError(f"A triad point has three proportions, got {len(p)}.")
    props = normalise_triad(*p)
    for index, value in enumerate(props):
        if value >= CORNER_THRESHOLD - _EPS:
            return _CORNERS[index]
    small = [index for index, value in enumerate(props) if value < CENTRE_BAND - _EPS]
    if not small:
        return "centre"
    if len(small) == 1:
        return _EDGE_BY_SMALL[small[0]]
    return "other"


def zone_polygon(zone: str) -> tuple[tuple[float, float, float], ...]:
    """The vertices, as (a, b, c) proportions, of a zone's region in the triangle."""
    try:
        return _ZONE_POLYGONS[zone]
    except KeyError:
        raise ValueError(f"{zone!r} is not a drawable triad zone.")


def normalise_dyad(value: float, *, scale: float = 100) -> float:
    """A slider position on ``0..scale`` as a proportion in 0..1 (``value / scale``).

    Use ``scale=1`` for values that are proportions already. Values outside ``0..scale`` raise
    :class:`ValueError` rather than being clipped, since they mean the wrong scale was assumed.
    """
    if scale <= 0:
        raise ValueError(f"The dyad scale must be above zero, got {scale!r}.")
    number = _non_negative(value, "A dyad value")
    if number > scale + _EPS * scale:
        raise ValueError(f"A dyad value must be between 0 and {scale:g}, got {value!r}.")
    return min(number / scale, 1.0)


def dyad_bin(value: float, bins: int = 10) -> int:
    """The histogram bin (0-based) of a dyad proportion; see :func:`dyad_histogram`.

    Use this to list the stories behind a clicked bar, so the list matches the bar's height.
    """
    if bins < 1:
        raise ValueError(f"A histogram needs at least one bin, got {bins}.")
    number = float(value)
    if math.isnan(number) or number < -_EPS or number > 1 + _EPS:
        raise ValueError(f"A dyad proportion must be between 0 and 1, got {value!r}.")
    # The epsilon keeps 0.3 (stored as 0.29999…) in the bin a person would expect.
    return max(0, min(int(math.floor(number * bins + _EPS)), bins - 1))


def dyad_histogram(values: Iterable[float | None], bins: int = 10) -> list[int]:
    """Counts of dyad proportions in ``bins`` equal-width bins over 0..1.

    Bin ``i`` holds ``i/bins <= v < (i+1)/bins``; the last bin also holds ``v == 1``. ``None``
    ("not applicable") is skipped. A value outside 0..1 raises :class:`ValueError`.
    """
    if bins < 1:
        raise ValueError(f"A histogram needs at least one bin, got {bins}.")
    counts = [0] * bins
    for value in values:
        if value is not None:
            counts[dyad_bin(value, bins)] += 1
    return counts
