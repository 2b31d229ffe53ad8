"""Design-based uncertainty for an LNOB analysis: standard errors and 95% intervals.

Pure pandas/NumPy. Two tools, both for a stratified multistage sample analysed with the
*with-replacement* (ultimate cluster) approximation, as R ``survey`` does for
``svydesign(ids = ~psu, strata = ~stratum, weights = ~w)`` without ``fpc``:

**Taylor linearisation** (leaf rates, the gap, the overall mean). The weighted mean of a
domain d (rows with δ_i = 1) is the ratio estimator ȳ_d = Σ w δ y / Σ w δ. Its influence
(linearised) value for row i is

    z_i = w_i δ_i (y_i − ȳ_d) / Σ_j w_j δ_j ,

rows outside the domain keep their PSU with z = 0 (a domain is not a subset of the design);
likewise, when the analysed rows are a subpopulation of the file (a reference population, a
region), the file's PSUs without analysed rows count with zero totals (``make_design``'s
``sample_psu`` / ``sample_strata``, R's ``subset(design, ...)``).
With z_hi the total of z over PSU i of stratum h, n_h PSUs in stratum h and z̄_h their mean,

    Var(ȳ_d) = Σ_h n_h / (n_h − 1) · Σ_i (z_hi − z̄_h)² ,

and the covariance of two domain means is the same sum over the product of their centred
PSU totals (``svyby(..., covmat = TRUE)``). The gap ahead − behind is the contrast with
influence z_ahead − z_behind (``svycontrast``). 95% intervals are estimate ± 1.959964·SE
(normal, as ``confint`` of a ``svystat``); intervals of a 0/1 outcome are clipped to [0, 1].

*Lonely PSU* (a stratum with one PSU): ``"adjust"`` (default) counts that PSU's total
deviation from zero, i.e. from the overall centre of the influence values, with scale 1 --
R's ``options(survey.lonely.psu = "adjust")``; ``"certainty"`` gives the stratum no variance
(``"certainty"`` in R). R's default, ``"fail"``, would stop the run. PSU identifiers are
nested in strata (the pair (stratum, PSU) is one PSU, ``nest = TRUE``).

*No design* (no cluster and no strata column): every row is its own PSU in a single stratum
(weighted i.i.d., ``svydesign(ids = ~1, weights = ~w)``), and the result says so
(``method = "iid"``) so the page can add the note that intervals assume independent rows.

**Rao–Wu rescaling bootstrap** (D and HOI, which are not smooth in the cell means). In each
replicate, within every stratum with n_h ≥ 2 PSUs, n_h − 1 PSUs are drawn with replacement;
a PSU drawn r times gets its weights multiplied by r · n_h / (n_h − 1) (Rao, Wu & Yue 1992,
the ``subbootstrap`` of R ``survey``; strata with one PSU keep their weights). D and HOI are
recomputed on the full cross-classification of the circumstances for every replicate
(vectorised: rows are summed to (PSU, cell) pairs once; a replicate's cell totals are one
weighted ``bincount`` of those pair sums times its PSU factors, and D and HOI of a batch of
replicates are computed together) and the 95% interval is the 2.5 and 97.5 percentiles of
the replicate values. Cost: about 1 s for 1,000,000 rows in 5,000 PSUs; without a design
every row is a PSU and 200 replicates of 1,000,000 rows take about 10 s. Replicates are
drawn from ``numpy.random.default_rng(seed)``, so a run is reproducible.

Node membership per row: :func:`analysis.engine.run.analyse` passes each row's node as the
tree placed it (``row_leaf``: the cell of the row, then the deepest node of that cell,
:attr:`RegressionTree.cell_node`), so rows sent by surrogate splits, and rows rpart leaves in
an inner node, count exactly where rpart's ``where`` puts them. Without it (a tree given
alone), rows are sent down by the path conditions of the nodes (:meth:`RegressionTree.path`,
:class:`SplitCondition`) applied to their circumstance values (a missing value of an
unordered/ordered circumstance is the level ``"Missing"``, as in
:mod:`analysis.engine.cells`); rows missing a split's circumstance then reach no node below
it and ``membership_warning`` says the intervals are approximate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.engine.cells import MISSING_LEVEL, Circumstance, as_circumstance
from analysis.engine.errors import EngineError
from analysis.engine.tree import RegressionTree, SplitCondition

LonelyPsu = Literal["adjust", "certainty"]

Z_95 = 1.959963984540054
DEFAULT_REPLICATES = 200
DEFAULT_SEED = 20240611
IID_NOTE = "no survey design given: intervals assume independent rows"
OVERLAP_NOTE = "the interval overlaps its neighbour's: this difference may be noise"
_CHUNK_CELLS = 4_000_000  # replicate × cell table entries held per batch


# --------------------------------------------------------------------------------------------
# Design
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """Sampling design of the analysed rows: each row's PSU and stratum as integer codes.

    ``psu`` codes are global (PSUs nested in strata: a code is one (stratum, PSU) pair) and
    number the PSUs holding analysed rows; ``psu_stratum[p]`` is the stratum of PSU p.
    ``n_psu_in_stratum[h]`` counts the PSUs of stratum h in the whole sample, which may
    exceed those with analysed rows when the rows are a subpopulation (a domain).
    ``method`` is ``"taylor"`` for a given design, ``"iid"`` when every row is its own PSU.
    """

    psu: np.ndarray
    stratum: np.ndarray
    psu_stratum: np.ndarray
    n_psu_in_stratum: np.ndarray
    method: Literal["taylor", "iid"]
    cluster_column: str | None = None
    strata_column: str | None = None
    lonely_psu: LonelyPsu = "adjust"
    note: str | None = None

    @property
    def n_psu(self) -> int:
        return int(self.psu_stratum.shape[0])

    @property
    def n_sample_psu(self) -> int:
        """PSUs of the sample, with or without analysed rows."""
        return int(self.n_psu_in_stratum.sum())

    @property
    def n_strata(self) -> int:
        return int(self.n_psu_in_stratum.shape[0])

    @property
    def n_lonely_strata(self) -> int:
        return int((self.n_psu_in_stratum == 1).sum())

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable summary (the run result's ``uncertainty.design``)."""
        return {
            "cluster": self.cluster_column,
            "strata": self.strata_column,
            "n_psu": self.n_sample_psu,
            "n_psu_with_rows": self.n_psu,
            "n_strata": self.n_strata,
            "lonely_psu": self.lonely_psu,
            "n_lonely_strata": self.n_lonely_strata,
            "nested": True,
            "approximation": "with-replacement (ultimate cluster)",
        }


