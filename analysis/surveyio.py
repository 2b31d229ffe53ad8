"""Reading household-survey microdata files (CSV, XLSX, Stata .dta, SPSS .sav).

DHS and MICS distribute their recode files as Stata and SPSS files whose categorical variables
are stored as numeric codes with value labels (DHS ``hv025``: 1 = "Urban", 2 = "Rural").
:func:`read_survey` applies those labels so the frame holds level names, and keeps the code
order as the level order, which the analysis engine needs for ordered circumstances.

Large files (a DHS IR file can be 2 GB) are profiled chunk by chunk with
:func:`iter_survey_chunks` and :func:`profile_survey`, so memory stays bounded.

Every failure a person can cause (an empty file, a damaged export, a renamed file, duplicate
column names, an encoding we cannot decode) raises :class:`SurveyFileError` with a message
that says what is wrong and what to do; no traceback text is ever put in the message.

This module is pure Python (pandas, pyreadstat, openpyxl); it does not import Django.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from common.archives import ArchiveLimits, UnsafeArchive, check_archive
from common.spreadsheets import (
    SpreadsheetTooLarge,
    UnreadableText,
    cell_text,
    check_sheet_rows,
    detect_delimiter,
    detect_encoding,
    sample_rows,
)


class _LazyPyreadstat:
    """pyreadstat, imported on first use: it takes ~0.1 s (with narwhals) and only Stata
    and SPSS files need it, so ``lnob-tree`` on a CSV starts without it."""

    def __getattr__(self, name: str) -> Any:
        import pyreadstat as module

        return getattr(module, name)


pyreadstat = _LazyPyreadstat()


class _LazyPandas:
    """pandas, imported on first use: ~0.45 s of CPU, and ``lnob-tree`` on a CSV reads with
    pyarrow into numpy arrays (analysis.fastcsv) and uses only this module's sniffing."""

    def __getattr__(self, name: str) -> Any:
        import pandas as module

        return getattr(module, name)


if TYPE_CHECKING:
    import pandas as pd
else:
    pd = _LazyPandas()

SurveyFormat = Literal["csv", "xlsx", "dta", "sav"]

SUPPORTED_FORMATS: tuple[SurveyFormat, ...] = ("csv", "xlsx", "dta", "sav")
_EXTENSION_FORMATS: dict[str, SurveyFormat] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".dta": "dta",
    ".sav": "sav",
    ".zsav": "sav",
}
_FORMAT_NAMES: dict[str, str] = {
    "csv": "CSV text file",
    "xlsx": "Excel workbook (.xlsx)",
    "dta": "Stata file (.dta)",
    "sav": "SPSS file (.sav)",
}
_SNIFF_BYTES = 64 * 1024
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")

#: Default number of rows per chunk when streaming a file.
DEFAULT_CHUNKSIZE = 100_000
#: Categorical columns report at most this many levels in a profile.
PROFILE_LEVEL_LIMIT = 50
#: Distinct values are counted exactly up to this many per column, then reported as capped.
PROFILE_DISTINCT_CAP = 1_000
#: A column whose labels cover only a few codes among many unlabelled numbers (DHS ``hv204``
#: minutes to water with 996 = "on premises"; ``hw70`` z-scores with 9996+ flags) keeps its
#: numbers: the labels mark special codes, not categories.
_SPECIAL_CODE_MIN_UNLABELLED = 10


class SurveyFileError(ValueError):
    """A survey file cannot be read; the message says why and what the person can do."""


@dataclass(frozen=True)
class SurveyLimits:
    """What a survey file may hold before it is refused, so one upload cannot hold a worker.

    ``max_columns``: the largest DHS recode files (women's IR, DHS-7/8) carry about 4,000-5,000
    variables and MICS files fewer than 1,000; 10,000 admits every real file with room to
    spare and still refuses a 3,000,000-column CSV from its first line. ``max_field_chars``:
    a survey cell is a code or a short text; 64 K characters is half of Python's csv limit
    (131,072), so a longer field is refused with a message instead of a csv error.
    """

    max_columns: int = 10_000
    max_field_chars: int = 65_536
    archive: ArchiveLimits = ArchiveLimits()


DEFAULT_LIMITS = SurveyLimits()


