"""Dissimilarity index (D), Human Opportunity Index (HOI) and D's Shapley decomposition.

Source: Paes de Barros, Ferreira, Molinas Vega & Saavedra Chanduvi (2009), *Measuring
Inequality of Opportunities in Latin America and the Caribbean*, World Bank, ch. 2; ESCAP's
``Rfiles/ShapleyValue.R`` (``unescap/LNOB_Rcode``); Shorrocks (2013), *Decomposition
procedures for distributional analysis: a unified framework based on the Shapley value*.

For the cross-classification of the population by a set of circumstances into groups g with
weight share β_g = W_g / W and weighted mean p_g, and overall weighted mean p̄:

    D = Σ_g β_g |p_g − p̄| / (2 p̄)  =  Σ_g |S_g − W_g p̄| / (2 Σ_g S_g),   D = 0 if p̄ = 0,
    HOI = p̄ (1 − D),

where S_g = Σ w y over group g. Groups are unions of cells, so everything is computed from
the cell table by grouping on the chosen circumstances; the rows are not read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import factorial

import numpy as np

from analysis.engine.cells import CellTable, complete_cells
from analysis.engine.errors import EngineError

MAX_SHAPLEY_CIRCUMSTANCES = 16
_DENSE_GROUP_LIMIT = 1 << 20
_DENSE_CUBE_LIMIT = 1 << 22


@dataclass(frozen=True)
class ShapleyShare:
    """Contribution of one circumstance to D: its Shapley value and value / D."""

    circumstance: str
    value: float
    share: float


@dataclass(frozen=True)
class DIndexResult:
    """D, HOI and their decomposition for one circumstance set.

    ``mean`` is p̄ of the outcome D was computed on: the complement 1 − y when
    ``on_complement`` (barrier indicators), otherwise y. ``single_circumstance`` holds D for
    each circumstance on its own; ``shapley`` is empty when not requested.
    """

    d_index: float
    hoi: float
    mean: float
    on_complement: bool
    single_circumstance: dict[str, float]
    shapley: tuple[ShapleyShare, ...]


class _SubsetD:
    """D for any subset of circumstances, given as a bit mask over the cell table's order.

    Each subset's groups are formed from the smallest already-formed superset with one more
    circumstance (``all_subsets``), so the 2^K tables shrink as circumstances are dropped and
    no table is built twice.
    """

    def __init__(self, cells: CellTable, *, complement: bool) -> None:
        # A row missing a circumstance (code −1) is in no group: D uses the complete rows.
        complete = complete_cells(cells)
        if complete is None:
            raise EngineError("No row has a value for every circumstance, so D is undefined.")
        cells = complete
        self.codes = cells.codes
        self.n_circ = len(cells.levels)
        self.radices = [max(len(levels), 1) for levels in cells.levels]
        self.weight = cells.weight
        self.sum_y = cells.weight - cells.sum_wy if complement else cells.sum_wy
        total_w = float(self.weight.sum())
        self.total_y = float(self.sum_y.sum())
        self.mean = self.total_y / total_w if total_w > 0 else 0.0

    def _group(
        self, codes: np.ndarray, weight: np.ndarray, sum_y: np.ndarray, members: list[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sum rows of (codes, weight, sum_y) that agree on ``members``; codes of the groups."""
        product = 1
        for k in members:
            product *= self.radices[k]
        if product <= _DENSE_GROUP_LIMIT:
            key = np.zeros(codes.shape[0], dtype=np.int64)
            for k in members:
                key = key * self.radices[k] + codes[:, k]
            group_w = np.bincount(key, weights=weight, minlength=product)
            group_y = np.bincount(key, weights=sum_y, minlength=product)
            present = np.flatnonzero(np.bincount(key, minlength=product))
            group_codes = np.zeros((present.shape[0], self.n_circ), dtype=np.int64)
            rest = present.copy()
            for k in reversed(members):
                group_codes[:, k] = rest % self.radices[k]
                rest //= self.radices[k]
            return group_codes, group_w[present], group_y[present]
        group_codes, key = np.unique(codes[:, members], axis=0, return_inverse=True)
        key = key.reshape(-1)
        full_codes = np.zeros((group_codes.shape[0], self.n_circ), dtype=np.int64)
        full_codes[:, members] = group_codes
        return (
            full_codes,
            np.bincount(key, weights=weight),
            np.bincount(key, weights=sum_y),
        )

    def _d(self, group_w: np.ndarray, group_y: np.ndarray) -> float:
        if self.total_y <= 0:
            return 0.0
        return float(np.abs(group_y - group_w * self.mean).sum() / (2.0 * self.total_y))

    def __call__(self, mask: int) -> float:
        """D for one subset, grouping the cells directly."""
        if mask == 0:
            return 0.0
        members = [k for k in range(self.n_circ) if mask >> k & 1]
        _, group_w, group_y = self._group(self.codes, self.weight, self.sum_y, members)
        return self._d(group_w, group_y)

    def all_subsets(self) -> np.ndarray:
        """D for every subset, indexed by bit mask (D(∅) = 0)."""
        product = 1
        for radix in self.radices:
            product *= radix
        if product <= _DENSE_CUBE_LIMIT:
            return self._all_subsets_dense()
        return self._all_subsets_grouped()

    def _all_subsets_dense(self) -> np.ndarray:
        """All subsets from the dense K-dimensional table of W and S: a subset's table is its
        smallest superset's table summed over the one extra axis."""
        full = (1 << self.n_circ) - 1
        key = np.zeros(self.codes.shape[0], dtype=np.int64)
        for k in range(self.n_circ):
            key = key * self.radices[k] + self.codes[:, k]
        size = int(np.prod(self.radices))
        cube_w = np.bincount(key, weights=self.weight, minlength=size).reshape(self.radices)
        cube_y = np.bincount(key, weights=self.sum_y, minlength=size).reshape(self.radices)
        cubes = {full: (cube_w, cube_y)}
        values = np.zeros(full + 1)
        values[full] = self._d(cube_w, cube_y)
        for mask in sorted(range(1, full), key=lambda m: -bin(m).count("1")):
            best_parent, best_size, axis = 0, -1, 0
            for k in range(self.n_circ):
                if mask >> k & 1:
                    continue
                parent = mask | 1 << k
                if parent in cubes and (best_size < 0 or cubes[parent][0].size < best_size):
                    best_parent, best_size = parent, cubes[parent][0].size
                    axis = bin(parent & ((1 << k) - 1)).count("1")
            parent_w, parent_y = cubes[best_parent]
            cubes[mask] = (parent_w.sum(axis=axis), parent_y.sum(axis=axis))
            values[mask] = self._d(*cubes[mask])
        return values

    def _all_subsets_grouped(self) -> np.ndarray:
        full = (1 << self.n_circ) - 1
        tables = {full: (self.codes, self.weight, self.sum_y)}
        values = np.zeros(full + 1)
        values[full] = self._d(self.weight, self.sum_y)
        for mask in sorted(range(1, full), key=lambda m: -bin(m).count("1")):
            supersets = [mask | 1 << k for k in range(self.n_circ) if not mask >> k & 1]
            parent = min(supersets, key=lambda m: tables[m][0].shape[0])
            members = [k for k in range(self.n_circ) if mask >> k & 1]
            tables[mask] = self._group(*tables[parent], members)
            values[mask] = self._d(tables[mask][1], tables[mask][2])
        return values