def _codes(values: Any, n: int | None, role: str, column: str | None) -> pd.Series:
    series = pd.Series(values.to_numpy() if isinstance(values, pd.Series) else values)
    if n is not None and len(series) != n:
        raise EngineError(f"The {role} values do not match the rows ({len(series)} ≠ {n}).")
    if series.isna().any():
        raise EngineError(
            f"The {role} column {column or ''!r} has {int(series.isna().sum())} missing "
            "value(s) among the analysed rows; every row needs its sampling design."
        )
    return series


def _factorize(series: pd.Series) -> np.ndarray:
    try:
        found, _ = pd.factorize(series)
    except TypeError:  # unhashable or odd values: compare their text
        found, _ = pd.factorize(series.astype(str))
    return np.asarray(found, dtype=np.int64)


def make_design(
    n_rows: int,
    *,
    psu: Sequence[Any] | np.ndarray | pd.Series | None = None,
    strata: Sequence[Any] | np.ndarray | pd.Series | None = None,
    lonely_psu: LonelyPsu = "adjust",
    cluster_column: str | None = None,
    strata_column: str | None = None,
    sample_psu: Sequence[Any] | np.ndarray | pd.Series | None = None,
    sample_strata: Sequence[Any] | np.ndarray | pd.Series | None = None,
) -> SurveyDesign:
    """Build a :class:`SurveyDesign` from per-row PSU and stratum values (either may be None).

    Strata without clusters make every row its own PSU within its stratum (``ids = ~1``);
    clusters without strata are one stratum. Neither: weighted i.i.d. (``method = "iid"``).
    A missing PSU or stratum value raises :class:`EngineError`.

    When the analysed rows are a subpopulation (a reference population, a region), pass the
    design values of *every* row of the sample as ``sample_psu`` / ``sample_strata``: PSUs
    of the sample without analysed rows then still count, with zero totals, in n_h and in
    the stratum centring -- R ``survey``'s domain estimation (``subset`` / ``svyby`` keep
    the whole design). Without them, the analysed rows are the whole sample.
    """
    if lonely_psu not in ("adjust", "certainty"):
        raise EngineError(f"lonely_psu must be 'adjust' or 'certainty', not {lonely_psu!r}.")
    method: Literal["taylor", "iid"] = "iid" if psu is None and strata is None else "taylor"
    rows_strata = None if strata is None else _codes(strata, n_rows, "strata", strata_column)
    rows_psu = None if psu is None else _codes(psu, n_rows, "cluster", cluster_column)
    universe = method == "taylor" and (sample_psu is not None or sample_strata is not None)
    if universe:
        if (sample_psu is None) != (psu is None) or (sample_strata is None) != (strata is None):
            raise EngineError("Give the sample's design values for the same columns as the rows'.")
        sample_n = len(sample_psu if sample_psu is not None else sample_strata)
        all_strata = (
            None
            if rows_strata is None
            else pd.concat(
                [rows_strata, _codes(sample_strata, sample_n, "strata", strata_column)],
                ignore_index=True,
            )
        )
        all_psu = (
            None
            if rows_psu is None
            else pd.concat(
                [rows_psu, _codes(sample_psu, sample_n, "cluster", cluster_column)],
                ignore_index=True,
            )
        )
    else:
        sample_n = 0
        all_strata, all_psu = rows_strata, rows_psu
    total = n_rows + sample_n
    stratum_all = np.zeros(total, dtype=np.int64) if all_strata is None else _factorize(all_strata)
    if all_psu is None:
        # every row its own PSU; the sample's rows stand for themselves (zero totals)
        raw_psu = np.arange(total, dtype=np.int64)
    else:
        raw_psu = _factorize(all_psu)
    pairs = stratum_all * (int(raw_psu.max()) + 1 if total else 1) + raw_psu
    n_strata = int(stratum_all.max()) + 1 if total else 0
    # PSUs of the analysed rows (nested in strata: one code per (stratum, PSU) pair)
    psu_codes, unique_pairs = pd.factorize(pairs[:n_rows], sort=True)
    psu_codes = np.asarray(psu_codes, dtype=np.int64)
    stratum = stratum_all[:n_rows]
    psu_stratum = np.zeros(unique_pairs.shape[0], dtype=np.int64)
    psu_stratum[psu_codes] = stratum
    present = np.bincount(psu_stratum, minlength=n_strata)
    if universe:
        if all_psu is None:
            sample_pairs = stratum_all[n_rows:]  # each sample row is one PSU of its stratum
            counted = np.bincount(sample_pairs, minlength=n_strata)
        else:
            sample_unique = np.unique(pairs[n_rows:])
            counted = np.bincount(sample_unique // (int(raw_psu.max()) + 1), minlength=n_strata)
        n_psu_in_stratum = np.maximum(counted, present)
    else:
        n_psu_in_stratum = present
    return SurveyDesign(
        psu=psu_codes,
        stratum=stratum,
        psu_stratum=psu_stratum,
        n_psu_in_stratum=n_psu_in_stratum,
        method=method,
        cluster_column=cluster_column,
        strata_column=strata_column,
        lonely_psu=lonely_psu,
        note=IID_NOTE if method == "iid" else None,
    )


# --------------------------------------------------------------------------------------------
# Taylor linearisation
# --------------------------------------------------------------------------------------------


def linearised_covariance(influence: np.ndarray, design: SurveyDesign) -> np.ndarray:
    """Σ_h n_h/(n_h − 1) Σ_i (z_hi − z̄_h)(z_hi − z̄_h)ᵀ over PSU totals of ``influence``.

    ``influence`` is (rows,) or (rows, k); returns the k × k covariance. Strata with one PSU
    follow ``design.lonely_psu`` (module docstring).
    """
    z = np.asarray(influence, dtype=np.float64)
    if z.ndim == 1:
        z = z[:, None]
    n_psu, k = design.n_psu, z.shape[1]
    columns = np.arange(k)
    totals = np.bincount(
        (design.psu[:, None] * k + columns[None, :]).ravel(),
        weights=z.ravel(),
        minlength=n_psu * k,
    ).reshape(n_psu, k)
    n_h = design.n_psu_in_stratum.astype(np.float64)
    stratum_sum = np.bincount(
        (design.psu_stratum[:, None] * k + columns[None, :]).ravel(),
        weights=totals.ravel(),
        minlength=design.n_strata * k,
    ).reshape(design.n_strata, k)
    stratum_mean = stratum_sum / np.maximum(n_h, 1.0)[:, None]
    lonely = n_h[design.psu_stratum] == 1
    centred = totals - stratum_mean[design.psu_stratum]
    scale = np.where(
        lonely, 1.0, n_h[design.psu_stratum] / np.maximum(n_h - 1, 1)[design.psu_stratum]
    )
    if design.lonely_psu == "adjust":
        centred[lonely] = totals[lonely]
    else:  # certainty
        centred[lonely] = 0.0
    weighted = centred * np.sqrt(scale)[:, None]
    covariance = weighted.T @ weighted
    # PSUs of the sample without analysed rows (domain estimation): total 0, deviation −z̄_h.
    present = np.bincount(design.psu_stratum, minlength=design.n_strata).astype(np.float64)
    absent = np.where(n_h > 1, n_h - present, 0.0)
    if absent.any():
        factor = np.sqrt(absent * n_h / np.maximum(n_h - 1, 1))
        deviation = stratum_mean * factor[:, None]
        covariance += deviation.T @ deviation
    return covariance


@dataclass(frozen=True)
class DomainMeans:
    """Weighted means of several domains with their linearised covariance matrix."""

    mean: np.ndarray
    weight: np.ndarray
    n: np.ndarray
    covariance: np.ndarray

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.maximum(np.diag(self.covariance), 0.0))


