"""Declared missing values of Stata and SPSS files are missing, and only those.

DHS and MICS recode files declare "don't know/refused/missing" codes: SPSS as user-missing
values (8, 9) or ranges (97-99), Stata as extended missing values .a-.z. Those (plus empty
cells and system missing) are missing in every reader, whole-file and chunked, and the
profile lists which declared codes were met, with their labels and counts. A value *label*
that looks missing ("None" = no education, "NA" = Namibia) is a level like any other.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from analysis.surveyio import iter_survey_chunks, profile_survey, read_survey

N = 300
EDUCATION = {0: "None", 1: "Primary", 2: "Secondary", 3: "Higher", 8: "Don't know", 9: "Missing"}
COUNTRY = {1: "NA", 2: "ZA"}


def _codes() -> pd.DataFrame:
    """A women's-recode shaped frame: v106 with 8/9, v012 age with 97-99, a weight."""
    rng = np.random.default_rng(3)
    v106 = rng.choice([0, 1, 2, 3], N).astype(float)
    v106[:12] = 8  # don't know
    v106[12:17] = 9  # missing
    v106[17:20] = np.nan  # system missing
    v012 = rng.integers(15, 50, N).astype(float)
    v012[20:27] = 97
    v012[27:29] = 98
    v012[29:30] = 99
    return pd.DataFrame(
        {
            "v106": v106,
            "v012": v012,
            "country": rng.choice([1, 2], N).astype(float),
            "v005": rng.integers(500_000, 2_000_000, N).astype(float),
        }
    )


@pytest.fixture
def sav_file(tmp_path: Path) -> Path:
    path = tmp_path / "ZZIR71FL.sav"
    pyreadstat.write_sav(
        _codes(),
        str(path),
        column_labels={"v106": "Highest educational level", "v012": "Current age"},
        variable_value_labels={
            "v106": EDUCATION,
            "country": COUNTRY,
            "v012": {97: "Inconsistent", 98: "Don't know", 99: "Missing"},
        },
        missing_ranges={"v106": [8, 9], "v012": [{"lo": 97, "hi": 99}]},
    )
    return path


@pytest.fixture
def dta_file(tmp_path: Path) -> Path:
    """Stata: the same codes, with 8 → .a ("Don't know") and 9 → .b ("Missing")."""
    frame = _codes()
    v106 = frame["v106"].astype(object)
    v106[frame["v106"] == 8] = "a"
    v106[frame["v106"] == 9] = "b"
    frame["v106"] = v106
    path = tmp_path / "ZZIR71FL.dta"
    pyreadstat.write_dta(
        frame,
        str(path),
        column_labels={"v106": "Highest educational level", "v012": "Current age"},
        variable_value_labels={
            "v106": {0: "None", 1: "Primary", 2: "Secondary", 3: "Higher", "a": "Don't know"},
            "country": COUNTRY,
        },
        missing_user_values={"v106": ["a", "b"]},
    )
    return path


def test_spss_user_missing_values_and_ranges_are_missing(sav_file: Path) -> None:
    survey = read_survey(sav_file)
    frame = survey.frame
    assert frame["v106"].isna().sum() == 20  # 12 × 8, 5 × 9, 3 system missing
    assert not frame["v106"].isin(["Don't know", "Missing"]).any()
    assert frame["v012"].isna().sum() == 10  # 97-99
    assert frame["v012"].max() < 97
    assert survey.declared_missing["v106"] == [
        {"code": 8, "label": "Don't know", "count": 12},
        {"code": 9, "label": "Missing", "count": 5},
    ]
    assert survey.declared_missing["v012"] == [
        {"code": 97, "label": "Inconsistent", "count": 7},
        {"code": 98, "label": "Don't know", "count": 2},
        {"code": 99, "label": "Missing", "count": 1},
    ]
    # The level order has no missing codes in it.
    assert survey.value_label_order["v106"] == ["None", "Primary", "Secondary", "Higher"]


def test_stata_extended_missing_values_are_missing(dta_file: Path) -> None:
    survey = read_survey(dta_file)
    frame = survey.frame
    assert frame["v106"].isna().sum() == 20
    assert survey.declared_missing["v106"] == [
        {"code": ".a", "label": "Don't know", "count": 12},
        {"code": ".b", "label": "", "count": 5},
    ]
    # Codes 97-99 are not declared missing in the Stata file: they stay values.
    assert frame["v012"].isna().sum() == 0
    assert (frame["v012"] == 97).sum() == 7
    assert "v012" not in survey.declared_missing


