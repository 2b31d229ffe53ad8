"""A fast columnar CSV reader for the command line (``lnob-tree``), with pyarrow.

Why pyarrow and not polars (measured on the 1M-row benchmark file, 2 cores): both read the
needed columns in ~0.1–0.2 s, multithreaded, but pyarrow also transcodes other encodings, has
a decimal-comma option, dictionary-encodes text columns while it parses (``auto_dict_encode``:
the codes arrive without any per-row Python pass) and hands numpy/pandas its buffers without a
copy; pandas 3 already speaks Arrow. polars' CSV reader is UTF-8 only and its categoricals
would need a conversion to pandas anyway (the engine takes a pandas DataFrame).

The result is the one :func:`analysis.surveyio.read_survey` gives for the same columns:

* only an empty cell is missing (``null_values=[""]``): "None", "NA", "null" stay levels;
* the delimiter (``,`` ``;`` tab) and the decimal comma are sniffed by surveyio's own code;
* leading spaces in text values are dropped (pandas' ``skipinitialspace``), on the level
  dictionary, not the rows;
* text circumstance columns come back as pandas Categoricals whose categories are the sorted
  levels (what ``pd.factorize(sort=True)`` gives the engine for plain text), numbers as
  numbers.

Unusual dialects fall back to :func:`read_survey` (pandas), which reads them as the portal
does: a file that is not UTF-8 in its first 64 KB (cp1252, Latin-1, UTF-16), invalid UTF-8
later in a needed text column, rows with too few or too many fields, unbalanced quotes, a
weight or numeric circumstance that is not all numbers, dates, or any parse error at all.
``read_needed_columns`` reports which reader it used. (Invalid UTF-8 past the first 64 KB in
a column that is not read raises nothing here, where the upload reader would have read the
whole file as cp1252 and said so.)
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.csvprefetch import Prefetch, read_table
from analysis.surveyio import (
    DEFAULT_LIMITS,
    SurveyFileError,
    SurveyFrame,
    _check_csv_header_width,
    _check_header,
    _check_requested_columns,
    _csv_dialect,
    _CsvDialect,
    read_survey,
)


class _Fallback(Exception):
    """The file needs the general (pandas) reader."""


def csv_header(source: Path) -> tuple[list[str], _CsvDialect]:
    """The stripped column names and the dialect of a CSV file, sniffed from its first 64 KB."""
    dialect = _csv_dialect(source, whole_file=False)
    _check_csv_header_width(source, dialect, DEFAULT_LIMITS)
    raw = _raw_header(source, dialect)
    header = [name.strip() for name in raw]
    _check_header(source, header)
    return header, dialect


def _raw_header(source: Path, dialect: _CsvDialect) -> list[str]:
    with source.open("r", encoding=dialect.encoding, newline="", errors="replace") as handle:
        try:
            for row in csv.reader(handle, delimiter=dialect.delimiter):
                if any(cell.strip() for cell in row):
                    return row
        except csv.Error as exc:
            raise SurveyFileError(
                f"'{source.name}' could not be read as a CSV file: its first row is damaged "
                "(check for an unclosed quote) and upload it again."
            ) from exc
    raise SurveyFileError(
        f"'{source.name}' has no columns: it contains no header row, only blank lines."
    )


def read_needed_columns(
    path: str | Path,
    columns: Sequence[str],
    dictionary: Sequence[str] = (),
    prefetched: Prefetch | None = None,
    types: Mapping[str, str] | None = None,
) -> tuple[SurveyFrame, str]:
    """Read ``columns`` of a CSV file; text columns in ``dictionary`` come back as Categoricals.

    Returns the :class:`SurveyFrame` and the reader used: ``"pyarrow"`` or ``"pandas"`` (the
    fallback for unusual dialects, see the module docstring). ``prefetched`` is a read
    started earlier (:mod:`analysis.csvprefetch`), used when its dialect is this one;
    ``types`` are the known column types (:func:`analysis.csvprefetch.read_table`).
    """
    source = Path(path)
    header, dialect = csv_header(source)
    _check_requested_columns(source, header, columns)
    if dialect.encoding not in ("utf-8", "utf-8-sig"):
        return read_survey(source, columns=columns), "pandas"
    try:
        frame = _read_arrow(
            source, dialect, list(columns), set(dictionary), prefetched, dict(types or {})
        )
    except _Fallback:
        return read_survey(source, columns=columns), "pandas"
    survey = SurveyFrame(
        frame=frame,
        variable_labels={},
        value_label_order={},
        source_format="csv",
        encoding=dialect.encoding,
        delimiter=dialect.delimiter,
        messages=dialect.messages,
    )
    return survey, "pyarrow"


def _read_arrow(
    source: Path,
    dialect: _CsvDialect,
    columns: list[str],
    dictionary: set[str],
    prefetched: Prefetch | None = None,
    types: dict[str, str] | None = None,
) -> pd.DataFrame:
    import pyarrow as pa

    raw = _raw_header(source, dialect)
    by_name = {name.strip(): name for name in raw}
    wanted = [by_name[name] for name in columns]
    table = None
    if (
        prefetched is not None
        and (prefetched.encoding, prefetched.delimiter, prefetched.decimal)
        == (dialect.encoding, dialect.delimiter, dialect.decimal)
        and prefetched.raw_header == tuple(raw)
    ):
        if isinstance(prefetched.table, BaseException):
            raise _Fallback from prefetched.table
        if all(name in prefetched.table.column_names for name in wanted):
            table = prefetched.table
    if table is None:
        try:
            raw_types = {by_name[n]: kind for n, kind in (types or {}).items() if n in by_name}
            table = read_table(source, dialect.delimiter, dialect.decimal, wanted, raw_types)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OSError) as exc:
            raise _Fallback from exc
    if table.num_rows == 0:
        raise _Fallback
    data: dict[str, object] = {}
    for name, raw_name in zip(columns, wanted, strict=True):
        column = table.column(raw_name)
        kind = column.type
        if pa.types.is_dictionary(kind):
            data[name] = _categorical(column, keep=name in dictionary)
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            data[name] = _text(column)
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
            data[name] = column.to_pandas()
        elif pa.types.is_null(kind):
            data[name] = pd.Series(np.full(table.num_rows, np.nan))
        else:  # dates, times, decimals: read as the portal reads them
            raise _Fallback
    return pd.DataFrame(data)


def _chunk_codes(chunk) -> np.ndarray:
    """The dictionary indices of one chunk as numpy, −1 where null (no copy when no null)."""
    indices = chunk.indices
    if indices.null_count == 0:
        return indices.to_numpy(zero_copy_only=False)
    import pyarrow.compute as pc

    return pc.fill_null(indices, -1).to_numpy(zero_copy_only=False)


def _categorical(column, keep: bool) -> pd.Series:
    """A dictionary column as a Categorical with sorted, left-stripped levels (or as text).

    One pass over the rows: the chunks' indices are remapped to the sorted levels straight
    into the Categorical's smallest code type (no ``fill_null`` call per chunk when a chunk
    has no null, no validation pass: the codes are built in range)."""
    column = column.unify_dictionaries()
    chunks = column.chunks
    if not chunks:
        return pd.Series([], dtype=object)
    levels = chunks[0].dictionary.to_pylist()
    stripped = [level.lstrip() for level in levels]
    numbers = pd.to_numeric(pd.Series(stripped, dtype=object), errors="coerce")
    if len(stripped) and numbers.notna().all():
        # Only numbers (codes such as 0/1, read as text because the column is a
        # circumstance): numbers, as pandas reads them.
        codes = np.concatenate([_chunk_codes(chunk) for chunk in chunks])
        values = np.append(numbers.to_numpy(dtype=np.float64), np.nan)
        return pd.Series(values[codes])
    ordered = sorted(set(stripped))
    position = {level: i for i, level in enumerate(ordered)}
    code_type = np.int8 if len(ordered) < 127 else np.int16 if len(ordered) < 32_767 else np.int32
    lookup = np.array([position[level] for level in stripped] + [-1], dtype=code_type)
    recoded = np.empty(len(column), dtype=code_type)
    start = 0
    for chunk in chunks:
        stop = start + len(chunk)
        np.take(lookup, _chunk_codes(chunk), out=recoded[start:stop])  # −1 picks the last
        start = stop
    dtype = pd.CategoricalDtype(ordered)
    categorical = pd.Categorical.from_codes(recoded, dtype=dtype, validate=False)
    series = pd.Series(categorical, copy=False)
    if not keep:
        return series.astype("str")
    return series


def _text(column) -> pd.Series:
    series = column.to_pandas()
    return series.str.lstrip()
