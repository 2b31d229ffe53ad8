"""The portal's bridge with rows missing a circumstance: rpart's surrogates by default."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis import bridge
from analysis.engine import Circumstance, analyse
from analysis.indicators import ESCAP_PRESETS, apply_indicator
from analysis.surveyio import read_survey
from demo.synthetic import generate_dhs_like


@pytest.fixture(scope="module")
def gappy_hr(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bridge_missing")
    table = generate_dhs_like(seed=11, n_households=1200)["HR"]
    frame = table.frame.copy()
    rng = np.random.default_rng(3)
    frame["hv025"] = frame["hv025"].astype(float)
    frame["hv270"] = frame["hv270"].astype(float)
    frame.loc[rng.random(len(frame)) < 0.08, "hv025"] = np.nan
    frame.loc[rng.random(len(frame)) < 0.05, "hv270"] = np.nan
    return dataclasses.replace(table, frame=frame).write_dta(folder / "gappy.dta")


def test_bridge_keeps_incomplete_rows_and_records_the_policy(gappy_hr):
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    data = bridge.compute_run(path=str(gappy_hr), definition=definition, shapley=False)
    assert data["missing_policy"] == "surrogate"
    incomplete = data["sample"]["n_incomplete_circumstances"]
    assert incomplete > 0 and data["sample"]["n_missing_circumstances"] == 0
    assert data["n_used_for_d"] == data["n"] - incomplete
    assert any("surrogate" in message for message in data["sample"]["messages"])

    dropped = bridge.compute_run(
        path=str(gappy_hr), definition=definition, shapley=False, missing_policy="drop"
    )
    assert dropped["missing_policy"] == "drop"
    assert dropped["n"] == data["n_used_for_d"] == dropped["n_used_for_d"]
    assert dropped["sample"]["n_missing_circumstances"] == incomplete
    # Same D either way: both use the complete rows.
    assert dropped["d_index"] == pytest.approx(data["d_index"], rel=1e-12)

    via_params = bridge.compute_run(
        path=str(gappy_hr),
        definition=definition,
        shapley=False,
        params={"missing_circumstance": "level"},
    )
    assert via_params["missing_policy"] == "level" and via_params["n"] == data["n"]


def test_bridge_tree_equals_the_engine_on_the_kept_rows(gappy_hr):
    definition = ESCAP_PRESETS["dhs-electricity"]
    data = bridge.compute_run(path=str(gappy_hr), definition=definition.to_dict(), shapley=False)
    survey = read_survey(gappy_hr)
    prepared = apply_indicator(
        survey.frame, definition, value_labels=survey.value_labels, keep_missing_circumstances=True
    )
    assert isinstance(prepared.frame, pd.DataFrame)
    result = analyse(
        prepared.frame,
        outcome="outcome",
        circumstances=[
            Circumstance(c.name, c.kind, tuple(c.order) or None) for c in prepared.circumstances
        ],
        weight="weight",
        shapley=False,
    )
    assert [(n["id"], n["n"]) for n in data["nodes"]] == [(n.id, n.n) for n in result.nodes]
