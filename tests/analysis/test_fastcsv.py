"""The pyarrow CSV reader of ``lnob-tree`` reads what the upload reader (pandas) reads."""

import numpy as np
import pandas as pd
import pytest

from analysis.fastcsv import read_needed_columns
from analysis.surveyio import SurveyFileError, read_survey

ROWS = [
    ["None", "Urban", "1", "2.5", "1000000"],
    ["NA", "Rural", "0", "3", "2000000"],
    ["", " Rural", "1", "", "1500000"],
    ["Primary", "null", "", "4.25", "1000000"],
    ["N/A", "Urban", "0", "1", "500000"],
]
HEADER = ["education", "residence", "y", "births", "w"]


def _write(path, delimiter=",", encoding="utf-8", decimal=".", rows=ROWS, bom=False):
    lines = [delimiter.join(HEADER)]
    for row in rows:
        cells = [c.replace(".", decimal) if c[:1].isdigit() else c for c in row]
        lines.append(delimiter.join(cells))
    data = ("\n".join(lines) + "\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _same(fast: pd.DataFrame, slow: pd.DataFrame):
    assert list(fast.columns) == list(slow.columns)
    for name in fast.columns:
        a, b = fast[name], slow[name]
        assert a.isna().tolist() == b.isna().tolist(), name
        if pd.api.types.is_numeric_dtype(b.dtype):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), equal_nan=True)
        else:
            assert a.dropna().astype(str).tolist() == b.dropna().astype(str).tolist(), name


@pytest.mark.parametrize(
    "kwargs, reader",
    [
        ({}, "pyarrow"),
        ({"bom": True}, "pyarrow"),
        ({"delimiter": ";", "decimal": ","}, "pyarrow"),
        ({"delimiter": "\t"}, "pyarrow"),
        ({"encoding": "cp1252"}, "pyarrow"),  # ASCII content decodes as UTF-8 too
    ],
)
def test_dialects_read_the_same_as_the_upload_reader(tmp_path, kwargs, reader):
    path = _write(tmp_path / "s.csv", **kwargs)
    fast, used = read_needed_columns(path, HEADER, dictionary=["education", "residence"])
    assert used == reader
    _same(fast.frame, read_survey(path, columns=HEADER).frame)
    education = fast.frame["education"]
    assert isinstance(education.dtype, pd.CategoricalDtype)
    assert list(education.cat.categories) == sorted(["N/A", "NA", "None", "Primary"])
    assert education.isna().sum() == 1
    assert list(fast.frame["residence"].cat.categories) == ["Rural", "Urban", "null"]


def test_non_utf8_falls_back_to_pandas_and_says_so(tmp_path):
    rows = [["Secondaire", "Région é", "1", "2", "1"]] + ROWS
    path = _write(tmp_path / "latin.csv", encoding="cp1252", rows=rows)
    fast, used = read_needed_columns(path, HEADER)
    assert used == "pandas"
    assert any("cp1252" in m for m in fast.messages)
    assert fast.frame.loc[0, "residence"] == "Région é"


def test_ragged_rows_fall_back_to_pandas(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,y\nx,1,1\ny,2\nz,3,0\n")
    fast, used = read_needed_columns(path, ["a", "b", "y"])
    assert used == "pandas"
    _same(fast.frame, read_survey(path, columns=["a", "b", "y"]).frame)


def test_header_without_rows_is_an_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("a,b,y\n")
    with pytest.raises(SurveyFileError, match="no data rows"):
        read_needed_columns(path, ["a", "y"])


def test_many_blocks_with_nulls_in_some_only_read_as_the_upload_reader(tmp_path):
    """pyarrow parses in 1 MB blocks, each with its own dictionary: blocks with and without
    empty cells, and a level first seen in a late block, keep every row's level."""
    rng = np.random.default_rng(4)
    n = 120_000
    levels = np.array(["Poorest", "Poorer", "Middle", "Richer", "Richest"], dtype=object)
    wealth = levels[rng.integers(0, 4, n)]
    wealth[n - 50 :] = "Richest"  # only in the last block
    wealth[60_000:60_010] = ""  # empty cells in one middle block
    frame = pd.DataFrame({"wealth": wealth, "y": rng.integers(0, 2, n), "w": rng.random(n)})
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    assert path.stat().st_size > 2**21
    fast, used = read_needed_columns(path, ["wealth", "y", "w"], dictionary=["wealth"])
    assert used == "pyarrow"
    slow = read_survey(path, columns=["wealth", "y", "w"]).frame
    _same(fast.frame, slow)
    got = fast.frame["wealth"]
    assert list(got.cat.categories) == sorted(levels)
    assert got.isna().sum() == 10 and (got.iloc[n - 50 :] == "Richest").all()
