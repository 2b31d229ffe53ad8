"""``lnob-tree`` on a CSV never imports pandas (nor scikit-learn, SciPy or Django).

Importing pandas alone costs ~0.45 s of CPU, more than R rpart's whole run at 100k rows
(issue 11, "Speed"): the command reads the CSV with pyarrow into numpy columns and the
engine grows the tree on them. The tree must still be the one the pandas path gives.
"""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from django.conf import settings

from analysis import cli
from analysis.engine import Circumstance, analyse
from analysis.surveyio import read_survey

HEAVY = ("pandas", "sklearn", "scipy", "django", "matplotlib", "polars")

_PROBE = """
import contextlib, io, json, sys
from analysis.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY_NAMES))
print(json.dumps({"code": code, "heavy": heavy, "output": out.getvalue()}))
""".replace("HEAVY_NAMES", repr(HEAVY))

ARGS = [
    "--outcome", "access",
    "--positive", "Yes",
    "--circumstance", "wealth",
    "--circumstance", "region",
    "--circumstance", "education:ordered",
    "--order", "education=None,Primary,Secondary,Higher",
    "--circumstance", "births:numeric",
    "--weight", "w",
    "--weight-divisor", "1000000",
    "--shapley",
    "--no-intervals",
    "--format", "json",
]  # fmt: skip


@pytest.fixture(scope="module")
def survey_csv(tmp_path_factory):
    """A survey-shaped CSV: text levels that look missing ("NA", "None", "null"), empty
    cells in every column, zero weights, an ordered and a numeric circumstance."""
    rng = np.random.default_rng(11)
    n = 3000
    wealth = rng.choice(["Poorest", "Poorer", "Middle", "Richer", "Richest"], n)
    region = rng.choice(["North", "South", "NA", "null"], n)
    education = rng.choice(["None", "Primary", "Secondary", "Higher"], n)
    births = rng.integers(0, 7, n).astype(float)
    score = (wealth == "Richest") * 0.3 + (education == "Higher") * 0.25 - births * 0.04
    access = np.where(rng.random(n) < 0.4 + score, "Yes", "No").astype(object)
    w = rng.integers(500_000, 2_500_000, n).astype(float)
    w[rng.random(n) < 0.03] = 0.0
    frame = pd.DataFrame(
        {
            "hhid": np.arange(n),
            "wealth": wealth,
            "region": region,
            "education": education,
            "births": births,
            "access": access,
            "w": w,
            "psu": np.arange(n) // 25,
            "stratum": np.where(np.arange(n) % 1000 < 500, "urban", "rural"),
        }
    ).astype({"wealth": object, "region": object, "education": object})
    for column, share in (("access", 0.02), ("wealth", 0.05), ("education", 0.04)):
        frame.loc[rng.random(n) < share, column] = None
    frame.loc[rng.random(n) < 0.03, "births"] = np.nan
    path = tmp_path_factory.mktemp("no_pandas") / "survey.csv"
    frame.to_csv(path, index=False)
    return path


def _run(*code_and_args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", *code_and_args],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(settings.BASE_DIR)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_importing_the_command_loads_no_pandas():
    completed = _run(
        "import sys, analysis.cli; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_running_the_command_on_a_csv_loads_no_pandas_and_grows_the_pandas_paths_tree(
    survey_csv,
):
    completed = _run(_PROBE, str(survey_csv), *ARGS)
    assert completed.returncode == 0, completed.stderr
    probe = json.loads(completed.stdout)
    assert probe["code"] == 0
    assert probe["heavy"] == []
    data = json.loads(probe["output"])

    # The same analysis on the DataFrame the upload reader (pandas) gives.
    frame = read_survey(survey_csv).frame
    frame["access"] = frame["access"].map({"Yes": 1.0, "No": 0.0})
    expected = analyse(
        frame,
        outcome="access",
        circumstances=[
            "wealth",
            "region",
            Circumstance("education", "ordered", ("None", "Primary", "Secondary", "Higher")),
            Circumstance("births", "numeric"),
        ],
        weight="w",
        weight_divisor=1_000_000,
        shapley=True,
        uncertainty=False,
    )
    assert len(expected.tree.nodes) > 3  # a tree with splits, not a stump
    assert data["n"] == expected.n
    assert data["dropped"]["missing_outcome"] == expected.dropped.missing_outcome > 0
    got = {node["id"]: (node["n"], node["mean"], node["condition"]) for node in data["nodes"]}
    assert sorted(got) == sorted(node.id for node in expected.tree.nodes)
    for node in expected.tree.nodes:
        n, mean, _condition = got[node.id]
        assert n == node.n
        assert mean == pytest.approx(node.mean, rel=1e-12)
    assert data["d_index"] == pytest.approx(expected.d_index, rel=1e-12)
    assert data["hoi"] == pytest.approx(expected.hoi, rel=1e-12)
    region = next(c for c in data["circumstances"] if c["name"] == "region")
    assert region["order"] == ["NA", "North", "South", "null"]  # levels, not missing


def test_intervals_with_a_design_load_no_pandas_and_equal_the_pandas_paths(survey_csv):
    args = [a for a in ARGS if a != "--no-intervals"]
    design = ["--cluster", "psu", "--strata", "stratum", "--replicates", "40"]
    completed = _run(_PROBE, str(survey_csv), *args, *design)
    assert completed.returncode == 0, completed.stderr
    probe = json.loads(completed.stdout)
    assert probe["heavy"] == []
    data = json.loads(probe["output"])

    frame = read_survey(survey_csv).frame
    frame["access"] = frame["access"].map({"Yes": 1.0, "No": 0.0})
    expected = analyse(
        frame,
        outcome="access",
        circumstances=[
            "wealth",
            "region",
            Circumstance("education", "ordered", ("None", "Primary", "Secondary", "Higher")),
            Circumstance("births", "numeric"),
        ],
        weight="w",
        weight_divisor=1_000_000,
        cluster="psu",
        strata="stratum",
        replicates=40,
        seed=cli.DEFAULT_SEED,
    )
    assert data["uncertainty"]["design"]["n_psu"] == 120
    assert data["d_index_ci"] == pytest.approx(list(expected.uncertainty.d_index), rel=1e-12)
    assert data["gap_ci"] == pytest.approx(expected.uncertainty.gap.as_list(), rel=1e-12)


def test_where_imports_pandas_for_its_query_language_only(survey_csv):
    completed = _run(_PROBE, str(survey_csv), *ARGS, "--where", "hhid < 2000")
    assert completed.returncode == 0, completed.stderr
    probe = json.loads(completed.stdout)
    data = json.loads(probe["output"])
    assert data["source"]["rows_selected"] == 2000
    assert probe["heavy"] == ["pandas"]
