"""Rows the surrogate policy keeps or routes, against R rpart and R survey in the same run.

* With a weight column, rpart's ``na.rpart`` keeps rows missing every circumstance (the
  weight is one more column of the model frame); the engine keeps them too and now reports
  how many (``kept_missing_every_circumstance``). R's root node ``n`` is the check.
* Every row's node is the node rpart's ``where`` gives it, including rows sent down by
  surrogate splits, and each leaf's interval equals R ``survey``'s ``svymean`` on the rows
  rpart put in that leaf (``svyby`` over ``where``, a clustered stratified design).

Skipped without Rscript unless REQUIRE_R is set (CI sets it).
"""

import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from analysis.engine import analyse, build_cells, grow_tree, result_to_dict, tree_to_text
from tests.analysis.engine.test_rpart_reference import (
    MISSING_CIRCUMSTANCES,
    _survey_with_missing,
)

RSCRIPT = shutil.which("Rscript")
pytestmark = pytest.mark.skipif(
    RSCRIPT is None and not os.environ.get("REQUIRE_R"),
    reason="needs Rscript with rpart and survey (r-base-core r-cran-rpart r-cran-survey)",
)
NAMES = [c.name for c in MISSING_CIRCUMSTANCES]

R_PROGRAM = r"""
suppressMessages({library(rpart); library(survey)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "")
d$region <- factor(d$region)
d$urban <- factor(d$urban)
d$wealth <- factor(d$wealth, levels = c("poorest", "poorer", "middle", "richer", "richest"),
                   ordered = TRUE)
ctl <- rpart.control(minbucket = as.integer(args[4]), minsplit = as.integer(args[5]),
                     cp = as.numeric(args[6]), maxdepth = as.integer(args[7]), xval = 0)
form <- y ~ region + wealth + age + urban + school
if (args[8] == "weighted") {
  fit <- rpart(form, data = d, weights = w, method = "anova", control = ctl)
} else {
  fit <- rpart(form, data = d, method = "anova", control = ctl)
}
f <- fit$frame
write.csv(data.frame(node = as.integer(rownames(f)), n = f$n, wt = f$wt, yval = f$yval,
                     leaf = f$var == "<leaf>"), args[2], row.names = FALSE)
# rpart's where: the row of fit$frame of each analysed row (names: rows of d)
leaf <- rep(0L, nrow(d))
leaf[as.integer(names(fit$where))] <- as.integer(rownames(f))[fit$where]
d$leaf <- leaf
if (args[8] == "weighted") {
  options(survey.lonely.psu = "adjust")
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
  b <- svyby(~y, ~leaf, subset(des, leaf > 0), svymean)
  se <- data.frame(node = as.integer(as.character(b$leaf)), est = unname(coef(b)),
                   se = unname(SE(b)))
} else {
  se <- data.frame(node = integer(0), est = numeric(0), se = numeric(0))
}
write.csv(data.frame(leaf = leaf), args[3], row.names = FALSE)
write.csv(se, paste0(args[3], ".se.csv"), row.names = FALSE)
"""


def _designed_survey(seed: int, n: int = 2000) -> pd.DataFrame:
    """Missing values in every circumstance, 2% of rows missing all of them, positive
    weights (R ``survey`` takes 1/w as the probability), 60 PSUs in 4 strata."""
    frame = _survey_with_missing(seed, n=n)
    rng = np.random.default_rng(seed + 1000)
    frame["w"] = rng.gamma(2.0, 0.5, size=n).round(4) + 0.05
    frame["stratum"] = rng.integers(1, 5, size=n)
    frame["psu"] = rng.integers(1, 16, size=n)
    return frame


