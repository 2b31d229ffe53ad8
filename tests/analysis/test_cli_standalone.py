"""``lnob-tree`` (analysis/cli.py) runs without Django, and says what the portal says.

The same definition read from the same file gives the same JSON from the command line
(``python -m analysis.cli``, ``manage.py lnob_tree``) and from the portal
(:func:`analysis.bridge.compute_run`): one pipeline, one schema.
"""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.conf import settings
from django.core.management import call_command

from analysis import bridge, cli, cli_core
from analysis.engine import uncertainty
from tests.analysis.engine.conftest import DATA, expand_cells

ARGS = [
    "--outcome", "y",
    "--circumstance", "PoorerHousehold",
    "--circumstance", "Residence",
    "--circumstance", "HighestEducation:ordered",
    "--order", "HighestEducation=Lower,Secondary,Higher",
    "--weight", "w",
    "--shapley",
]  # fmt: skip
DEFINITION = {
    "name": "Worked example",
    "outcome": {"column": "y", "kind": "numeric"},
    "weight_column": "w",
    "circumstances": [
        {"name": "PoorerHousehold", "column": "PoorerHousehold", "kind": "unordered"},
        {"name": "Residence", "column": "Residence", "kind": "unordered"},
        {
            "name": "HighestEducation",
            "column": "HighestEducation",
            "kind": "ordered",
            "order": ["Lower", "Secondary", "Higher"],
        },
    ],
}
# What the command line adds about its input (the portal keeps it on the Dataset and Run),
# and "outcome": the CLI's {"column", "positive"}, the portal's name of its derived column.
CLI_ONLY = {"source", "weight", "outcome"}
PORTAL_ONLY = {"outcome_binary", "dimensions", "sample"}

_PROBE = """
import runpy, sys
sys.argv = ["lnob-tree", *sys.argv[1:]]
try:
    runpy.run_module("analysis.cli", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code
else:
    code = 0
loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
print("DJANGO-MODULES", loaded, code, file=sys.stderr)
"""


@pytest.fixture(scope="module")
def worked_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli_standalone") / "escap.csv"
    expand_cells(pd.read_csv(DATA / "escap_synthetic_cells.csv")).to_csv(path, index=False)
    return path


def _probe(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _PROBE, *map(str, args)],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(settings.BASE_DIR)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("run_args", [["--help"], ["CSV", *ARGS, "--format", "json"]])
def test_the_command_imports_no_django(worked_csv, run_args):
    args = [str(worked_csv) if a == "CSV" else a for a in run_args]
    completed = _probe(*args)
    assert "DJANGO-MODULES [] 0" in completed.stderr, completed.stderr
    if "--help" in args:
        assert "--circumstance" in completed.stdout
    else:
        assert json.loads(completed.stdout)["n"] == 3750


def test_python_dash_m_exits_1_with_one_line_on_a_mistake(worked_csv):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis.cli",
            str(worked_csv),
            *ARGS[:2],
            "--circumstance",
            "Residnce",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr.strip().splitlines() == [
        "Error: Column 'Residnce' (--circumstance) is not in 'escap.csv'; did you mean 'Residence'?"
    ]


def test_manage_py_wrapper_prints_the_same_json(worked_csv, capsys):
    out = StringIO()
    call_command("lnob_tree", str(worked_csv), *ARGS, "--format", "json", stdout=out)
    assert cli.main([str(worked_csv), *ARGS, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(out.getvalue())


def test_cli_json_equals_the_portals_stored_result(worked_csv):
    printed = json.loads(cli_core.render(cli_core.run(vars(cli.build_parser().parse_args(
        [str(worked_csv), *ARGS, "--format", "json"]
    ))), "json"))  # fmt: skip
    stored = json.loads(
        json.dumps(
            cli_core._jsonable(bridge.compute_run(path=str(worked_csv), definition=DEFINITION))
        )
    )
    assert set(printed) - CLI_ONLY == set(stored) - PORTAL_ONLY
    shared = sorted(set(printed) - CLI_ONLY)
    assert "single_d" in shared and "single_circumstance_d" not in printed
    for key in shared:
        assert (
            printed[key] == pytest.approx(stored[key])
            if _is_number(printed[key])
            else (_rounded(printed[key]) == _rounded(stored[key]))
        ), key


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rounded(value):
    """Floats to 12 significant digits, so both sides compare despite summation order."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.12g}")
    return value


def test_the_light_entry_point_has_the_engines_defaults():
    assert (cli.DEFAULT_REPLICATES, cli.DEFAULT_SEED) == (
        uncertainty.DEFAULT_REPLICATES,
        uncertainty.DEFAULT_SEED,
    )


def test_a_prefetched_read_is_used_and_equals_a_fresh_one(worked_csv, capsys):
    from analysis import csvprefetch

    names = ["y", "PoorerHousehold", "Residence", "HighestEducation", "w"]
    pool, future = csvprefetch.start(str(worked_csv), names, set())
    with pool:
        fetched = future.result()
    assert fetched is not None and fetched.table.num_rows == 3750
    options = vars(cli.build_parser().parse_args([str(worked_csv), *ARGS, "--format", "json"]))
    again = cli_core.render(cli_core.run(options), "json")
    done = type(future)()
    done.set_result(fetched)
    reused = cli_core.render(cli_core.run(options, prefetched=done), "json")
    assert json.loads(reused) == json.loads(again)


def test_cli_reports_rows_missing_every_circumstance_it_keeps(tmp_path):
    """Weighted runs keep rows missing every circumstance (as rpart's na.rpart does): the
    summary, the tree text and the JSON say how many and why."""
    rows = expand_cells(pd.read_csv(DATA / "escap_synthetic_cells.csv"))
    rows.loc[:16, ["PoorerHousehold", "Residence", "HighestEducation"]] = None
    path = tmp_path / "gaps.csv"
    rows.to_csv(path, index=False)
    report = cli_core.run(vars(cli.build_parser().parse_args([str(path), *ARGS])))
    data = json.loads(cli_core.render(report, "json"))
    assert data["kept_missing_every_circumstance"] == 17
    assert data["dropped"]["missing_circumstance"] == 0 and data["n"] == len(rows)
    text = cli_core.render(report, "text")
    assert "kept, missing all  17" in text
    assert "17 row(s) missing every circumstance are kept in the tree" in text
    unweighted = [a for a in ARGS if a not in ("--weight", "w")]
    report = cli_core.run(vars(cli.build_parser().parse_args([str(path), *unweighted])))
    data = json.loads(cli_core.render(report, "json"))
    assert data["kept_missing_every_circumstance"] == 0
    assert data["dropped"]["missing_circumstance"] == 17
