"""Is the gap closing? Pure arithmetic of a monitoring indicator (no Django).

The UNSDG LNOB guide (step 4) asks for the rate of change of the worst-off group against
the others, trajectories to 2030 and the rate the group needs to reach its equity target
(its Figure 7, after WHO/UNICEF 2013). Values are in the indicator's own scale (percent
values 0–100 give rates in points a year).

- Gap per round: absolute ``others − group`` for an opportunity (``group − others`` for a
  barrier), so a positive gap always means the group is behind; relative gap = absolute gap
  / others' value.
- Annualised rate of change: the least-squares slope of the values on the year (with two
  rounds, the change divided by the years between them).
- Projection to the target year: the latest value plus the rate times the years left,
  clipped to ``bounds`` (0–100 for percentages).
- Rate needed: (group target − latest group value) / (target year − latest year).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Observation:
    """One round: the group's value and everyone else's, with 95% intervals when known."""

    year: int
    group: float
    others: float
    label: str = ""
    group_ci: tuple[float, float] | None = None
    others_ci: tuple[float, float] | None = None
    note: str = ""


@dataclass(frozen=True)
class Gap:
    year: int
    absolute: float
    relative: float | None


class Verdict(Enum):
    NO_DATA = "no_data"
    BASELINE_ONLY = "baseline_only"
    CLOSING_ON_TRACK = "closing_on_track"
    CLOSING_TOO_SLOWLY = "closing_too_slowly"
    CLOSING = "closing"  # no target to judge the pace against
    NOT_CLOSING = "not_closing"
    WIDENING = "widening"
    TARGET_REACHED = "target_reached"


@dataclass(frozen=True)
class Progress:
    gaps: tuple[Gap, ...]
    group_rate: float | None
    others_rate: float | None
    projected_group: float | None
    projected_others: float | None
    needed_rate: float | None
    target_year: int
    verdict: Verdict

    @property
    def group_gain(self) -> float | None:
        """The group's yearly change in the favourable direction (a gain when positive)."""
        return self.group_rate


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares change per year; ``None`` with fewer than two distinct years."""
    if len({year for year, _ in points}) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return sxy / sxx


def _clip(value: float, bounds: tuple[float, float] | None) -> float:
    if bounds is None:
        return value
    return min(max(value, bounds[0]), bounds[1])


def gap_of(group: float, others: float, *, barrier: bool) -> float:
    return group - others if barrier else others - group


def assess(
    observations: list[Observation] | tuple[Observation, ...],
    *,
    barrier: bool = False,
    target_group: float | None = None,
    target_year: int = 2030,
    bounds: tuple[float, float] | None = None,
    tolerance: float = 1e-9,
) -> Progress:
    """Gaps, rates, projections, the rate needed and the verdict for one indicator.

    Rates are reported in the favourable direction: for a barrier (lower is better) a fall
    of 1.2 points a year is a gain of 1.2, so ``group_rate`` and ``needed_rate`` are the
    negated slopes.
    """
    rounds = sorted(observations, key=lambda o: o.year)
    sign = -1.0 if barrier else 1.0
    gaps = tuple(
        Gap(
            o.year,
            gap_of(o.group, o.others, barrier=barrier),
            (gap_of(o.group, o.others, barrier=barrier) / o.others) if o.others else None,
        )
        for o in rounds
    )
    if not rounds:
        return Progress((), None, None, None, None, None, target_year, Verdict.NO_DATA)
    latest = rounds[-1]
    group_slope = slope([(o.year, o.group) for o in rounds])
    others_slope = slope([(o.year, o.others) for o in rounds])
    years_left = target_year - latest.year
    needed = None
    if target_group is not None and years_left > 0:
        needed = sign * (target_group - latest.group) / years_left
    reached = target_group is not None and sign * (latest.group - target_group) >= -tolerance
    if group_slope is None or others_slope is None:
        verdict = Verdict.TARGET_REACHED if reached else Verdict.BASELINE_ONLY
        return Progress(gaps, None, None, None, None, needed, target_year, verdict)
    projected_group = _clip(latest.group + group_slope * years_left, bounds)
    projected_others = _clip(latest.others + others_slope * years_left, bounds)
    group_gain, others_gain = sign * group_slope, sign * others_slope
    if reached:
        verdict = Verdict.TARGET_REACHED
    elif group_gain - others_gain > tolerance:
        if needed is None:
            verdict = Verdict.CLOSING
        elif group_gain + tolerance >= needed:
            verdict = Verdict.CLOSING_ON_TRACK
        else:
            verdict = Verdict.CLOSING_TOO_SLOWLY
    elif others_gain - group_gain > tolerance:
        verdict = Verdict.WIDENING
    else:
        verdict = Verdict.NOT_CLOSING
    return Progress(
        gaps,
        group_gain,
        others_gain,
        projected_group,
        projected_others,
        needed,
        target_year,
        verdict,
    )


def default_milestones(
    *, baseline_year: int, baseline: float, target: float, target_year: int = 2030, step: int = 5
) -> tuple[tuple[int, float], ...]:
    """Straight-line milestones every ``step`` years from the baseline to the target year
    (the target year itself is the last)."""
    if target_year <= baseline_year:
        return ()
    years = list(range(baseline_year + step, target_year, step))
    if years and target_year - years[-1] < 3:
        years.pop()  # keep milestones 3–5 years apart
    years.append(target_year)
    span = target_year - baseline_year
    return tuple(
        (year, baseline + (target - baseline) * (year - baseline_year) / span) for year in years
    )
