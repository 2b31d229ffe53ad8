"""A fast columnar CSV reader for the command line (``lnob-tree``), with pyarrow.

Why pyarrow and not polars (measured on the 1M-row benchmark file, 2 cores): both read the
needed columns in ~0.1–0.2 s, multithreaded, but pyarrow also transcodes other encodings, has
a decimal-comma option, dictionary-encodes text columns while it parses (``auto_dict_encode``:
the codes arrive without any per-row Python pass) and hands numpy/pandas its buffers without a
copy; pandas 3 already speaks Arrow. polars' CSV reader is UTF-8 only and its categoricals
would need a conversion to pandas anyway (the engine takes a pandas DataFrame).

The result is the one :func:`analysis.surveyio.read_survey` gives for the same columns:

* only an empty cell is missing (``null_values=[""]``): "None", "NA", "null" stay levels;
* the encoding and the delimiter (``,`` ``;`` tab) are sniffed by the portal's one reading
  kernel (:mod:`common.spreadsheets`, through surveyio), the decimal comma by surveyio;
* leading spaces in text values are dropped (pandas' ``skipinitialspace``), on the level
  dictionary, not the rows;
* text columns come back as level codes (:class:`analysis.engine.Coded`) whose levels are
  sorted (what ``pd.factorize(sort=True)`` gives the engine for plain text), numbers as numpy
  arrays: :func:`read_columns` returns an :class:`analysis.engine.Columns` table and imports no
  pandas (``lnob-tree``); :func:`read_needed_columns` converts it to a DataFrame (text columns
  in ``dictionary`` as Categoricals) for pandas callers.

Unusual dialects fall back to :func:`read_survey` (pandas), which reads them as the portal
does: a file that is not UTF-8 in its first 64 KB (cp1252, Latin-1, UTF-16), invalid UTF-8
later in a needed text column, rows with too few or too many fields, unbalanced quotes, a
weight or numeric circumstance that is not all numbers, dates, or any parse error at all.
Both report which reader they used. (Invalid UTF-8 past the first 64 KB in
a column that is not read raises nothing here, where the upload reader would have read the
whole file as cp1252 and said so.)
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.csvprefetch import Prefetch, read_table
from analysis.engine.columns import Coded, Column, Columns, parse_number
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

if TYPE_CHECKING:
    pass


class _Fallback(Exception):
    """The file needs the general (pandas) reader."""


@dataclass(frozen=True)
class ColumnsRead:
    """The needed columns of a CSV as a :class:`Columns` table, what the file said about them
    (value labels only come from the pandas fallback, which keeps them) and the reader used:
    ``"pyarrow"`` or ``"pandas"``."""

    table: Columns
    reader: str
    encoding: str | None = None
    delimiter: str | None = None
    messages: tuple[str, ...] = ()
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    value_label_order: dict[str, list[str]] = field(default_factory=dict)
    source_format: str = "csv"
    fallback: SurveyFrame | None = None  # the pandas reader's result, when it was used

    @classmethod
    def from_survey(cls, survey: SurveyFrame) -> ColumnsRead:
        """What the upload reader (pandas) read, converted to a :class:`Columns` table."""
        return cls(
            table=Columns.from_pandas(survey.frame),
            reader="pandas",
            encoding=survey.encoding,
            delimiter=survey.delimiter,
            messages=survey.messages,
            value_labels=survey.value_labels,
            value_label_order=survey.value_label_order,
            source_format=survey.source_format,
            fallback=survey,
        )


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


def read_columns(
    path: str | Path,
    columns: Sequence[str],
    prefetched: Prefetch | None = None,
    types: Mapping[str, str] | None = None,
) -> ColumnsRead:
    """Read ``columns`` of a CSV file into a :class:`Columns` table (no pandas on the pyarrow
    path; the fallback for unusual dialects reads with pandas and converts).

    ``prefetched`` is a read started earlier (:mod:`analysis.csvprefetch`), used when its
    dialect is this one; ``types`` are the known column types
    (:func:`analysis.csvprefetch.read_table`).
    """
    source = Path(path)
    header, dialect = csv_header(source)
    _check_requested_columns(source, header, columns)
    if dialect.encoding in ("utf-8", "utf-8-sig"):
        try:
            table = _read_arrow(source, dialect, list(columns), prefetched, dict(types or {}))
        except _Fallback:
            pass
        else:
            return ColumnsRead(
                table=table,
                reader="pyarrow",
                encoding=dialect.encoding,
                delimiter=dialect.delimiter,
                messages=dialect.messages,
            )
    return ColumnsRead.from_survey(read_survey(source, columns=columns))


def read_needed_columns(
    path: str | Path,
    columns: Sequence[str],
    dictionary: Sequence[str] = (),
    prefetched: Prefetch | None = None,
    types: Mapping[str, str] | None = None,
) -> tuple[SurveyFrame, str]:
    """:func:`read_columns` as a pandas :class:`SurveyFrame`: text columns in ``dictionary``
    as Categoricals, other text as strings (the fallback's frame as the upload reader gives
    it). Returns the frame and the reader used: ``"pyarrow"`` or ``"pandas"``."""
    read = read_columns(path, columns, prefetched=prefetched, types=types)
    if read.fallback is not None:
        return read.fallback, read.reader
    import pandas as pd

    keep = set(dictionary)
    frame = read.table.to_pandas()
    for name in frame.columns:
        column = read.table[name]
        if isinstance(column, Coded) and name not in keep:
            frame[name] = pd.Series(column.to_objects(), dtype=object)
    survey = SurveyFrame(
        frame=frame,
        variable_labels={},
        value_label_order={},
        source_format="csv",
        encoding=read.encoding,
        delimiter=read.delimiter,
        messages=read.messages,
    )
    return survey, read.reader


def _read_arrow(
    source: Path,
    dialect: _CsvDialect,
    columns: list[str],
    prefetched: Prefetch | None = None,
    types: dict[str, str] | None = None,
) -> Columns:
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
    data: dict[str, Column] = {}
    for name, raw_name in zip(columns, wanted, strict=True):
        column = table.column(raw_name)
        kind = column.type
        if pa.types.is_dictionary(kind):
            data[name] = _coded(column)
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            data[name] = _coded(column.dictionary_encode())
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
            data[name] = _numbers(column)
        elif pa.types.is_null(kind):
            data[name] = np.full(table.num_rows, np.nan)
        else:  # dates, times, decimals: read as the portal reads them
            raise _Fallback
    return Columns(data)


def _buffer_numpy(chunk, dtype: type, fill: float) -> np.ndarray:
    """A primitive pyarrow array (of ``dtype``'s width) as numpy, ``fill`` where null.

    Read from its buffers: pyarrow's own ``to_numpy`` imports pandas (~0.45 s of CPU) to
    check for pandas objects, and ``lnob-tree`` must not. No copy when there is no null."""
    size, offset = len(chunk), chunk.offset
    validity, data = chunk.buffers()[:2]
    if data is None:  # an all-null array may have no data buffer
        return np.full(size, fill, dtype=dtype)
    values = np.frombuffer(data, dtype=dtype, count=offset + size)[offset:]
    if chunk.null_count == 0 or validity is None:
        return values
    bits = np.frombuffer(validity, dtype=np.uint8)
    valid = np.unpackbits(bits, count=offset + size, bitorder="little")[offset:].astype(bool)
    return np.where(valid, values, np.asarray(fill, dtype=dtype))


def _chunk_codes(chunk) -> np.ndarray:
    """The dictionary indices of one chunk as numpy, −1 where null (no copy when no null)."""
    import pyarrow as pa

    indices = chunk.indices
    if indices.type != pa.int32():
        indices = indices.cast(pa.int32())
    return _buffer_numpy(indices, np.int32, -1)


def _numbers(column) -> np.ndarray:
    """A numeric or boolean pyarrow column as numpy: int64 when it is whole numbers without a
    null, else float64 with NaN where null."""
    import pyarrow as pa

    if pa.types.is_integer(column.type) and column.null_count == 0:
        target, dtype, fill = pa.int64(), np.int64, 0
    else:
        target, dtype, fill = pa.float64(), np.float64, np.nan
    chunks = column.cast(target).chunks if column.type != target else column.chunks
    if not chunks:
        return np.zeros(0, dtype=dtype)
    parts = [_buffer_numpy(chunk, dtype, fill) for chunk in chunks]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _coded(column) -> Column:
    """A dictionary column as sorted, left-stripped level codes (or numbers, when every level
    is a number).

    One pass over the rows: the chunks' indices are remapped to the sorted levels straight
    into the smallest code type (no ``fill_null`` call per chunk when a chunk has no null)."""
    column = column.unify_dictionaries()
    chunks = column.chunks
    if not chunks:
        return Coded(np.zeros(0, dtype=np.int8), ())
    levels = chunks[0].dictionary.to_pylist()
    stripped = [level.lstrip() for level in levels]
    numbers = [parse_number(level) for level in stripped]
    if stripped and all(number is not None for number in numbers):
        # Only numbers (codes such as 0/1, read as text because the column is a
        # circumstance): numbers, as pandas reads them.
        codes = np.concatenate([_chunk_codes(chunk) for chunk in chunks])
        values = np.append(np.asarray(numbers, dtype=np.float64), np.nan)
        return values[codes]
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
    return Coded(recoded, tuple(ordered))