def domain_means(
    y: np.ndarray,
    w: np.ndarray,
    domains: np.ndarray,
    design: SurveyDesign,
) -> DomainMeans:
    """Ratio-estimator means of the domains and their covariance (``svyby(covmat = TRUE)``).

    ``domains`` is a boolean (rows, k) matrix (a row may belong to several domains, e.g. a
    node and its ancestors) or a (rows,) boolean vector for one domain.
    """
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    member = np.asarray(domains, dtype=bool)
    if member.ndim == 1:
        member = member[:, None]
    wd = w[:, None] * member
    total_w = wd.sum(axis=0)
    total_wy = (wd * y[:, None]).sum(axis=0)
    mean = np.divide(total_wy, total_w, out=np.full(total_w.shape, np.nan), where=total_w > 0)
    safe_mean = np.nan_to_num(mean)
    influence = np.divide(
        wd * (y[:, None] - safe_mean[None, :]),
        total_w[None, :],
        out=np.zeros_like(wd),
        where=total_w[None, :] > 0,
    )
    covariance = linearised_covariance(influence, design)
    return DomainMeans(mean, total_w, member.sum(axis=0), covariance)


@dataclass(frozen=True)
class Interval:
    """An estimate with its standard error and 95% interval."""

    estimate: float
    se: float | None
    low: float
    high: float

    def as_list(self) -> list[float]:
        return [self.low, self.high]


