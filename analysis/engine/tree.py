"""Weighted least-squares regression tree, equivalent to R ``rpart(method = "anova")``.

Reference: Therneau & Atkinson, *An Introduction to Recursive Partitioning Using the RPART
Routines*, and the rpart C sources (``anova.c``, ``bsplit.c``, ``partition.c``, ``graycode.c``,
``rpart.c``, ``surrogate.c``, ``choose_surg.c``, ``nodesplit.c``, ``insert_split.c``), as
called by ESCAP's ``build_tree`` in ``unescap/LNOB_Rcode`` (``Rfiles/TreeAndLogistic.R``).

For a node with weighted sum of squares SS = Σ w (y − ȳ_w)² the best binary split maximises

    ΔSS = SS − SS_left − SS_right = W_L (ȳ_L − ȳ)² + W_R (ȳ_R − ȳ)²

over the circumstances and their admissible cuts:

* unordered: the levels present in the node are sorted by weighted mean (stable, ties in level
  order) and the k − 1 cuts of that order are scanned -- the optimal binary partition for
  squared error (Breiman et al. 1984, §9.4), not one-vs-rest;
* ordered: only cuts between consecutive present levels of the given order;
* numeric: thresholds at the midpoint between consecutive observed values.

Both children must hold at least ``minbucket`` unweighted rows *with a positive weight*: as
in rpart's ``bsplit.c``, rows of weight 0 are left out of the split search (they cannot make
a level "present", count toward ``minbucket`` or place a numeric threshold), but they count
toward ``minsplit`` and in every node's ``n``, and follow the split to a child: by the
threshold for numeric and ordered circumstances (rpart treats both as numbers); a level of an
unordered circumstance seen only in zero-weight rows gets no direction, and, as in rpart's
``nodesplit.c``, those rows stay in the parent and reach no child. The tree works on cells
(:mod:`analysis.engine.cells`), never on rows: rows with identical circumstances cannot be
separated, so the scan over cells is the scan over rows.

Missing circumstance values (cells with code −1, ``missing_circumstance="surrogate"``) are
handled as rpart does with ESCAP's (default) controls ``maxsurrogate = 5``,
``usesurrogate = 2``, ``surrogatestyle = 0``. The split search for circumstance k sees only
the cells with a value of k (``bsplit.c``): minbucket counts their positive-weight rows and
ΔSS is centred on their own mean (and divided by the whole node's SS for rpart's scale test,
which does not change the ranking). Once a split is chosen, ``surrogate.c`` /
``choose_surg.c`` are ported on cells: for every other circumstance, the split that agrees
best (by weight, over the rows with both values and a primary direction) with the primary
direction -- numeric and ordered circumstances by a cut between consecutive values present
in the node, unordered ones level by level -- kept if its adjusted agreement
(agree − majority) / (1 − majority) exceeds 1e-10 with agreement and majority over the weight
sent by the primary; at most 5, by decreasing agreement (ties: the earlier circumstance).
As in the C code, a categorical surrogate needs more than one positive-weight row against
and more than one along its level directions, and a numeric one at least two each side of
the cut. The cells missing k then follow (``nodesplit.c``) the first surrogate that gives
them a direction, else the side with more primary weight, else (an exact tie) stay in the
parent. Nodes' n, weight and mean include the routed rows, as rpart's frame does.

Stopping and the complexity parameter follow rpart's ``partition()`` exactly: a node is not
split if it has fewer than ``minsplit`` rows, is at depth ``max_depth`` (root depth 0), or no
admissible split exists; a split is kept only if the cost-complexity of the subtree it starts,
(SS_node − Σ SS_leaves) / (number of splits), after collapsing weaker children, exceeds
α = cp × SS_root. For a split whose children are leaves this is simply ΔSS > cp × SS_root.

Ties: between circumstances the one listed first wins (rpart keeps the first of equal
improvements); improvements within 1e-12 (relative) count as equal so that floating-point
summation order cannot reverse this. Within a circumstance the first best cut in scan order
wins. As in rpart, node 2i (the left child) is the child with the lower weighted mean (of
the rows with a value of the split's circumstance: rows sent by surrogates may reverse it).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from analysis.engine.cells import CellTable
from analysis.engine.errors import EngineError

ESCAP_MIN_BUCKET_FLOOR = 49
ESCAP_MIN_BUCKET_DIVISOR = 11
ESCAP_MIN_BUCKET_DIVISOR_ETHNICITY = 19
ESCAP_MAX_DEPTH = 6
_TIE_TOLERANCE = 1e-12
_RPART_ISCALE_FACTOR = 1e-10
_MAX_SURROGATE = 5  # rpart.control(maxsurrogate = 5), ESCAP's (default) setting
_LEFT, _RIGHT = -1, 1  # rpart.h


@dataclass(frozen=True)
class TreeParams:
    """Growth controls, with rpart's meaning.

    ``minbucket``: minimum unweighted rows in any leaf; ``minsplit``: minimum unweighted rows
    in a node for a split to be attempted; ``cp``: a split must reduce the weighted SS by more
    than cp × SS_root; ``max_depth``: deepest level of nodes (root depth 0).
    """

    minbucket: int
    minsplit: int
    cp: float
    max_depth: int

    def __post_init__(self) -> None:
        if self.minbucket < 1:
            raise EngineError(f"minbucket must be at least 1, not {self.minbucket}.")
        if self.minsplit < 1:
            raise EngineError(f"minsplit must be at least 1, not {self.minsplit}.")
        if not (self.cp >= 0 and math.isfinite(self.cp)):
            raise EngineError(f"cp must be a non-negative number, not {self.cp}.")
        if not 0 <= self.max_depth <= 30:
            raise EngineError(
                f"max_depth must be between 0 and 30 (rpart's limit), not {self.max_depth}."
            )


def escap_params(
    n_rows: int,
    *,
    minbucket_divisor: float = ESCAP_MIN_BUCKET_DIVISOR,
    minbucket: int | None = None,
    minsplit: int | None = None,
    cp: float | None = None,
    max_depth: int | None = None,
) -> TreeParams:
    """ESCAP's tree controls for N analysed rows, each overridable.

    ESCAP (``Rfiles/TreeAndLogistic.R``) computes ``min_node = max(49, N/11)`` (N/19 when
    religion, ethnicity or caste are predictors) and calls
    ``rpart.control(cp = 1/N, maxdepth = 6, minbucket = min_node, minsplit = 2*min_node)``
    with the *unrounded* ``min_node``. rpart's C entry point (``rpart.c``) then truncates both
    to integers (``rp.min_node = (int) minbucket; rp.min_split = (int) minsplit``). Hence

        minbucket = ⌊max(49, N/11)⌋,   minsplit = ⌊2·max(49, N/11)⌋,

    which for N = 3750 gives 340 and 681 (not 2 × 340 = 680). When only ``minbucket`` is
    overridden, ``minsplit`` defaults to 2 × minbucket.
    """
    if n_rows < 1:
        raise EngineError("The tree needs at least one row.")
    if minbucket_divisor <= 0:
        raise EngineError("minbucket_divisor must be positive.")
    min_node = max(float(ESCAP_MIN_BUCKET_FLOOR), n_rows / minbucket_divisor)
    if minbucket is None:
        bucket = int(min_node)
        split = int(2 * min_node) if minsplit is None else int(minsplit)
    else:
        bucket = int(minbucket)
        split = 2 * bucket if minsplit is None else int(minsplit)
    return TreeParams(
        minbucket=bucket,
        minsplit=split,
        cp=1.0 / n_rows if cp is None else float(cp),
        max_depth=ESCAP_MAX_DEPTH if max_depth is None else int(max_depth),
    )


@dataclass(frozen=True)
class SplitCondition:
    """The condition that leads from a parent into a node.

    For unordered and ordered circumstances ``levels`` lists the levels (present in the parent)
    that go into the node; for numeric ones ``operator`` ("<" or ">=") and ``threshold``.
    """

    circumstance: str
    kind: str
    levels: tuple[str, ...] | None
    operator: str | None
    threshold: float | None
    label: str


@dataclass(frozen=True)
class TreeNode:
    """One node in rpart numbering (root 1, children 2i and 2i + 1; 2i has the lower mean)."""

    id: int
    parent: int | None
    depth: int
    condition: SplitCondition | None
    n: int
    weight: float
    share: float
    mean: float
    deviance: float
    is_leaf: bool


@dataclass(frozen=True)
class RegressionTree:
    """A grown tree: nodes in depth-first (rpart frame) order and the controls used.

    ``attempted`` is False when the outcome admits no tree (e.g. a 0/1 outcome with mean 0 or
    1); ``reason`` then says why. A tree may be attempted and still have only the root.

    ``cell_node[c]`` is the deepest node reached by cell ``c`` of the cell table the tree was
    grown on: a leaf, or an inner node for the cells rpart leaves in the parent (a level seen
    only with weight 0, an exact tie of the majority direction). With
    :meth:`CellTable.input_row_cells <analysis.engine.cells.CellTable.input_row_cells>` it
    gives each row its node, including rows sent down by surrogate splits (rpart's ``where``).
    """

    nodes: tuple[TreeNode, ...]
    params: TreeParams
    attempted: bool
    reason: str | None
    cell_node: np.ndarray | None = field(default=None, compare=False, repr=False)

    def node(self, node_id: int) -> TreeNode:
        """The node with rpart number ``node_id``."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    @property
    def leaves(self) -> tuple[TreeNode, ...]:
        """Terminal nodes, depth-first."""
        return tuple(node for node in self.nodes if node.is_leaf)

    def path(self, node_id: int) -> tuple[SplitCondition, ...]:
        """Conditions from the root down to ``node_id``."""
        by_id = {node.id: node for node in self.nodes}
        conditions: list[SplitCondition] = []
        current = by_id[node_id]
        while current.condition is not None and current.parent is not None:
            conditions.append(current.condition)
            current = by_id[current.parent]
        return tuple(reversed(conditions))


@dataclass
class _Split:
    circumstance: int
    improvement: float
    left_codes: np.ndarray
    right_codes: np.ndarray
    left_condition: SplitCondition
    right_condition: SplitCondition


class _Grower:
    """rpart's recursive ``partition()`` over cells (see module docstring)."""

    def __init__(self, cells: CellTable, params: TreeParams) -> None:
        self.cells = cells
        self.params = params
        self.n = cells.n.astype(np.float64)
        self.n_positive = cells.n_positive.astype(np.float64)
        self.w = cells.weight
        self.s = cells.sum_wy
        self.cell_mean = np.divide(
            cells.sum_wy, cells.weight, out=np.zeros_like(cells.weight), where=cells.weight > 0
        )
        self.n_levels = [len(levels) for levels in cells.levels]
        self.has_missing = [
            bool((cells.codes[:, k] < 0).any()) for k in range(len(cells.circumstances))
        ]
        # Numbers rpart compares for numeric (values) and ordered (codes) circumstances.
        self.position = [
            np.asarray(levels, dtype=np.float64)
            if spec.kind == "numeric"
            else np.arange(len(levels), dtype=np.float64)
            for spec, levels in zip(cells.circumstances, cells.levels, strict=True)
        ]
        self.iscale = 0.0
        self.alpha = 0.0

    def stats(self, idx: np.ndarray) -> tuple[int, float, float, float]:
        """(n, W, mean, SS) of the cells ``idx``; SS = Σ SSw_c + Σ W_c (m_c − m)²."""
        weight = float(self.w[idx].sum())
        mean = float(self.s[idx].sum() / weight) if weight > 0 else 0.0
        dev = self.cell_mean[idx] - mean
        ss = float(self.cells.ss_within[idx].sum() + (self.w[idx] * dev * dev).sum())
        return int(self.cells.n[idx].sum()), weight, mean, ss

    def best_split(self, idx: np.ndarray, weight: float, mean: float, risk: float) -> _Split | None:
        best: _Split | None = None
        minbucket = self.params.minbucket
        for k, spec in enumerate(self.cells.circumstances):
            n_lev = self.n_levels[k]
            codes = self.cells.codes[idx, k]
            sub = idx
            k_weight, k_mean = weight, mean
            if self.has_missing[k]:
                # bsplit.c: the search for circumstance k sees only the rows with a value of k
                # (and a positive weight); anova.c centres on their own weighted mean.
                present_rows = codes >= 0
                if not present_rows.all():
                    sub, codes = idx[present_rows], codes[present_rows]
                    k_weight = float(self.w[sub].sum())
                    if not k_weight > 0:
                        continue
                    k_mean = float(self.s[sub].sum()) / k_weight
            count = np.bincount(codes, weights=self.n_positive[sub], minlength=n_lev)
            present = np.flatnonzero(count > 0)
            if present.size < 2:
                continue
            lev_w = np.bincount(codes, weights=self.w[sub], minlength=n_lev)[present]
            lev_s = np.bincount(codes, weights=self.s[sub], minlength=n_lev)[present]
            centred = lev_s - lev_w * k_mean
            if spec.kind == "unordered":
                # Sorted by the plain level mean S/W: levels with equal means (e.g. two levels
                # where everyone has y = 1) then tie exactly and keep their level order, so the
                # split does not depend on the order of the rows (the centred mean S/W − ȳ
                # carries rounding that does).
                lev_mean = np.divide(lev_s, lev_w, out=np.zeros_like(lev_w), where=lev_w > 0)
                order = np.argsort(lev_mean, kind="stable")
            else:
                order = np.arange(present.size)
            cum_n = np.cumsum(count[present][order])[:-1]
            cum_w = np.cumsum(lev_w[order])[:-1]
            cum_s = np.cumsum(centred[order])[:-1]
            total_n = cum_n[-1] + count[present][order][-1]
            right_n = total_n - cum_n
            right_w = k_weight - cum_w
            valid = (cum_n >= minbucket) & (right_n >= minbucket) & (cum_w > 0) & (right_w > 0)
            if not valid.any():
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                gain = np.where(valid, cum_s * cum_s / cum_w + cum_s * cum_s / right_w, -1.0)
            cut = int(np.argmax(gain))
            improvement = float(gain[cut])
            if improvement <= 0:
                continue
            relative = improvement / risk
            self.iscale = max(self.iscale, relative)
            if relative <= self.iscale * _RPART_ISCALE_FACTOR:
                continue
            if best is not None and improvement <= best.improvement * (1 + _TIE_TOLERANCE):
                continue
            low = present[order[: cut + 1]]
            high = present[order[cut + 1 :]]
            if spec.kind != "unordered":
                # Levels seen only with weight 0 follow the threshold, as in rpart (x < split
                # point goes with the low side). rpart splits an ordered factor on its integer
                # codes, a numeric one on its values; the point is the midpoint of the two
                # neighbouring levels present with a positive weight.
                all_codes = np.arange(n_lev)
                position = self.position[k]
                point = (position[int(low.max())] + position[int(high.min())]) / 2.0
                goes_low = position < point
                low_all, high_all = all_codes[goes_low], all_codes[~goes_low]
            else:
                low_all, high_all = low, high
            low_mean = cum_s[cut] / cum_w[cut]
            high_mean = -cum_s[cut] / right_w[cut]
            if spec.kind == "unordered":
                low_first = not (low_mean > high_mean)
            else:
                # rpart: direction LEFT iff left_sum < right_sum
                low_first = cum_s[cut] < -cum_s[cut]
            low_cond, high_cond = self._conditions(k, low, high)
            if low_first:
                best = _Split(k, improvement, low_all, high_all, low_cond, high_cond)
            else:
                best = _Split(k, improvement, high_all, low_all, high_cond, low_cond)
        return best

    def directions(self, idx: np.ndarray, split: _Split) -> np.ndarray:
        """Where each cell of the node goes: −1 left child, +1 right child, 0 nowhere.

        Port of ``nodesplit.c`` with ``usesurrogate = 2``: cells with a value of the split's
        circumstance follow the primary split (a level of an unordered circumstance seen
        only with weight 0 has no direction and its rows stay in the parent, not looked at
        by the surrogates); cells missing it follow the first surrogate (in rpart's order)
        that gives them a direction, else the majority direction (by weight) of the primary,
        else -- an exact 50/50 tie -- stay in the parent.
        """
        k = split.circumstance
        codes = self.cells.codes[idx, k]
        table = np.zeros(self.n_levels[k] + 1, dtype=np.int8)  # last entry: code −1
        table[split.left_codes] = _LEFT
        table[split.right_codes] = _RIGHT
        direction = table[codes]
        if self.has_missing[k]:
            missing = codes < 0
            if missing.any():
                direction[missing] = self._surrogate_route(idx, k, direction, missing)
        return direction

    def _surrogate_route(
        self, idx: np.ndarray, k: int, primary: np.ndarray, missing: np.ndarray
    ) -> np.ndarray:
        """Directions of the cells ``missing`` the primary circumstance ``k`` (surrogate.c,
        choose_surg.c and nodesplit.c with maxsurrogate = 5, surrogatestyle = 0)."""
        w = self.w[idx]
        n_pos = self.n_positive[idx]
        goes_left, goes_right = primary == _LEFT, primary == _RIGHT
        t_left = float(w[goes_left].sum())
        t_right = float(w[goes_right].sum())
        if t_left < t_right:
            last = _RIGHT
        elif t_left > t_right:
            last = _LEFT
        else:
            last = 0
        total = t_left + t_right
        majority = max(t_left, t_right) / total if total > 0 else 1.0
        known = goes_left | goes_right
        surrogates: list[tuple[float, int, np.ndarray]] = []  # (agreement, i, dir per code)
        for i, spec in enumerate(self.cells.circumstances):
            if i == k:
                continue
            x = self.cells.codes[idx, i]
            has_x = x >= 0
            found = self._choose_surrogate(
                i, spec.kind == "unordered", x, has_x, known & has_x, goes_left, w, n_pos
            )
            if found is None or not total > 0:
                continue
            agree, table = found
            agreement = agree / total
            adj = (agreement - majority) / (1.0 - majority) if majority < 1.0 else 0.0
            if adj <= 1e-10:
                continue
            # insert_split: descending agreement; a tie keeps the earlier circumstance first.
            at = len(surrogates)
            for pos, (other, _, _) in enumerate(surrogates):
                if agreement > other * (1 + _TIE_TOLERANCE):
                    at = pos
                    break
            if at < _MAX_SURROGATE:
                surrogates.insert(at, (agreement, i, table))
                del surrogates[_MAX_SURROGATE:]
        rows = np.flatnonzero(missing)
        out = np.zeros(rows.size, dtype=np.int8)
        todo = np.ones(rows.size, dtype=bool)
        for _, i, table in surrogates:
            x = self.cells.codes[idx[rows], i]
            routed = todo & (x >= 0)
            dirs = table[np.where(routed, x, 0)]
            routed &= dirs != 0
            out[routed] = dirs[routed]
            todo &= ~routed
            if not todo.any():
                break
        out[todo] = last
        return out

    def _choose_surrogate(
        self,
        i: int,
        unordered: bool,
        x: np.ndarray,
        has_x: np.ndarray,
        pair: np.ndarray,
        goes_left: np.ndarray,
        w: np.ndarray,
        n_pos: np.ndarray,
    ) -> tuple[float, np.ndarray] | None:
        """choose_surg.c for circumstance ``i``: (agreeing weight, direction per level code),
        or None when it finds no split sending at least two rows each way."""
        n_lev = self.n_levels[i]
        xp = x[pair]
        left_p = goes_left[pair]
        wp, cp = w[pair], n_pos[pair]
        lwt = np.bincount(xp, weights=np.where(left_p, wp, 0.0), minlength=n_lev)
        rwt = np.bincount(xp, weights=np.where(left_p, 0.0, wp), minlength=n_lev)
        lcnt = np.bincount(xp, weights=np.where(left_p, cp, 0.0), minlength=n_lev)
        rcnt = np.bincount(xp, weights=np.where(left_p, 0.0, cp), minlength=n_lev)
        table = np.zeros(n_lev, dtype=np.int8)
        if unordered:
            ll, rr = float(lwt.sum()), float(rwt.sum())
            default_right = not ll > rr
            seen = (lcnt > 0) | (rcnt > 0)
            to_right = seen & ((lwt < rwt) | ((lwt == rwt) & default_right))
            to_left = seen & ~to_right
            table[to_right] = _RIGHT
            table[to_left] = _LEFT
            agree = float(np.where(to_right, rwt, lwt)[seen].sum())
            # choose_surg.c's "at least 2 each way" as the C code has it: its lcount adds the
            # rows *against* each level's direction and rcount the rows along it (positive
            # weight only), so a surrogate that never disagrees is not used.
            against = float(np.where(to_right, lcnt, rcnt)[seen].sum())
            along = float(np.where(to_right, rcnt, lcnt)[seen].sum())
            if not (against > 1 and along > 1):
                return None
            return agree, table
        # Numeric and ordered: rpart compares numbers (ordered factors by their codes). The
        # cuts lie between consecutive values present in the node (any row with a value).
        present = np.flatnonzero(np.bincount(x[has_x], minlength=n_lev) > 0)
        if present.size < 2:
            return None
        lw, rw = lwt[present], rwt[present]
        cnt = (lcnt + rcnt)[present]
        ll_total, rl_total = float(lw.sum()), float(rw.sum())
        agree0 = ll_total if ll_total > rl_total else rl_total
        below_n = np.cumsum(cnt)[:-1]
        above_n = float(cnt.sum()) - below_n
        below_l = np.cumsum(lw)[:-1]
        below_r = np.cumsum(rw)[:-1]
        a = (ll_total - below_l) + below_r  # values below the cut go right
        b = below_l + (rl_total - below_r)  # values below the cut go left
        valid = (below_n >= 2) & (above_n >= 2)
        if not valid.any():
            return None
        best = np.where(valid, np.maximum(a, b), -np.inf)
        cut = int(np.argmax(best))
        if not best[cut] > agree0:
            return None
        below_goes = _RIGHT if a[cut] >= b[cut] else _LEFT
        position = self.position[i]
        point = (position[present[cut]] + position[present[cut + 1]]) / 2.0
        table = np.where(position < point, below_goes, -below_goes).astype(np.int8)
        return float(best[cut]), table

    def _conditions(
        self, k: int, low: np.ndarray, high: np.ndarray
    ) -> tuple[SplitCondition, SplitCondition]:
        spec = self.cells.circumstances[k]
        name = spec.name
        if spec.kind == "numeric":
            values = self.cells.levels[k]
            threshold = (values[int(low.max())] + values[int(high.min())]) / 2.0
            text = f"{threshold:g}"
            return (
                SplitCondition(name, spec.kind, None, "<", threshold, f"{name} < {text}"),
                SplitCondition(name, spec.kind, None, ">=", threshold, f"{name} >= {text}"),
            )

        def level_condition(codes: np.ndarray) -> SplitCondition:
            labels = tuple(self.cells.level_label(k, int(c)) for c in np.sort(codes))
            if len(labels) == 1:
                label = f"{name} = {labels[0]}"
            else:
                label = f"{name} in {{{', '.join(labels)}}}"
            return SplitCondition(name, spec.kind, labels, None, None, label)

        return level_condition(low), level_condition(high)


@dataclass
class _Node:
    id: int
    depth: int
    idx: np.ndarray
    n: int
    weight: float
    mean: float
    risk: float
    complexity: float = 0.0
    condition: SplitCondition | None = None
    left: _Node | None = None
    right: _Node | None = None


def _partition(grower: _Grower, me: _Node) -> tuple[int, float]:
    """Port of rpart's ``partition()``: returns (number of splits kept, Σ leaf risk)."""
    params = grower.params
    alpha = grower.alpha
    tempcp = me.risk if me.id == 1 else min(me.risk, me.complexity)
    if me.n < params.minsplit or tempcp <= alpha or me.depth >= params.max_depth:
        me.complexity = alpha
        return 0, me.risk
    split = grower.best_split(me.idx, me.weight, me.mean, me.risk)
    if split is None:
        me.complexity = alpha
        return 0, me.risk
    direction = grower.directions(me.idx, split)
    children = []
    for offset, side, condition in (
        (0, _LEFT, split.left_condition),
        (1, _RIGHT, split.right_condition),
    ):
        child_idx = me.idx[direction == side]
        n, weight, mean, risk = grower.stats(child_idx)
        children.append(
            _Node(
                2 * me.id + offset,
                me.depth + 1,
                child_idx,
                n,
                weight,
                mean,
                risk,
                condition=condition,
            )
        )
    left, right = children
    me.left, me.right = left, right

    left.complexity = tempcp - alpha
    left_split, left_risk = _partition(grower, left)
    tempcp = (me.risk - left_risk) / (left_split + 1)
    tempcp = max(tempcp, me.risk - left.risk)
    tempcp = min(tempcp, me.complexity)
    right.complexity = tempcp - alpha
    right_split, right_risk = _partition(grower, right)

    tempcp = (me.risk - (left_risk + right_risk)) / (left_split + right_split + 1)
    if right.complexity > left.complexity:
        if tempcp > left.complexity:
            left_risk, left_split = left.risk, 0
            tempcp = (me.risk - (left_risk + right_risk)) / (left_split + right_split + 1)
            if tempcp > right.complexity:
                right_risk, right_split = right.risk, 0
    elif tempcp > right.complexity:
        right_risk, right_split = right.risk, 0
        tempcp = (me.risk - (left_risk + right_risk)) / (left_split + right_split + 1)
        if tempcp > left.complexity:
            left_risk, left_split = left.risk, 0
    me.complexity = (me.risk - (left_risk + right_risk)) / (left_split + right_split + 1)
    if me.complexity <= alpha:
        me.left = me.right = None
        return 0, me.risk
    return left_split + right_split + 1, left_risk + right_risk


def _walk(node: _Node, parent: int | None, total_weight: float) -> Iterator[TreeNode]:
    yield TreeNode(
        id=node.id,
        parent=parent,
        depth=node.depth,
        condition=node.condition,
        n=node.n,
        weight=node.weight,
        share=node.weight / total_weight,
        mean=node.mean,
        deviance=node.risk,
        is_leaf=node.left is None,
    )
    if node.left is not None and node.right is not None:
        yield from _walk(node.left, node.id, total_weight)
        yield from _walk(node.right, node.id, total_weight)


def grow_tree(cells: CellTable, params: TreeParams | None = None) -> RegressionTree:
    """Grow the rpart-equivalent anova tree on the cells (see module docstring).

    A tree is attempted only if the outcome varies: for a 0/1 outcome, 0 < ȳ_w < 1 (ESCAP's
    rule); for a numeric outcome, SS_root > 0. Otherwise the result is the root alone, with
    ``attempted=False`` and a ``reason``.
    """
    params = params or escap_params(cells.n_rows)
    grower = _Grower(cells, params)
    n_cells = cells.n_cells
    root_idx = np.arange(n_cells)
    n, weight, mean, risk = grower.stats(root_idx)
    root = _Node(1, 0, root_idx, n, weight, mean, risk, complexity=risk)
    reason: str | None = None
    if cells.outcome_is_binary and not (0.0 < mean < 1.0):
        reason = f"No tree: the weighted mean of the 0/1 outcome is {mean:g}, so nobody differs."
    elif not risk > 0:
        reason = "No tree: the outcome is constant."
    if reason is not None:
        return RegressionTree(
            tuple(_walk(root, None, weight)), params, False, reason, _cell_nodes(root, n_cells)
        )
    grower.alpha = params.cp * risk
    n_splits, _ = _partition(grower, root)
    if n_splits == 0:
        reason = "No split satisfies minsplit, minbucket, max_depth and cp."
    return RegressionTree(
        tuple(_walk(root, None, weight)), params, True, reason, _cell_nodes(root, n_cells)
    )


def _cell_nodes(root: _Node, n_cells: int) -> np.ndarray:
    """The deepest kept node of every cell (parents first, so children overwrite)."""
    out = np.zeros(n_cells, dtype=np.int64)
    stack = [root]
    while stack:
        node = stack.pop()
        out[node.idx] = node.id
        if node.left is not None and node.right is not None:
            stack += [node.left, node.right]
    return out


@dataclass(frozen=True)
class LeafProfile:
    """A leaf singled out for reporting: its number, size, rate and the path leading to it."""

    node: int
    n: int
    weight: float
    share: float
    mean: float
    path: tuple[SplitCondition, ...]

    @property
    def path_labels(self) -> tuple[str, ...]:
        """Readable conditions from the root, e.g. ("Wealth = Bottom 40%", "Residence = Rural")."""
        return tuple(condition.label for condition in self.path)


@dataclass(frozen=True)
class TreeExtremes:
    """Furthest-behind and furthest-ahead leaves and the gap |mean_ahead − mean_behind|."""

    furthest_behind: LeafProfile
    furthest_ahead: LeafProfile
    gap: float


def furthest_leaves(tree: RegressionTree, *, barrier: bool = False) -> TreeExtremes:
    """The leaves with the lowest and highest weighted mean.

    For an opportunity (access) the lowest-mean leaf is furthest behind; for a barrier
    (stunting, child marriage…) the highest-mean leaf is. Ties on the mean go to the leaf with
    the larger weight, then (as in ESCAP's ``build_tree``) to the larger node number.
    gap = |ȳ_ahead − ȳ_behind|.
    """
    leaves = tree.leaves

    def profile(node: TreeNode) -> LeafProfile:
        return LeafProfile(node.id, node.n, node.weight, node.share, node.mean, tree.path(node.id))

    lowest = max(leaves, key=lambda node: (-node.mean, node.weight, node.id))
    highest = max(leaves, key=lambda node: (node.mean, node.weight, node.id))
    behind, ahead = (highest, lowest) if barrier else (lowest, highest)
    return TreeExtremes(profile(behind), profile(ahead), abs(ahead.mean - behind.mean))
