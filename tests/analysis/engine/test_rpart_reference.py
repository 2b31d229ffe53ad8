"""The tree against R's rpart itself, run in the same test session (Debian r-cran-rpart).

Random survey-like data with zero weights, an unordered, an ordered and a numeric
circumstance; rpart is called with the same controls as the engine (ESCAP's call:
``method = "anova"``), and every node of the two trees must agree on its number, unweighted
row count, weighted size and weighted mean.
"""

import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from analysis.engine import Circumstance
from analysis.engine.cells import build_cells
from analysis.engine.tree import escap_params, grow_tree

RSCRIPT = shutil.which("Rscript")
pytestmark = pytest.mark.skipif(
    RSCRIPT is None and not os.environ.get("REQUIRE_R"),
    reason="needs Rscript with rpart (apt-get install r-base-core r-cran-rpart)",
)

R_PROGRAM = r"""
suppressMessages(library(rpart))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
d$region <- factor(d$region)
d$wealth <- factor(d$wealth, levels = c("poorest", "middle", "richest"), ordered = TRUE)
ctl <- rpart.control(minbucket = as.integer(args[3]), minsplit = as.integer(args[4]),
                     cp = as.numeric(args[5]), maxdepth = as.integer(args[6]), xval = 0,
                     maxcompete = 0, maxsurrogate = 0)
fit <- rpart(y ~ region + wealth + age, data = d, weights = w, method = "anova", control = ctl)
f <- fit$frame
out <- data.frame(node = as.integer(rownames(f)), n = f$n, wt = f$wt, yval = f$yval,
                  leaf = f$var == "<leaf>")
write.csv(out, args[2], row.names = FALSE)
"""


