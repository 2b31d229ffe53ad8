"""Small counts: the portal's one suppression rule and its thresholds (PRODUCT.md §3).

A count of people below the minimum cell size is never shown: it becomes ``None``, written
"fewer than 5". Zero is shown as 0: it describes nobody, and hiding it would make "fewer than
5" ambiguous (a hidden cell is never 0). When the table total is known, complementary
suppression hides further cells so the hidden ones cannot be worked out by subtraction.

The minimum is a setting: ``SMALL_COUNT_MIN`` (5) everywhere, and ``SMALL_COUNT_MIN_PARTNER``
(3) in views that only a partner organisation sees about its own submissions. Every count,
chart, page and export takes it from :func:`min_count`; templates use the ``small_count``
filter (``{% load suppression %}``). The functions are pure: without Django settings the
defaults apply.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["format_count", "is_small", "min_count", "suppress_counts"]

DEFAULT_MIN = 5
DEFAULT_MIN_PARTNER = 3


def min_count(*, partner_only: bool = False) -> int:
    """The minimum cell size in force (settings, else 5; 3 for partner-only views)."""
    name, default = (
        ("SMALL_COUNT_MIN_PARTNER", DEFAULT_MIN_PARTNER)
        if partner_only
        else ("SMALL_COUNT_MIN", DEFAULT_MIN)
    )
    try:
        from django.conf import settings

        return int(getattr(settings, name, default))
    except Exception:  # noqa: BLE001 - no Django settings: a plain script or the CLI
        return default


def is_small(value: int | None, threshold: int | None = None) -> bool:
    """Whether a count must not be shown (hidden already, or 1 to threshold - 1)."""
    if threshold is None:
        threshold = min_count()
    return value is None or 0 < value < threshold


def suppress_counts(
    counts: Mapping[str, int], *, threshold: int | None = None, total: int | None = None
) -> dict[str, int | None]:
    """Counts safe to show: ``None`` for a hidden cell (shown as "fewer than 5").

    ``threshold`` defaults to :func:`min_count` (5, or what the deployment set).

    1. *Primary*: a count with ``0 < count < threshold`` is hidden. Zero stays 0: it describes
       nobody, and showing it keeps "fewer than 5" unambiguous (a hidden cell means 1 or more).
    2. *Complementary*, when the table total is known — pass ``total`` whenever the cells
       partition a number that is shown or known (stories by partner, by language…): while
       exactly one cell is hidden, or the hidden cells add up to less than ``threshold`` (two
       hidden cells summing to 2 must both be 1), the smallest visible non-zero cell is
       hidden too (ties: the first in ``counts`` order). Zero cells are never used for this.

    Without ``total`` only primary suppression applies: use that for tables whose cells do not
    add up to a known number, such as self-identified groups where one story can be in
    several cells. A ``total`` below the threshold hides every non-zero cell (the total itself
    is then shown as "fewer than 5" by :func:`format_count`). When one non-zero cell is all
    there is, it stays hidden and so must the total, which is then below the threshold too.
    Cells may add up to more than ``total`` (multiple choice); ``total`` may not be below the
    largest cell.
    """
    if threshold is None:
        threshold = min_count()
    if threshold < 1:
        raise ValueError(f"The suppression threshold must be at least 1, got {threshold}.")
    for key, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"Count for {key!r} must be a whole number ≥ 0, got {value!r}.")
    if total is not None:
        if total < 0:
            raise ValueError(f"The total cannot be negative, got {total}.")
        if counts and total < max(counts.values()):
            raise ValueError(f"The total {total} is smaller than a cell of the table.")

    hidden = {
        key
        for key, value in counts.items()
        if 0 < value < threshold or (total is not None and total < threshold and value > 0)
    }

    def needs_more() -> bool:
        if not hidden or total is None:
            return False
        return len(hidden) == 1 or sum(counts[key] for key in hidden) < threshold

    order = {key: index for index, key in enumerate(counts)}
    while needs_more():
        visible = [key for key, value in counts.items() if value > 0 and key not in hidden]
        if not visible:
            break
        hidden.add(min(visible, key=lambda key: (counts[key], order[key])))
    return {key: (None if key in hidden else value) for key, value in counts.items()}


def format_count(value: int | None, threshold: int | None = None) -> str:
    """A count for display: "fewer than 5" for a hidden (``None``) or small count."""
    if threshold is None:
        threshold = min_count()
    if value is None or 0 < value < threshold:
        return f"fewer than {threshold}"
    return str(value)
