"""The analyse() façade: validation, missing values, barriers and the JSON shape."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.engine import (
    ENGINE_VERSION,
    Circumstance,
    EngineError,
    analyse,
    build_cells,
    result_to_dict,
    tree_to_text,
)
from tests.analysis.engine.conftest import ESCAP_CIRCUMSTANCES


def small_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Residence": ["Urban", "Rural", None, "Urban", "Rural", "Rural", "Urban"],
            "Education": ["Higher", "Lower", "Lower", None, "Secondary", "Lower", "Higher"],
            "y": [1, 0, 1, np.nan, 0, 1, None],
            "w": [1.0, 2.0, np.nan, 1.0, 1.0, 3.0, 2.0],
        }
    )


def test_missing_outcome_and_weight_rows_are_dropped_and_counted():
    cells = build_cells(
        small_frame(), outcome="y", circumstances=["Residence", "Education"], weight="w"
    )
    assert cells.n_dropped_missing_outcome == 2
    assert cells.n_dropped_missing_weight == 1  # row 3: outcome present, weight missing
    assert cells.n_rows == 4
    assert cells.total_weight == pytest.approx(7.0)


def test_missing_circumstance_becomes_level_or_is_dropped():
    frame = small_frame().assign(w=1.0, y=lambda f: f.y.fillna(0))
    cells = build_cells(
        frame,
        outcome="y",
        circumstances=["Residence", "Education"],
        missing_circumstance="level",
    )
    assert cells.levels[0][-1] == "Missing"
    assert cells.levels[1][-1] == "Missing"
    assert cells.n_rows == 7 and cells.n_dropped_missing_circumstance == 0
    spec = Circumstance("Education", "ordered", ("Lower", "Secondary", "Higher"))
    dropped = build_cells(
        frame, outcome="y", circumstances=["Residence", spec], missing_circumstance="drop"
    )
    assert dropped.n_rows == 5 and dropped.n_dropped_missing_circumstance == 2
    assert dropped.levels[1] == ("Lower", "Secondary", "Higher")


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda f: f, {"outcome": "nope"}, "not found"),
        (lambda f: f.assign(y="yes"), {}, "must be numeric"),
        (lambda f: f.assign(w=-1.0), {}, "negative"),
        (lambda f: f.assign(y=np.nan), {}, "No rows left"),
        (lambda f: f.iloc[0:0], {}, "No rows left"),
        (lambda f: f.assign(w=0.0), {}, "zero"),
        (lambda f: f.assign(y=f.y.fillna(0)), {"weight_divisor": 0}, "weight_divisor"),
    ],
)
def test_clear_errors(change, kwargs, message):
    arguments = {"outcome": "y", "circumstances": ["Residence"], "weight": "w", **kwargs}
    with pytest.raises(EngineError, match=message):
        analyse(change(small_frame()), **arguments)
    assert issubclass(EngineError, ValueError)


def test_unknown_ordered_level_and_missing_order_are_errors():
    frame = pd.DataFrame({"E": ["Lower", "Postgrad"], "y": [0, 1]})
    with pytest.raises(EngineError, match="Postgrad"):
        analyse(frame, outcome="y", circumstances=[Circumstance("E", "ordered", ("Lower",))])
    with pytest.raises(EngineError, match="level order"):
        analyse(frame, outcome="y", circumstances=[Circumstance("E", "ordered")])


def test_barrier_swaps_extremes_and_puts_d_on_complement(escap_rows):
    access = analyse(escap_rows, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w")
    stunted = escap_rows.assign(y=1 - escap_rows.y)
    barrier = analyse(
        stunted, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w", barrier=True
    )
    # Same tree on 1 − y, read the other way round: the same leaves are behind and ahead.
    assert barrier.furthest_behind.path_labels == access.furthest_behind.path_labels
    assert barrier.furthest_ahead.path_labels == access.furthest_ahead.path_labels
    assert barrier.gap == pytest.approx(access.gap)
    assert barrier.d_on_complement
    assert barrier.d_index == pytest.approx(access.d_index, abs=1e-12)
    assert barrier.hoi == pytest.approx(access.hoi, abs=1e-12)


def test_weight_divisor_and_weight_scale_change_nothing(escap_rows):
    base = analyse(escap_rows, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w")
    dhs = analyse(
        escap_rows.assign(w=escap_rows.w * 1_000_000),
        outcome="y",
        circumstances=ESCAP_CIRCUMSTANCES,
        weight="w",
        weight_divisor=1_000_000,
    )
    assert dhs.weighted_n == pytest.approx(base.weighted_n)
    assert [n.share for n in dhs.nodes] == pytest.approx([n.share for n in base.nodes])
    assert dhs.d_index == pytest.approx(base.d_index)


def test_numeric_outcome_gets_d_as_escap_cal_d_computes_it():
    # ESCAP's cal_D: D = sum(|mean_g - mean| * share_g) / (2 * mean), for any outcome.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"A": rng.choice(["a", "b"], 400)})
    frame["y"] = rng.normal(10, 1, 400) + 3 * (frame.A == "b")
    result = analyse(frame, outcome="y", circumstances=["A"], minbucket=20)
    assert len(result.nodes) == 3
    mean = frame.y.mean()
    by_group = frame.groupby("A").y.agg(["mean", "size"])
    expected = (abs(by_group["mean"] - mean) * by_group["size"] / len(frame)).sum() / (2 * mean)
    assert result.d_index == pytest.approx(expected, rel=1e-12)
    assert result.hoi == pytest.approx(mean * (1 - expected), rel=1e-12)
    assert not result.d_on_complement


def test_a_tree_without_a_split_names_no_furthest_groups():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"A": rng.choice(["a", "b"], 300), "y": rng.integers(0, 2, 300)})
    result = analyse(frame, outcome="y", circumstances=["A"], minbucket=200)
    assert len(result.nodes) == 1
    assert result.furthest_behind is None and result.furthest_ahead is None
    assert result.gap is None
    assert "no split" in result.no_groups_reason
    data = result_to_dict(result)
    assert data["furthest_behind"] is None and data["gap"] is None
    assert "Furthest behind / ahead: none" in tree_to_text(result)


def test_result_to_dict_shape(escap_rows):
    result = analyse(escap_rows, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w")
    data = json.loads(json.dumps(result_to_dict(result)))
    assert list(data) == [
        "n", "weighted_n", "mean", "params", "nodes", "furthest_behind", "furthest_ahead",
        "gap", "no_groups_reason", "d_index", "hoi", "shapley", "dropped", "barrier",
        "engine_version", "n_used_for_d", "missing_policy", "kept_missing_every_circumstance",
    ]  # fmt: skip
    assert data["n_used_for_d"] == 3750 and data["missing_policy"] == "surrogate"
    assert data["kept_missing_every_circumstance"] == 0
    assert data["params"] == {"minbucket": 340, "minsplit": 681, "cp": 1 / 3750, "max_depth": 6}
    root, first = data["nodes"][0], data["nodes"][1]
    assert root["parent"] is None and root["condition"] is None
    assert set(first) == {
        "id", "parent", "depth", "condition", "n", "weight", "share", "mean", "is_leaf"
    }  # fmt: skip
    assert first["condition"] == {
        "circumstance": "PoorerHousehold",
        "levels": ["1"],
        "label": "PoorerHousehold = 1",
    }
    assert data["furthest_behind"]["node"] == 4
    assert set(data["furthest_ahead"]) == {"node", "mean", "share", "path"}
    assert set(data["shapley"]["Residence"]) == {"value", "share"}
    assert data["dropped"] == {
        "missing_outcome": 0, "missing_weight": 0, "missing_circumstance": 0
    }  # fmt: skip
    assert data["barrier"] is False
    assert data["engine_version"] == ENGINE_VERSION
    text = tree_to_text(result)
    assert "15) Residence = Urban" in text and "furthest behind" in text
    assert "D, HOI and Shapley on all 3750 rows." in text


def _with_missing(escap_rows: pd.DataFrame) -> pd.DataFrame:
    frame = escap_rows.copy()
    rng = np.random.default_rng(7)
    frame.loc[rng.random(len(frame)) < 0.1, "Residence"] = None
    frame.loc[rng.random(len(frame)) < 0.05, "HighestEducation"] = None
    return frame


def test_surrogate_policy_keeps_incomplete_rows_and_computes_d_on_complete_ones(escap_rows):
    frame = _with_missing(escap_rows)
    complete = frame.dropna(subset=["Residence", "HighestEducation"])
    result = analyse(frame, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w")
    assert result.n == len(frame) and result.dropped.missing_circumstance == 0
    assert result.missing_policy == "surrogate"
    assert result.n_used_for_d == len(complete) < len(frame)
    on_complete = analyse(
        complete, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w", cp=result.params.cp
    )
    assert result.d_index == pytest.approx(on_complete.d_index, rel=1e-12)
    assert result.hoi == pytest.approx(on_complete.hoi, rel=1e-12)
    assert [s.value for s in result.shapley] == pytest.approx(
        [s.value for s in on_complete.shapley], rel=1e-12
    )
    data = result_to_dict(result)
    assert data["n_used_for_d"] == len(complete)
    assert f"on the {len(complete)} of {len(frame)} rows" in tree_to_text(result)
    # The explicit alternatives keep their meaning.
    dropped = analyse(
        frame,
        outcome="y",
        circumstances=ESCAP_CIRCUMSTANCES,
        weight="w",
        missing_circumstance="drop",
    )
    assert dropped.n == len(complete) == dropped.n_used_for_d
    assert dropped.dropped.missing_circumstance == len(frame) - len(complete)
    level = analyse(
        frame,
        outcome="y",
        circumstances=ESCAP_CIRCUMSTANCES,
        weight="w",
        missing_circumstance="level",
    )
    assert level.n == len(frame) == level.n_used_for_d
    assert level.missing_policy == "level"


def test_no_complete_row_means_no_d(escap_rows):
    frame = escap_rows.copy()
    half = frame.index < len(frame) // 2
    frame.loc[half, "Residence"] = None
    frame.loc[~half, "PoorerHousehold"] = None
    result = analyse(frame, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w")
    assert result.n_used_for_d == 0
    assert result.d_index is None and result.hoi is None and result.shapley == ()
    assert "D, HOI and Shapley not computed" in tree_to_text(result)
    json.dumps(result_to_dict(result))


def test_numeric_condition_in_dict_and_shapley_off():
    frame = pd.DataFrame({"Births": [0, 1, 2, 3] * 100, "y": [1, 1, 0, 0] * 100})
    result = analyse(
        frame, outcome="y", circumstances=[Circumstance("Births", "numeric")], shapley=False
    )
    data = result_to_dict(result)
    assert "shapley" not in data
    condition = data["nodes"][1]["condition"]
    assert condition == {
        "circumstance": "Births",
        "operator": ">=",
        "threshold": 1.5,
        "label": "Births >= 1.5",
    }


def test_no_tree_when_everyone_has_access():
    frame = pd.DataFrame({"A": ["a", "b"] * 50, "y": 1})
    result = analyse(frame, outcome="y", circumstances=["A"])
    assert len(result.nodes) == 1 and result.gap is None
    assert "nobody differs" in result.no_groups_reason
    assert result.d_index == 0.0
    assert "mean" in result.tree.reason


def test_engine_does_not_import_django_or_the_project():
    import subprocess
    import sys

    code = (
        "import sys, analysis.engine, benchmarks.engine;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('django', 'accounts', 'taxonomy', 'consultations', 'recommendations', 'evidence',"
        " 'lnob_portal') or (m.startswith('analysis.') and not m.startswith('analysis.engine'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    project_root = Path(__file__).resolve().parents[3]
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=project_root
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
