"""Summary measures of inequality for one dimension, as in WHO's HEAT.

Source: WHO, *Health Equity Assessment Toolkit (HEAT): Technical notes* and the measure code
of HEAT (``WHOequity/HEAT-Measures``, files ``R/calc-*.R`` and ``R/utils.R``); WHO (2013),
*Handbook on health inequality monitoring*.

Input: the groups j = 1..J of one dimension, each with an estimate y_j (e.g. a weighted
prevalence), a population n_j (size or share; p_j = n_j / Σ n), and for ordered dimensions an
order (increasing advantage: poorest quintile first), optionally one reference group. μ is the
setting average (given, or Σ p_j y_j). Estimates are on a scale ``scale`` (1 for proportions,
100 for percentages).

Which measures apply (as in HEAT):

* every dimension with ≥ 2 groups: difference (D), ratio (R), population attributable risk
  (PAR) and fraction (PAF);
* ordered dimensions with > 2 groups (wealth quintiles, education): slope and relative index
  of inequality (SII, RII), absolute and relative concentration index (ACI, RCI);
* unordered dimensions with > 2 groups (region): between-group variance (BGV), index of
  disparity (IDIS, unweighted/weighted), mean difference from the mean (MDM,
  unweighted/weighted) and from the best group (MDB, unweighted/weighted), Theil index (TI),
  mean log deviation (MLD).

As in HEAT, PAF and IDIS are percentages (×100) and TI and MLD are multiplied by 1000.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from analysis.engine.errors import EngineError
from analysis.engine.lazy import LazyModule

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = LazyModule("pandas")  # imported by the first measure computed on a DataFrame

SIMPLE_MEASURES = ("difference", "ratio", "par", "paf")
ORDERED_MEASURES = ("sii", "rii", "aci", "rci")
UNORDERED_MEASURES = (
    "bgv",
    "idis_unweighted",
    "idis_weighted",
    "mdm_unweighted",
    "mdm_weighted",
    "mdb_unweighted",
    "mdb_weighted",
    "theil",
    "mean_log_deviation",
)
_ZERO_ESTIMATE = 1e-6  # HEAT replaces a 0 estimate by 0.000001 in TI and MLD

SiiModel = Literal["auto", "linear", "logistic"]


@dataclass(frozen=True)
class GroupEstimate:
    """One group of a dimension: estimate, population (size or share), order, reference flag.

    ``order`` ranks groups by increasing advantage (1 = most disadvantaged); it is required
    for ordered dimensions and ignored otherwise.
    """

    name: str
    estimate: float
    population: float
    order: int | None = None
    reference: bool = False


@dataclass(frozen=True)
class HeatMeasures:
    """HEAT summary measures for one dimension; measures that do not apply are None.

    ``applicable`` lists the measures that apply to this dimension (see module docstring).
    """

    ordered: bool
    favourable: bool
    setting_average: float
    applicable: tuple[str, ...]
    difference: float | None = None
    ratio: float | None = None
    par: float | None = None
    paf: float | None = None
    sii: float | None = None
    rii: float | None = None
    aci: float | None = None
    rci: float | None = None
    bgv: float | None = None
    idis_unweighted: float | None = None
    idis_weighted: float | None = None
    mdm_unweighted: float | None = None
    mdm_weighted: float | None = None
    mdb_unweighted: float | None = None
    mdb_weighted: float | None = None
    theil: float | None = None
    mean_log_deviation: float | None = None

    def values(self) -> dict[str, float | None]:
        """The applicable measures by name."""
        data = asdict(self)
        return {name: data[name] for name in self.applicable}


def _ridit(share: np.ndarray) -> np.ndarray:
    """Midpoint of the cumulative population share of each (ordered) group:
    X_j = Σ_{i<j} p_i + p_j / 2 (HEAT ``midPointProp``)."""
    return np.cumsum(share) - share / 2.0


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _log_likelihood(coef: np.ndarray, design: np.ndarray, prop: np.ndarray, weight: np.ndarray):
    eta = design @ coef
    # Σ w [p·η − log(1 + e^η)], computed stably
    return float((weight * (prop * eta - np.logaddexp(0.0, eta))).sum())


def _regression_on_rank(
    rank: np.ndarray, estimate: np.ndarray, weight: np.ndarray, model: SiiModel, scale: float
) -> tuple[float, float] | None:
    """Predicted values at rank 0 (bottom) and rank 1 (top) of a weighted regression.

    linear: weighted least squares y_j = a + b X_j with weights p_j;
    logistic: the grouped binomial GLM logit(y_j / scale) = a + b X_j with prior weights p_j
    (R: ``glm(y/scale ~ X, family = quasibinomial, weights = p)``; the population counts n_j
    give the same coefficients), fitted by Newton–Raphson with step halving on the
    log-likelihood. Returns None if a proportion is outside [0, 1], the mean is 0 or 1, or the
    fit does not converge.
    """
    if model not in ("linear", "logistic"):
        raise EngineError(f"sii_model must be 'auto', 'linear' or 'logistic', not {model!r}.")
    if model == "linear":
        design = np.column_stack([np.ones_like(rank), rank])
        wdesign = design * weight[:, None]
        coef = np.linalg.solve(design.T @ wdesign, wdesign.T @ estimate)
        return float(coef[0]), float(coef[0] + coef[1])
    prop = estimate / scale
    if (prop < 0).any() or (prop > 1).any():
        return None
    design = np.column_stack([np.ones_like(rank), rank])
    mean = float(np.average(prop, weights=weight))
    if not 0 < mean < 1:
        return None
    coef = np.array([math.log(mean / (1 - mean)), 0.0])
    current = _log_likelihood(coef, design, prop, weight)
    converged = False
    for _ in range(200):
        fitted = _expit(design @ coef)
        gradient = design.T @ (weight * (prop - fitted))
        hessian = (design * (weight * fitted * (1 - fitted))[:, None]).T @ design
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return None
        factor = 1.0
        while True:
            candidate = coef + factor * step
            value = _log_likelihood(candidate, design, prop, weight)
            if value >= current - 1e-15 or factor < 1e-8:
                break
            factor /= 2.0
        coef, current = candidate, value
        if np.abs(factor * step).max() < 1e-12:
            converged = True
            break
    if not converged or not np.isfinite(coef).all():
        return None
    low, high = _expit(coef[0]), _expit(coef[0] + coef[1])
    return float(low * scale), float(high * scale)


def heat_measures(
    groups: Sequence[GroupEstimate],
    *,
    ordered: bool,
    favourable: bool = True,
    setting_average: float | None = None,
    scale: float = 1.0,
    sii_model: SiiModel = "auto",
    binary: bool = False,
) -> HeatMeasures:
    """HEAT summary measures of one dimension (formulas below; y_j estimates, p_j shares).

    Difference D = y_high − y_low and ratio R = y_high / y_low, where (HEAT ``utils.R``):
    with a reference group, for favourable indicators high = reference and low = the lowest
    other group, for adverse ones low = reference and high = the highest other group; without
    one, for ordered dimensions (high, low) = (most, least advantaged) if favourable and
    (least, most advantaged) if adverse; for unordered ones high = max y_j, low = min y_j.

    PAR = y_ref − μ, y_ref = the reference group, else the most advantaged group (ordered) or
    the best group (max y if favourable, min y if adverse); set to 0 if it has the wrong sign
    (negative for favourable, positive for adverse). PAF = 100 · PAR / μ.

    Ordered (WHO HEAT Technical Notes, SII and RII): the groups are ranked from the most
    disadvantaged (rank 0) to the most advantaged (rank 1); each group sits at the ridit, the
    midpoint of its range in the cumulative population distribution,
    X_j = Σ_{i<j} p_i + p_j / 2. The indicator is regressed on X_j, weighted by population
    share, and v0 = ŷ(0), v1 = ŷ(1) are the predicted values at the two extremes:

        SII = v1 − v0,        RII = v1 / v0.

    For binary indicators (proportions, ``binary=True``) the regression is logistic,
    logit(y_j / scale) = a + b X_j, so v0 = scale · expit(a) and v1 = scale · expit(a + b);
    for other indicators it is weighted least squares y_j = a + b X_j, so SII = b and
    RII = (a + b) / a. ``sii_model`` = ``"auto"`` (default) picks by ``binary``;
    ``"linear"`` or ``"logistic"`` force one. ACI = Σ p_j (2X_j − 1) y_j,
    RCI = ACI / Σ p_j y_j.

    Unordered: BGV = Σ p_j (y_j − μ)²; IDISU = 100 · (Σ |y_j − μ| / J) / μ;
    IDISW = 100 · Σ p_j |y_j − ȳ| / μ with ȳ = Σ p_j y_j; MDMU = Σ |y_j − ȳ| / J;
    MDMW = Σ p_j |y_j − ȳ|; MDBU = Σ |y_best − y_j| / J; MDBW = Σ p_j |y_best − y_j|
    (best = max y if favourable, min if adverse); TI = 1000 · Σ p_j r_j ln r_j and
    MLD = 1000 · Σ p_j (−ln r_j), r_j = y_j / μ (a zero y_j counts as 10⁻⁶).
    """
    if len(groups) < 2:
        raise EngineError("Summary measures need at least two groups.")
    estimate = np.array([g.estimate for g in groups], dtype=float)
    population = np.array([g.population for g in groups], dtype=float)
    if not np.isfinite(estimate).all():
        raise EngineError("Every group needs a finite estimate.")
    if (population < 0).any() or not population.sum() > 0:
        raise EngineError("Group populations must be non-negative and not all zero.")
    references = [i for i, g in enumerate(groups) if g.reference]
    if len(references) > 1:
        raise EngineError("At most one group can be the reference group.")
    reference = references[0] if references else None
    if ordered:
        orders = [g.order for g in groups]
        if any(o is None for o in orders):
            raise EngineError("Every group of an ordered dimension needs an order.")
        if len(set(orders)) != len(orders):
            raise EngineError("Groups of an ordered dimension need distinct orders.")
        sort = np.argsort(np.array(orders, dtype=float), kind="stable")
        estimate, population = estimate[sort], population[sort]
        if reference is not None:
            reference = int(np.flatnonzero(sort == reference)[0])
    share = population / population.sum()
    weighted_mean = float((share * estimate).sum())
    mu = weighted_mean if setting_average is None else float(setting_average)
    n_groups = len(groups)

    if reference is not None:
        others = np.delete(np.arange(n_groups), reference)
        if favourable:
            high = reference
            low = int(others[np.argmin(estimate[others])])
        else:
            low = reference
            high = int(others[np.argmax(estimate[others])])
    elif ordered:
        high, low = (n_groups - 1, 0) if favourable else (0, n_groups - 1)
    else:
        high, low = int(np.argmax(estimate)), int(np.argmin(estimate))
    difference = float(estimate[high] - estimate[low])
    ratio = float(estimate[high] / estimate[low]) if estimate[low] != 0 else None

    if reference is not None:
        ref_estimate = estimate[reference]
    elif ordered:
        ref_estimate = estimate[-1]
    else:
        ref_estimate = estimate.max() if favourable else estimate.min()
    par = float(ref_estimate - mu)
    if (favourable and par < 0) or (not favourable and par > 0):
        par = 0.0
    paf = 100.0 * par / mu if mu != 0 else None

    values: dict[str, float | None] = {
        "difference": difference,
        "ratio": ratio,
        "par": par,
        "paf": paf,
    }
    applicable = list(SIMPLE_MEASURES)
    if ordered and n_groups > 2:
        applicable += ORDERED_MEASURES
        rank = _ridit(share)
        model = ("logistic" if binary else "linear") if sii_model == "auto" else sii_model
        fit = _regression_on_rank(rank, estimate, share, model, scale)
        if fit is not None:
            bottom, top = fit
            values["sii"] = top - bottom
            values["rii"] = top / bottom if bottom != 0 else None
        aci = float((share * (2 * rank - 1) * estimate).sum())
        values["aci"] = aci
        values["rci"] = aci / weighted_mean if weighted_mean != 0 else None
    elif not ordered and n_groups > 2:
        applicable += UNORDERED_MEASURES
        best = estimate.max() if favourable else estimate.min()
        values["bgv"] = float((share * (estimate - mu) ** 2).sum())
        if mu != 0:
            values["idis_unweighted"] = float(100 * np.abs(estimate - mu).mean() / mu)
            values["idis_weighted"] = float(
                100 * (share * np.abs(estimate - weighted_mean)).sum() / mu
            )
        values["mdm_unweighted"] = float(np.abs(estimate - weighted_mean).mean())
        values["mdm_weighted"] = float((share * np.abs(estimate - weighted_mean)).sum())
        values["mdb_unweighted"] = float(np.abs(best - estimate).mean())
        values["mdb_weighted"] = float((share * np.abs(best - estimate)).sum())
        if mu > 0:
            ratio_to_mean = np.where(estimate == 0, _ZERO_ESTIMATE, estimate) / mu
            if (ratio_to_mean > 0).all():
                values["theil"] = float(
                    1000 * (share * ratio_to_mean * np.log(ratio_to_mean)).sum()
                )
                values["mean_log_deviation"] = float(1000 * (share * -np.log(ratio_to_mean)).sum())
    return HeatMeasures(
        ordered=ordered,
        favourable=favourable,
        setting_average=mu,
        applicable=tuple(applicable),
        **values,
    )


def group_estimates(
    frame: pd.DataFrame,
    *,
    outcome: str,
    dimension: str,
    weight: str | None = None,
    order: Sequence[object] | None = None,
    reference: object | None = None,
) -> tuple[GroupEstimate, ...]:
    """Weighted mean and weighted population of ``outcome`` for each level of ``dimension``.

    y_j = Σ_{i∈j} w_i y_i / Σ_{i∈j} w_i and population n_j = Σ_{i∈j} w_i (shares follow by
    normalising). Rows missing the outcome, the weight or the dimension are left out.
    ``order`` lists the levels from least to most advantaged (ordered dimensions): each group
    gets its 1-based position. ``reference`` names the reference level, if any.
    """
    columns = [outcome, dimension] + ([weight] if weight else [])
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise EngineError(f"Column(s) {', '.join(map(repr, missing))} not found in the data.")
    data = frame[columns].dropna()
    if data.empty:
        raise EngineError("No rows with an outcome and a dimension value.")
    if not pd.api.types.is_numeric_dtype(data[outcome]) and not pd.api.types.is_bool_dtype(
        data[outcome]
    ):
        raise EngineError(f"The outcome column {outcome!r} must be numeric.")
    w = data[weight].astype(float) if weight else pd.Series(1.0, index=data.index)
    if (w < 0).any():
        raise EngineError(f"The weight column {weight!r} has negative values.")
    work = pd.DataFrame({"level": data[dimension], "w": w, "wy": w * data[outcome].astype(float)})
    sums = work.groupby("level", observed=True, sort=True)[["w", "wy"]].sum()
    positions = {level: i + 1 for i, level in enumerate(order)} if order is not None else {}
    if order is not None:
        unknown = [level for level in sums.index if level not in positions]
        if unknown:
            raise EngineError(f"Levels {unknown!r} of {dimension!r} are missing from the order.")
    if reference is not None and reference not in sums.index:
        raise EngineError(f"The reference level {reference!r} does not occur in {dimension!r}.")
    return tuple(
        GroupEstimate(
            name=str(level),
            estimate=float(row.wy / row.w) if row.w > 0 else float("nan"),
            population=float(row.w),
            order=positions.get(level),
            reference=reference is not None and level == reference,
        )
        for level, row in sums.iterrows()
    )