def dissimilarity_index(
    cells: CellTable, circumstances: Sequence[str] | None = None, *, complement: bool = False
) -> float:
    """D = Σ_g β_g |p_g − p̄| / (2 p̄) over the cross-classification by ``circumstances``.

    ``circumstances`` defaults to all circumstances of the cell table; ``complement=True``
    computes D for 1 − y (barrier indicators). D = 0 when p̄ = 0 or no circumstance is given.
    Source: Paes de Barros et al. (2009), eq. 2.2.
    """
    names = cells.names if circumstances is None else tuple(circumstances)
    unknown = [name for name in names if name not in cells.names]
    if unknown:
        raise EngineError(f"Unknown circumstance(s) for D: {', '.join(map(repr, unknown))}.")
    mask = 0
    for name in names:
        mask |= 1 << cells.names.index(name)
    return _SubsetD(cells, complement=complement)(mask)


def human_opportunity_index(mean: float, d_index: float) -> float:
    """HOI = p̄ (1 − D): coverage discounted by its unequal allocation (Paes de Barros et al.)."""
    return mean * (1.0 - d_index)


def shapley_values(d_of_subset: np.ndarray, n_players: int) -> np.ndarray:
    """Exact Shapley values of a set function given on all 2^K subsets (bit masks).

    φ_a = Σ_{S ⊆ N∖{a}} |S|! (K − |S| − 1)! / K! · (v(S ∪ {a}) − v(S)); with v(∅) = 0 they sum
    to v(N) (efficiency). ``d_of_subset[mask]`` is v of the subset encoded by ``mask``.
    """
    masks = np.arange(1 << n_players)
    sizes = np.array([bin(m).count("1") for m in masks])
    coefficient = np.array(
        [
            factorial(s) * factorial(n_players - s - 1) / factorial(n_players)
            for s in range(n_players)
        ]
    )
    values = np.zeros(n_players)
    for a in range(n_players):
        without = masks[(masks >> a & 1) == 0]
        gains = d_of_subset[without | (1 << a)] - d_of_subset[without]
        values[a] = float((coefficient[sizes[without]] * gains).sum())
    return values


def d_index_analysis(
    cells: CellTable, *, complement: bool = False, shapley: bool = True
) -> DIndexResult:
    """D, HOI, single-circumstance D and (optionally) the exact Shapley decomposition of D.

    Shapley decomposition over the K circumstances with D(∅) = 0 (ESCAP ``ShapleyValue.R``):
    D_a = Σ_{S ⊆ N∖{a}} |S|!(K−|S|−1)!/K! · (D(S ∪ {a}) − D(S)); Σ_a D_a = D and the shares
    D_a / D sum to 1 (all shares are 0 when D = 0). Each of the 2^K subset values is computed
    once from the cell table and reused; K is limited to 16.
    """
    subset_d = _SubsetD(cells, complement=complement)
    n_circ = len(cells.names)
    full = (1 << n_circ) - 1
    d_full = subset_d(full)
    single = {name: subset_d(1 << k) for k, name in enumerate(cells.names)}
    shares: tuple[ShapleyShare, ...] = ()
    if shapley and n_circ > 0:
        if n_circ > MAX_SHAPLEY_CIRCUMSTANCES:
            raise EngineError(
                f"The Shapley decomposition over {n_circ} circumstances needs 2^{n_circ} D "
                f"values; use at most {MAX_SHAPLEY_CIRCUMSTANCES} or switch it off."
            )
        values = shapley_values(subset_d.all_subsets(), n_circ)
        shares = tuple(
            ShapleyShare(name, float(values[k]), float(values[k] / d_full) if d_full > 0 else 0.0)
            for k, name in enumerate(cells.names)
        )
    return DIndexResult(
        d_index=d_full,
        hoi=human_opportunity_index(subset_d.mean, d_full),
        mean=subset_d.mean,
        on_complement=complement,
        single_circumstance=single,
        shapley=shares,
    )
