"""Tests for analysis.surveyio: reading CSV/XLSX/Stata/SPSS survey files and profiling them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from analysis.surveyio import (
    SurveyFileError,
    iter_survey_chunks,
    profile_survey,
    read_survey,
    read_survey_metadata,
    value_key,
)

RESIDENCE = {1: "Urban", 2: "Rural"}
# Deliberately not in code order: the level order must follow the codes.
WEALTH = {3: "Middle", 1: "Poorest", 5: "Richest", 2: "Poorer", 4: "Richer"}


def _labelled_frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "hv025": rng.integers(1, 3, n),
            "hv270": rng.integers(1, 6, n).astype(float),
            "hv204": rng.integers(0, 60, n).astype(float),
            "hv005": rng.integers(500_000, 2_000_000, n),
            "region_name": rng.choice(["North", "South", "East"], n),
        }
    )
    frame.loc[0, "hv025"] = 9  # a code without a label
    frame.loc[1, "hv270"] = np.nan
    frame.loc[2, "hv204"] = 996
    return frame


def _write_labelled(path: Path, frame: pd.DataFrame) -> Path:
    writer = pyreadstat.write_dta if path.suffix == ".dta" else pyreadstat.write_sav
    writer(
        frame,
        str(path),
        column_labels={
            "hv025": "Type of place of residence",
            "hv270": "Wealth index combined",
            "hv204": "Time to get to water source",
            "hv005": "Household sample weight",
            "region_name": "Region name",
        },
        variable_value_labels={
            "hv025": RESIDENCE,
            "hv270": WEALTH,
            "hv204": {996: "On premises", 998: "Don't know"},
        },
    )
    return path


@pytest.fixture(params=[".dta", ".sav"])
def labelled_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return _write_labelled(tmp_path / f"survey{request.param}", _labelled_frame())


# ------------------------------------------------------------------------------ Stata / SPSS


def test_value_labels_become_level_names_in_code_order(labelled_file: Path) -> None:
    survey = read_survey(labelled_file)
    frame = survey.frame
    assert set(frame["hv025"].dropna()) == {"Urban", "Rural", "9"}
    assert survey.value_label_order["hv025"] == ["Urban", "Rural", "9"]
    assert survey.value_label_order["hv270"] == ["Poorest", "Poorer", "Middle", "Richer", "Richest"]
    assert pd.isna(frame.loc[1, "hv270"])
    assert survey.variable_labels["hv270"] == "Wealth index combined"
    assert survey.value_labels["hv025"][1] == "Urban"
    assert survey.source_format == labelled_file.suffix.lstrip(".")


def test_labels_marking_special_codes_keep_the_column_numeric(labelled_file: Path) -> None:
    survey = read_survey(labelled_file)
    assert pd.api.types.is_numeric_dtype(survey.frame["hv204"])
    assert survey.frame.loc[2, "hv204"] == 996
    assert "hv204" not in survey.value_label_order
    assert any("hv204" in message for message in survey.messages)


def test_columns_restricts_what_is_read(labelled_file: Path) -> None:
    survey = read_survey(labelled_file, columns=["hv270", "hv005"])
    assert list(survey.frame.columns) == ["hv270", "hv005"]
    assert set(survey.variable_labels) == {"hv270", "hv005"}


def test_unknown_column_names_a_close_match(labelled_file: Path) -> None:
    with pytest.raises(SurveyFileError, match="hv270"):
        read_survey(labelled_file, columns=["hv27"])


def test_metadata_without_rows(labelled_file: Path) -> None:
    names, variable_labels, value_labels = read_survey_metadata(labelled_file)
    assert names == ["hv025", "hv270", "hv204", "hv005", "region_name"]
    assert variable_labels["hv025"] == "Type of place of residence"
    assert value_labels["hv270"][5] == "Richest"


def test_fmt_overrides_the_extension(tmp_path: Path) -> None:
    path = _write_labelled(tmp_path / "survey.dta", _labelled_frame())
    renamed = path.rename(tmp_path / "survey.bin")
    assert read_survey(renamed, fmt="dta").frame.shape == (60, 5)


# ------------------------------------------------------------------------------ CSV and XLSX


def test_csv_semicolon_cp1252_with_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_bytes(
        "région;poids;âge\nHauts-Bassins;1,5;23\nCentre-Est;2,25;41\n".encode("cp1252")
    )
    survey = read_survey(path)
    assert survey.delimiter == ";"
    assert survey.encoding == "cp1252"
    assert list(survey.frame.columns) == ["région", "poids", "âge"]
    assert survey.frame["région"].tolist() == ["Hauts-Bassins", "Centre-Est"]
    assert survey.frame["poids"].tolist() == [1.5, 2.25]
    assert any("Windows-1252" in message for message in survey.messages)


@pytest.mark.parametrize(
    ("text", "encoding", "delimiter", "expected_encoding"),
    [
        ("a,b\n1,x\n2,y\n", "utf-8", ",", "utf-8"),
        ("a\tb\n1\tx\n2\ty\n", "utf-8", "\t", "utf-8"),
        ("a;b\n1;é\n2;ü\n", "utf-8-sig", ";", "utf-8-sig"),
    ],
)
def test_csv_delimiter_and_encoding_detected(
    tmp_path: Path, text: str, encoding: str, delimiter: str, expected_encoding: str
) -> None:
    path = tmp_path / "survey.csv"
    path.write_bytes(text.encode(encoding))
    survey = read_survey(path)
    assert survey.delimiter == delimiter
    assert survey.encoding == expected_encoding
    assert list(survey.frame.columns) == ["a", "b"]
    assert survey.frame["a"].tolist() == [1, 2]
    assert survey.messages == ()


def test_csv_quoted_delimiters_do_not_confuse_detection(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text('name,comment\nA,"yes; mostly"\nB,"no; never"\n', encoding="utf-8")
    survey = read_survey(path)
    assert survey.delimiter == ","
    assert survey.frame["comment"].tolist() == ["yes; mostly", "no; never"]


def test_xlsx_first_sheet_and_named_sheet(tmp_path: Path) -> None:
    path = tmp_path / "survey.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]}).to_excel(
            writer, sheet_name="Data", index=False
        )
        pd.DataFrame({"z": [9.5]}).to_excel(writer, sheet_name="Notes", index=False)
    first = read_survey(path)
    assert list(first.frame.columns) == ["x", "y"]
    assert first.frame["x"].tolist() == [1, 2, 3]
    assert read_survey(path, sheet="Notes").frame["z"].tolist() == [9.5]
    with pytest.raises(SurveyFileError, match="'Data', 'Notes'"):
        read_survey(path, sheet="Missing")


# ------------------------------------------------------------------------------ malformed files


def _xlsx_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "source.xlsx"
    pd.DataFrame({"a": range(200), "b": ["text"] * 200}).to_excel(path, index=False)
    return path.read_bytes()


MALFORMED = {
    "empty csv": ("empty.csv", lambda tmp: b"", "empty"),
    "empty dta": ("empty.dta", lambda tmp: b"", "empty"),
    "random bytes as dta": (
        "random.dta",
        lambda tmp: np.random.default_rng(1).bytes(2048),
        "could not be read as a Stata file",
    ),
    "random bytes as sav": (
        "random.sav",
        lambda tmp: np.random.default_rng(2).bytes(2048),
        "could not be read as a SPSS file",
    ),
    "text named sav": (
        "survey.sav",
        lambda tmp: b"hv025,hv270\n1,2\n2,3\n",
        "rename it to .csv",
    ),
    "truncated xlsx": (
        "truncated.xlsx",
        lambda tmp: _xlsx_bytes(tmp)[:700],
        "damaged or incomplete",
    ),
    "text named xlsx": ("survey.xlsx", lambda tmp: b"a,b\n1,2\n", "rename it to .csv"),
    "xlsx named csv": ("survey.csv", _xlsx_bytes, "rename it to .xlsx"),
    "unsupported extension": ("survey.pdf", lambda tmp: b"%PDF-1.4", "unsupported file type"),
    "old excel": ("survey.xls", lambda tmp: b"\xd0\xcf\x11\xe0" + b"\0" * 100, ".xlsx or CSV"),
    "blank lines only": ("blank.csv", lambda tmp: b"\n\n  \n", "no columns"),
    "header only": ("header.csv", lambda tmp: b"a,b,c\n", "no data rows"),
    "duplicate csv columns": (
        "dupes.csv",
        lambda tmp: b"id,age,age,sex\n1,20,21,2\n",
        "duplicate column names: 'age'",
    ),
    "binary csv": (
        "binary.csv",
        lambda tmp: b"a,b\n\x00\x01\x02\x00\xff\xfe\x00",
        "could not be decoded as text",
    ),
    "control characters csv": (
        "controls.csv",
        lambda tmp: bytes(range(1, 9)) * 50 + b"\x81\x8d",
        "could not be decoded as text",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_files_raise_an_actionable_error(tmp_path: Path, case: str) -> None:
    name, content, expected = MALFORMED[case]
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    with pytest.raises(SurveyFileError) as caught:
        read_survey(path)
    message = str(caught.value)
    assert expected in message
    assert name in message or "'" in message
    assert "Traceback" not in message and 'File "' not in message and "\n" not in message


def test_duplicate_xlsx_columns(tmp_path: Path) -> None:
    path = tmp_path / "dupes.xlsx"
    frame = pd.DataFrame([[1, 2, 3]], columns=["id", "age", "id2"])
    frame.to_excel(path, index=False)
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    workbook.active["C1"] = "id"
    workbook.save(path)
    with pytest.raises(SurveyFileError, match="duplicate column names: 'id'"):
        read_survey(path)


def test_empty_xlsx_sheet_has_no_columns(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(SurveyFileError, match="no columns"):
        read_survey(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SurveyFileError, match="does not exist"):
        read_survey(tmp_path / "nowhere.csv")


def test_survey_file_error_is_a_value_error() -> None:
    assert issubclass(SurveyFileError, ValueError)


# ------------------------------------------------------------------------------ chunks and profiles


def test_chunks_are_bounded_and_complete(labelled_file: Path) -> None:
    chunks = list(iter_survey_chunks(labelled_file, chunksize=7))
    assert all(len(chunk) <= 7 for chunk in chunks)
    assert sum(len(chunk) for chunk in chunks) == 60
    assert chunks[0]["hv025"].iloc[0] == 9  # raw codes, not labels


def _profiles_equal(first: list, second: list) -> None:
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        left, right = a.to_dict(), b.to_dict()
        mean_left, mean_right = left.pop("mean"), right.pop("mean")
        assert left == right
        if mean_left is None:
            assert mean_right is None
        else:
            assert math.isclose(mean_left, mean_right, rel_tol=1e-12)


def _csv_file(tmp_path: Path) -> Path:
    frame = _labelled_frame(500)
    frame["comment"] = [f"free text {i}" for i in range(500)]
    frame.loc[::17, "hv204"] = np.nan
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False, sep=";")
    return path


def _xlsx_file(tmp_path: Path) -> Path:
    path = tmp_path / "survey.xlsx"
    _labelled_frame(120).to_excel(path, index=False)
    return path


@pytest.mark.parametrize("maker", ["labelled", "csv", "xlsx"])
def test_chunked_profile_equals_whole_file_profile(tmp_path: Path, maker: str) -> None:
    if maker == "labelled":
        path = _write_labelled(tmp_path / "survey.dta", _labelled_frame(300))
    elif maker == "csv":
        path = _csv_file(tmp_path)
    else:
        path = _xlsx_file(tmp_path)
    _profiles_equal(profile_survey(path, chunksize=7), profile_survey(path, chunksize=1_000_000))


def test_profile_content_for_a_labelled_file(labelled_file: Path) -> None:
    profiles = {p.name: p for p in profile_survey(labelled_file, chunksize=9)}
    residence = profiles["hv025"]
    assert residence.inferred_type == "categorical"
    assert residence.label == "Type of place of residence"
    assert [level for level, _ in residence.levels] == ["Urban", "Rural", "9"]
    assert sum(count for _, count in residence.levels) == 60
    wealth = profiles["hv270"]
    assert wealth.n_missing == 1
    assert [level for level, _ in wealth.levels] == [
        "Poorest",
        "Poorer",
        "Middle",
        "Richer",
        "Richest",
    ]
    minutes = profiles["hv204"]
    assert minutes.inferred_type == "numeric"
    assert minutes.special_codes == (("On premises", 1),)
    assert minutes.maximum is not None and minutes.maximum < 60
    weight = profiles["hv005"]
    assert weight.inferred_type == "numeric"
    assert weight.minimum is not None and weight.minimum >= 500_000
    assert profiles["region_name"].inferred_type == "categorical"
    payload = residence.to_dict()
    assert payload["levels"][0] == {"level": "Urban", "count": residence.levels[0][1]}


def test_profile_text_caps_and_limits(tmp_path: Path) -> None:
    rows = 300
    frame = pd.DataFrame(
        {
            "id_text": [f"ID-{i}" for i in range(rows)],
            "many_levels": [f"L{i % 60}" for i in range(rows)],
            "mixed": ["1", "2", "x"] * 100,
            "measure": [i / 2 for i in range(rows)],
        }
    )
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    profiles = {p.name: p for p in profile_survey(path, distinct_cap=100, level_limit=50)}
    assert profiles["id_text"].inferred_type == "text"
    assert profiles["id_text"].distinct_capped
    assert profiles["id_text"].n_distinct == 100
    assert profiles["many_levels"].inferred_type == "text"
    assert profiles["many_levels"].n_distinct == 60
    assert profiles["mixed"].inferred_type == "categorical"
    assert dict(profiles["mixed"].levels) == {"1": 100, "2": 100, "x": 100}
    measure = profiles["measure"]  # statistics stay exact after the distinct cap is reached
    assert measure.inferred_type == "numeric" and measure.distinct_capped
    assert (measure.minimum, measure.maximum, measure.mean) == (0.0, 149.5, 74.75)


def test_profile_is_json_serialisable(labelled_file: Path) -> None:
    import json

    text = json.dumps([p.to_dict() for p in profile_survey(labelled_file)])
    assert "Poorest" in text


@pytest.mark.parametrize(
    ("value", "key"),
    [(1, "1"), (1.0, "1"), ("1", "1"), (" 01 ", "1"), (1.5, "1.5"), ("Urban", "Urban")],
)
def test_value_key(value: object, key: str) -> None:
    assert value_key(value) == key