def _run_r(tmp_path, frame: pd.DataFrame, params, weighted: bool):
    data, nodes, rows = tmp_path / "d.csv", tmp_path / "nodes.csv", tmp_path / "rows.csv"
    frame.to_csv(data, index=False)
    script = tmp_path / "fit.R"
    script.write_text(R_PROGRAM)
    subprocess.run(
        [
            RSCRIPT or "Rscript",
            str(script),
            str(data),
            str(nodes),
            str(rows),
            str(params.minbucket),
            str(params.minsplit),
            repr(params.cp),
            str(params.max_depth),
            "weighted" if weighted else "unweighted",
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (
        pd.read_csv(nodes).set_index("node"),
        pd.read_csv(rows)["leaf"].to_numpy(),
        pd.read_csv(f"{rows}.se.csv").set_index("node"),
    )


@pytest.mark.parametrize("weighted", [True, False])
def test_rows_missing_every_circumstance_are_counted_as_rpart_keeps_them(tmp_path, weighted):
    frame = _designed_survey(31, n=1500)
    if not weighted:
        frame = frame.drop(columns="w")
    every = int(frame[NAMES].isna().all(axis=1).sum())
    assert every > 10
    result = analyse(
        frame,
        outcome="y",
        circumstances=MISSING_CIRCUMSTANCES,
        weight="w" if weighted else None,
        minbucket=30,
        cp=0.002,
        shapley=False,
    )
    expected, _, _ = _run_r(tmp_path, frame, result.params, weighted)
    # R's root holds the rows na.rpart kept: all 1500 with weights, 1500 − every without.
    assert result.n == expected.loc[1, "n"] == (1500 if weighted else 1500 - every)
    data = result_to_dict(result)
    text = tree_to_text(result)
    if weighted:
        assert result.kept_missing_every_circumstance == every
        assert data["kept_missing_every_circumstance"] == every
        assert data["dropped"]["missing_circumstance"] == 0
        assert f"{every} row(s) missing every circumstance are kept" in text
        assert "na.rpart" in text
    else:
        assert result.kept_missing_every_circumstance == 0
        assert data["kept_missing_every_circumstance"] == 0
        assert data["dropped"]["missing_circumstance"] == every
        assert "missing every circumstance are kept" not in text


@pytest.mark.parametrize("seed", [41, 42, 43])
def test_leaf_intervals_use_the_rows_rpart_puts_in_each_leaf(tmp_path, seed):
    frame = _designed_survey(seed)
    result = analyse(
        frame,
        outcome="y",
        circumstances=MISSING_CIRCUMSTANCES,
        weight="w",
        minbucket=25,
        cp=0.002,
        cluster="psu",
        strata="stratum",
        replicates=20,
        shapley=False,
    )
    expected, r_leaf, r_se = _run_r(tmp_path, frame, result.params, True)
    assert len(result.tree.nodes) > 5
    assert sorted(node.id for node in result.tree.nodes) == sorted(expected.index)

    # The rows rpart routed by surrogates (or the majority direction): missing the primary
    # circumstance of some split on their path. There must be some in a leaf for the test
    # to mean anything.
    routed = np.zeros(len(frame), dtype=bool)
    by_id = {node.id: node for node in result.tree.nodes}
    for i, leaf in enumerate(r_leaf):
        for condition in result.tree.path(int(leaf)):
            if pd.isna(frame.iloc[i][condition.circumstance]):
                routed[i] = True
                break
    assert routed.sum() > 50
    # The engine's own row → node assignment is rpart's where, row by row.
    cells = build_cells(frame, outcome="y", circumstances=MISSING_CIRCUMSTANCES, weight="w")
    tree = grow_tree(cells, result.params)
    ours = tree.cell_node[cells.input_row_cells()]
    np.testing.assert_array_equal(ours, r_leaf)

    assert result.uncertainty is not None
    assert "membership_warning" not in result.uncertainty.extra
    for node_id, row in r_se.iterrows():
        assert by_id[node_id].is_leaf
        item = result.uncertainty.node(int(node_id))
        assert by_id[node_id].mean == pytest.approx(row["est"], rel=1e-9)
        assert item.interval.se == pytest.approx(row["se"], rel=1e-6), f"leaf {node_id}"
    leaves_with_routed = {int(leaf) for leaf in r_leaf[routed]}
    assert leaves_with_routed & set(r_se.index)