@dataclass(frozen=True)
class SurveyFrame:
    """A survey file read into memory.

    ``frame`` holds level names where the file had value labels; ``value_label_order`` gives,
    for each labelled categorical column, its level names in code order (the order the survey
    defines, e.g. wealth quintiles Poorest … Richest). ``value_labels`` keeps the original
    code → name tables so that indicator rules written with codes can be matched against
    labelled frames.
    """

    frame: pd.DataFrame
    variable_labels: dict[str, str]
    value_label_order: dict[str, list[str]]
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    source_format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    messages: tuple[str, ...] = ()
    #: Per column, the declared missing codes found and made missing:
    #: ``[{"code": 8, "label": "Don't know", "count": 123}, ...]`` (Stata codes as ".a").
    declared_missing: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Per column with declared codes, which rows held one (boolean, frame order): a rule
    #: that counts a blank cell as "no" must still see these as missing (indicators).
    declared_missing_rows: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnProfile:
    """What one column of a survey file holds, computed chunk by chunk.

    ``inferred_type`` is ``numeric``, ``categorical`` or ``text``. ``levels`` lists
    ``(level, count)`` pairs for categorical columns: in code order for labelled columns,
    otherwise by descending count, at most :data:`PROFILE_LEVEL_LIMIT`. ``special_codes`` lists
    labelled special codes of numeric columns (e.g. 996 "On premises"), which are left out of
    ``minimum``/``maximum``/``mean``. ``declared_missing`` lists the codes the file declares
    missing (SPSS user-missing values and ranges, Stata ``.a``-``.z``) that were found, as
    ``(code, label, count)``; they are counted in ``n_missing``.
    """

    name: str
    label: str
    inferred_type: Literal["numeric", "categorical", "text"]
    n_rows: int
    n_missing: int
    n_distinct: int
    distinct_capped: bool
    levels: tuple[tuple[str, int], ...] = ()
    levels_truncated: bool = False
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    special_codes: tuple[tuple[str, int], ...] = ()
    declared_missing: tuple[tuple[Any, str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary of this profile."""
        return {
            "name": self.name,
            "label": self.label,
            "inferred_type": self.inferred_type,
            "n_rows": self.n_rows,
            "n_missing": self.n_missing,
            "n_distinct": self.n_distinct,
            "distinct_capped": self.distinct_capped,
            "levels": [{"level": level, "count": count} for level, count in self.levels],
            "levels_truncated": self.levels_truncated,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "mean": self.mean,
            "special_codes": [
                {"level": level, "count": count} for level, count in self.special_codes
            ],
            "declared_missing": [
                {"code": code, "label": label, "count": count}
                for code, label, count in self.declared_missing
            ],
        }


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def read_survey(
    path: str | Path,
    *,
    fmt: str | None = None,
    columns: Sequence[str] | None = None,
    sheet: str | None = None,
    limits: SurveyLimits = DEFAULT_LIMITS,
) -> SurveyFrame:
    """Read a whole survey file into a :class:`SurveyFrame`.

    The format comes from ``fmt`` or the file extension. Stata and SPSS value labels are
    applied (codes become level names; codes without a label are kept as text), except for
    numeric columns whose labels only mark special codes, which stay numeric. CSV files have
    their delimiter (``,`` ``;`` or tab) and encoding (UTF-8, UTF-8 with BOM, else cp1252 or
    latin-1, which is reported in ``messages``) detected. For XLSX the first sheet is read
    unless ``sheet`` names another. ``columns`` restricts the columns read. A file wider than
    ``limits.max_columns`` or an XLSX that would expand too far is refused before it is read.
    """
    source = _check_path(path)
    survey_format = _resolve_format(source, fmt)
    if survey_format == "csv":
        return _read_csv(source, columns, limits)
    if survey_format == "xlsx":
        return _read_xlsx(source, columns, sheet, limits)
    return _read_stat(source, survey_format, columns, limits)


def iter_survey_chunks(
    path: str | Path,
    *,
    chunksize: int = DEFAULT_CHUNKSIZE,
    fmt: str | None = None,
    columns: Sequence[str] | None = None,
    sheet: str | None = None,
    limits: SurveyLimits = DEFAULT_LIMITS,
) -> Iterator[pd.DataFrame]:
    """Yield a survey file as DataFrames of at most ``chunksize`` rows, with bounded memory.

    Stata/SPSS chunks hold the raw codes (value labels are not applied: use
    :func:`read_survey_metadata` for them); CSV chunks hold text exactly as written
    (``dtype=str``) so every chunk is typed the same way; XLSX rows are streamed with openpyxl.
    """
    if chunksize < 1:
        raise ValueError("chunksize must be a positive number of rows.")
    source = _check_path(path)
    survey_format = _resolve_format(source, fmt)
    if survey_format == "csv":
        yield from _iter_csv_chunks(source, chunksize, columns, limits)
    elif survey_format == "xlsx":
        yield from _iter_xlsx_chunks(source, chunksize, columns, sheet, limits)
    else:
        yield from _iter_stat_chunks(source, survey_format, chunksize, columns, limits)


def read_survey_metadata(
    path: str | Path, *, fmt: str | None = None, limits: SurveyLimits = DEFAULT_LIMITS
) -> tuple[list[str], dict[str, str], dict[str, dict[Any, str]]]:
    """Column names, variable labels and value-label tables of a file, without its rows.

    For CSV and XLSX only the column names are known; the label dictionaries are empty.
    """
    source = _check_path(path)
    survey_format = _resolve_format(source, fmt)
    if survey_format in ("dta", "sav"):
        meta = _stat_metadata(source, survey_format, limits)
        return (
            list(meta.column_names),
            _variable_labels(meta),
            _value_label_tables(meta),
        )
    if survey_format == "csv":
        dialect = _csv_dialect(source)
        _check_csv_header_width(source, dialect, limits)
        return _csv_header(source, dialect), {}, {}
    header, _, workbook = _iter_xlsx_rows(source, None, limits)
    workbook.close()
    return header, {}, {}


def profile_survey(
    path: str | Path,
    *,
    fmt: str | None = None,
    chunksize: int = DEFAULT_CHUNKSIZE,
    sheet: str | None = None,
    level_limit: int = PROFILE_LEVEL_LIMIT,
    distinct_cap: int = PROFILE_DISTINCT_CAP,
    limits: SurveyLimits = DEFAULT_LIMITS,
) -> list[ColumnProfile]:
    """Profile every column of a survey file, reading it chunk by chunk.

    Per column: inferred type, number missing (empty cells, system missing and the codes the
    file declares missing, which are listed with their counts), number of distinct values
    (exact up to ``distinct_cap``), levels with counts for categorical columns, min/max/mean
    for numeric columns and the variable label. The result does not depend on ``chunksize`` (up to
    floating-point rounding of the mean).
    """
    source = _check_path(path)
    survey_format = _resolve_format(source, fmt)
    names: list[str] = []
    variable_labels: dict[str, str] = {}
    value_labels: dict[str, dict[Any, str]] = {}
    if survey_format in ("dta", "sav"):
        names, variable_labels, value_labels = read_survey_metadata(
            source, fmt=survey_format, limits=limits
        )
    label_keys = {
        column: {value_key(code): label for code, label in table.items()}
        for column, table in value_labels.items()
    }
    accumulators: dict[str, _ColumnAccumulator] = {}
    declared: DeclaredCounts = {}
    chunks: Iterator[tuple[pd.DataFrame, DeclaredCounts]]
    if survey_format in ("dta", "sav"):
        chunks = _iter_stat_chunks_declared(source, survey_format, chunksize, None, limits)
    else:
        chunks = (
            (chunk, {})
            for chunk in iter_survey_chunks(
                source, chunksize=chunksize, fmt=survey_format, sheet=sheet, limits=limits
            )
        )
    for chunk, found in chunks:
        _merge_declared(declared, found)
        for column in chunk.columns:
            name = str(column)
            if name not in accumulators:
                accumulators[name] = _ColumnAccumulator(distinct_cap, label_keys.get(name, {}))
            accumulators[name].add(chunk[column])
    ordered = names or list(accumulators)
    declared_lists = declared_missing_list(declared, value_labels)
    profiles = []
    for name in ordered:
        profile = accumulators.get(name, _ColumnAccumulator(distinct_cap, {})).finish(
            name, variable_labels.get(name, ""), level_limit
        )
        if name in declared_lists:
            profile = replace(
                profile,
                declared_missing=tuple(
                    (item["code"], item["label"], item["count"]) for item in declared_lists[name]
                ),
            )
        profiles.append(profile)
    return profiles


def check_survey_upload(path: str | Path, *, limits: SurveyLimits = DEFAULT_LIMITS) -> str:
    """The cheap checks an upload gets before it is accepted; nothing here reads the rows.

    The file exists and is not empty, its first bytes are what its extension says (a Stata
    file starts with a Stata header, an SPSS file with ``$FL2``, an XLSX is a ZIP, a CSV is
    text), an XLSX's central directory is within ``limits.archive``, and a CSV's or Stata
    file's header is at most ``limits.max_columns`` wide (read from the first line or the
    Stata header, never the whole file). Returns the format; raises :class:`SurveyFileError`.
    """
    source = _check_path(path)
    survey_format = _resolve_format(source, None)
    with source.open("rb") as handle:
        head = handle.read(4096)
    actual = _sniff_content(head)
    if survey_format == "csv":
        if actual in _FORMAT_NAMES or actual == "xls":
            raise _unreadable(source, survey_format)
        dialect = _csv_dialect(source, whole_file=False)
        _check_csv_header_width(source, dialect, limits)
    elif survey_format == "xlsx":
        if actual != "xlsx":
            raise _unreadable(source, survey_format)
        _check_xlsx_archive(source, limits)
    elif actual != survey_format:
        raise _unreadable(source, survey_format)
    elif survey_format == "dta":
        _check_declared_width(source, _dta_declared_width(head), limits)
    return survey_format


# --------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------


def _too_wide(source: Path, width: int | str, limits: SurveyLimits) -> SurveyFileError:
    return SurveyFileError(
        f"'{source.name}' has {width} columns; at most {limits.max_columns:,} are accepted. "
        "Keep the variables the analysis needs (in Stata: keep; in SPSS: SAVE /KEEP) and "
        "upload the smaller file."
    )


def _check_declared_width(source: Path, width: int | None, limits: SurveyLimits) -> None:
    if width is not None and width > limits.max_columns:
        raise _too_wide(source, f"{width:,}", limits)


def _dta_declared_width(head: bytes) -> int | None:
    """The number of variables a Stata file declares in its header (K), or None."""
    if head.startswith(b"<stata_dta>"):
        match = re.search(rb"<release>(\d+)</release><byteorder>(MSF|LSF)</byteorder><K>", head)
        if match is None:
            return None
        start = match.end()
        size = 4 if int(match.group(1)) >= 119 else 2
        order = "big" if match.group(2) == b"MSF" else "little"
        return int.from_bytes(head[start : start + size], order)
    if len(head) >= 6 and head[0] in range(104, 116) and head[1] in (1, 2):
        return int.from_bytes(head[4:6], "big" if head[1] == 1 else "little")
    return None


def _check_xlsx_archive(source: Path, limits: SurveyLimits) -> None:
    try:
        check_archive(source, limits=limits.archive, display_name=f"'{source.name}'")
    except UnsafeArchive as exc:
        if not zipfile.is_zipfile(source):  # damaged or renamed: say what it looks like
            raise _unreadable(source, "xlsx") from exc
        raise SurveyFileError(str(exc)) from exc


def _check_csv_header_width(source: Path, dialect: _CsvDialect, limits: SurveyLimits) -> None:
    """Count the header's columns from the first non-blank line, stopping as soon as it is
    too wide or a name too long: a 3,000,000-column header is refused after its first
    ``max_columns`` delimiters, without building the row."""
    delimiter, width, field_chars, in_quotes, blank = dialect.delimiter, 1, 0, False, True
    with source.open("r", encoding=dialect.encoding, newline="", errors="replace") as handle:
        while block := handle.read(64 * 1024):
            for char in block:
                if char == '"':
                    in_quotes = not in_quotes
                elif not in_quotes and char in "\r\n":
                    if not blank:
                        return
                    width, field_chars = 1, 0
                    continue
                elif not in_quotes and char == delimiter:
                    width += 1
                    field_chars = 0
                    if width > limits.max_columns:
                        raise _too_wide(source, f"more than {limits.max_columns:,}", limits)
                    continue
                if not char.isspace():
                    blank = False
                field_chars += 1
                if field_chars > limits.max_field_chars:
                    raise _field_too_long(source, f"column name {width:,}", limits)


def _field_too_long(source: Path, where: str, limits: SurveyLimits) -> SurveyFileError:
    return SurveyFileError(
        f"'{source.name}': the {where} is longer than {limits.max_field_chars:,} characters, "
        'which a survey value never is. Check for an unclosed quote (") in the file, or '
        "shorten that value, and upload it again."
    )


def _check_field_lengths(
    source: Path, chunk: pd.DataFrame, limits: SurveyLimits, header_lines: int = 1
) -> None:
    for name in chunk.columns:
        lengths = chunk[name].str.len()
        if len(lengths) and lengths.max() > limits.max_field_chars:
            row = int(lengths.idxmax()) + header_lines + 1
            raise _field_too_long(source, f"value of column '{name}' on row {row:,}", limits)


# --------------------------------------------------------------------------------------------
# Paths and formats
# --------------------------------------------------------------------------------------------


def _check_path(path: str | Path) -> Path:
    source = Path(path)
    if not source.exists():
        raise SurveyFileError(f"The file '{source.name}' does not exist.")
    if source.is_dir():
        raise SurveyFileError(f"'{source.name}' is a folder, not a survey file.")
    if source.stat().st_size == 0:
        raise SurveyFileError(
            f"The file '{source.name}' is empty (0 bytes). Check that the upload or export "
            "finished and try again."
        )
    return source


def _resolve_format(source: Path, fmt: str | None) -> SurveyFormat:
    if fmt is not None:
        normalised = fmt.lower().lstrip(".")
        if normalised in ("tsv", "txt"):
            normalised = "csv"
        if normalised == "zsav":
            normalised = "sav"
        if normalised not in SUPPORTED_FORMATS:
            raise SurveyFileError(
                f"'{fmt}' is not a supported survey format. Use one of: CSV, XLSX, "
                "Stata .dta or SPSS .sav."
            )
        return normalised  # type: ignore[return-value]
    suffix = source.suffix.lower()
    if suffix in _EXTENSION_FORMATS:
        return _EXTENSION_FORMATS[suffix]
    if suffix == ".xls":
        raise SurveyFileError(
            f"'{source.name}' is an old Excel 97-2003 workbook (.xls), which is not "
            "supported. Open it in Excel or LibreOffice and save it as .xlsx or CSV."
        )
    shown = suffix or "no extension"
    raise SurveyFileError(
        f"'{source.name}' has an unsupported file type ({shown}). Upload a CSV, XLSX, "
        "Stata .dta or SPSS .sav file."
    )


def _sniff_content(head: bytes) -> str | None:
    """A guess at what the first bytes of a file really are, for error messages."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"<stata_dta>") or (
        len(head) > 1 and head[0] in range(104, 120) and head[1] in (1, 2)
    ):
        return "dta"
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    sample = head[:4096]
    if sample and b"\x00" not in sample:
        try:
            sample.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
            if printable / len(sample) > 0.9:
                return "text"
    return None


