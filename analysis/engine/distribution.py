"""Distribution of an outcome across the wealth distribution: the Palma ratio and the
ratios of the top decile to the bottom 20% and 40% (UNSDG LNOB guide, step 4).

Population groups are cut by *weight*, not by rows: the bottom 20% is the poorest fifth of
the weighted population by the wealth index. A household (or a block of households with the
same wealth score) that straddles a cut contributes the fraction of its weight that falls
inside, so the groups hold exactly 10%, 20% or 40% of the population whatever the ties.

- Mean of a group: Σ w·y / Σ w over the (fractional) weights inside it.
- Palma ratio (Cobham and Sumner 2013): the top 10%'s share of the outcome total divided by
  the bottom 40%'s share, Σ_top10 w·y / Σ_bottom40 w·y.
- Top 10% / bottom 20% and top 10% / bottom 40%: ratios of the groups' means.
- With wealth quintiles only (no score), deciles cannot be formed: the Palma ratio and the
  top-decile ratios are ``None`` and the quintile ratios Q5 / Q1 and Q5 / (Q1 + Q2) are
  given instead.

Pure NumPy; no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DistributionMeasures:
    basis: str  # "score" (deciles from the wealth score) or "quintiles"
    bottom20: float
    bottom40: float
    top20: float
    top10: float | None
    palma: float | None
    top10_bottom20: float | None
    top10_bottom40: float | None
    top20_bottom20: float | None
    top20_bottom40: float | None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(numerator / denominator)


def _blocks(wealth, outcome, weight) -> tuple[np.ndarray, np.ndarray]:
    """Weight and Σ w·y per distinct wealth value, poorest first (rows with a missing
    value or a weight ≤ 0 are left out)."""
    wealth = np.asarray(wealth, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    weight = np.ones_like(wealth) if weight is None else np.asarray(weight, dtype=float)
    keep = ~(np.isnan(wealth) | np.isnan(outcome) | np.isnan(weight)) & (weight > 0)
    wealth, outcome, weight = wealth[keep], outcome[keep], weight[keep]
    if wealth.size == 0:
        raise ValueError("No row has a wealth value, an outcome and a positive weight.")
    levels, inverse = np.unique(wealth, return_inverse=True)
    block_weight = np.bincount(inverse, weights=weight, minlength=levels.size)
    block_sum = np.bincount(inverse, weights=weight * outcome, minlength=levels.size)
    return block_weight, block_sum


def _share_sum(block_weight, block_sum, share: float, *, top: bool) -> tuple[float, float]:
    """(weight, Σ w·y) of the poorest (or richest) ``share`` of the population."""
    if top:
        block_weight, block_sum = block_weight[::-1], block_sum[::-1]
    wanted = share * block_weight.sum()
    before = np.concatenate(([0.0], np.cumsum(block_weight)[:-1]))
    inside = np.clip(wanted - before, 0.0, block_weight)
    fraction = np.divide(inside, block_weight, out=np.zeros_like(inside), where=block_weight > 0)
    return float(inside.sum()), float((fraction * block_sum).sum())


def distribution_measures(wealth, outcome, weight=None) -> DistributionMeasures:
    """Means and ratios by wealth deciles/quintiles cut on the wealth *score* (any numeric
    index: higher is richer)."""
    block_weight, block_sum = _blocks(wealth, outcome, weight)
    parts = {
        name: _share_sum(block_weight, block_sum, share, top=top)
        for name, share, top in (
            ("bottom20", 0.2, False),
            ("bottom40", 0.4, False),
            ("top20", 0.2, True),
            ("top10", 0.1, True),
        )
    }
    means = {name: (s / w if w else 0.0) for name, (w, s) in parts.items()}
    return DistributionMeasures(
        basis="score",
        bottom20=means["bottom20"],
        bottom40=means["bottom40"],
        top20=means["top20"],
        top10=means["top10"],
        palma=_ratio(parts["top10"][1], parts["bottom40"][1]),
        top10_bottom20=_ratio(means["top10"], means["bottom20"]),
        top10_bottom40=_ratio(means["top10"], means["bottom40"]),
        top20_bottom20=_ratio(means["top20"], means["bottom20"]),
        top20_bottom40=_ratio(means["top20"], means["bottom40"]),
    )


def quintile_measures(quintile, outcome, weight=None) -> DistributionMeasures:
    """The quintile ratios from wealth quintile codes 1 (poorest) to 5 (richest); no
    decile can be formed, so the Palma ratio and the top-decile ratios are ``None``."""
    quintile = np.asarray(quintile, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    weight = np.ones_like(quintile) if weight is None else np.asarray(weight, dtype=float)
    keep = ~(np.isnan(quintile) | np.isnan(outcome) | np.isnan(weight)) & (weight > 0)
    quintile, outcome, weight = quintile[keep], outcome[keep], weight[keep]

    def mean_of(mask) -> float:
        total = weight[mask].sum()
        if total <= 0:
            raise ValueError("A wealth quintile has no population.")
        return float((weight[mask] * outcome[mask]).sum() / total)

    bottom20, bottom40 = mean_of(quintile == 1), mean_of(quintile <= 2)
    top20 = mean_of(quintile == 5)
    return DistributionMeasures(
        basis="quintiles",
        bottom20=bottom20,
        bottom40=bottom40,
        top20=top20,
        top10=None,
        palma=None,
        top10_bottom20=None,
        top10_bottom40=None,
        top20_bottom20=_ratio(top20, bottom20),
        top20_bottom40=_ratio(top20, bottom40),
    )