def wald_interval(
    estimate: float, se: float, *, bounds: tuple[float, float] | None = None
) -> Interval:
    """estimate ± 1.959964 · SE, clipped to ``bounds`` when given."""
    low, high = estimate - Z_95 * se, estimate + Z_95 * se
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return Interval(float(estimate), float(se), float(low), float(high))


# --------------------------------------------------------------------------------------------
# Rao–Wu rescaling bootstrap for D and HOI
# --------------------------------------------------------------------------------------------


class _RaoWu:
    """Draws Rao–Wu factors replicate by replicate (the same values whatever the batch size).

    One replicate: for every stratum h with n_h ≥ 2, n_h − 1 uniform draws among its PSUs
    (all strata in one call to the generator); PSU i drawn r_hi times gets the factor
    r_hi · n_h / (n_h − 1); PSUs of single-PSU strata keep factor 1.
    """

    def __init__(self, design: SurveyDesign, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.n_psu = design.n_psu
        n_h = design.n_psu_in_stratum
        # PSUs with analysed rows come first in each stratum's n_h slots; a draw of a later
        # slot picks a PSU of the sample without analysed rows, which changes nothing.
        present = np.bincount(design.psu_stratum, minlength=design.n_strata)
        self.order = np.argsort(design.psu_stratum, kind="stable")
        starts = np.concatenate([[0], np.cumsum(present)[:-1]]).astype(np.int64)
        resampled = np.flatnonzero(n_h >= 2)
        draw_stratum = np.repeat(resampled, n_h[resampled] - 1)
        self.draw_start = starts[draw_stratum]
        self.draw_size = n_h[draw_stratum].astype(np.int64)
        self.draw_present = present[draw_stratum].astype(np.int64)
        stratum_n = n_h[design.psu_stratum].astype(np.float64)
        self.lonely = stratum_n < 2
        self.scale = np.where(self.lonely, 1.0, stratum_n / np.maximum(stratum_n - 1.0, 1.0))

    def one(self) -> np.ndarray:
        """The next replicate's factors, shape (n_psu,)."""
        slot = self.rng.integers(0, self.draw_size)
        hit = slot < self.draw_present
        position = self.draw_start[hit] + slot[hit]
        counts = np.bincount(self.order[position], minlength=self.n_psu).astype(np.float64)
        counts *= self.scale
        counts[self.lonely] = 1.0
        return counts

    def draw(self, count: int) -> np.ndarray:
        """The next ``count`` replicates' factors, shape (count, n_psu)."""
        factors = np.empty((count, self.n_psu))
        for r in range(count):
            factors[r] = self.one()
        return factors


def rao_wu_factors(design: SurveyDesign, replicates: int, seed: int) -> np.ndarray:
    """(replicates, n_psu) weight multipliers r_hi · n_h / (n_h − 1) (module docstring)."""
    if replicates < 2:
        raise EngineError("The bootstrap needs at least 2 replicates.")
    return _RaoWu(design, seed).draw(replicates)


def _d_and_hoi(group_w: np.ndarray, group_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """D and HOI per row of (replicates, groups) tables of W and S (as in dindex)."""
    total_w = group_w.sum(axis=1)
    total_s = group_s.sum(axis=1)
    mean = np.divide(total_s, total_w, out=np.zeros_like(total_s), where=total_w > 0)
    spread = np.abs(group_s - group_w * mean[:, None]).sum(axis=1)
    d = np.divide(spread, 2.0 * total_s, out=np.zeros_like(spread), where=total_s > 0)
    return d, mean * (1.0 - d)


@dataclass(frozen=True)
class BootstrapResult:
    """Replicate values of D and HOI and their percentile intervals."""

    d_index: np.ndarray
    hoi: np.ndarray
    d_interval: tuple[float, float]
    hoi_interval: tuple[float, float]
    replicates: int
    seed: int


def bootstrap_d_hoi(
    y: np.ndarray,
    w: np.ndarray,
    group: np.ndarray,
    design: SurveyDesign,
    *,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    complement: bool = False,
) -> BootstrapResult:
    """Rao–Wu bootstrap of D and HOI on the groups ``group`` (integer code per row).

    ``complement`` computes D and HOI for 1 − y (barrier rates). The percentile interval is
    (2.5%, 97.5%) of the replicate values.
    """
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    value = 1.0 - y if complement else y
    group = np.asarray(group, dtype=np.int64)
    n_groups = int(group.max()) + 1 if group.size else 0
    key = design.psu * max(n_groups, 1) + group
    pairs, inverse = np.unique(key, return_inverse=True)
    inverse = inverse.reshape(-1)
    pair_w = np.bincount(inverse, weights=w, minlength=pairs.shape[0])
    pair_s = np.bincount(inverse, weights=w * value, minlength=pairs.shape[0])
    pair_psu = pairs // max(n_groups, 1)
    pair_group = pairs % max(n_groups, 1)

    if replicates < 2:
        raise EngineError("The bootstrap needs at least 2 replicates.")
    sampler = _RaoWu(design, seed)
    n_out = max(n_groups, 1)
    # One replicate at a time (memory O(pairs)); the D and HOI of a batch of replicates are
    # computed together from their (replicates, groups) tables.
    batch = max(1, min(replicates, _CHUNK_CELLS // n_out))
    d_values = np.empty(replicates)
    hoi_values = np.empty(replicates)
    for first in range(0, replicates, batch):
        count = min(batch, replicates - first)
        group_w = np.empty((count, n_out))
        group_s = np.empty((count, n_out))
        for r in range(count):
            factor = sampler.one()[pair_psu]
            group_w[r] = np.bincount(pair_group, weights=factor * pair_w, minlength=n_out)
            group_s[r] = np.bincount(pair_group, weights=factor * pair_s, minlength=n_out)
        d_values[first : first + count], hoi_values[first : first + count] = _d_and_hoi(
            group_w, group_s
        )
    d_low, d_high = np.percentile(d_values, [2.5, 97.5])
    h_low, h_high = np.percentile(hoi_values, [2.5, 97.5])
    return BootstrapResult(
        d_values,
        hoi_values,
        (float(d_low), float(d_high)),
        (float(h_low), float(h_high)),
        replicates,
        seed,
    )


# --------------------------------------------------------------------------------------------
# Rows → tree nodes
# --------------------------------------------------------------------------------------------


def _format_level(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Labels:
    """Per-column level labels of the rows, computed once per column (factorised)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.numbers: dict[str, np.ndarray] = {}

    def categorical(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes with −1 for missing, label of each code)."""
        if name not in self.cache:
            codes, uniques = pd.factorize(self.frame[name].astype(object))
            labels = np.array([_format_level(v) for v in uniques], dtype=object)
            self.cache[name] = (np.asarray(codes, dtype=np.int64), labels)
        return self.cache[name]

    def numeric(self, name: str) -> np.ndarray:
        if name not in self.numbers:
            self.numbers[name] = pd.to_numeric(self.frame[name], errors="coerce").to_numpy(
                dtype=np.float64
            )
        return self.numbers[name]

    def mask(self, condition: SplitCondition) -> np.ndarray:
        """Rows satisfying ``condition`` (a missing categorical value is ``"Missing"``)."""
        if condition.levels is not None:
            codes, labels = self.categorical(condition.circumstance)
            wanted = set(condition.levels)
            allowed = np.array([label in wanted for label in labels] + [MISSING_LEVEL in wanted])
            return allowed[codes]  # code −1 (missing) reads the last entry
        values = self.numeric(condition.circumstance)
        if condition.operator == "<":
            return values < condition.threshold
        return values >= condition.threshold


def node_membership(frame: pd.DataFrame, tree: RegressionTree) -> np.ndarray:
    """Boolean (rows, nodes) matrix: row i reaches node j (nodes in ``tree.nodes`` order).

    A node's rows are its parent's rows that satisfy the node's condition.
    """
    labels = _Labels(frame)
    index = {node.id: j for j, node in enumerate(tree.nodes)}
    member = np.zeros((len(frame), len(tree.nodes)), dtype=bool)
    for j, node in enumerate(tree.nodes):
        if node.parent is None or node.condition is None:
            member[:, j] = True
        else:
            member[:, j] = member[:, index[node.parent]] & labels.mask(node.condition)
    return member


def row_leaves(frame: pd.DataFrame, tree: RegressionTree) -> np.ndarray:
    """The leaf (rpart node number) of every row; 0 for a row that reaches no leaf.

    Rows go down the tree by the nodes' conditions (depth first; memory of one mask per
    level).
    """
    labels = _Labels(frame)
    children: dict[int, list[Any]] = {}
    for node in tree.nodes:
        if node.parent is not None:
            children.setdefault(node.parent, []).append(node)
    leaf = np.zeros(len(frame), dtype=np.int64)

    def visit(node: Any, mask: np.ndarray) -> None:
        if node.is_leaf or node.id not in children:
            leaf[mask] = node.id
            return
        for child in children[node.id]:
            visit(child, mask & labels.mask(child.condition))

    visit(tree.nodes[0], np.ones(len(frame), dtype=bool))
    return leaf


def _groups(rows: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Integer code of each row's cell (its combination of circumstance values)."""
    if not names:
        return np.zeros(len(rows), dtype=np.int64)
    codes = [
        np.asarray(pd.factorize(rows[name].astype(object), use_na_sentinel=False)[0])
        for name in names
    ]
    key = np.zeros(len(rows), dtype=np.int64)
    product = 1
    for code in codes:
        radix = int(code.max(initial=0)) + 1
        if product * radix >= 1 << 62:  # re-number the combinations so far to stay in range
            key = np.asarray(pd.factorize(key)[0], dtype=np.int64)
            product = int(key.max(initial=0)) + 1
        key = key * radix + code
        product *= radix
    return np.asarray(pd.factorize(key)[0], dtype=np.int64)


# --------------------------------------------------------------------------------------------
# The whole analysis
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeInterval:
    """A node's rate with its linearised SE, 95% interval and the sibling-overlap flag."""

    node: int
    interval: Interval
    overlaps_sibling: bool | None


@dataclass(frozen=True)
class Uncertainty:
    """Intervals for one analysis (see module docstring)."""

    design: SurveyDesign
    mean: Interval
    nodes: tuple[NodeInterval, ...]
    gap: Interval | None
    d_index: tuple[float, float] | None
    hoi: tuple[float, float] | None
    bootstrap: BootstrapResult | None
    n_rows: int
    extra: dict[str, Any] = field(default_factory=dict)

    def node(self, node_id: int) -> NodeInterval:
        for item in self.nodes:
            if item.node == node_id:
                return item
        raise KeyError(node_id)

    def to_dict(self) -> dict[str, Any]:
        """The ``uncertainty`` block of the run result."""
        data: dict[str, Any] = {
            "method": self.design.method,
            "design": self.design.describe(),
            "confidence": 0.95,
            "interval": "normal (estimate ± 1.96 SE), Taylor linearisation",
            "bootstrap": "Rao-Wu rescaling, n_h - 1 PSUs per stratum, percentile interval",
            "replicates": self.bootstrap.replicates if self.bootstrap else 0,
            "seed": self.bootstrap.seed if self.bootstrap else None,
            "n_rows": self.n_rows,
            "note": self.design.note,
        }
        data.update(self.extra)
        return data


def _rows(
    frame: pd.DataFrame,
    *,
    outcome: str,
    circumstances: Sequence[Circumstance | str],
    weight: str | None,
    missing_circumstance: str,
) -> np.ndarray:
    """Rows the engine analyses (the rules of :func:`analysis.engine.cells.build_cells`):
    ``"level"`` drops rows missing a numeric circumstance, ``"drop"`` rows missing any, and a
    surrogate policy (rows routed by surrogate splits) keeps them, except rows missing every
    circumstance when there is no weight column (rpart's ``na.rpart``)."""
    keep = pd.to_numeric(frame[outcome], errors="coerce").notna().to_numpy().copy()
    if weight is not None:
        keep &= pd.to_numeric(frame[weight], errors="coerce").notna().to_numpy()
    specs = list(map(as_circumstance, circumstances))
    if missing_circumstance in ("level", "drop"):
        for spec in specs:
            absent = frame[spec.name].isna().to_numpy()
            if spec.kind == "numeric" or missing_circumstance == "drop":
                keep &= ~absent
    elif specs and weight is None:
        keep &= ~frame[[s.name for s in specs]].isna().all(axis=1).to_numpy()
    return keep


def analyse_uncertainty(
    frame: pd.DataFrame,
    tree: RegressionTree,
    *,
    outcome: str,
    circumstances: Sequence[Circumstance | str],
    weight: str | None = None,
    cluster: str | None = None,
    strata: str | None = None,
    behind: int | None = None,
    ahead: int | None = None,
    complement: bool = False,
    outcome_is_binary: bool = False,
    missing_circumstance: str = "level",
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    lonely_psu: LonelyPsu = "adjust",
    bootstrap: bool = True,
    design_sample: pd.DataFrame | None = None,
    row_leaf: np.ndarray | None = None,
) -> Uncertainty:
    """SEs and 95% intervals of every node rate, the gap (ahead − behind, as a positive
    number), the overall mean (Taylor), and D and HOI (Rao–Wu bootstrap, ``replicates``
    replicates seeded by ``seed``). ``behind``/``ahead`` are the leaves' node numbers; a leaf
    is flagged ``overlaps_sibling`` when its interval and its sibling node's intersect.
    ``design_sample`` holds the ``cluster``/``strata`` columns of every row of the survey
    sample when ``frame`` is a subpopulation (see :func:`make_design`). ``row_leaf`` (the deepest
    node number of every row of ``frame`` as the tree placed it, 0 for a row not analysed)
    replaces both the row filter and the routing of rows by the path conditions: it is exact
    for rows the tree sent by surrogate splits.

    Intervals are centred on the tree's own node means and gap; if routing the rows does not
    reproduce a node's mean, its SE is approximate and ``membership_warning`` says so. D and
    HOI are bootstrapped on the rows with a value for every circumstance when the policy is
    a surrogate one (the engine computes D on those rows), on all analysed rows otherwise.
    """
    specs = [as_circumstance(c) for c in circumstances]
    for column in (cluster, strata):
        if column is not None and column not in frame.columns:
            raise EngineError(f"Design column {column!r} not found in the data.")
    keep = (
        np.asarray(row_leaf) > 0
        if row_leaf is not None
        else _rows(
            frame,
            outcome=outcome,
            circumstances=specs,
            weight=weight,
            missing_circumstance=missing_circumstance,
        )
    )
    rows = frame.loc[keep]
    y = pd.to_numeric(rows[outcome], errors="coerce").to_numpy(dtype=np.float64)
    w = (
        np.ones(len(rows))
        if weight is None
        else pd.to_numeric(rows[weight], errors="coerce").to_numpy(dtype=np.float64)
    )
    design = make_design(
        len(rows),
        psu=rows[cluster] if cluster else None,
        strata=rows[strata] if strata else None,
        lonely_psu=lonely_psu,
        cluster_column=cluster,
        strata_column=strata,
        sample_psu=design_sample[cluster] if design_sample is not None and cluster else None,
        sample_strata=design_sample[strata] if design_sample is not None and strata else None,
    )
    bounds = (0.0, 1.0) if outcome_is_binary else None
    position = {node.id: j for j, node in enumerate(tree.nodes)}
    if row_leaf is not None:
        leaf = np.asarray(row_leaf, dtype=np.int64)[keep]
    else:
        leaf = row_leaves(rows, tree)
    # A node's domain is the rows whose deepest node lies in its subtree: its leaves' rows,
    # plus rows the tree left in an inner node below it (rows that reach no node have weight
    # 0 and add nothing).
    node_ids = np.array(sorted(node.id for node in tree.nodes), dtype=np.int64)
    slot = np.minimum(np.searchsorted(node_ids, leaf), node_ids.shape[0] - 1)
    leaf_code = np.where(node_ids[slot] == leaf, slot, -1)
    parent = {node.id: node.parent for node in tree.nodes}
    below: dict[int, set[int]] = {node.id: set() for node in tree.nodes}
    for k, node_id in enumerate(node_ids):
        current: int | None = int(node_id)
        while current is not None:
            below[current].add(k)
            current = parent[current]
    influence: dict[int, np.ndarray] = {}
    estimates: dict[int, float] = {}
    intervals = []
    for node in tree.nodes:
        in_node = np.zeros(node_ids.shape[0] + 1, dtype=bool)
        in_node[list(below[node.id])] = True
        # leaf_code −1 reads the last entry (False); the root holds every analysed row
        mask = np.ones(len(rows), dtype=bool) if node.parent is None else in_node[leaf_code]
        wd = np.where(mask, w, 0.0)
        total = float(wd.sum())
        mean = float((wd * y).sum() / total) if total > 0 else float("nan")
        z = wd * (y - (mean if total > 0 else 0.0)) / (total if total > 0 else 1.0)
        if node.id in (ahead, behind):
            influence[node.id] = z
        estimates[node.id] = mean
        variance = float(linearised_covariance(z, design)[0, 0])
        intervals.append(
            wald_interval(node.mean, float(np.sqrt(max(variance, 0.0))), bounds=bounds)
        )
    node_items = []
    for j, node in enumerate(tree.nodes):
        overlaps: bool | None = None
        if node.is_leaf and node.parent is not None:
            sibling = node.id + 1 if node.id % 2 == 0 else node.id - 1
            if sibling in position:
                other = intervals[position[sibling]]
                mine = intervals[j]
                overlaps = bool(mine.low <= other.high and other.low <= mine.high)
        node_items.append(NodeInterval(node.id, intervals[j], overlaps))

    gap = None
    if behind is not None and ahead is not None and behind in influence and ahead in influence:
        by_id = {node.id: node for node in tree.nodes}
        difference = by_id[ahead].mean - by_id[behind].mean
        sign = 1.0 if difference >= 0 else -1.0
        contrast = influence[ahead] - influence[behind]
        variance = float(linearised_covariance(contrast, design)[0, 0])
        gap = wald_interval(sign * difference, float(np.sqrt(max(variance, 0.0))))

    overall = intervals[0]
    mismatch = [
        node.id
        for node in tree.nodes
        if not np.isclose(estimates[node.id], node.mean, rtol=1e-9, atol=1e-12)
        and np.isfinite(estimates[node.id])
    ]
    boot = None
    if bootstrap and len(rows):
        names = [s.name for s in specs]
        if missing_circumstance in ("level", "drop") or not names:
            complete = np.ones(len(rows), dtype=bool)
        else:
            complete = rows[names].notna().all(axis=1).to_numpy()
        if complete.any():
            # rows left out of D keep their PSU, with weight 0 (a domain of the design)
            group = np.zeros(len(rows), dtype=np.int64)
            group[complete] = _groups(rows.loc[complete], names)
            boot = bootstrap_d_hoi(
                y,
                np.where(complete, w, 0.0),
                group,
                design,
                replicates=replicates,
                seed=seed,
                complement=complement,
            )
    return Uncertainty(
        design=design,
        mean=overall,
        nodes=tuple(node_items),
        gap=gap,
        d_index=boot.d_interval if boot else None,
        hoi=boot.hoi_interval if boot else None,
        bootstrap=boot,
        n_rows=len(rows),
        extra=(
            {
                "membership_warning": (
                    "Rows sent down the tree by its conditions do not reproduce the mean of "
                    f"node(s) {', '.join(map(str, mismatch))}; their intervals are approximate."
                )
            }
            if mismatch
            else {}
        ),
    )


def attach_uncertainty(data: dict[str, Any], uncertainty: Uncertainty) -> dict[str, Any]:
    """Add the interval keys to a :func:`analysis.engine.run.result_to_dict` dictionary.

    Additive: ``nodes[].se``, ``nodes[].ci`` ([low, high]), ``nodes[].overlaps_sibling``
    (leaves only), ``mean_ci``, ``gap_se``, ``gap_ci``, ``d_index_ci``, ``hoi_ci`` and the
    ``uncertainty`` block.
    """
    by_node: Mapping[int, NodeInterval] = {item.node: item for item in uncertainty.nodes}
    for node in data.get("nodes", []):
        item = by_node.get(node["id"])
        if item is None:
            continue
        node["se"] = item.interval.se
        node["ci"] = item.interval.as_list()
        if item.overlaps_sibling is not None:
            node["overlaps_sibling"] = item.overlaps_sibling
    data["mean_ci"] = uncertainty.mean.as_list()
    data["gap_se"] = uncertainty.gap.se if uncertainty.gap else None
    data["gap_ci"] = uncertainty.gap.as_list() if uncertainty.gap else None
    data["d_index_ci"] = list(uncertainty.d_index) if uncertainty.d_index else None
    data["hoi_ci"] = list(uncertainty.hoi) if uncertainty.hoi else None
    data["uncertainty"] = uncertainty.to_dict()
    for key in ("furthest_behind", "furthest_ahead"):
        profile = data.get(key)
        if profile and profile.get("node") in by_node:
            profile["ci"] = by_node[profile["node"]].interval.as_list()
    return data