def _unreadable(source: Path, survey_format: str) -> SurveyFileError:
    with source.open("rb") as handle:
        head = handle.read(4096)
    actual = _sniff_content(head)
    expected = _FORMAT_NAMES.get(survey_format, survey_format)
    if actual == "text" and survey_format != "csv":
        hint = " It looks like a plain text file: if it is a CSV export, rename it to .csv."
    elif actual == "xls":
        hint = " It looks like an old Excel .xls workbook: save it as .xlsx or CSV."
    elif actual is not None and actual != survey_format and actual in _FORMAT_NAMES:
        hint = f" It looks like a {_FORMAT_NAMES[actual]}: rename it with that extension."
    else:
        hint = (
            " It may be damaged or incomplete (for example an interrupted download or "
            "upload): export or download it again."
        )
    return SurveyFileError(f"'{source.name}' could not be read as a {expected}.{hint}")


# --------------------------------------------------------------------------------------------
# Value keys and labels
# --------------------------------------------------------------------------------------------


def value_key(value: Any) -> str:
    """A canonical text form of a code: 1, 1.0 and "1" all become "1"."""
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isfinite(number) and number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.15g}"
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return text


def _labels_mark_special_codes(
    present_keys: Iterable[str], label_keys: Mapping[str, str], numeric: bool
) -> bool:
    """Whether a labelled column is really numeric, its labels marking special codes only."""
    if not numeric:
        return False
    unlabelled = {key for key in present_keys if key not in label_keys}
    return len(unlabelled) >= _SPECIAL_CODE_MIN_UNLABELLED and len(unlabelled) > len(label_keys)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _sort_keys(keys: Iterable[str]) -> list[str]:
    def order(key: str) -> tuple[int, float, str]:
        try:
            return (0, float(key), key)
        except ValueError:
            return (1, 0.0, key)

    return sorted(keys, key=order)