def _survey(seed: int, n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], size=n, p=[0.4, 0.3, 0.2, 0.1])
    wealth = rng.choice(["poorest", "middle", "richest"], size=n)
    age = rng.integers(15, 50, size=n)
    logit = (
        -0.5
        + 0.9 * (wealth == "richest")
        - 0.6 * (region == "west")
        + 0.04 * (age - 30)
        + 0.5 * (region == "north") * (wealth != "poorest")
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    w = rng.gamma(2.0, 0.5, size=n).round(4)
    # A fifth of the rows weigh nothing, and one whole age weighs nothing: rpart leaves them
    # out of the split search but counts them in the nodes.
    w[rng.random(n) < 0.2] = 0.0
    w[age == 33] = 0.0
    return pd.DataFrame({"region": region, "wealth": wealth, "age": age, "w": w, "y": y})


def _rpart_frame(tmp_path, frame: pd.DataFrame, params) -> pd.DataFrame:
    data, result, program = tmp_path / "d.csv", tmp_path / "r.csv", tmp_path / "fit.R"
    frame.to_csv(data, index=False)
    program.write_text(R_PROGRAM)
    subprocess.run(
        [
            RSCRIPT or "Rscript",
            str(program),
            str(data),
            str(result),
            str(params.minbucket),
            str(params.minsplit),
            repr(params.cp),
            str(params.max_depth),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pd.read_csv(result).set_index("node")


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("bucket", [20, 60])
def test_tree_with_zero_weights_equals_rpart_node_by_node(tmp_path, seed, bucket):
    frame = _survey(seed)
    cells = build_cells(
        frame,
        outcome="y",
        circumstances=[
            Circumstance("region"),
            Circumstance("wealth", "ordered", ("poorest", "middle", "richest")),
            Circumstance("age", "numeric"),
        ],
        weight="w",
    )
    assert (frame.w == 0).any()
    params = escap_params(cells.n_rows, minbucket=bucket, cp=0.002)
    tree = grow_tree(cells, params)
    expected = _rpart_frame(tmp_path, frame, params)

    assert sorted(node.id for node in tree.nodes) == sorted(expected.index)
    assert len(tree.nodes) > 1, "the case should split"
    for node in tree.nodes:
        row = expected.loc[node.id]
        assert node.n == row["n"], f"node {node.id}: n"
        assert node.weight == pytest.approx(row["wt"], rel=1e-9), f"node {node.id}: weight"
        assert node.mean == pytest.approx(row["yval"], rel=1e-9, abs=1e-12), f"node {node.id}"
        assert node.is_leaf == bool(row["leaf"]), f"node {node.id}: leaf"


# --------------------------------------------------------------------------------------------
# Missing circumstance values: rpart's own handling (na.rpart, surrogate splits, usesurrogate=2)
# --------------------------------------------------------------------------------------------

R_PROGRAM_MISSING = r"""
suppressMessages(library(rpart))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "")
d$region <- factor(d$region)
d$urban <- factor(d$urban)
d$wealth <- factor(d$wealth, levels = c("poorest", "poorer", "middle", "richer", "richest"),
                   ordered = TRUE)
ctl <- rpart.control(minbucket = as.integer(args[3]), minsplit = as.integer(args[4]),
                     cp = as.numeric(args[5]), maxdepth = as.integer(args[6]), xval = 0)
if (args[7] == "weighted") {
  fit <- rpart(y ~ region + wealth + age + urban + school, data = d, weights = w,
               method = "anova", control = ctl)
} else {
  fit <- rpart(y ~ region + wealth + age + urban + school, data = d, method = "anova",
               control = ctl)
}
f <- fit$frame
out <- data.frame(node = as.integer(rownames(f)), n = f$n, wt = f$wt, yval = f$yval,
                  leaf = f$var == "<leaf>", var = as.character(f$var))
write.csv(out, args[2], row.names = FALSE)
"""

WEALTH = ("poorest", "poorer", "middle", "richer", "richest")
MISSING_CIRCUMSTANCES = [
    Circumstance("region"),
    Circumstance("wealth", "ordered", WEALTH),
    Circumstance("age", "numeric"),
    Circumstance("urban"),
    Circumstance("school", "numeric"),
]


def _survey_with_missing(seed: int, n: int = 2000, numeric_y: bool = False) -> pd.DataFrame:
    """Correlated circumstances (so surrogates exist), each missing in 5-25% of the rows,
    some rows missing every circumstance, zero weights, ties in the numeric values."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west", "capital"], size=n)
    urban = np.where(
        rng.random(n) < np.where(region == "capital", 0.9, 0.3), "urban", "rural"
    ).astype(object)
    wealth_code = np.clip(
        rng.integers(0, 5, size=n) + (urban == "urban") + (region == "capital") - 1, 0, 4
    )
    wealth = np.array(WEALTH, dtype=object)[wealth_code]
    school = np.clip(np.round(wealth_code * 2 + rng.normal(0, 2, size=n)), 0, 14)
    age = rng.integers(15, 50, size=n).astype(float)
    logit = -0.8 + 0.5 * wealth_code - 0.6 * (region == "west") + 0.03 * (age - 30)
    logit += 0.1 * school
    if numeric_y:
        y = np.round(logit + rng.normal(0, 1, size=n), 3)
    else:
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    w = rng.gamma(2.0, 0.5, size=n).round(4)
    w[rng.random(n) < 0.1] = 0.0
    frame = pd.DataFrame(
        {
            "region": region.astype(object),
            "wealth": wealth,
            "age": age,
            "urban": urban,
            "school": school,
            "w": w,
            "y": y,
        }
    )
    rates = {"region": 0.1, "wealth": 0.2, "age": 0.05, "urban": 0.15, "school": 0.25}
    for column, rate in rates.items():
        frame.loc[rng.random(n) < rate, column] = np.nan
    every = rng.random(n) < 0.02
    frame.loc[every, list(rates)] = np.nan
    return frame


def _rpart_missing_frame(tmp_path, frame: pd.DataFrame, params, weighted: bool) -> pd.DataFrame:
    data, result, program = tmp_path / "d.csv", tmp_path / "r.csv", tmp_path / "fit.R"
    frame.to_csv(data, index=False)
    program.write_text(R_PROGRAM_MISSING)
    subprocess.run(
        [
            RSCRIPT or "Rscript",
            str(program),
            str(data),
            str(result),
            str(params.minbucket),
            str(params.minsplit),
            repr(params.cp),
            str(params.max_depth),
            "weighted" if weighted else "unweighted",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pd.read_csv(result).set_index("node")


def _assert_same_tree(tree, expected: pd.DataFrame) -> None:
    assert sorted(node.id for node in tree.nodes) == sorted(expected.index)
    for node in tree.nodes:
        row = expected.loc[node.id]
        assert node.n == row["n"], f"node {node.id}: n {node.n} != {row['n']}"
        assert node.weight == pytest.approx(row["wt"], rel=1e-9), f"node {node.id}: weight"
        assert node.mean == pytest.approx(row["yval"], rel=1e-9, abs=1e-12), f"node {node.id}"
        assert node.is_leaf == bool(row["leaf"]), f"node {node.id}: leaf"
        if not node.is_leaf:
            child = next(c for c in tree.nodes if c.parent == node.id)
            assert child.condition is not None
            assert child.condition.circumstance == row["var"], f"node {node.id}: variable"


@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15, 16, 17, 18])
@pytest.mark.parametrize(("bucket", "weighted"), [(15, True), (40, True), (25, False)])
def test_missing_values_follow_rpart_surrogates_node_by_node(tmp_path, seed, bucket, weighted):
    frame = _survey_with_missing(seed)
    if not weighted:
        frame = frame.drop(columns="w")
    cells = build_cells(
        frame,
        outcome="y",
        circumstances=MISSING_CIRCUMSTANCES,
        weight="w" if weighted else None,
    )
    every = frame[["region", "wealth", "age", "urban", "school"]].isna().all(axis=1).sum()
    assert every > 0
    # na.rpart keeps rows missing every circumstance when there is a weight column.
    assert cells.n_dropped_missing_circumstance == (0 if weighted else every)
    params = escap_params(cells.n_rows, minbucket=bucket, cp=0.001)
    tree = grow_tree(cells, params)
    expected = _rpart_missing_frame(tmp_path, frame, params, weighted)
    assert len(tree.nodes) > 5, "the case should split"
    _assert_same_tree(tree, expected)


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_missing_values_numeric_outcome_equal_rpart(tmp_path, seed):
    frame = _survey_with_missing(seed, n=1200, numeric_y=True)
    cells = build_cells(frame, outcome="y", circumstances=MISSING_CIRCUMSTANCES, weight="w")
    params = escap_params(cells.n_rows, minbucket=20, cp=0.002)
    tree = grow_tree(cells, params)
    _assert_same_tree(tree, _rpart_missing_frame(tmp_path, frame, params, True))


R_PROGRAM_GENERIC = r"""
suppressMessages(library(rpart))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "")
terms <- character(0)
for (spec in args[8:length(args)]) {
  parts <- strsplit(spec, ":", fixed = TRUE)[[1]]
  name <- parts[1]
  if (parts[2] == "unordered") d[[name]] <- factor(d[[name]])
  if (parts[2] == "ordered")
    d[[name]] <- factor(d[[name]], levels = strsplit(parts[3], "|", fixed = TRUE)[[1]],
                        ordered = TRUE)
  terms <- c(terms, name)
}
ctl <- rpart.control(minbucket = as.integer(args[3]), minsplit = as.integer(args[4]),
                     cp = as.numeric(args[5]), maxdepth = as.integer(args[6]), xval = 0)
form <- as.formula(paste("y ~", paste(terms, collapse = " + ")))
fit <- if (args[7] == "weighted") rpart(form, data = d, weights = w, method = "anova",
                                        control = ctl) else
  rpart(form, data = d, method = "anova", control = ctl)
f <- fit$frame
out <- data.frame(node = as.integer(rownames(f)), n = f$n, wt = f$wt, yval = f$yval,
                  leaf = f$var == "<leaf>", var = as.character(f$var))
write.csv(out, args[2], row.names = FALSE)
"""


def _rpart_generic(tmp_path, frame, specs, params, weighted: bool) -> pd.DataFrame:
    data, result, program = tmp_path / "g.csv", tmp_path / "gr.csv", tmp_path / "g.R"
    frame.to_csv(data, index=False)
    program.write_text(R_PROGRAM_GENERIC)
    spec_args = [
        f"{s.name}:{s.kind}" + (":" + "|".join(s.order) if s.kind == "ordered" else "")
        for s in specs
    ]
    subprocess.run(
        [
            RSCRIPT or "Rscript",
            str(program),
            str(data),
            str(result),
            str(params.minbucket),
            str(params.minsplit),
            repr(params.cp),
            str(params.max_depth),
            "weighted" if weighted else "unweighted",
            *spec_args,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pd.read_csv(result).set_index("node")


def _rows(*groups: tuple[dict, int]) -> pd.DataFrame:
    return pd.DataFrame([values for values, times in groups for _ in range(times)])


def test_numeric_surrogate_cuts_between_all_values_in_the_node(tmp_path):
    """choose_surg.c places a continuous surrogate's cut between consecutive values of *all*
    rows of the node with a value, including rows missing the primary: here X = 3 and 4 occur
    only in rows missing A, the cut is 2.5 (the first best), so both go with X = 5, 6."""
    nan = np.nan
    frame = _rows(
        ({"A": "lo", "X": 1.0, "y": 0}, 3),
        ({"A": "lo", "X": 2.0, "y": 0}, 3),
        ({"A": "hi", "X": 5.0, "y": 1}, 3),
        ({"A": "hi", "X": 6.0, "y": 1}, 3),
        ({"A": nan, "X": 3.0, "y": 1}, 1),
        ({"A": nan, "X": 4.0, "y": 0}, 1),
    )
    specs = [Circumstance("A"), Circumstance("X", "numeric")]
    cells = build_cells(frame, outcome="y", circumstances=specs)
    params = escap_params(cells.n_rows, minbucket=2, minsplit=4, cp=0.0, max_depth=1)
    tree = grow_tree(cells, params)
    assert [(node.id, node.n) for node in tree.nodes] == [(1, 14), (2, 6), (3, 8)]
    assert tree.node(3).condition.label == "A = hi"
    assert tree.node(3).mean == pytest.approx(7 / 8)
    if RSCRIPT:
        _assert_same_tree(tree, _rpart_generic(tmp_path, frame, specs, params, False))


def test_categorical_surrogate_that_never_disagrees_is_not_used(tmp_path):
    """choose_surg.c (as written) requires more than one row against and along the
    surrogate's directions, so B -- identical to A wherever both are known -- is no surrogate;
    the weights left and right tie, so there is no majority either and the row missing A
    stays in the root (usesurrogate = 2 with no default direction)."""
    nan = np.nan
    frame = _rows(
        ({"A": "lo", "B": "lo", "y": 0}, 4),
        ({"A": "hi", "B": "hi", "y": 1}, 4),
        ({"A": "lo", "B": nan, "y": 0}, 2),
        ({"A": "hi", "B": nan, "y": 1}, 2),
        ({"A": nan, "B": "hi", "y": 0}, 1),
    )
    specs = [Circumstance("A"), Circumstance("B")]
    cells = build_cells(frame, outcome="y", circumstances=specs)
    params = escap_params(cells.n_rows, minbucket=2, minsplit=4, cp=0.0, max_depth=1)
    tree = grow_tree(cells, params)
    assert [(node.id, node.n) for node in tree.nodes] == [(1, 13), (2, 6), (3, 6)]
    if RSCRIPT:
        _assert_same_tree(tree, _rpart_generic(tmp_path, frame, specs, params, False))


def test_majority_direction_is_by_weight_and_rows_missing_everything_follow_it(tmp_path):
    """With no usable surrogate the row goes the way of the larger *weight* (not count); a
    weighted row missing every circumstance is kept (na.rpart sees the weight column)."""
    nan = np.nan
    frame = _rows(
        ({"A": "lo", "B": "p", "w": 1.0, "y": 0}, 6),
        ({"A": "hi", "B": "p", "w": 3.0, "y": 1}, 3),
        ({"A": "lo", "B": "q", "w": 1.0, "y": 0}, 1),
        ({"A": "hi", "B": "q", "w": 3.0, "y": 1}, 1),
        ({"A": nan, "B": nan, "w": 2.0, "y": 0}, 2),
    )
    specs = [Circumstance("A"), Circumstance("B")]
    cells = build_cells(frame, outcome="y", circumstances=specs, weight="w")
    assert cells.n_rows == 13 and cells.n_dropped_missing_circumstance == 0
    params = escap_params(cells.n_rows, minbucket=2, minsplit=4, cp=0.0, max_depth=1)
    tree = grow_tree(cells, params)
    # lo: 7 rows of weight 7; hi: 4 rows of weight 12 -> the two rows go right (hi).
    assert [(node.id, node.n) for node in tree.nodes] == [(1, 13), (2, 7), (3, 6)]
    unweighted = build_cells(frame, outcome="y", circumstances=specs)
    assert unweighted.n_rows == 11 and unweighted.n_dropped_missing_circumstance == 2
    if RSCRIPT:
        _assert_same_tree(tree, _rpart_generic(tmp_path, frame, specs, params, True))
