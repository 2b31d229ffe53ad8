"""Pure statistics for the LNOB Evidence Portal: ESCAP's LNOB method and HEAT measures.

Takes pandas DataFrames and numpy arrays, returns frozen dataclasses; imports nothing from
Django or the rest of the project. Entry point: :func:`analyse`.
"""

from analysis.engine.cells import CellTable, Circumstance, build_cells
from analysis.engine.dindex import (
    DIndexResult,
    ShapleyShare,
    d_index_analysis,
    dissimilarity_index,
    human_opportunity_index,
)
from analysis.engine.distribution import (
    DistributionMeasures,
    distribution_measures,
    quintile_measures,
)
from analysis.engine.errors import EngineError
from analysis.engine.heat import GroupEstimate, HeatMeasures, group_estimates, heat_measures
from analysis.engine.run import (
    ENGINE_VERSION,
    AnalysisResult,
    DroppedRows,
    analyse,
    result_to_dict,
    tree_to_text,
)
from analysis.engine.tree import (
    LeafProfile,
    RegressionTree,
    SplitCondition,
    TreeExtremes,
    TreeNode,
    TreeParams,
    escap_params,
    furthest_leaves,
    grow_tree,
)

__all__ = [
    "distribution_measures",
    "quintile_measures",
    "ENGINE_VERSION",
    "AnalysisResult",
    "CellTable",
    "Circumstance",
    "DIndexResult",
    "DistributionMeasures",
    "DroppedRows",
    "EngineError",
    "GroupEstimate",
    "HeatMeasures",
    "LeafProfile",
    "RegressionTree",
    "ShapleyShare",
    "SplitCondition",
    "TreeExtremes",
    "TreeNode",
    "TreeParams",
    "analyse",
    "build_cells",
    "d_index_analysis",
    "dissimilarity_index",
    "escap_params",
    "furthest_leaves",
    "group_estimates",
    "grow_tree",
    "heat_measures",
    "human_opportunity_index",
    "result_to_dict",
    "tree_to_text",
]