def _apply_value_labels(
    series: pd.Series, labels: Mapping[Any, str]
) -> tuple[pd.Series, list[str]] | None:
    """Replace codes by level names; ``None`` when the labels only mark special codes."""
    label_keys = {value_key(code): str(label) for code, label in labels.items()}
    non_missing = series.dropna()
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        non_missing = non_missing[non_missing.astype(str).str.strip() != ""]
    unique_values = pd.unique(non_missing)
    key_of = {value: value_key(value) for value in unique_values}
    numeric = pd.api.types.is_numeric_dtype(series.dtype)
    if _labels_mark_special_codes(key_of.values(), label_keys, numeric):
        return None
    mapping = {value: label_keys.get(key, key) for value, key in key_of.items()}
    named = non_missing.map(mapping).reindex(series.index)
    named = named.astype(object).where(named.notna(), np.nan).astype("str")
    order: list[str] = []
    for key in _sort_keys(set(key_of.values())):
        name = label_keys.get(key, key)
        if name not in order:
            order.append(name)
    return named, order


def _variable_labels(meta: Any) -> dict[str, str]:
    labels = getattr(meta, "column_names_to_labels", None) or {}
    return {str(name): str(label) for name, label in labels.items() if label}


def _value_label_tables(meta: Any) -> dict[str, dict[Any, str]]:
    tables = getattr(meta, "variable_value_labels", None) or {}
    return {str(name): dict(table) for name, table in tables.items() if table}


# --------------------------------------------------------------------------------------------
# Stata and SPSS
# --------------------------------------------------------------------------------------------


def _stat_reader(survey_format: str) -> Any:
    return pyreadstat.read_dta if survey_format == "dta" else pyreadstat.read_sav


def _stat_metadata(source: Path, survey_format: str, limits: SurveyLimits) -> Any:
    if survey_format == "dta":
        with source.open("rb") as handle:
            _check_declared_width(source, _dta_declared_width(handle.read(4096)), limits)
    try:
        _, meta = _stat_reader(survey_format)(str(source), metadataonly=True)
    except Exception as exc:  # pyreadstat raises several unrelated exception types
        raise _unreadable(source, survey_format) from exc
    if not meta.column_names:
        raise SurveyFileError(f"'{source.name}' has no columns (variables).")
    _check_declared_width(source, len(meta.column_names), limits)
    return meta


def _check_requested_columns(
    source: Path, available: Sequence[str], columns: Sequence[str] | None
) -> list[str] | None:
    if columns is None:
        return None
    requested = list(columns)
    missing = [name for name in requested if name not in available]
    if missing:
        details = []
        for name in missing:
            close = difflib.get_close_matches(name, list(available), n=3)
            suggestion = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            details.append(f"'{name}'{suggestion}")
        raise SurveyFileError(f"'{source.name}' has no column {', '.join(details)}.")
    return requested


