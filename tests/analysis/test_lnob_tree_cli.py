"""``manage.py lnob_tree`` on the PRODUCT.md §6 worked test vector, as CSV and as Stata."""

import hashlib
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from analysis import cli_core
from analysis.engine import analyse
from tests.analysis.engine.conftest import DATA, ESCAP_CIRCUMSTANCES, expand_cells

APPROX = {"abs": 5e-7}
RESIDENCE = {1: "Urban", 2: "Rural"}
EDUCATION = {1: "Lower", 2: "Secondary", 3: "Higher"}
ACCESS = {0: "No", 1: "Yes"}
CSV_ARGS = [
    "--outcome", "y",
    "--circumstance", "PoorerHousehold",
    "--circumstance", "Residence",
    "--circumstance", "HighestEducation:ordered",
    "--order", "HighestEducation=Lower,Secondary,Higher",
    "--weight", "w",
]  # fmt: skip
# In the Stata file y is labelled No/Yes and education's order comes from its value labels.
DTA_ARGS = [
    "--outcome", "y", "--positive", "Yes",
    "--circumstance", "PoorerHousehold",
    "--circumstance", "Residence",
    "--circumstance", "HighestEducation:ordered",
    "--weight", "w",
]  # fmt: skip


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return expand_cells(pd.read_csv(DATA / "escap_synthetic_cells.csv"))


