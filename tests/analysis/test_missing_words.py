"""Only an empty cell is missing: level names that pandas would read as NA stay levels.

DHS labels "no education" as ``None``; ``NA`` is Namibia's ISO code or "not applicable".
Read with pandas' default NA strings they became missing values, were shown as "Missing",
moved to the end of an ordered circumstance and changed the tree. Every reader (CSV whole
and in chunks, XLSX), the profiler and the CLI must keep them.
"""

import json
from io import StringIO

import openpyxl
import pandas as pd
import pytest
from django.core.management import call_command

from analysis.surveyio import profile_survey, read_survey

WORDS = ["None", "NA", "N/A", "null", "nan", "NaN", "n/a", "NULL", "#N/A", "-nan"]


def _rows():
    education = (["None"] * 60 + ["Primary"] * 60 + ["Secondary"] * 60) * 2
    country = ["NA"] * 180 + ["ZA"] * 180
    words = (WORDS * 36)[:360]
    y = ([0] * 45 + [1] * 15 + [0] * 25 + [1] * 35 + [1] * 55 + [0] * 5) * 2
    frame = pd.DataFrame({"education": education, "country": country, "word": words, "y": y})
    frame.loc[0, "word"] = ""  # one truly empty cell
    return frame


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "survey.csv"
    _rows().to_csv(path, index=False)
    return path


@pytest.fixture
def xlsx_file(tmp_path):
    path = tmp_path / "survey.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    frame = _rows()
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if value == "" else value for value in row])
    workbook.save(path)
    return path


@pytest.mark.parametrize("fixture", ["csv_file", "xlsx_file"])
def test_words_that_look_missing_are_read_as_levels(fixture, request):
    frame = read_survey(request.getfixturevalue(fixture)).frame
    assert frame["education"].isna().sum() == 0
    assert (frame["education"] == "None").sum() == 120
    assert (frame["country"] == "NA").sum() == 180
    assert frame["word"].isna().sum() == 1  # only the empty cell
    assert set(frame["word"].dropna()) == set(WORDS)


@pytest.mark.parametrize("fixture", ["csv_file", "xlsx_file"])
def test_the_profile_counts_only_empty_cells_as_missing(fixture, request):
    profiles = {p.name: p for p in profile_survey(request.getfixturevalue(fixture))}
    assert profiles["education"].n_missing == 0
    assert profiles["country"].n_missing == 0
    assert profiles["word"].n_missing == 1
    assert "None" in json.dumps(profiles["education"].to_dict())


def test_an_ordered_level_named_none_keeps_its_place_in_the_tree(csv_file):
    out = StringIO()
    call_command(
        "lnob_tree", str(csv_file), "--outcome", "y",
        "--circumstance", "education:ordered", "--order", "education=None,Primary,Secondary",
        "--min-leaf", "20", "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["dropped"]["missing_circumstance"] == 0
    assert data["circumstances"][0]["order"] == ["None", "Primary", "Secondary"]
    assert data["furthest_behind"]["path"] == ["education = None"]
    labels = json.dumps(data["nodes"])
    assert "Missing" not in labels