def _read_stat(
    source: Path, survey_format: str, columns: Sequence[str] | None, limits: SurveyLimits
) -> SurveyFrame:
    meta = _stat_metadata(source, survey_format, limits)
    usecols = _check_requested_columns(source, list(meta.column_names), columns)
    masks: dict[str, np.ndarray] = {}
    frame, meta, found = _read_stat_rows(source, survey_format, usecols, masks=masks)
    if frame.shape[1] == 0:
        raise SurveyFileError(f"'{source.name}' has no columns (variables).")
    if frame.shape[0] == 0:
        raise SurveyFileError(f"'{source.name}' has variables but no rows (no respondents).")
    frame = _blank_strings_to_missing(frame)
    value_labels = {
        name: table for name, table in _value_label_tables(meta).items() if name in frame
    }
    value_label_order: dict[str, list[str]] = {}
    messages: list[str] = []
    special: list[str] = []
    for name, table in value_labels.items():
        applied = _apply_value_labels(frame[name], table)
        if applied is None:
            special.append(name)
            continue
        frame[name], value_label_order[name] = applied
    if special:
        messages.append(
            "Kept as numbers (their labels only mark special codes): " + ", ".join(special)
        )
    return SurveyFrame(
        frame=frame,
        variable_labels={
            name: label for name, label in _variable_labels(meta).items() if name in frame
        },
        value_label_order=value_label_order,
        value_labels=value_labels,
        source_format=survey_format,
        messages=tuple(messages),
        declared_missing=declared_missing_list(found, value_labels),
        declared_missing_rows=masks,
    )


