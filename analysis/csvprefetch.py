"""Start reading a CSV with pyarrow before the engine is even imported (for ``lnob-tree``).

pyarrow parses in C++ threads without holding the GIL, so ``lnob-tree`` starts the read of
the needed columns here, in a thread, and imports numpy and the engine in the meantime
(pandas is not imported at all on a CSV: :mod:`analysis.fastcsv`). This module imports only
the standard library (and pyarrow, in the thread).

The dialect sniffed here is a light copy of :func:`analysis.surveyio._csv_dialect` for the
common case (UTF-8 with or without BOM); anything else gives ``None``. The caller compares it
with surveyio's own dialect and throws the prefetch away when they differ, so the result is
always what surveyio's sniffing would read.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SNIFF_BYTES = 64 * 1024
_DELIMITERS = (",", ";", "\t")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")
# Text columns with more distinct values than this stay plain text (no dictionary).
DICTIONARY_MAX_LEVELS = 50_000


@dataclass(frozen=True)
class Prefetch:
    """A pyarrow table of ``columns`` (raw header names) read with this dialect."""

    encoding: str
    delimiter: str
    decimal: str
    raw_header: tuple[str, ...]
    table: Any  # pyarrow.Table, or the exception the read raised


def sniff(source: Path) -> tuple[str, str, str, list[str]] | None:
    """(encoding, delimiter, decimal, raw header) of a UTF-8 CSV, else None."""
    with source.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    encoding = "utf-8"
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        return None
    try:
        codecs.getincrementaldecoder(encoding)(errors="strict").decode(head)
    except UnicodeDecodeError:
        return None
    text = head.decode(encoding, errors="replace")
    lines = text.splitlines()
    if len(head) == _SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]
    lines = [line for line in lines if line.strip()][:50]
    if not lines:
        return None
    delimiter = _delimiter(lines)
    decimal = "."
    if delimiter == ";":
        cells = [c.strip() for row in csv.reader(lines[1:], delimiter=";") for c in row]
        comma = sum(bool(_DECIMAL_COMMA.match(c)) for c in cells)
        point = sum(bool(_DECIMAL_POINT.match(c)) for c in cells)
        decimal = "," if comma > 0 and point == 0 else "."
    try:
        header = next(csv.reader([lines[0]], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    return encoding, delimiter, decimal, header


def _delimiter(lines: list[str]) -> str:
    best, best_score = ",", (-1.0, 0)
    for delimiter in _DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths) / len(widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_table(
    source: Path,
    delimiter: str,
    decimal: str,
    raw_columns: Sequence[str],
    types: Mapping[str, str] | None = None,
) -> Any:
    """The columns as a pyarrow Table: only an empty cell is null, text dictionary-encoded.

    ``types`` (raw column name -> ``"text"`` or ``"number"``) skips type inference for the
    columns whose role is known: circumstances that are not numeric are read as dictionary
    text (the caller turns all-number levels back into numbers), weights and numeric
    circumstances as float64 (a column that is not numbers then fails, and the caller falls
    back to the pandas reader, which reports it as before)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    column_types = {
        name: pa.dictionary(pa.int32(), pa.string()) if kind == "text" else pa.float64()
        for name, kind in (types or {}).items()
        if name in raw_columns
    }

    return pacsv.read_csv(
        source,
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(
            include_columns=list(raw_columns),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            true_values=["True", "TRUE", "true"],
            false_values=["False", "FALSE", "false"],
            decimal_point=decimal,
            auto_dict_encode=True,
            auto_dict_max_cardinality=DICTIONARY_MAX_LEVELS,
            column_types=column_types,
        ),
    )


def _prefetch(
    source: Path, names: Sequence[str], where_names: set[str], types: Mapping[str, str]
) -> Prefetch | None:
    sniffed = sniff(source)
    if sniffed is None:
        return None
    encoding, delimiter, decimal, raw = sniffed
    by_name = {name.strip(): name for name in raw}
    if len(by_name) != len(raw) or any(name not in by_name for name in names):
        return None  # duplicate or unknown columns: the main path says what is wrong
    wanted = list(dict.fromkeys([*names, *(n for n in by_name if n in where_names)]))
    try:
        raw_types = {by_name[n]: kind for n, kind in types.items() if n in by_name}
        table: Any = read_table(source, delimiter, decimal, [by_name[n] for n in wanted], raw_types)
    except Exception as exc:  # any failure: the main path reads the file again
        table = exc
    return Prefetch(encoding, delimiter, decimal, tuple(raw), table)


def start(
    path: str,
    names: Sequence[str],
    where_names: set[str],
    types: Mapping[str, str] | None = None,
) -> tuple[ThreadPoolExecutor, Future] | None:
    """Start reading ``names`` (and the columns ``where_names`` may refer to) of a CSV file
    in a thread, with the known ``types`` (see :func:`read_table`); None when the file is not
    a CSV that exists."""
    source = Path(path)
    if source.suffix.lower() not in (".csv", ".txt", ".tsv") or not source.is_file():
        return None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lnob-csv")
    return pool, pool.submit(_prefetch, source, list(names), set(where_names), dict(types or {}))