@pytest.fixture(scope="module")
def files(rows, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lnob_tree")
    csv_path = folder / "escap.csv"
    rows.to_csv(csv_path, index=False)
    coded = rows.assign(
        Residence=rows["Residence"].map({v: k for k, v in RESIDENCE.items()}),
        HighestEducation=rows["HighestEducation"].map({v: k for k, v in EDUCATION.items()}),
        hhid=range(1, len(rows) + 1),
    )
    dta_path = folder / "escap.dta"
    pyreadstat.write_dta(
        coded,
        str(dta_path),
        variable_value_labels={
            "Residence": RESIDENCE,
            "HighestEducation": EDUCATION,
            "y": ACCESS,
        },
    )
    broken = folder / "broken.dta"
    broken.write_bytes(b"\x00\x01\x02 not a stata file \xff" * 50)
    return {"csv": csv_path, "dta": dta_path, "broken": broken}


def run(*args: str) -> str:
    out = StringIO()
    call_command("lnob_tree", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def run_json(*args: str) -> dict:
    return json.loads(run(*args, "--format", "json"))


@pytest.mark.parametrize("kind, args", [("csv", CSV_ARGS), ("dta", DTA_ARGS)])
def test_json_reproduces_the_escap_worked_example(files, kind, args):
    data = run_json(files[kind], *args, "--shapley")

    assert data["n"] == 3750
    assert data["weighted_n"] == pytest.approx(3973.0)
    assert data["params"]["minbucket"] == 340
    assert data["params"]["minsplit"] == 681
    assert data["params"]["cp"] == pytest.approx(1 / 3750)
    assert data["params"]["max_depth"] == 6
    assert data["mean"] == pytest.approx(0.612887, **APPROX)
    assert data["gap"] == pytest.approx(0.595289, **APPROX)
    assert data["d_index"] == pytest.approx(0.164774, **APPROX)
    assert data["hoi"] == pytest.approx(0.511899, **APPROX)
    shares = {name: round(entry["share"] * 100, 2) for name, entry in data["shapley"].items()}
    assert shares == {"PoorerHousehold": 45.19, "HighestEducation": 33.79, "Residence": 21.02}
    assert sum(entry["value"] for entry in data["shapley"].values()) == pytest.approx(
        data["d_index"]
    )

    behind, ahead = data["furthest_behind"], data["furthest_ahead"]
    assert behind["node"] == 4
    assert behind["mean"] == pytest.approx(0.336290, **APPROX)
    assert behind["share"] == pytest.approx(0.312107, **APPROX)
    assert behind["path"] == ["PoorerHousehold = 1", "HighestEducation = Lower"]
    assert ahead["node"] == 15
    assert ahead["mean"] == pytest.approx(0.931579, **APPROX)
    assert ahead["share"] == pytest.approx(0.191291, **APPROX)
    assert ahead["path"][-1] == "Residence = Urban"

    nodes = {node["id"]: node for node in data["nodes"]}
    assert set(nodes) == {1, 2, 3, 4, 5, 6, 7, 14, 15}
    assert nodes[1]["parent"] is None and nodes[1]["condition"] is None
    assert nodes[1]["depth"] == 0 and not nodes[1]["is_leaf"]
    tree_keys = {"id", "parent", "depth", "condition", "n", "weight", "share", "mean", "is_leaf"}
    assert {k: v for k, v in nodes[4].items() if k in tree_keys} | {"condition": None} == {
        "id": 4,
        "parent": 2,
        "depth": 2,
        "condition": None,
        "n": 1150,
        "weight": pytest.approx(1240.0),
        "share": pytest.approx(0.312107, **APPROX),
        "mean": pytest.approx(0.336290, **APPROX),
        "is_leaf": True,
    }
    assert nodes[4]["condition"]["circumstance"] == "HighestEducation"
    assert nodes[4]["condition"]["levels"] == ["Lower"]
    assert nodes[15]["condition"]["levels"] == ["Urban"]

    assert data["dropped"] == {
        "missing_outcome": 0,
        "missing_weight": 0,
        "missing_circumstance": 0,
    }
    assert data["engine_version"]
    assert data["barrier"] is False
    education = next(c for c in data["circumstances"] if c["name"] == "HighestEducation")
    assert education == {
        "name": "HighestEducation",
        "kind": "ordered",
        "order": ["Lower", "Secondary", "Higher"],
    }
    source = data["source"]
    assert source["file"] == f"escap.{kind}"
    assert source["sha256"] == hashlib.sha256(files[kind].read_bytes()).hexdigest()
    assert source["rows_read"] == 3750
    assert source["where"] is None


def test_shapley_only_when_asked(files):
    assert "shapley" not in run_json(files["csv"], *CSV_ARGS)


def test_text_format_prints_the_tree_and_the_summary(files):
    text = run(files["dta"], *DTA_ARGS, "--shapley")
    assert "4) HighestEducation = Lower: 1150, 31.2%, 0.3363 *  <- furthest behind" in text
    assert "15) Residence = Urban: 700, 19.1%, 0.9316 *  <- furthest ahead" in text
    for expected in ("n (rows used)      3750", "mean               0.612887", "0.595289"):
        assert expected in text
    assert "D-index            0.164774" in text
    assert "HOI                0.511899" in text
    assert "Shapley decomposition of D" in text
    assert "45.19%" in text and "33.79%" in text and "21.02%" in text
    assert "PoorerHousehold = 1 & HighestEducation = Lower" in text


@pytest.mark.parametrize("positive", [["Yes"], ["yes"], ["1"], ["1.0"], ["Yes", "1"]])
def test_positive_matches_labels_and_codes(files, positive):
    data = run_json(files["dta"], *DTA_ARGS[:2], "--positive", *positive, *DTA_ARGS[4:])
    assert data["mean"] == pytest.approx(0.612887, **APPROX)
    assert data["outcome"] == {"column": "y", "positive": positive}


def test_positive_on_a_labelled_circumstance_column(files, rows):
    # Outcome "lives in an urban area", from the labelled Residence column, by the others.
    data = run_json(
        files["dta"],
        "--outcome", "Residence", "--positive", "Urban",
        "--circumstance", "PoorerHousehold", "--circumstance", "HighestEducation:ordered",
    )  # fmt: skip
    assert data["mean"] == pytest.approx((rows["Residence"] == "Urban").mean())


def test_positive_numeric_code_on_unlabelled_column(files, rows):
    data = run_json(files["csv"], *CSV_ARGS[:2], "--positive", "1.0", *CSV_ARGS[2:])
    assert data["mean"] == pytest.approx(0.612887, **APPROX)


def test_positive_keeps_missing_outcome_missing(rows, tmp_path):
    with_gaps = rows.astype({"y": float})
    with_gaps.loc[:9, "y"] = float("nan")
    path = tmp_path / "gaps.dta"
    pyreadstat.write_dta(with_gaps, str(path), variable_value_labels={"y": ACCESS})
    data = run_json(path, *CSV_ARGS[:2], "--positive", "Yes", *CSV_ARGS[2:])
    assert data["n"] == 3740
    assert data["dropped"]["missing_outcome"] == 10


def test_where_restricts_the_reference_population(files, rows):
    data = run_json(files["dta"], *DTA_ARGS, "--where", "Residence == 'Rural'")
    rural = rows[rows["Residence"] == "Rural"]
    expected = analyse(
        rural,
        outcome="y",
        circumstances=[ESCAP_CIRCUMSTANCES[0], ESCAP_CIRCUMSTANCES[2]] + ["Residence"],
        weight="w",
    )
    assert data["n"] == len(rural) == expected.n
    assert data["mean"] == pytest.approx(expected.mean)
    assert data["d_index"] == pytest.approx(expected.d_index)
    assert data["source"]["rows_read"] == 3750
    assert data["source"]["rows_selected"] == len(rural)
    assert data["source"]["where"] == "Residence == 'Rural'"


def test_where_on_a_column_outside_the_model_is_read_for_the_query(files, monkeypatch):
    seen = []
    original = cli_core.read_survey

    def recording(path, **kwargs):
        seen.append(kwargs.get("columns"))
        return original(path, **kwargs)

    monkeypatch.setattr(cli_core, "read_survey", recording)
    data = run_json(files["dta"], *DTA_ARGS, "--where", "hhid <= 1000 and Residence != 'x'")
    assert data["n"] == 1000
    assert sorted(seen[0]) == sorted(
        ["y", "PoorerHousehold", "Residence", "HighestEducation", "w", "hhid"]
    )


def test_barrier_swaps_furthest_behind_and_ahead(files):
    access = run_json(files["csv"], *CSV_ARGS)
    barrier = run_json(files["csv"], *CSV_ARGS, "--barrier")
    assert barrier["barrier"] is True
    assert barrier["furthest_behind"] == access["furthest_ahead"]
    assert barrier["furthest_ahead"] == access["furthest_behind"]
    assert barrier["gap"] == pytest.approx(access["gap"])
    assert barrier["d_on_complement"] is True


def test_tree_controls_are_passed_to_the_engine(files):
    data = run_json(files["csv"], *CSV_ARGS, "--min-leaf", "100", "--max-depth", "1", "--cp", "0")
    assert data["params"] == {"minbucket": 100, "minsplit": 200, "cp": 0.0, "max_depth": 1}
    assert max(node["depth"] for node in data["nodes"]) == 1


def test_weight_divisor_changes_nothing_but_the_weighted_n(files):
    plain = run_json(files["csv"], *CSV_ARGS)
    scaled = run_json(files["csv"], *CSV_ARGS, "--weight-divisor", "1000000")
    assert scaled["weighted_n"] == pytest.approx(plain["weighted_n"] / 1e6)
    assert scaled["d_index"] == pytest.approx(plain["d_index"])
    assert scaled["weight"] == {"column": "w", "divisor": 1e6}


@pytest.mark.parametrize(
    "make_args, message",
    [
        (lambda f: [f["csv"].with_name("nowhere.csv"), *CSV_ARGS], "'nowhere.csv' does not exist"),
        (
            lambda f: [f["csv"], *CSV_ARGS[:2], "--circumstance", "Residnce"],
            "Column 'Residnce' (--circumstance) is not in 'escap.csv'; did you mean 'Residence'?",
        ),
        (lambda f: [f["broken"], *DTA_ARGS], "'broken.dta' could not be read as a Stata file"),
        (
            lambda f: [f["csv"], *CSV_ARGS[:6], "--circumstance", "HighestEducation:ordered"],
            "The ordered circumstance 'HighestEducation' needs its level order",
        ),
        (
            lambda f: [f["csv"], *CSV_ARGS[:8], "--order", "HighestEducation:Lower,Higher"],
            "is not of the form NAME=LEVEL1,LEVEL2",
        ),
        (
            lambda f: [f["csv"], *CSV_ARGS[:6], "--order", "Residence=Rural,Urban"],
            "only ordered circumstances take a level order",
        ),
        (
            lambda f: [
                *[f["csv"], *CSV_ARGS[:8]],
                *["--order", "HighestEducation=Lower,Higher"],
            ],
            "values outside its declared levels",
        ),
        (
            lambda f: [f["csv"], *CSV_ARGS[:4], "--circumstance", "Residence:sorted"],
            "the kind after ':' must be one of unordered, ordered, numeric",
        ),
        (
            lambda f: [f["dta"], *DTA_ARGS[:2], "--positive", "Maybe", *DTA_ARGS[4:]],
            "None of the --positive values ('Maybe') occur in the outcome column 'y'; "
            "its values are: 'No', 'Yes'.",
        ),
        (
            lambda f: [f["dta"], "--outcome", "y", *DTA_ARGS[4:]],
            "holds text values such as 'No', 'Yes'; name the values that count as 1 with "
            "--positive",
        ),
        (
            lambda f: [f["dta"], *DTA_ARGS, "--where", "Residence == "],
            "--where 'Residence == ' could not be applied: invalid syntax",
        ),
        (
            lambda f: [f["dta"], *DTA_ARGS, "--where", "hhid + 1"],
            "must be a true/false condition on the rows",
        ),
        (
            lambda f: [f["dta"], *DTA_ARGS, "--where", "Residense == 'Urban'"],
            "'Residense': did you mean 'Residence'?",
        ),
        (
            lambda f: [f["dta"], *DTA_ARGS, "--where", "Residence == 'Mars'"],
            "leaves no rows of the 3750 read",
        ),
        (
            lambda f: [f["csv"], *CSV_ARGS, "--weight-divisor", "0"],
            "--weight-divisor must be a positive number",
        ),
        (
            lambda f: [f["csv"], *CSV_ARGS[:6], "--circumstance", "y"],
            "cannot also be a circumstance",
        ),
    ],
    ids=[
        "missing-file",
        "unknown-column",
        "unreadable-file",
        "ordered-without-order",
        "bad-order-syntax",
        "order-on-unordered",
        "order-missing-a-level",
        "unknown-kind",
        "positive-matches-nothing",
        "text-outcome-without-positive",
        "bad-where",
        "where-not-a-condition",
        "where-unknown-column",
        "where-leaves-nothing",
        "bad-weight-divisor",
        "outcome-as-circumstance",
    ],
)
def test_user_errors_are_one_line_command_errors(files, make_args, message):
    with pytest.raises(CommandError) as error:
        run(*make_args(files))
    text = str(error.value)
    assert message in text
    assert "\n" not in text


def test_command_line_exits_with_status_1_and_no_traceback(files):
    completed = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "lnob_tree",
            str(files["csv"]),
            *CSV_ARGS[:2],
            "--circumstance",
            "Residnce",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "lnob_portal.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert "did you mean 'Residence'?" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


def test_command_line_json_is_one_object_on_stdout(files):
    completed = subprocess.run(
        [sys.executable, "manage.py", "lnob_tree", str(files["dta"]), *DTA_ARGS, "--format=json"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "lnob_portal.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["n"] == 3750


def test_minbucket_divisor_19_is_escaps_rule_for_ethnicity(files):
    # N = 3750: max(49, 3750/19) = 197.4 -> minbucket 197, minsplit 394 (rpart truncates
    # 2 x 197.37 = 394.7), not 2 x 197 = 394 by coincidence only: check the division too.
    data = run_json(files["csv"], *CSV_ARGS, "--minbucket-divisor", "19", "--format", "json")
    assert data["params"]["minbucket"] == 197
    assert data["params"]["minsplit"] == int(2 * 3750 / 19)


def _age_bands(tmp_path) -> Path:
    frame = pd.DataFrame(
        {
            "age": ["(19,39]"] * 200 + ["(39,59]"] * 200 + ["(59,99]"] * 200,
            "y": ([0] * 150 + [1] * 50) + ([0] * 60 + [1] * 140) + ([1] * 200),
        }
    )
    path = tmp_path / "bands.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "order_args",
    [
        ["--order", 'age="(19,39]","(39,59]","(59,99]"'],
        ["--level", "age=(19,39]", "--level", "age=(39,59]", "--level", "age=(59,99]"],
    ],
)
def test_level_names_with_commas_can_be_ordered(tmp_path, order_args):
    data = run_json(
        _age_bands(tmp_path),
        "--outcome", "y", "--circumstance", "age:ordered", *order_args,
        "--min-leaf", "20", "--format", "json",
    )  # fmt: skip
    assert data["circumstances"][0]["order"] == ["(19,39]", "(39,59]", "(59,99]"]
    assert data["furthest_behind"]["path"] == ["age = (19,39]"]


@pytest.fixture(scope="module")
def designed_csv(rows, tmp_path_factory) -> Path:
    """The worked example with a made-up design: 75 PSUs of 50 rows in 3 strata."""
    path = tmp_path_factory.mktemp("design") / "designed.csv"
    psu = pd.Series(range(len(rows))) // 50
    rows.assign(psu=psu, stratum=psu % 3).to_csv(path, index=False)
    return path


def test_intervals_without_a_design_assume_independent_rows(files):
    data = run_json(files["csv"], *CSV_ARGS)
    assert data["uncertainty"]["method"] == "iid"
    assert (
        data["uncertainty"]["note"] == "no survey design given: intervals assume independent rows"
    )
    assert data["uncertainty"]["replicates"] == 200
    for node in data["nodes"]:
        assert node["ci"][0] <= node["mean"] <= node["ci"][1]
        if node["is_leaf"]:
            assert isinstance(node["overlaps_sibling"], bool)
    assert data["gap_ci"][0] <= data["gap"] <= data["gap_ci"][1]
    assert data["d_index_ci"][0] <= data["d_index"] <= data["d_index_ci"][1]
    assert data["hoi_ci"][0] <= data["hoi"] <= data["hoi_ci"][1]
    text = run(files["csv"], *CSV_ARGS)
    assert "95% intervals" in text and "intervals assume independent rows" in text


def test_cluster_and_strata_options(designed_csv):
    data = run_json(
        designed_csv, *CSV_ARGS, "--cluster", "psu", "--strata", "stratum", "--replicates", 50
    )
    design = data["uncertainty"]["design"]
    assert data["uncertainty"]["method"] == "taylor"
    assert (design["cluster"], design["strata"], design["n_psu"], design["n_strata"]) == (
        "psu",
        "stratum",
        75,
        3,
    )
    assert data["uncertainty"]["replicates"] == 50
    again = run_json(
        designed_csv, *CSV_ARGS, "--cluster", "psu", "--strata", "stratum", "--replicates", 50
    )
    assert again["d_index_ci"] == data["d_index_ci"]  # seeded
    text = run(designed_csv, *CSV_ARGS, "--cluster", "psu", "--strata", "stratum")
    assert "Design: cluster psu, strata stratum (75 PSUs in 3 strata" in text
    plain = run_json(designed_csv, *CSV_ARGS, "--no-intervals")
    assert "uncertainty" not in plain and "gap_ci" not in plain


def test_unknown_design_column_is_a_clear_error(files):
    with pytest.raises(CommandError, match="--cluster"):
        run(files["csv"], *CSV_ARGS, "--cluster", "hv021")


def test_where_keeps_the_whole_design(designed_csv):
    data = run_json(
        designed_csv, *CSV_ARGS, "--cluster", "psu", "--strata", "stratum",
        "--where", "PoorerHousehold == 1", "--min-leaf", 50, "--replicates", 20,
    )  # fmt: skip
    design = data["uncertainty"]["design"]
    assert design["n_psu"] == 75  # every PSU of the file counts
    assert design["n_psu_with_rows"] < 75  # though some hold no selected row


@pytest.fixture(scope="module")
def gappy_csv(rows, tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    frame = rows.copy()
    frame.loc[frame.index % 9 == 0, "Residence"] = None
    frame.loc[frame.index % 13 == 0, "HighestEducation"] = None
    path = tmp_path_factory.mktemp("lnob_tree_missing") / "gaps.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_missing_defaults_to_rpart_surrogates(gappy_csv):
    path, frame = gappy_csv
    complete = frame.dropna(subset=["Residence", "HighestEducation"])
    data = run_json(path, *CSV_ARGS)
    assert data["missing_policy"] == "surrogate"
    assert data["n"] == 3750 and data["dropped"]["missing_circumstance"] == 0
    assert data["n_used_for_d"] == len(complete)
    engine = analyse(frame, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w")
    assert [(n["id"], n["n"]) for n in data["nodes"]] == [(n.id, n.n) for n in engine.nodes]
    assert data["d_index"] == pytest.approx(engine.d_index)
    text = run(path, *CSV_ARGS)
    assert f"rows used for D    {len(complete)}" in text
    assert "--missing surrogate" in text


def test_missing_level_and_drop_options(gappy_csv):
    path, frame = gappy_csv
    complete = frame.dropna(subset=["Residence", "HighestEducation"])
    dropped = run_json(path, *CSV_ARGS, "--missing", "drop")
    assert dropped["missing_policy"] == "drop"
    assert dropped["n"] == len(complete) == dropped["n_used_for_d"]
    assert dropped["dropped"]["missing_circumstance"] == 3750 - len(complete)
    level = run_json(path, *CSV_ARGS, "--missing", "level")
    assert level["n"] == 3750 == level["n_used_for_d"]
    with pytest.raises(CommandError):
        run(path, *CSV_ARGS, "--missing", "impute")
