"""One call from a survey DataFrame to the full ESCAP LNOB result.

``analyse`` reads the rows once into cells (:mod:`analysis.engine.cells`), grows the rpart
tree (:mod:`analysis.engine.tree`), picks the furthest behind and ahead leaves, and computes
D, HOI and the Shapley decomposition of D (:mod:`analysis.engine.dindex`). Method and
defaults: PRODUCT.md §6, after ESCAP's ``unescap/LNOB_Rcode``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.engine.cells import (
    CellTable,
    Circumstance,
    MissingPolicy,
    build_cells,
    complete_cells,
)
from analysis.engine.dindex import ShapleyShare, d_index_analysis
from analysis.engine.tree import (
    ESCAP_MIN_BUCKET_DIVISOR,
    LeafProfile,
    RegressionTree,
    TreeNode,
    TreeParams,
    escap_params,
    furthest_leaves,
    grow_tree,
)
from analysis.engine.uncertainty import (
    DEFAULT_REPLICATES,
    DEFAULT_SEED,
    LonelyPsu,
    Uncertainty,
    analyse_uncertainty,
    attach_uncertainty,
)

ENGINE_VERSION = "1.2.0"  # 1.2.0: exact row → node intervals, kept rows reported


@dataclass(frozen=True)
class DroppedRows:
    """Rows left out of the analysis, by reason (counted in this order, each row once).

    ``missing_circumstance`` depends on the missing policy: with ``"surrogate"`` only rows
    rpart's ``na.rpart`` drops (every circumstance missing, and no weight column); with
    ``"level"`` rows missing a numeric circumstance; with ``"drop"`` rows missing any.
    """

    missing_outcome: int
    missing_weight: int
    missing_circumstance: int


@dataclass(frozen=True)
class AnalysisResult:
    """Everything one LNOB run produces.

    D and HOI are computed for every outcome, as ESCAP's ``cal_D`` does (D = 0 when the
    mean is not positive). For barrier indicators measured as rates (y within [0, 1]) they
    are computed on the complement 1 − y (``d_on_complement``) while the tree is grown on y
    itself; a barrier outside [0, 1] has no complement, so D is computed on y.

    When the tree does not split, no group is furthest behind or ahead (ESCAP reports none):
    ``furthest_behind``, ``furthest_ahead`` and ``gap`` are None and ``no_groups_reason``
    says why.

    The tree uses all ``n`` rows (with ``missing_policy="surrogate"`` rows missing a
    circumstance are sent down by surrogate splits, as rpart does). D, HOI and the Shapley
    decomposition need every row in a group of the cross-classification, so they are computed
    on the ``n_used_for_d`` rows with a value for every circumstance (None when there is no
    such row); HOI's coverage is the mean of those rows.
    """

    outcome: str
    circumstances: tuple[str, ...]
    barrier: bool
    n: int
    n_input_rows: int
    dropped: DroppedRows
    weighted_n: float
    mean: float
    params: TreeParams
    tree: RegressionTree
    furthest_behind: LeafProfile | None
    furthest_ahead: LeafProfile | None
    gap: float | None
    d_index: float | None
    hoi: float | None
    d_on_complement: bool
    single_circumstance_d: dict[str, float]
    shapley: tuple[ShapleyShare, ...]
    engine_version: str = ENGINE_VERSION
    no_groups_reason: str | None = None
    # Standard errors and 95% intervals (analysis.engine.uncertainty); None when not asked.
    uncertainty: Uncertainty | None = None
    outcome_is_binary: bool = False
    n_used_for_d: int | None = None
    missing_policy: str = "surrogate"
    # Weighted surrogate runs: rows missing every circumstance, kept as rpart keeps them.
    kept_missing_every_circumstance: int = 0

    @property
    def nodes(self) -> tuple[TreeNode, ...]:
        """Tree nodes, depth-first in rpart numbering."""
        return self.tree.nodes


def analyse(
    frame: pd.DataFrame,
    *,
    outcome: str,
    circumstances: Sequence[Circumstance | str],
    weight: str | None = None,
    weight_divisor: float = 1.0,
    barrier: bool = False,
    minbucket: int | None = None,
    minsplit: int | None = None,
    cp: float | None = None,
    max_depth: int | None = None,
    minbucket_divisor: float = ESCAP_MIN_BUCKET_DIVISOR,
    missing_circumstance: MissingPolicy = "surrogate",
    shapley: bool = True,
    cluster: str | None = None,
    strata: str | None = None,
    uncertainty: bool | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    lonely_psu: LonelyPsu = "adjust",
    design_sample: pd.DataFrame | None = None,
) -> AnalysisResult:
    """Run the ESCAP LNOB analysis of ``outcome`` by ``circumstances`` on survey rows.

    Defaults (ESCAP): minbucket = ⌊max(49, N/11)⌋, minsplit = ⌊2·max(49, N/11)⌋, cp = 1/N,
    max_depth = 6, N the unweighted rows analysed; pass ``minbucket_divisor=19`` when
    religion, ethnicity or caste are circumstances. Every parameter can be overridden.
    ``weight_divisor`` rescales the weights (1,000,000 for DHS). A ``barrier`` outcome (e.g.
    stunting) swaps furthest behind and ahead and puts D and HOI on the complement 1 − y.
    ``missing_circumstance``: ``"surrogate"`` (default; rpart's surrogate splits, D on the
    complete rows), ``"level"`` or ``"drop"`` (see :func:`build_cells`).
    Raises :class:`~analysis.engine.errors.EngineError` for input a person must fix.

    Intervals (:mod:`analysis.engine.uncertainty`): with ``uncertainty=True`` -- the default
    when a ``cluster`` (PSU) or ``strata`` column is given -- every node rate, the overall
    mean and the gap get Taylor-linearised SEs and 95% intervals for the design
    ``svydesign(ids = ~cluster, strata = ~strata, weights = ~weight)`` (weighted i.i.d. when
    neither column is given), and D and HOI a Rao–Wu bootstrap percentile interval
    (``replicates``, ``seed``). ``lonely_psu`` is ``"adjust"`` or ``"certainty"``. When
    ``frame`` is a subpopulation of the survey (a reference population, a region), pass the
    design columns of the whole sample as ``design_sample`` (same column names) so that PSUs
    without analysed rows still count, as in R ``survey``'s domain estimation.
    """
    cells = build_cells(
        frame,
        outcome=outcome,
        circumstances=circumstances,
        weight=weight,
        weight_divisor=weight_divisor,
        missing_circumstance=missing_circumstance,
    )
    params = escap_params(
        cells.n_rows,
        minbucket_divisor=minbucket_divisor,
        minbucket=minbucket,
        minsplit=minsplit,
        cp=cp,
        max_depth=max_depth,
    )
    tree = grow_tree(cells, params)
    if len(tree.nodes) > 1:
        extremes = furthest_leaves(tree, barrier=barrier)
        behind, ahead, gap = extremes.furthest_behind, extremes.furthest_ahead, extremes.gap
        no_groups_reason = None
    else:
        behind = ahead = gap = None
        no_groups_reason = (
            "The tree has no split, so no group is furthest behind or ahead. " + (tree.reason or "")
        ).strip()
    is_rate = cells.outcome_min >= 0.0 and cells.outcome_max <= 1.0
    d_cells = complete_cells(cells)
    if d_cells is not None and d_cells.total_weight > 0:
        inequality = d_index_analysis(d_cells, complement=barrier and is_rate, shapley=shapley)
        d_index, hoi = inequality.d_index, inequality.hoi
        single, shares = inequality.single_circumstance, inequality.shapley
        n_used_for_d = d_cells.n_rows
    else:
        d_index = hoi = None
        single, shares = {}, ()
        n_used_for_d = 0
    intervals = None
    if uncertainty or (uncertainty is None and (cluster or strata)):
        intervals = analyse_uncertainty(
            frame,
            tree,
            outcome=outcome,
            circumstances=circumstances,
            weight=weight,
            cluster=cluster,
            strata=strata,
            behind=behind.node if behind else None,
            ahead=ahead.node if ahead else None,
            complement=barrier and is_rate,
            outcome_is_binary=cells.outcome_is_binary,
            missing_circumstance=missing_circumstance,
            replicates=replicates,
            seed=seed,
            lonely_psu=lonely_psu,
            design_sample=design_sample,
            row_leaf=_row_nodes(cells, tree),
        )
    return AnalysisResult(
        outcome=outcome,
        circumstances=cells.names,
        barrier=barrier,
        n=cells.n_rows,
        n_input_rows=cells.n_input_rows,
        dropped=DroppedRows(
            missing_outcome=cells.n_dropped_missing_outcome,
            missing_weight=cells.n_dropped_missing_weight,
            missing_circumstance=cells.n_dropped_missing_circumstance,
        ),
        weighted_n=cells.total_weight,
        mean=cells.mean,
        params=params,
        tree=tree,
        furthest_behind=behind,
        furthest_ahead=ahead,
        gap=gap,
        d_index=d_index,
        hoi=hoi,
        d_on_complement=barrier and is_rate,
        single_circumstance_d=single,
        shapley=shares,
        no_groups_reason=no_groups_reason,
        uncertainty=intervals,
        outcome_is_binary=cells.outcome_is_binary,
        n_used_for_d=n_used_for_d,
        missing_policy=missing_circumstance,
        kept_missing_every_circumstance=cells.n_kept_missing_every_circumstance,
    )


def _row_nodes(cells: CellTable, tree: RegressionTree) -> np.ndarray | None:
    """The deepest node of every input row (0 for a dropped row), from the tree's own cell
    assignment, so rows sent by surrogate splits sit where the tree put them."""
    row_cells = cells.input_row_cells()
    if row_cells is None or tree.cell_node is None:
        return None
    return np.where(row_cells >= 0, tree.cell_node[np.maximum(row_cells, 0)], 0)


def _condition_dict(node: TreeNode) -> dict[str, Any] | None:
    condition = node.condition
    if condition is None:
        return None
    data: dict[str, Any] = {"circumstance": condition.circumstance}
    if condition.levels is not None:
        data["levels"] = list(condition.levels)
    else:
        data["operator"] = condition.operator
        data["threshold"] = condition.threshold
    data["label"] = condition.label
    return data


def _leaf_dict(leaf: LeafProfile | None) -> dict[str, Any] | None:
    if leaf is None:
        return None
    return {
        "node": leaf.node,
        "mean": leaf.mean,
        "share": leaf.share,
        "path": list(leaf.path_labels),
    }


def result_to_dict(result: AnalysisResult) -> dict[str, Any]:
    """The JSON-serialisable form of a result (the CLI's and the API's output shape)."""
    data: dict[str, Any] = {
        "n": result.n,
        "weighted_n": result.weighted_n,
        "mean": result.mean,
        "params": {
            "minbucket": result.params.minbucket,
            "minsplit": result.params.minsplit,
            "cp": result.params.cp,
            "max_depth": result.params.max_depth,
        },
        "nodes": [
            {
                "id": node.id,
                "parent": node.parent,
                "depth": node.depth,
                "condition": _condition_dict(node),
                "n": node.n,
                "weight": node.weight,
                "share": node.share,
                "mean": node.mean,
                "is_leaf": node.is_leaf,
            }
            for node in result.nodes
        ],
        "furthest_behind": _leaf_dict(result.furthest_behind),
        "furthest_ahead": _leaf_dict(result.furthest_ahead),
        "gap": result.gap,
        "no_groups_reason": result.no_groups_reason,
        "d_index": result.d_index,
        "hoi": result.hoi,
    }
    if result.shapley:
        data["shapley"] = {
            share.circumstance: {"value": share.value, "share": share.share}
            for share in result.shapley
        }
    data["dropped"] = {
        "missing_outcome": result.dropped.missing_outcome,
        "missing_weight": result.dropped.missing_weight,
        "missing_circumstance": result.dropped.missing_circumstance,
    }
    data["barrier"] = result.barrier
    data["engine_version"] = result.engine_version
    if result.uncertainty is not None:
        attach_uncertainty(data, result.uncertainty)
    data["n_used_for_d"] = result.n_used_for_d
    data["missing_policy"] = result.missing_policy
    data["kept_missing_every_circumstance"] = result.kept_missing_every_circumstance
    return data


def tree_to_text(result: AnalysisResult) -> str:
    """A readable printout of the tree and the summary figures, in the style of rpart's print."""
    behind = result.furthest_behind.node if result.furthest_behind else None
    ahead = result.furthest_ahead.node if result.furthest_ahead else None
    lines = [
        f"Outcome {result.outcome!r}{' (barrier)' if result.barrier else ''}: "
        f"n = {result.n}, weighted n = {result.weighted_n:.1f}, mean = {result.mean:.4f}",
        f"minbucket = {result.params.minbucket}, minsplit = {result.params.minsplit}, "
        f"cp = {result.params.cp:.6g}, max depth = {result.params.max_depth}",
        "",
        "node) condition: n, share, mean   (* leaf)",
    ]
    for node in result.nodes:
        label = "root" if node.condition is None else node.condition.label
        mark = " *" if node.is_leaf else ""
        if node.id == behind:
            mark += "  <- furthest behind"
        if node.id == ahead and ahead != behind:
            mark += "  <- furthest ahead"
        lines.append(
            f"{'  ' * node.depth}{node.id}) {label}: {node.n}, {node.share:.1%}, "
            f"{node.mean:.4f}{mark}"
        )
    if result.tree.reason:
        lines.append(result.tree.reason)
    lines.append("")
    if result.furthest_behind is None or result.furthest_ahead is None or result.gap is None:
        lines.append(f"Furthest behind / ahead: none. {result.no_groups_reason or ''}".strip())
    else:
        lines += [
            f"Furthest behind: {' & '.join(result.furthest_behind.path_labels)} "
            f"({result.furthest_behind.mean:.4f}, "
            f"{result.furthest_behind.share:.1%} of the population)",
            f"Furthest ahead:  {' & '.join(result.furthest_ahead.path_labels)} "
            f"({result.furthest_ahead.mean:.4f}, "
            f"{result.furthest_ahead.share:.1%} of the population)",
            f"Gap: {result.gap:.4f}",
        ]
    if result.d_index is not None and result.hoi is not None:
        on = " (on the complement 1 - y)" if result.d_on_complement else ""
        lines.append(f"D-index{on}: {result.d_index:.4f}   HOI: {result.hoi:.4f}")
    lines.append(_d_rows_line(result))
    if result.kept_missing_every_circumstance:
        lines.append(kept_missing_sentence(result.kept_missing_every_circumstance))
    for share in result.shapley:
        lines.append(f"  {share.circumstance}: {share.value:.4f} ({share.share:.1%})")
    return "\n".join(lines)


def kept_missing_sentence(count: int) -> str:
    """Why rows missing every circumstance are in the tree (weighted surrogate runs)."""
    return (
        f"{count} row(s) missing every circumstance are kept in the tree, as R rpart keeps "
        "them when the run is weighted (na.rpart counts the weight as a column of the model), "
        "and follow the majority direction at every split; they are not used for D, HOI "
        "and Shapley."
    )


def _d_rows_line(result: AnalysisResult) -> str:
    """How many rows D, HOI and Shapley were computed on."""
    used = result.n_used_for_d
    if used is None or used == result.n:
        return f"D, HOI and Shapley on all {result.n} rows."
    if used == 0:
        return (
            f"D, HOI and Shapley not computed: none of the {result.n} rows has a value for "
            "every circumstance."
        )
    return (
        f"D, HOI and Shapley on the {used} of {result.n} rows with a value for every "
        f"circumstance (n_used_for_d); the tree used all {result.n}, sending the others "
        "down by surrogate splits."
        if result.missing_policy == "surrogate"
        else f"D, HOI and Shapley on {used} of {result.n} rows (n_used_for_d)."
    )
