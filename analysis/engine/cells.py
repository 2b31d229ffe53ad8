"""Validate survey rows once and aggregate them into cells.

A *cell* is the set of rows sharing the same value of every circumstance. Everything the
engine computes afterwards -- the regression tree, the D-index, its Shapley decomposition --
depends on the rows only through per-cell sufficient statistics:

    n_c      = number of rows in cell c (unweighted; rpart's ``minsplit`` counts rows)
    n⁺_c     = rows of cell c with a positive weight (rpart's split search and ``minbucket``
               see only these: ``bsplit.c`` skips rows with ``wt == 0``)
    W_c      = Σ_{i∈c} w_i
    S_c      = Σ_{i∈c} w_i y_i
    Q_c      = Σ_{i∈c} w_i y_i²
    SSw_c    = Σ_{i∈c} w_i (y_i − S_c/W_c)²       (within-cell weighted sum of squares)

because rows with identical circumstances can never be separated by a split, and a group's
weighted mean and sum of squares are sums of these. So the rows are read exactly once, with
vectorised code (categorical codes combined into one integer key, then ``np.bincount``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.engine.errors import EngineError

CircumstanceKind = Literal["unordered", "ordered", "numeric"]
MissingPolicy = Literal["surrogate", "level", "drop"]
MISSING_POLICIES = ("surrogate", "level", "drop")

MISSING_LEVEL = "Missing"
_KINDS = ("unordered", "ordered", "numeric")
_MAX_DENSE_KEYS = 1 << 22


@dataclass(frozen=True)
class Circumstance:
    """A circumstance (predictor) of the analysis.

    ``kind`` is ``"unordered"`` (levels may be grouped in any way), ``"ordered"`` (only cuts
    respecting ``order``, lowest level first) or ``"numeric"`` (thresholds between observed
    values). ``order`` is required for ordered circumstances unless the column is an ordered
    pandas Categorical; for unordered ones it optionally fixes the list of allowed levels.
    """

    name: str
    kind: CircumstanceKind = "unordered"
    order: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise EngineError(
                f"Circumstance {self.name!r} has kind {self.kind!r}; "
                f"use one of {', '.join(_KINDS)}."
            )
        if self.order is not None:
            object.__setattr__(self, "order", tuple(self.order))
            if len(set(self.order)) != len(self.order):
                raise EngineError(f"The level order of {self.name!r} repeats a level.")
        if self.kind == "numeric" and self.order is not None:
            raise EngineError(f"Numeric circumstance {self.name!r} takes no level order.")


def as_circumstance(spec: Circumstance | str) -> Circumstance:
    """Accept a :class:`Circumstance` or a bare column name (an unordered circumstance)."""
    if isinstance(spec, Circumstance):
        return spec
    if isinstance(spec, str):
        return Circumstance(spec)
    raise EngineError(f"A circumstance must be a column name or a Circumstance, not {spec!r}.")


@dataclass(frozen=True, eq=False)
class CellTable:
    """Per-cell sufficient statistics of the analysed population (see module docstring).

    ``codes[c, k]`` is the level code of circumstance ``k`` in cell ``c``; ``levels[k][code]``
    is the level's value. Level codes follow the level order: the given order for ordered
    circumstances, ascending values for numeric ones, the category order (or sorted values)
    for unordered ones, with the ``"Missing"`` level last (``missing_policy="level"``).

    With ``missing_policy="surrogate"`` a missing value has the code −1: a cell is then the
    set of rows sharing every value *and* the pattern of missingness, and the tree sends the
    cells missing a split's circumstance down by surrogate splits, as rpart does
    (:mod:`analysis.engine.tree`).
    """

    circumstances: tuple[Circumstance, ...]
    levels: tuple[tuple[Any, ...], ...]
    codes: np.ndarray
    n: np.ndarray
    weight: np.ndarray
    sum_wy: np.ndarray
    sum_wy2: np.ndarray
    ss_within: np.ndarray
    n_input_rows: int
    n_dropped_missing_outcome: int
    n_dropped_missing_weight: int
    n_dropped_missing_circumstance: int
    outcome_is_binary: bool
    outcome_min: float
    outcome_max: float
    # Rows with a positive weight per cell; None means every row has one (n⁺ = n).
    n_positive: np.ndarray | None = None
    missing_policy: str = "level"
    # Surrogate policy with weights: rows missing every circumstance that are kept (na.rpart
    # keeps them because the weight is a column of the model frame); they follow the
    # majority direction at every split.
    n_kept_missing_every_circumstance: int = 0
    # The cell of every analysed row, in input order (None when not recorded), and which
    # input rows were analysed (None: all of them).
    row_cell: np.ndarray | None = None
    row_kept: np.ndarray | None = None
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(c.name for c in self.circumstances))
        if self.n_positive is None:
            object.__setattr__(self, "n_positive", self.n)

    @property
    def n_zero_weight_rows(self) -> int:
        """Rows kept in the counts but ignored by the split search (weight 0)."""
        return int(self.n.sum() - self.n_positive.sum())

    def input_row_cells(self) -> np.ndarray | None:
        """The cell of every *input* row (−1 for a dropped row), or None if not recorded."""
        if self.row_cell is None:
            return None
        if self.row_kept is None:
            return self.row_cell
        out = np.full(self.row_kept.shape[0], -1, dtype=np.int64)
        out[self.row_kept] = self.row_cell
        return out

    @property
    def complete(self) -> np.ndarray:
        """Boolean mask of the cells with a value for every circumstance (no code −1)."""
        if self.codes.shape[1] == 0:
            return np.ones(self.codes.shape[0], dtype=bool)
        return (self.codes >= 0).all(axis=1)

    @property
    def n_complete_rows(self) -> int:
        """Rows with a value for every circumstance."""
        return int(self.n[self.complete].sum())

    @property
    def n_cells(self) -> int:
        """Number of non-empty cells."""
        return int(self.n.shape[0])

    @property
    def n_rows(self) -> int:
        """Unweighted number of rows analysed (N)."""
        return int(self.n.sum())

    @property
    def total_weight(self) -> float:
        """Σ w over the analysed rows."""
        return float(self.weight.sum())

    @property
    def mean(self) -> float:
        """Weighted mean ȳ = Σ w y / Σ w."""
        return float(self.sum_wy.sum() / self.weight.sum())

    def level_label(self, k: int, code: int) -> str:
        """Human-readable label of level ``code`` of circumstance ``k``."""
        return _format_level(self.levels[k][code])


def _format_level(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _require_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(map(str, list(frame.columns)[:20]))
        raise EngineError(
            f"Column(s) {', '.join(map(repr, missing))} not found in the data; "
            f"available columns: {available}."
        )


def _as_float(series: pd.Series, role: str) -> np.ndarray:
    """Numeric values of ``series`` as float64 with NaN for missing; EngineError otherwise."""
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    else:
        try:
            values = pd.to_numeric(series, errors="raise").to_numpy(
                dtype="float64", na_value=np.nan
            )
        except (TypeError, ValueError):
            examples = series.dropna().astype(str).unique()[:3]
            raise EngineError(
                f"The {role} column {series.name!r} must be numeric; it holds values such as "
                f"{', '.join(map(repr, examples))}. Recode it (e.g. to 0/1) before the analysis."
            ) from None
    if np.isinf(values).any():
        raise EngineError(f"The {role} column {series.name!r} contains infinite values.")
    return values


def _encode_categorical(series: pd.Series, spec: Circumstance) -> tuple[np.ndarray, list[Any]]:
    """Level codes (−1 for missing) and level values of an unordered/ordered circumstance."""
    order = spec.order
    if order is None and spec.kind == "ordered":
        if isinstance(series.dtype, pd.CategoricalDtype) and series.dtype.ordered:
            order = tuple(series.dtype.categories)
        else:
            raise EngineError(
                f"Ordered circumstance {spec.name!r} needs its level order, lowest first "
                f"(e.g. Circumstance({spec.name!r}, 'ordered', ('Lower', 'Secondary', 'Higher')))."
            )
    if order is not None:
        if isinstance(series.dtype, pd.CategoricalDtype):  # map the levels, not the rows
            by_level = pd.Index(list(order)).get_indexer(series.cat.categories.astype(object))
            level_codes = np.asarray(series.cat.codes)
            codes = np.append(by_level, -1).astype(np.int64)[level_codes]
            # A category outside the order: only then look for its rows.
            unknown = (
                (codes < 0) & (level_codes >= 0)
                if (by_level < 0).any()
                else np.zeros(0, dtype=bool)
            )
        else:
            codes = pd.Index(list(order)).get_indexer(series.astype(object)).astype(np.int64)
            unknown = (codes < 0) & series.notna().to_numpy()
        if unknown.any():
            examples = pd.unique(series[unknown].astype(str))[:5]
            raise EngineError(
                f"Circumstance {spec.name!r} has values outside its declared levels "
                f"{list(order)!r}: {', '.join(map(repr, examples))}."
            )
        return codes, list(order)
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = np.asarray(series.cat.codes, dtype=np.int64)
        categories = list(series.dtype.categories)
        # Shifted by one so that missing (−1) counts in bin 0: one pass, no boolean mask.
        observed = np.bincount(codes + 1, minlength=len(categories) + 1)[1:] > 0
        if not observed.all():
            remap = np.cumsum(observed) - 1
            codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
            categories = [c for c, keep in zip(categories, observed, strict=True) if keep]
        return codes, categories
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError:  # mixed types cannot be sorted: sort their text instead
        codes, uniques = pd.factorize(series.astype("string"), sort=True)
    return np.asarray(codes, dtype=np.int64), list(np.asarray(uniques, dtype=object).tolist())


def _encode_numeric(series: pd.Series, spec: Circumstance) -> tuple[np.ndarray, list[Any]]:
    values = _as_float(series, f"numeric circumstance {spec.name!r}:")
    codes, uniques = pd.factorize(values, sort=True)
    return np.asarray(codes, dtype=np.int64), [float(u) for u in uniques]


def _combine_codes(codes: list[np.ndarray], radices: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Map each row's tuple of level codes to a cell index.

    Returns ``(inverse, cell_codes)``: the cell of every row, and the level codes of every
    cell, cells sorted lexicographically by their codes (first circumstance slowest), so the
    result does not depend on the order of the rows.
    """
    n_rows = codes[0].shape[0] if codes else 0
    n_circ = len(codes)
    if n_circ == 0:
        return np.zeros(n_rows, dtype=np.int64), np.zeros((1, 0), dtype=np.int64)
    product = 1
    for r in radices:
        product *= max(r, 1)
    if product < (1 << 62):
        strides = [1] * n_circ
        for k in range(n_circ - 2, -1, -1):
            strides[k] = strides[k + 1] * max(radices[k + 1], 1)
        key = codes[0] * strides[0] if strides[0] != 1 else codes[0].copy()
        for k in range(1, n_circ):
            key += codes[k] * strides[k] if strides[k] != 1 else codes[k]
        if product <= max(_MAX_DENSE_KEYS, 2 * n_rows):
            present = np.flatnonzero(np.bincount(key, minlength=product))
            lookup = np.empty(product, dtype=np.int64)
            lookup[present] = np.arange(present.shape[0])
            inverse = lookup[key]
            uniq = present
        else:
            uniq, inverse = np.unique(key, return_inverse=True)
        cell_codes = np.empty((uniq.shape[0], n_circ), dtype=np.int64)
        for k in range(n_circ):
            cell_codes[:, k] = (uniq // strides[k]) % max(radices[k], 1)
        return inverse, cell_codes
    # Too many level combinations for one 64-bit key: sort rows of the code matrix instead.
    matrix = np.stack(codes, axis=1)
    cell_codes, inverse = np.unique(matrix, axis=0, return_inverse=True)
    return inverse.reshape(-1), cell_codes


def build_cells(
    frame: pd.DataFrame,
    *,
    outcome: str,
    circumstances: Sequence[Circumstance | str],
    weight: str | None = None,
    weight_divisor: float = 1.0,
    missing_circumstance: MissingPolicy = "surrogate",
) -> CellTable:
    """Validate the rows and aggregate them into cells (one pass over the rows).

    Rows with a missing outcome are dropped and counted (``n_dropped_missing_outcome``); of
    the rest, rows with a missing weight are dropped and counted (``n_dropped_missing_weight``).
    Missing circumstance values, by ``missing_circumstance``:

    * ``"surrogate"`` (default, rpart's own handling): the missing value is kept as code −1
      and the tree routes such rows by surrogate splits. Rows are dropped only as rpart's
      ``na.rpart`` drops them: when *every* circumstance is missing **and** there is no weight
      column (na.rpart looks at the model frame, where the weight is one more column, so with
      weights a row missing every circumstance is kept and follows the majority direction);
    * ``"level"``: a missing value of an unordered or ordered circumstance becomes the level
      ``"Missing"`` (last in the order); numeric circumstances have no such level, so rows
      missing one are dropped;
    * ``"drop"``: rows missing any circumstance are dropped.

    Dropped rows are counted in ``n_dropped_missing_circumstance``.

    Weights are divided by ``weight_divisor`` (DHS stores weights × 1,000,000); rescaling all
    weights changes no result. Raises :class:`EngineError` for missing columns, a non-numeric
    outcome or weight, negative weights, or an empty population.
    """
    if not isinstance(frame, pd.DataFrame):
        raise EngineError("The data must be a pandas DataFrame.")
    specs = tuple(as_circumstance(c) for c in circumstances)
    names = [c.name for c in specs]
    if len(set(names)) != len(names):
        raise EngineError("A circumstance is listed twice.")
    if outcome in names:
        raise EngineError(f"The outcome {outcome!r} cannot also be a circumstance.")
    if weight is not None and (weight == outcome or weight in names):
        raise EngineError(f"The weight column {weight!r} cannot be the outcome or a circumstance.")
    _require_columns(frame, [outcome, *names] + ([weight] if weight else []))
    if missing_circumstance not in MISSING_POLICIES:
        raise EngineError("missing_circumstance must be 'surrogate', 'level' or 'drop'.")
    if not (np.isfinite(weight_divisor) and weight_divisor > 0):
        raise EngineError(f"weight_divisor must be a positive number, not {weight_divisor!r}.")

    n_input = len(frame)
    y = _as_float(frame[outcome], "outcome")
    keep = ~np.isnan(y)
    n_missing_outcome = int(n_input - keep.sum())
    if weight is not None:
        w = _as_float(frame[weight], "weight")
        if (w < 0).any():
            raise EngineError(
                f"The weight column {weight!r} has {(w < 0).sum()} negative value(s); "
                "sample weights must be zero or positive."
            )
        w_missing = np.isnan(w) & keep
        n_missing_weight = int(w_missing.sum())
        keep &= ~w_missing
    else:
        w = None
        n_missing_weight = 0

    encoded: list[tuple[np.ndarray, list[Any]]] = []
    n_missing_circ = 0
    missing_rows = np.zeros(n_input, dtype=bool)
    surrogate = missing_circumstance == "surrogate"
    all_missing = np.ones(n_input, dtype=bool) if surrogate and specs else None
    any_absent = False  # some circumstance value is missing (surrogate policy)
    for spec in specs:
        series = frame[spec.name]
        if surrogate:
            if spec.kind == "numeric":
                codes, levels = _encode_numeric(series, spec)
            else:
                codes, levels = _encode_categorical(series, spec)
            absent = codes < 0
            if absent.any():
                any_absent = True
                all_missing &= absent
            else:
                all_missing[:] = False
        elif spec.kind == "numeric":
            codes, levels = _encode_numeric(series, spec)
            missing_rows |= codes < 0
        else:
            codes, levels = _encode_categorical(series, spec)
            absent = codes < 0
            if absent.any():
                if missing_circumstance == "drop":
                    missing_rows |= absent
                elif (absent & keep).any():
                    if MISSING_LEVEL in levels:
                        code = levels.index(MISSING_LEVEL)
                    else:
                        code = len(levels)
                        levels = [*levels, MISSING_LEVEL]
                    codes = np.where(absent, code, codes)
        encoded.append((codes, levels))
    n_kept_missing_every = 0
    if all_missing is not None and w is None:
        missing_rows = all_missing  # na.rpart: no weight column, every predictor missing
    elif all_missing is not None:
        n_kept_missing_every = int((all_missing & keep).sum())
    if missing_rows.any():
        n_missing_circ = int((missing_rows & keep).sum())
        keep &= ~missing_rows

    if not keep.any():
        raise EngineError(
            f"No rows left to analyse: of {n_input} rows, {n_missing_outcome} lack the outcome, "
            f"{n_missing_weight} the weight and {n_missing_circ} a circumstance value. "
            "Check the population filter and the outcome rule."
        )
    row_kept = None
    if not keep.all():
        row_kept = keep
        y = y[keep]
        if w is not None:
            w = w[keep]
        encoded = [(codes[keep], levels) for codes, levels in encoded]
    if w is not None and weight_divisor != 1.0:
        w = w / weight_divisor
    if w is not None and not (w.sum() > 0):
        raise EngineError(f"All weights in {weight!r} are zero for the analysed rows.")

    if surrogate and any_absent and not all((codes >= 0).all() for codes, _ in encoded):
        # Missing (−1) becomes code 0 of one more level for the key, and −1 again after (in
        # place: the code arrays are this function's own and are not used afterwards).
        for codes, _ in encoded:
            codes += 1
        inverse, cell_codes = _combine_codes(
            [codes for codes, _ in encoded], [len(levels) + 1 for _, levels in encoded]
        )
        cell_codes -= 1
    else:
        inverse, cell_codes = _combine_codes(
            [codes for codes, _ in encoded], [len(levels) for _, levels in encoded]
        )
    n_cells = cell_codes.shape[0]
    counts = np.bincount(inverse, minlength=n_cells).astype(np.int64)
    n_positive = counts
    if w is None:
        cell_w = counts.astype(np.float64)
        wy = y
    else:
        cell_w = np.bincount(inverse, weights=w, minlength=n_cells)
        wy = w * y
        zero = w == 0
        if zero.any():
            n_positive = counts - np.bincount(inverse[zero], minlength=n_cells).astype(np.int64)
    sum_wy = np.bincount(inverse, weights=wy, minlength=n_cells)
    sum_wy2 = np.bincount(inverse, weights=wy * y, minlength=n_cells)
    y_min, y_max = float(y.min()), float(y.max())
    is_binary = bool(np.isin(y, (0.0, 1.0)).all())
    cell_mean = np.divide(sum_wy, cell_w, out=np.zeros(n_cells), where=cell_w > 0)
    if is_binary:
        # y² = y, so Σw(y − m)² = S(1 − m) exactly, without a second pass over the rows.
        ss_within = np.maximum(sum_wy * (1.0 - cell_mean), 0.0)
    else:
        dev = y - cell_mean[inverse]
        ss_within = np.bincount(
            inverse, weights=(dev * dev if w is None else w * dev * dev), minlength=n_cells
        )

    return CellTable(
        circumstances=specs,
        levels=tuple(tuple(levels) for _, levels in encoded),
        codes=cell_codes,
        n=counts,
        weight=cell_w,
        sum_wy=sum_wy,
        sum_wy2=sum_wy2,
        ss_within=ss_within,
        n_input_rows=n_input,
        n_dropped_missing_outcome=n_missing_outcome,
        n_dropped_missing_weight=n_missing_weight,
        n_dropped_missing_circumstance=n_missing_circ,
        outcome_is_binary=is_binary,
        outcome_min=y_min,
        outcome_max=y_max,
        n_positive=n_positive,
        missing_policy=missing_circumstance,
        n_kept_missing_every_circumstance=n_kept_missing_every,
        row_cell=inverse,
        row_kept=row_kept,
    )


def complement_cells(cells: CellTable) -> CellTable:
    """The same cells for the outcome 1 − y (used for barrier indicators).

    S' = W − S, Q' = Σw(1 − y)² = W − 2S + Q; the within-cell sum of squares is unchanged.
    """
    return CellTable(
        circumstances=cells.circumstances,
        levels=cells.levels,
        codes=cells.codes,
        n=cells.n,
        weight=cells.weight,
        sum_wy=cells.weight - cells.sum_wy,
        sum_wy2=cells.weight - 2 * cells.sum_wy + cells.sum_wy2,
        ss_within=cells.ss_within,
        n_input_rows=cells.n_input_rows,
        n_dropped_missing_outcome=cells.n_dropped_missing_outcome,
        n_dropped_missing_weight=cells.n_dropped_missing_weight,
        n_dropped_missing_circumstance=cells.n_dropped_missing_circumstance,
        outcome_is_binary=cells.outcome_is_binary,
        outcome_min=1.0 - cells.outcome_max,
        outcome_max=1.0 - cells.outcome_min,
        n_positive=cells.n_positive,
        missing_policy=cells.missing_policy,
        n_kept_missing_every_circumstance=cells.n_kept_missing_every_circumstance,
        row_cell=cells.row_cell,
        row_kept=cells.row_kept,
    )


def complete_cells(cells: CellTable) -> CellTable | None:
    """The cells with a value for every circumstance (None if there are none).

    D, HOI and the Shapley decomposition are computed on these rows: a cross-classification
    has no group for a row missing one of its circumstances.
    """
    keep = cells.complete
    if keep.all():
        return cells
    if not keep.any():
        return None
    return CellTable(
        circumstances=cells.circumstances,
        levels=cells.levels,
        codes=cells.codes[keep],
        n=cells.n[keep],
        weight=cells.weight[keep],
        sum_wy=cells.sum_wy[keep],
        sum_wy2=cells.sum_wy2[keep],
        ss_within=cells.ss_within[keep],
        n_input_rows=cells.n_input_rows,
        n_dropped_missing_outcome=cells.n_dropped_missing_outcome,
        n_dropped_missing_weight=cells.n_dropped_missing_weight,
        n_dropped_missing_circumstance=cells.n_dropped_missing_circumstance,
        outcome_is_binary=cells.outcome_is_binary,
        outcome_min=cells.outcome_min,
        outcome_max=cells.outcome_max,
        n_positive=cells.n_positive[keep],
        missing_policy=cells.missing_policy,
        n_kept_missing_every_circumstance=cells.n_kept_missing_every_circumstance,
    )


def level_values(cells: CellTable, name: Hashable) -> tuple[Any, ...]:
    """Level values of the circumstance called ``name``, in code order."""
    return cells.levels[cells.names.index(name)]