def _blank_strings_to_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Stata and SPSS store a missing string as blanks: make it a real missing value."""
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            stripped = column.astype(object).where(column.isna(), column.astype(str).str.strip())
            frame[name] = stripped.where(stripped != "", np.nan)
    return frame


# Declared missing values -------------------------------------------------------------------
#
# Only what the file itself declares missing is missing (besides empty cells): SPSS
# user-missing values and ranges (7/8/9 "Don't know/Refused", 97-99) and Stata's extended
# missing values .a-.z. pyreadstat reads them as NaN by default, which loses which code it
# was; with ``user_missing=True`` it returns the codes, which we count and then blank.
#
# Stata: pyreadstat 1.3.7 returns garbage (0 or a stale number) for a *system* missing "."
# in a column read with ``user_missing=True`` that also holds .a-.z (checked against
# pandas.read_stata). So a Stata file is read normally (every missing is NaN, correctly),
# and only the numeric columns that have missing cells are read again with
# ``user_missing=True`` to name the letter of each: a cell is ".a" only where the normal read
# is missing and the second read says "a".

#: Per column, declared code key → (code as shown, count).
DeclaredCounts = dict[str, dict[str, tuple[Any, int]]]

_STATA_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


def _read_stat_rows(
    source: Path,
    survey_format: str,
    usecols: list[str] | None,
    row_offset: int = 0,
    row_limit: int = 0,
    masks: dict[str, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, Any, DeclaredCounts]:
    """Rows of a Stata/SPSS file with exactly the declared missing codes (and system
    missing) as NaN, the file's metadata and the declared codes found per column (and, in
    ``masks`` when given, which rows held one, per column)."""
    reader = _stat_reader(survey_format)
    try:
        frame, meta = reader(
            str(source),
            usecols=usecols,
            apply_value_formats=False,
            user_missing=survey_format == "sav",
            row_offset=row_offset,
            row_limit=row_limit,
        )
    except Exception as exc:  # pyreadstat raises several unrelated exception types
        raise _unreadable(source, survey_format) from exc
    _numeric_objects_to_float(frame, meta)
    if survey_format == "sav":
        return frame, meta, _blank_spss_declared(frame, _spss_missing_rules(meta), masks)
    candidates = [
        str(name)
        for name in frame.columns
        if pd.api.types.is_numeric_dtype(frame[name].dtype) and frame[name].isna().any()
    ]
    if not candidates:
        return frame, meta, {}
    try:
        tagged, _ = reader(
            str(source),
            usecols=candidates,
            apply_value_formats=False,
            user_missing=True,
            row_offset=row_offset,
            row_limit=row_limit,
        )
    except Exception as exc:
        raise _unreadable(source, survey_format) from exc
    return frame, meta, _stata_declared(frame, tagged, masks)


def _numeric_objects_to_float(frame: pd.DataFrame, meta: Any) -> None:
    """pyreadstat returns a Stata integer column with missing cells as Python objects (ints
    and NaN); make it float so it is numeric like any other numeric variable."""
    types = getattr(meta, "readstat_variable_types", None) or {}
    for name in frame.columns:
        if frame[name].dtype == object and types.get(name, "string") != "string":
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)


def _spss_missing_rules(meta: Any) -> dict[str, list[tuple[Any, Any]]]:
    """SPSS user-missing definitions per column as (low, high) pairs; a value is (v, v)."""
    rules: dict[str, list[tuple[Any, Any]]] = {}
    for name, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        rules.setdefault(str(name), []).extend((r["lo"], r["hi"]) for r in ranges)
    for name, values in (getattr(meta, "missing_user_values", None) or {}).items():
        rules.setdefault(str(name), []).extend((value, value) for value in values)
    return rules


def _shown_code(value: Any) -> Any:
    """A code as JSON shows it: 8.0 → 8, 97.5 stays, text stays text."""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 1e15 else number
    return str(value).strip()


def _blank_spss_declared(
    frame: pd.DataFrame,
    rules: Mapping[str, list[tuple[Any, Any]]],
    masks: dict[str, np.ndarray] | None = None,
) -> DeclaredCounts:
    found: DeclaredCounts = {}
    for name, pairs in rules.items():
        if name not in frame or not pairs:
            continue
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column.dtype):
            numbers = column.astype(float)
            mask = pd.Series(False, index=column.index)
            for low, high in pairs:
                mask |= numbers.between(float(low), float(high), inclusive="both")
        else:
            codes = {str(low).strip() for low, _high in pairs}
            texts = column.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
            mask = texts.isin(codes)
        if mask.any():
            counts = column[mask].value_counts(sort=False)
            found[name] = {
                value_key(code): (_shown_code(code), int(count)) for code, count in counts.items()
            }
            frame[name] = column.where(~mask, np.nan)
            if masks is not None:
                masks[name] = mask.to_numpy(dtype=bool)
    return found


def _stata_declared(
    plain: pd.DataFrame, tagged: pd.DataFrame, masks: dict[str, np.ndarray] | None = None
) -> DeclaredCounts:
    found: DeclaredCounts = {}
    for name in tagged.columns:
        values = tagged[name]
        if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
            continue  # no .a-.z in this column: only system missing
        letters = pd.Series(
            [v if isinstance(v, str) and v in _STATA_LETTERS else None for v in values],
            dtype=object,
        )
        is_declared = plain[name].isna().to_numpy() & letters.notna().to_numpy()
        if is_declared.any():
            counts = letters[is_declared].value_counts(sort=False)
            found[str(name)] = {
                f".{letter}": (f".{letter}", int(count)) for letter, count in counts.items()
            }
            if masks is not None:
                masks[str(name)] = is_declared
    return found


def _merge_declared(total: DeclaredCounts, more: DeclaredCounts) -> None:
    for name, codes in more.items():
        column = total.setdefault(name, {})
        for key, (code, count) in codes.items():
            previous = column.get(key)
            column[key] = (code, count + (previous[1] if previous else 0))


def _declared_label(code: Any, labels: Mapping[Any, str]) -> str:
    wanted = code[1:] if isinstance(code, str) and code.startswith(".") else value_key(code)
    for key, label in labels.items():
        if value_key(key) == wanted:
            return str(label)
    return ""


def declared_missing_list(
    found: DeclaredCounts, value_labels: Mapping[str, Mapping[Any, str]]
) -> dict[str, list[dict[str, Any]]]:
    """Per column, ``[{"code", "label", "count"}]`` in code order (JSON-serialisable)."""
    result: dict[str, list[dict[str, Any]]] = {}
    for name, codes in found.items():
        labels = value_labels.get(name, {})
        result[name] = [
            {"code": code, "label": _declared_label(code, labels), "count": count}
            for code, count in (codes[key] for key in _sort_keys(codes))
        ]
    return result


def _iter_stat_chunks(
    source: Path,
    survey_format: str,
    chunksize: int,
    columns: Sequence[str] | None,
    limits: SurveyLimits,
) -> Iterator[pd.DataFrame]:
    for chunk, _found in _iter_stat_chunks_declared(
        source, survey_format, chunksize, columns, limits
    ):
        yield chunk


def _iter_stat_chunks_declared(
    source: Path,
    survey_format: str,
    chunksize: int,
    columns: Sequence[str] | None,
    limits: SurveyLimits,
) -> Iterator[tuple[pd.DataFrame, DeclaredCounts]]:
    """Raw-code chunks with the declared missing codes blanked, and the codes found."""
    meta = _stat_metadata(source, survey_format, limits)
    usecols = _check_requested_columns(source, list(meta.column_names), columns)
    n_rows = getattr(meta, "number_rows", None)
    offset = 0
    while n_rows is None or n_rows < 0 or offset < n_rows:
        chunk, _, found = _read_stat_rows(source, survey_format, usecols, offset, chunksize)
        if chunk.shape[0] == 0:
            return
        yield _blank_strings_to_missing(chunk), found
        offset += len(chunk)
        if len(chunk) < chunksize:
            return


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CsvDialect:
    encoding: str
    delimiter: str
    decimal: str
    messages: tuple[str, ...]


def _detect_encoding(source: Path, whole_file: bool = True) -> tuple[str, tuple[str, ...]]:
    """The encoding of a survey CSV by the portal's one policy
    (:func:`common.spreadsheets.detect_encoding`: UTF-8 with or without BOM, UTF-16 with or
    without BOM, else Windows-1252, else Latin-1; a ZIP or binary file is refused).

    ``whole_file=False`` judges from the first 64 KB only (for the quick checks of an upload;
    the profile, in the worker, decodes the whole file)."""
    with source.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
        try:
            found = detect_encoding(
                head,
                display_name=f"'{source.name}'",
                stream=handle if whole_file else None,
                complete=len(head) < _SNIFF_BYTES,
            )
        except UnreadableText as exc:
            message = str(exc)
            if exc.reason == "binary":  # a survey file may also be Stata or SPSS
                message += (
                    " If it is an Excel, Stata or SPSS file, give it the .xlsx, .dta or .sav "
                    "extension."
                )
            raise SurveyFileError(message) from exc
    return found.encoding, (found.note,) if found.note else ()


def _sample_text(source: Path, encoding: str) -> tuple[str, bool]:
    """The first 64 KB of a CSV as text, and whether that is the whole file."""
    with source.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    return head.decode(encoding, errors="replace"), len(head) < _SNIFF_BYTES


def _detect_decimal(rows: list[list[str]], delimiter: str) -> str:
    """Semicolon-separated files from European locales often write 1,5 for 1.5."""
    if delimiter != ";":
        return "."
    cells = [cell.strip() for row in rows[1:] for cell in row]
    comma = sum(bool(_DECIMAL_COMMA.match(cell)) for cell in cells)
    point = sum(bool(_DECIMAL_POINT.match(cell)) for cell in cells)
    return "," if comma > 0 and point == 0 else "."


def _csv_dialect(source: Path, whole_file: bool = True) -> _CsvDialect:
    encoding, messages = _detect_encoding(source, whole_file)
    text, complete = _sample_text(source, encoding)
    delimiter = detect_delimiter(text, complete=complete)
    decimal = _detect_decimal(sample_rows(text, delimiter, complete=complete), delimiter)
    if decimal == ",":
        messages = (*messages, "Numbers use a decimal comma (1,5 means 1.5).")
    return _CsvDialect(encoding=encoding, delimiter=delimiter, decimal=decimal, messages=messages)


def _csv_header(source: Path, dialect: _CsvDialect) -> list[str]:
    with source.open("r", encoding=dialect.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=dialect.delimiter)
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    return [cell.strip() for cell in row]
        except csv.Error as exc:
            raise SurveyFileError(
                f"'{source.name}' could not be read as a CSV file: its first row is damaged "
                "(check for an unclosed quote) and upload it again."
            ) from exc
    raise SurveyFileError(
        f"'{source.name}' has no columns: it contains no header row, only blank lines."
    )


def _check_header(source: Path, header: Sequence[str]) -> None:
    seen: dict[str, int] = {}
    duplicates: list[str] = []
    for name in header:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen[name] = seen.get(name, 0) + 1
    if duplicates:
        shown = ", ".join(f"'{name}'" if name else "(blank)" for name in duplicates)
        raise SurveyFileError(
            f"'{source.name}' has duplicate column names: {shown}. Give every column a "
            "unique name in the first row and upload it again."
        )


def _read_csv(source: Path, columns: Sequence[str] | None, limits: SurveyLimits) -> SurveyFrame:
    dialect = _csv_dialect(source)
    _check_csv_header_width(source, dialect, limits)
    header = _csv_header(source, dialect)
    _check_header(source, header)
    usecols = _check_requested_columns(source, header, columns)
    try:
        frame = pd.read_csv(
            source,
            sep=dialect.delimiter,
            encoding=dialect.encoding,
            usecols=usecols,
            decimal=dialect.decimal,
            skipinitialspace=True,
            # Only an empty cell is missing: "None" (DHS's "no education"), "NA" (Namibia),
            # "N/A", "null" and "nan" are level names, not pandas' default NA strings.
            keep_default_na=False,
            na_values=[""],
        )
    except pd.errors.EmptyDataError as exc:
        raise SurveyFileError(f"'{source.name}' has no columns.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise SurveyFileError(
            f"'{source.name}' could not be read as a CSV file: its rows do not line up with "
            "the header (check for unbalanced quotes or a different separator)."
        ) from exc
    frame.columns = [str(name).strip() for name in frame.columns]
    if frame.shape[0] == 0:
        raise SurveyFileError(f"'{source.name}' has a header row but no data rows.")
    return SurveyFrame(
        frame=frame,
        variable_labels={},
        value_label_order={},
        source_format="csv",
        encoding=dialect.encoding,
        delimiter=dialect.delimiter,
        messages=dialect.messages,
    )


def _decimal_comma_to_point(column: pd.Series) -> pd.Series:
    """Rewrite 1,5 as 1.5 in a text chunk so numbers are parsed the same as by read_csv."""
    is_decimal = column.str.match(_DECIMAL_COMMA.pattern, na=False)
    return column.where(~is_decimal, column.str.replace(",", ".", regex=False))


def _iter_csv_chunks(
    source: Path, chunksize: int, columns: Sequence[str] | None, limits: SurveyLimits
) -> Iterator[pd.DataFrame]:
    dialect = _csv_dialect(source)
    _check_csv_header_width(source, dialect, limits)
    header = _csv_header(source, dialect)
    _check_header(source, header)
    usecols = _check_requested_columns(source, header, columns)
    try:
        reader = pd.read_csv(
            source,
            sep=dialect.delimiter,
            encoding=dialect.encoding,
            usecols=usecols,
            dtype=str,
            chunksize=chunksize,
            skipinitialspace=True,
            keep_default_na=False,
            na_values=[""],
        )
        with reader:
            for chunk in reader:
                chunk.columns = [str(name).strip() for name in chunk.columns]
                _check_field_lengths(source, chunk, limits)
                if dialect.decimal == ",":
                    chunk = chunk.apply(_decimal_comma_to_point)
                yield chunk
    except pd.errors.EmptyDataError as exc:
        raise SurveyFileError(f"'{source.name}' has no columns.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SurveyFileError(
            f"'{source.name}' could not be read as a CSV file: its rows do not line up with "
            "the header (check for unbalanced quotes or a different separator)."
        ) from exc


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def _open_workbook(source: Path, limits: SurveyLimits) -> Any:
    import openpyxl

    _check_xlsx_archive(source, limits)
    try:  # one streaming pass so openpyxl never builds a row of millions of cells
        check_sheet_rows(
            source,
            max_columns=limits.max_columns,
            max_field_chars=limits.max_field_chars,
            display_name=f"'{source.name}'",
        )
    except SpreadsheetTooLarge as exc:
        raise SurveyFileError(str(exc)) from exc
    try:
        return openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise _unreadable(source, "xlsx") from exc
    except Exception as exc:  # openpyxl raises its own exception types for bad XML
        raise _unreadable(source, "xlsx") from exc


def _select_sheet(source: Path, workbook: Any, sheet: str | None) -> Any:
    names = list(workbook.sheetnames)
    if not names:
        raise SurveyFileError(f"'{source.name}' has no worksheets.")
    if sheet is None:
        return workbook[names[0]]
    if sheet not in names:
        raise SurveyFileError(
            f"'{source.name}' has no sheet named '{sheet}'. Its sheets are: "
            + ", ".join(f"'{name}'" for name in names)
            + "."
        )
    return workbook[sheet]


def _xlsx_header(source: Path, rows: Iterator[tuple[Any, ...]], limits: SurveyLimits) -> list[str]:
    for row in rows:
        if len(row) > limits.max_columns and any(
            cell is not None for cell in row[limits.max_columns :]
        ):
            raise _too_wide(source, f"{len(row):,}", limits)
        # column names as the text a CSV export would hold (the kernel's rule: 2024, not
        # "2024.0"; a date as ISO); the values keep their types for the analysis
        header = [cell_text(cell).strip() for cell in row]
        if any(header):
            while header and header[-1] == "":
                header.pop()
            return [name or f"column_{index + 1}" for index, name in enumerate(header)]
        break
    raise SurveyFileError(
        f"'{source.name}' has no columns: the first row of the sheet is empty. Put the column "
        "names in the first row."
    )


def _iter_xlsx_rows(
    source: Path, sheet: str | None, limits: SurveyLimits
) -> tuple[list[str], Iterator[tuple[Any, ...]], Any]:
    workbook = _open_workbook(source, limits)
    worksheet = _select_sheet(source, workbook, sheet)
    try:
        declared = worksheet.max_column if worksheet.max_column else None
        _check_declared_width(source, declared, limits)
        rows = worksheet.iter_rows(values_only=True)
        header = _xlsx_header(source, rows, limits)
    except SurveyFileError:
        workbook.close()
        raise
    except Exception as exc:
        workbook.close()
        raise _unreadable(source, "xlsx") from exc
    _check_header(source, header)
    return header, rows, workbook


def _iter_xlsx_chunks(
    source: Path,
    chunksize: int,
    columns: Sequence[str] | None,
    sheet: str | None,
    limits: SurveyLimits,
) -> Iterator[pd.DataFrame]:
    header, rows, workbook = _iter_xlsx_rows(source, sheet, limits)
    usecols = _check_requested_columns(source, header, columns)
    width = len(header)
    buffer: list[tuple[Any, ...]] = []
    try:
        for row in rows:
            values = tuple(row[:width]) + (None,) * max(0, width - len(row))
            if all(value is None for value in values):
                continue
            buffer.append(values)
            if len(buffer) >= chunksize:
                yield _xlsx_frame(buffer, header, usecols)
                buffer = []
        if buffer:
            yield _xlsx_frame(buffer, header, usecols)
    except SurveyFileError:
        raise
    except Exception as exc:
        raise _unreadable(source, "xlsx") from exc
    finally:
        workbook.close()


def _xlsx_frame(
    rows: list[tuple[Any, ...]], header: list[str], usecols: list[str] | None
) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=header)
    frame = frame.infer_objects()
    return frame if usecols is None else frame[usecols]


def _read_xlsx(
    source: Path, columns: Sequence[str] | None, sheet: str | None, limits: SurveyLimits
) -> SurveyFrame:
    chunks = list(_iter_xlsx_chunks(source, DEFAULT_CHUNKSIZE, columns, sheet, limits))
    if not chunks:
        raise SurveyFileError(f"'{source.name}' has a header row but no data rows.")
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    frame = frame.reset_index(drop=True)
    for name in frame.columns:
        if frame[name].dtype == object:
            converted = pd.to_numeric(frame[name], errors="coerce")
            if converted.notna().sum() == frame[name].notna().sum():
                frame[name] = converted
    return SurveyFrame(
        frame=frame,
        variable_labels={},
        value_label_order={},
        source_format="xlsx",
    )


# --------------------------------------------------------------------------------------------
# Profiling
# --------------------------------------------------------------------------------------------


class _ColumnAccumulator:
    """Running statistics for one column across chunks."""

    def __init__(self, distinct_cap: int, label_keys: Mapping[str, str]) -> None:
        self.distinct_cap = distinct_cap
        self.label_keys = dict(label_keys)
        self.label_codes = [float(key) for key in label_keys if _is_number(key)]
        self.n_rows = 0
        self.n_missing = 0
        self.n_text = 0
        self.n_numeric = 0
        self.numeric_count = 0
        self.numeric_sum = 0.0
        self.numeric_min: float | None = None
        self.numeric_max: float | None = None
        self.counts: dict[str, int] = {}
        self.capped = False

    def add(self, series: pd.Series) -> None:
        self.n_rows += len(series)
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            numbers = series.astype(float)
            missing = numbers.isna()
            text = pd.Series([], dtype=object)
        else:
            if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
                texts = series.str.strip()  # vectorised: CSV chunks are all text
            else:
                texts = series.astype(object).map(
                    lambda value: None if pd.isna(value) else str(value).strip()
                )
            missing = texts.isna() | (texts == "")
            present = texts[~missing]
            parsed = pd.to_numeric(present, errors="coerce")
            numbers = parsed[parsed.notna()].astype(float)
            text = present[parsed.isna()]
        numbers = numbers.dropna()
        self.n_missing += int(missing.sum())
        self.n_numeric += len(numbers)
        self.n_text += len(text)
        # Once a column without labels has more distinct values than the cap, its counts are
        # never reported (it is numeric or free text), so stop paying for them.
        counting = not (self.capped and not self.label_keys)
        if len(numbers) and counting:
            for value, count in numbers.value_counts(sort=False).items():
                self._count(value_key(value), int(count))
        if self.label_codes and len(numbers):
            numbers = numbers[~numbers.isin(self.label_codes)]
        if len(numbers):
            self.numeric_count += len(numbers)
            self.numeric_sum += math.fsum(numbers.to_numpy())
            low, high = float(numbers.min()), float(numbers.max())
            self.numeric_min = low if self.numeric_min is None else min(self.numeric_min, low)
            self.numeric_max = high if self.numeric_max is None else max(self.numeric_max, high)
        if len(text) and counting:
            for value, count in text.value_counts(sort=False).items():
                self._count(str(value), int(count))

    def _count(self, key: str, count: int) -> None:
        if key in self.counts:
            self.counts[key] += count
        elif len(self.counts) < self.distinct_cap:
            self.counts[key] = count
        else:
            self.capped = True

    def finish(self, name: str, label: str, level_limit: int) -> ColumnProfile:
        n_distinct = len(self.counts)
        numeric_only = self.n_text == 0 and self.n_numeric > 0
        labelled = bool(self.label_keys) and not _labels_mark_special_codes(
            self.counts, self.label_keys, numeric_only
        )
        if labelled:
            named: dict[str, int] = {}
            for key in _sort_keys(self.counts):
                level = self.label_keys.get(key, key)
                named[level] = named.get(level, 0) + self.counts[key]
            levels = list(named.items())
            return ColumnProfile(
                name=name,
                label=label,
                inferred_type="categorical",
                n_rows=self.n_rows,
                n_missing=self.n_missing,
                n_distinct=len(named),
                distinct_capped=self.capped,
                levels=tuple(levels[:level_limit]),
                levels_truncated=len(levels) > level_limit,
            )
        if numeric_only:
            special = tuple(
                (self.label_keys[key], self.counts[key])
                for key in _sort_keys(self.counts)
                if key in self.label_keys
            )
            mean = self.numeric_sum / self.numeric_count if self.numeric_count else None
            return ColumnProfile(
                name=name,
                label=label,
                inferred_type="numeric",
                n_rows=self.n_rows,
                n_missing=self.n_missing,
                n_distinct=n_distinct,
                distinct_capped=self.capped,
                minimum=self.numeric_min,
                maximum=self.numeric_max,
                mean=mean,
                special_codes=special,
            )
        categorical = 0 < n_distinct <= level_limit and not self.capped
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        return ColumnProfile(
            name=name,
            label=label,
            inferred_type="categorical" if categorical else "text",
            n_rows=self.n_rows,
            n_missing=self.n_missing,
            n_distinct=n_distinct,
            distinct_capped=self.capped,
            levels=tuple(ranked[:level_limit]) if categorical else (),
            levels_truncated=False,
        )