@pytest.mark.parametrize("fixture", ["sav_file", "dta_file"])
def test_labels_that_look_missing_are_levels(fixture: str, request) -> None:
    path = request.getfixturevalue(fixture)
    frame = read_survey(path).frame
    assert (frame["v106"] == "None").sum() > 50
    assert frame["country"].isna().sum() == 0
    assert set(frame["country"]) == {"NA", "ZA"}
    profiles = {p.name: p for p in profile_survey(path, chunksize=70)}
    assert profiles["country"].n_missing == 0
    assert {level for level, _ in profiles["country"].levels} == {"NA", "ZA"}
    assert "None" in dict(profiles["v106"].levels)


@pytest.mark.parametrize("chunksize", [7, 64, 1000])
@pytest.mark.parametrize("fixture", ["sav_file", "dta_file"])
def test_chunks_blank_exactly_the_declared_codes(fixture: str, chunksize: int, request) -> None:
    path = request.getfixturevalue(fixture)
    chunks = list(iter_survey_chunks(path, chunksize=chunksize))
    assert all(len(chunk) <= chunksize for chunk in chunks)
    whole = pd.concat(chunks, ignore_index=True)
    assert len(whole) == N
    assert whole["v106"].isna().sum() == 20
    expected = _codes()
    kept = ~expected["v106"].isin([8, 9]) & expected["v106"].notna()
    assert (whole["v106"][kept].astype(float) == expected["v106"][kept]).all()
    assert whole["v012"].isna().sum() == (10 if fixture == "sav_file" else 0)


@pytest.mark.parametrize("chunksize", [7, 1000])
def test_profile_lists_declared_codes_with_counts(sav_file: Path, chunksize: int) -> None:
    profiles = {p.name: p for p in profile_survey(sav_file, chunksize=chunksize)}
    education = profiles["v106"]
    assert education.n_missing == 20
    assert education.declared_missing == ((8, "Don't know", 12), (9, "Missing", 5))
    assert education.inferred_type == "categorical"
    assert "Don't know" not in dict(education.levels)
    age = profiles["v012"]
    assert age.n_missing == 10 and age.maximum < 97
    data = json.loads(json.dumps(education.to_dict()))
    assert data["declared_missing"] == [
        {"code": 8, "label": "Don't know", "count": 12},
        {"code": 9, "label": "Missing", "count": 5},
    ]
    assert profiles["country"].declared_missing == ()


@pytest.mark.parametrize("chunksize", [7, 1000])
def test_stata_profile_lists_extended_missing(dta_file: Path, chunksize: int) -> None:
    profiles = {p.name: p for p in profile_survey(dta_file, chunksize=chunksize)}
    education = profiles["v106"]
    assert education.n_missing == 20
    assert education.declared_missing == ((".a", "Don't know", 12), (".b", "", 5))
    assert profiles["v012"].n_missing == 0


def test_stata_system_missing_next_to_extended_missing_is_not_a_value(tmp_path: Path) -> None:
    """pyreadstat's user_missing read returns garbage for "." in a column with .a-.z; the
    reader must still see the system missing as missing, not as 0 or a stale value."""
    frame = pd.DataFrame({"x": pd.Series([1, "a", np.nan, 2, np.nan, "b"], dtype=object)})
    path = tmp_path / "mixed.dta"
    pyreadstat.write_dta(frame, str(path), missing_user_values={"x": ["a", "b"]})
    for chunksize in (2, 3, 100):
        whole = pd.concat(iter_survey_chunks(path, chunksize=chunksize), ignore_index=True)
        assert whole["x"].tolist()[0] == 1 and whole["x"].tolist()[3] == 2
        assert whole["x"].isna().sum() == 4
    survey = read_survey(path)
    assert survey.frame["x"].isna().sum() == 4
    assert [item["count"] for item in survey.declared_missing["x"]] == [1, 1]
    (profile,) = profile_survey(path, chunksize=2)
    assert profile.n_missing == 4 and profile.minimum == 1 and profile.maximum == 2


def test_a_run_records_the_declared_codes_it_treated_as_missing(tmp_path: Path) -> None:
    from analysis.bridge import compute_run
    from analysis.indicators import ESCAP_PRESETS
    from demo.synthetic import generate_dhs_like

    hr = generate_dhs_like(seed=5, n_households=800)["HR"]
    frame = hr.frame.copy()
    frame.loc[:9, "hv270"] = 8  # wealth "don't know", declared missing
    labels = {name: dict(table) for name, table in hr.value_labels.items()}
    labels["hv270"] = {**labels["hv270"], 8: "Don't know"}
    path = tmp_path / "ZZHR.sav"
    pyreadstat.write_sav(
        frame, str(path), variable_value_labels=labels, missing_ranges={"hv270": [8]}
    )
    definition = ESCAP_PRESETS["dhs-electricity"].to_dict()
    result = compute_run(path=str(path), definition=definition, shapley=False)
    assert result["sample"]["declared_missing"] == {
        "hv270": [{"code": 8, "label": "Don't know", "count": 10}]
    }
    assert result["sample"]["n_incomplete_circumstances"] >= 10
