"""A rule that counts a blank outcome as "no" does not count the file's declared missing codes.

ESCAP's electricity preset counts a blank ``hv206`` as "no electricity" (``blank_as =
"negative"``). A Stata ``.a``/``.b`` or an SPSS user-missing 8/9 is read as a blank cell too,
but it means "don't know / missing", not "no": it stays missing unless the definition says
otherwise (``declared_missing_as = "negative"``). Either way the run says how many cells
were recoded and why (``outcome_recoding`` in the JSON, a sentence on the run page).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis.bridge import compute_run
from analysis.indicators import ESCAP_PRESETS, IndicatorDefinition, apply_indicator
from analysis.surveyio import read_survey
from demo.synthetic import generate_dhs_like

N_DONT_KNOW, N_MISSING, N_BLANK = 14, 6, 9


def _household_frame() -> tuple[pd.DataFrame, dict]:
    hr = generate_dhs_like(seed=11, n_households=900)["HR"]
    frame = hr.frame.copy()
    frame["hv206"] = frame["hv206"].astype(float)
    labels = {name: dict(table) for name, table in hr.value_labels.items()}
    return frame, labels


def _sav(tmp_path: Path, missing_every_circumstance: int = 0) -> Path:
    frame, labels = _household_frame()
    if missing_every_circumstance:
        rows = frame.index[-missing_every_circumstance:]
        frame.loc[rows, ["hv270", "hv025", "hv106_max"]] = np.nan
    frame.loc[0 : N_DONT_KNOW - 1, "hv206"] = 8
    frame.loc[N_DONT_KNOW : N_DONT_KNOW + N_MISSING - 1, "hv206"] = 9
    start = N_DONT_KNOW + N_MISSING
    frame.loc[start : start + N_BLANK - 1, "hv206"] = np.nan  # system missing: a blank
    labels["hv206"] = {**labels.get("hv206", {}), 8: "Don't know", 9: "Missing"}
    path = tmp_path / "ZZHR81FL.sav"
    pyreadstat.write_sav(
        frame, str(path), variable_value_labels=labels, missing_ranges={"hv206": [8, 9]}
    )
    return path


def _dta(tmp_path: Path) -> Path:
    frame, labels = _household_frame()
    hv206 = frame["hv206"].astype(object)
    hv206[0:N_DONT_KNOW] = "a"
    hv206[N_DONT_KNOW : N_DONT_KNOW + N_MISSING] = "b"
    start = N_DONT_KNOW + N_MISSING
    hv206[start : start + N_BLANK] = np.nan
    frame["hv206"] = hv206
    labels["hv206"] = {**labels.get("hv206", {}), "a": "Don't know", "b": "Missing"}
    path = tmp_path / "ZZHR81FL.dta"
    pyreadstat.write_dta(
        frame, str(path), variable_value_labels=labels, missing_user_values={"hv206": ["a", "b"]}
    )
    return path


def _expected_mean(declared_as_no: bool) -> float:
    """The electricity rate by hand: 1 = yes; blanks are "no"; declared codes drop out
    (or are "no" too)."""
    frame, _ = _household_frame()
    declared = np.zeros(len(frame), dtype=bool)
    declared[: N_DONT_KNOW + N_MISSING] = True
    y = (frame["hv206"] == 1).to_numpy(dtype=float).copy()
    w = frame["hv005"].to_numpy(dtype=float)
    y[: N_DONT_KNOW + N_MISSING + N_BLANK] = 0.0
    keep = np.ones(len(frame), dtype=bool) if declared_as_no else ~declared
    return float((y[keep] * w[keep]).sum() / w[keep].sum())


@pytest.mark.parametrize("writer", [_sav, _dta])
def test_declared_codes_stay_missing_and_blanks_are_no(tmp_path, writer):
    path = writer(tmp_path)
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    result = compute_run(path=str(path), definition=definition, shapley=False)
    assert result["sample"]["n_missing_outcome"] == N_DONT_KNOW + N_MISSING
    assert result["mean"] == pytest.approx(_expected_mean(False), rel=1e-12)
    recoding = {(r["kind"], r["as"]): r for r in result["outcome_recoding"]}
    assert set(recoding) == {("declared_missing", "missing"), ("blank", "no")}
    assert recoding["declared_missing", "missing"]["count"] == N_DONT_KNOW + N_MISSING
    assert recoding["declared_missing", "missing"]["column"] == "hv206"
    assert "not counted as 'no'" in recoding["declared_missing", "missing"]["reason"]
    assert recoding["blank", "no"]["count"] == N_BLANK
    assert "blank_as = negative" in recoding["blank", "no"]["reason"]


def test_a_definition_may_count_declared_codes_as_no(tmp_path):
    path = _sav(tmp_path)
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    definition["outcome"]["declared_missing_as"] = "negative"
    result = compute_run(path=str(path), definition=definition, shapley=False)
    assert result["sample"]["n_missing_outcome"] == 0
    assert result["mean"] == pytest.approx(_expected_mean(True), rel=1e-12)
    (declared,) = [r for r in result["outcome_recoding"] if r["kind"] == "declared_missing"]
    assert declared["as"] == "no" and declared["count"] == N_DONT_KNOW + N_MISSING
    assert "declared_missing_as = negative" in declared["reason"]


def test_preset_definitions_are_unchanged_by_the_new_option():
    data = ESCAP_PRESETS["dhs-electricity"].to_dict()
    assert "declared_missing_as" not in data["outcome"]
    again = IndicatorDefinition.from_dict(data)
    assert again.outcome.declared_missing_as == "missing"


def test_counts_are_per_region_and_survive_the_parquet_cache(tmp_path):
    path = _sav(tmp_path)
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    survey = read_survey(path)
    assert survey.declared_missing_rows["hv206"].sum() == N_DONT_KNOW + N_MISSING
    prepared = apply_indicator(
        survey.frame,
        IndicatorDefinition.from_dict(definition),
        value_labels=survey.value_labels,
        declared_missing_rows=survey.declared_missing_rows,
    )
    (declared,) = [e for e in prepared.outcome_recoding if e["kind"] == "declared_missing"]
    by_region = declared["by_region"]
    assert sum(by_region.values()) == N_DONT_KNOW + N_MISSING
    region = max(by_region, key=by_region.get)
    sha = "ab" * 32
    first = compute_run(path=str(path), definition=definition, region=region, sha256=sha)
    cached = compute_run(path=str(path), definition=definition, region=region, sha256=sha)
    assert list((tmp_path / ".prepared").glob("*.parquet"))
    for result in (first, cached):
        (entry,) = [r for r in result["outcome_recoding"] if r["kind"] == "declared_missing"]
        assert entry["count"] == by_region[region]
        assert "by_region" not in entry


@pytest.mark.django_db
def test_run_page_says_how_many_cells_were_recoded_and_why(
    people, client_for, tmp_path, django_capture_on_commit_callbacks
):
    from analysis import services

    path = _sav(tmp_path, missing_every_circumstance=12)
    with django_capture_on_commit_callbacks(execute=True):
        dataset = services.dataset_upload(
            uploaded=SimpleUploadedFile("ZZHR81FL.sav", path.read_bytes()),
            title="ZZ HR",
            country="Demoland",
            survey_kind="DHS",
            survey_round="2023",
            user=people.rco,
        )
    dataset.refresh_from_db()
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    # The preset counts a missing household education as "Lower" (ESCAP); without that the
    # 12 rows miss every circumstance.
    definition["circumstances"][2]["missing_level"] = None
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = services.runs_start(dataset=dataset, definition=definition, user=people.rco)
    run.refresh_from_db()
    assert run.status == run.Status.SUCCEEDED, run.message
    page = client_for("rco").get(run.get_absolute_url()).content.decode()
    assert "Outcome values recoded" in page
    assert (
        f"{N_DONT_KNOW + N_MISSING} cell(s) of <code>hv206</code> held a code the file "
        "declares missing" in page
    )
    assert f"{N_BLANK} blank cell(s) of <code>hv206</code> counted as “no”" in page
    # Weighted run, default surrogate policy: rows missing every circumstance are kept.
    assert run.result["kept_missing_every_circumstance"] == 12
    assert "Rows missing every circumstance, kept" in page
    assert "R&#x27;s rpart keeps such rows" in page or "R's rpart keeps such rows" in page
