"""Reading partner uploads: KoboToolbox and ODK Central exports of offline-collected stories.

Three formats (PRODUCT.md §4):

* ``kobo_csv`` — KoboToolbox CSV: semicolon-separated (a comma-separated Kobo export is read
  too), every field quoted, an optional second row of HXL tags (``#…``), groups in headers as
  ``group/question``, a select-multiple as one space-separated column *plus* ``question/choice``
  columns of 1/0 (empty when unanswered), and the metadata columns ``_id, _uuid,
  _submission_time, _validation_status, …, meta/rootUuid, _index``.
* ``kobo_xlsx`` — the same as an Excel workbook: the first sheet holds the submissions, and each
  repeat group has its own sheet, linked by ``_index`` (main sheet) / ``_parent_index``.
* ``odk_csv`` — ODK Central CSV: comma-separated, ``SubmissionDate, meta-instanceID, …, KEY,
  SubmitterID, SubmitterName, ReviewState, …``, groups in headers as ``group-question``.

:func:`open_export` reads only the header; :meth:`ExportFile.iter_rows` then streams the rows one
at a time (the ``csv`` module over the open file, openpyxl in read-only mode), so a 100,000-row
file is read in bounded memory. :func:`suggest_mapping` proposes which column feeds each field of
the instrument, and :func:`normalise_row` turns one row into Python values
(:class:`NormalisedRow`) or into the reasons a person can act on why it cannot be stored
(:class:`RowProblem`).

Row numbers are spreadsheet row numbers: the header is row 1 (and an HXL row is row 2), so
"row 7" is the row a partner sees as 7 when opening the file in Excel or LibreOffice.

Submission keys: Kobo's ``meta/rootUuid`` (stable across edits) is used when present,
otherwise ``_uuid``, otherwise ``_id`` (a cell left empty falls through to the next); ODK's
``meta-instanceID``, otherwise ``KEY``. The ``uuid:`` prefix that some exports carry is
removed, so the same submission has the same key in every export.

Every failure caused by the file raises :class:`ExportError` (a :class:`ValueError`) with a
message that says what is wrong and what to do. Pure Python (csv, openpyxl); no Django.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from common.messages import Message, gettext_noop
from common.spreadsheets import (
    UnreadableText,
    cell_text,
    detect_encoding,
    open_workbook,
    split_header,
)

from .signifiers import normalise_dyad, normalise_triad

__all__ = [
    "CONSENT_NO",
    "CONSENT_YES",
    "EXPORT_FORMATS",
    "FIELD_KINDS",
    "ExportError",
    "ExportFile",
    "FieldSpec",
    "NormalisedRow",
    "RepeatAnswers",
    "RepeatLinks",
    "RowProblem",
    "UnitRow",
    "detect_format",
    "fits_kind",
    "normalise_row",
    "open_export",
    "parse_submission_time",
    "suggest_mapping",
    "unit_key",
    "validate_mapping",
]

EXPORT_FORMATS: tuple[str, ...] = ("kobo_csv", "kobo_xlsx", "odk_csv", "odk_zip")
FIELD_KINDS: tuple[str, ...] = (
    "text",
    "title",
    "story",
    "consent",
    "consent_uses",
    "date",
    "language",
    "single",
    "multiple",
    "groups",
    "age_band",
    "sex",
    "wg",
    "location",
    "triad",
    "dyad",
    "number",
)
#: Consent answers accepted (compared case-insensitively, after trimming).
CONSENT_YES: frozenset[str] = frozenset({"yes", "1", "true", "oui", "sí", "si"})
CONSENT_NO: frozenset[str] = frozenset({"no", "0", "false", "non"})

_KOBO_MARKERS = ("meta/rootUuid", "_uuid", "_submission_time")
_ODK_MARKERS = ("SubmissionDate", "meta-instanceID", "KEY")
#: Kobo: the stable id across edits, then the instance uuid, then Kobo's own number (the
#: main sheet's ``_uuid`` is empty in some real exports; ``_id`` is always there).
_KOBO_KEYS = ("meta/rootUuid", "_uuid", "_id")
_ODK_KEYS = ("meta-instanceID", "KEY")
_SUBMITTED_AT = {"kobo": "_submission_time", "odk": "SubmissionDate"}
_KEY_FALLBACKS = _KOBO_KEYS + _ODK_KEYS
_METADATA_COLUMNS = frozenset(
    {
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_notes",
        "_status",
        "_submitted_by",
        "__version__",
        "_tags",
        "_index",
        "_parent_index",
        "_parent_table_name",
        "_submission__id",
        "_submission__uuid",
        "_submission__submission_time",
        "_submission__validation_status",
        "_submission__notes",
        "_submission__status",
        "_submission__submitted_by",
        "_submission___version__",
        "_submission__tags",
        "SubmissionDate",
        "KEY",
        "PARENT_KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    }
)
_SNIFF_BYTES = 64 * 1024
#: Widest header accepted (a Kobo form with every choice split is a few hundred columns).
MAX_COLUMNS = 2_000
#: Longest cell accepted, in characters (a long story is a few thousand).
MAX_FIELD_CHARS = 100_000
#: How much of a CSV is read to find its header line.
_HEADER_BYTES = 4 * 1024 * 1024
_KIND_SYNONYMS: dict[str, tuple[str, ...]] = {
    "story": ("story", "narrative", "histoire", "récit", "historia", "relato"),
    "title": ("title", "story_title", "titre", "titulo", "título"),
    "consent": ("consent", "consentement", "consentimiento"),
    "consent_uses": ("consent_uses", "uses", "utilisations", "usos"),
    "date": ("date", "today", "fecha", "story_date"),
    "language": ("language", "lang", "langue", "idioma"),
    "groups": ("groups", "identity", "groupes", "grupos"),
    "age_band": ("age_band", "age", "age_group", "tranche_age", "edad"),
    "sex": ("sex", "gender", "sexe", "genre", "sexo", "genero", "género"),
    "location": ("location", "province", "region", "district", "lieu", "lugar"),
}
_WHITESPACE = re.compile(r"\s+")
#: A Kobo/ODK geopoint: "lat lon [altitude accuracy]".
_GEOPOINT = re.compile(
    r"^\s*-?\d{1,2}(?:\.\d+)?[ ,;]+-?\d{1,3}(?:\.\d+)?([ ,;]+-?\d+(?:\.\d+)?){0,2}\s*$"
)


class ExportError(ValueError):
    """The file cannot be read as a Kobo or ODK export; the message says what to do."""


# --------------------------------------------------------------------------------------------
# Reading files


def _sniff_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise ExportError(
            Message(gettext_noop("The file '%(name)s' was not found."), name=path.name)
        )
    except OSError as error:
        raise ExportError(f"The file {path.name!r} could not be opened ({error.strerror}).")


def _choose_encoding(sample: bytes, name: str) -> tuple[str, str | None]:
    """The text encoding of a CSV, and a note for the partner when it is not UTF-8 (the
    portal's one policy: ``common.spreadsheets.detect_encoding``)."""
    try:
        found = detect_encoding(
            sample, display_name=repr(name), complete=len(sample) < _SNIFF_BYTES
        )
    except UnreadableText as error:
        raise ExportError(error.args[0]) from None  # a Message: shown in the reader's language
    return found.encoding, found.note


def _header_text(path: Path, sample: bytes, encoding: str) -> str:
    """The start of a CSV as text, long enough to hold its header and first data row (a
    wide header can be longer than the sniffed sample), but never more than
    ``_HEADER_BYTES``."""
    data = sample
    if data.count(b"\n") < 2 and len(data) >= _SNIFF_BYTES:
        with path.open("rb") as handle:
            data = handle.read(_HEADER_BYTES)
        if b"\n" not in data and len(data) >= _HEADER_BYTES:
            raise ExportError(
                f"The first line of {path.name!r} is longer than "
                f"{_HEADER_BYTES // (1024 * 1024)} MB, so it cannot be a header. Export the "
                "data again as CSV and upload that file."
            )
    return data.decode(encoding, errors="replace")


def _field_too_long(row_number: int) -> ExportError:
    return ExportError(
        f"Row {row_number} has a value longer than {MAX_FIELD_CHARS:,} characters; no answer "
        "in a form is that long, so the file may be damaged (e.g. an unclosed quote). Export "
        "it again and upload the new file."
    )


def _split_first_line(text: str) -> tuple[list[str], str]:
    """The header cells and the delimiter, trying ';' (Kobo's default) then ',' then tab."""
    return split_header(text, markers=_KOBO_MARKERS + _ODK_MARKERS)


def _flavour(columns: Sequence[str]) -> str | None:
    if any(marker in columns for marker in _KOBO_MARKERS):
        return "kobo"
    if any(marker in columns for marker in _ODK_MARKERS):
        return "odk"
    return None


_GOOGLE_FORMS_FIRST = frozenset(
    {"timestamp", "marca temporal", "horodateur", "carimbo de data/hora", "zeitstempel"}
)


def _not_recognised(name: str, header: Sequence[str] = ()) -> ExportError:
    first = (header[0] if header else "").strip().casefold()
    if first in _GOOGLE_FORMS_FIRST:
        return ExportError(
            Message(
                gettext_noop(
                    "'%(name)s' looks like a Google Forms export (its first column is "
                    "'%(column)s'), not a KoboToolbox or ODK Central export. The portal reads "
                    "Kobo and ODK exports only: enter these stories in the portal's story "
                    "form, or collect with KoboToolbox or ODK and upload that export."
                ),
                name=name,
                column=header[0].strip(),
            )
        )
    return ExportError(
        Message(
            gettext_noop(
                "'%(name)s' does not look like a KoboToolbox or ODK Central export: its header "
                "has none of the columns _uuid, _submission_time or meta/rootUuid (KoboToolbox) "
                "or SubmissionDate, meta-instanceID or KEY (ODK Central). Download the data "
                "again from the project's Data > Downloads page (KoboToolbox) or the form's "
                "Submissions > Download button (ODK Central), without removing columns, and "
                "upload that file."
            ),
            name=name,
        )
    )


#: A worksheet cell as the text a CSV export would hold (the kernel's rule).
_xlsx_cell_text = cell_text


def _is_hxl_row(cells: Sequence[str]) -> bool:
    filled = [cell.strip() for cell in cells if cell and cell.strip()]
    return bool(filled) and all(cell.startswith("#") for cell in filled)


def _dedupe(header: Sequence[str]) -> tuple[list[str], list[str]]:
    """Header names made unique ("name (2)") so no column is lost, with a note if any were."""
    seen: dict[str, int] = {}
    columns: list[str] = []
    renamed: list[str] = []
    for index, raw in enumerate(header, start=1):
        name = (raw or "").strip() or f"column {index}"
        if name in seen:
            seen[name] += 1
            renamed.append(name)
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        columns.append(name)
    notes = []
    if renamed:
        notes.append(
            "Some column names appear more than once ("
            + ", ".join(sorted(set(renamed)))
            + "); the later ones are shown with (2), (3)…"
        )
    return columns, notes


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    """An openpyxl workbook in read-only mode, closed (with its file) on leaving.

    The file is passed as an open handle so a workbook with a wrong extension still opens.
    """
    try:
        with open_workbook(path, display_name=repr(path.name)) as workbook:
            yield workbook
    except UnreadableText as error:
        raise ExportError(
            str(error).replace(
                "Open it in Excel, save it again as .xlsx",
                "Export it again from KoboToolbox as XLSX",
            )
        ) from None


def _refuse_repeat_table(header: Sequence[str], name: str) -> None:
    if "PARENT_KEY" in header:
        raise ExportError(
            Message(
                gettext_noop(
                    "'%(name)s' is a repeat table of an ODK Central export (it has a "
                    "PARENT_KEY column): its rows are the answers of a repeat group, not "
                    "submissions. Upload the main table (the CSV named after the form), or the "
                    "whole ZIP that ODK Central downloads, which holds the main table and its "
                    "repeat tables together."
                ),
                name=name,
            )
        )


def _csv_header(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig", errors="replace")
    header, _delimiter = _split_first_line(text)
    return header


def _odk_zip_tables(path: Path) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The main table and the repeat tables ``(name, member)`` of an ODK Central CSV ZIP.

    The main table is the one CSV with ODK's columns and no ``PARENT_KEY``; every other CSV
    with ``PARENT_KEY`` is a repeat table, named after its repeat group (``<form>-<repeat>.csv``
    → ``<repeat>``). Attachments (``media/``) are ignored. Anything else is refused, saying
    what the archive holds."""
    with zipfile.ZipFile(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        csvs = [
            i.filename
            for i in infos
            if i.filename.lower().endswith(".csv")
            and not i.filename.startswith(("media/", "__MACOSX/"))
            and "/media/" not in i.filename
        ]
        headers = {}
        for name in csvs:
            with archive.open(name) as handle:
                headers[name] = _csv_header(handle.read(_SNIFF_BYTES))
    mains = [n for n, h in headers.items() if "PARENT_KEY" not in h and _flavour(h) == "odk"]
    repeats = [n for n, h in headers.items() if "PARENT_KEY" in h and "KEY" in h]
    if len(mains) != 1:
        if not csvs:
            shown = ", ".join(i.filename for i in infos[:5]) or "nothing"
            raise ExportError(
                Message(
                    gettext_noop(
                        "'%(name)s' is a zip archive but not an ODK Central export: it holds no "
                        "CSV table (%(shown)s). Upload the ZIP that ODK Central downloads "
                        "(Submissions > Download), a KoboToolbox CSV or XLSX export, or the CSV "
                        "itself."
                    ),
                    name=path.name,
                    shown=shown,
                )
            )
        if not mains:
            raise ExportError(
                Message(
                    gettext_noop(
                        "'%(name)s' is a zip archive of CSV files, but none is the main table "
                        "of an ODK Central export (with SubmissionDate, meta-instanceID and KEY "
                        "and no PARENT_KEY). Upload the ZIP exactly as ODK Central downloads it."
                    ),
                    name=path.name,
                )
            )
        raise ExportError(
            f"{path.name!r} holds several ODK main tables ({', '.join(mains)}); upload one "
            "form's export at a time."
        )
    main = mains[0]
    stem = Path(main).stem
    tables = []
    for name in repeats:
        table = Path(name).stem
        table = table[len(stem) + 1 :] if table.startswith(stem + "-") else table
        tables.append((table, name))
    return main, tuple(tables)


def detect_format(path: str | Path) -> str:
    """``"kobo_csv"``, ``"kobo_xlsx"`` or ``"odk_csv"``, from the file's content and header.

    The extension is a hint only: an XLSX file renamed ``.csv`` is recognised by its content.
    Raises :class:`ExportError` for anything else (a zip of an ODK export, an empty file, a
    spreadsheet without the Kobo/ODK metadata columns).
    """
    path = Path(path)
    sample = _sniff_bytes(path)
    if not sample.strip():
        raise ExportError(Message(gettext_noop("'%(name)s' is empty."), name=path.name))
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        raise ExportError(
            Message(
                gettext_noop(
                    "'%(name)s' is an old Excel 97-2003 (.xls) file. Export the data again "
                    "from KoboToolbox as XLSX or CSV and upload that file."
                ),
                name=path.name,
            )
        )
    if sample.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if "xl/workbook.xml" not in names:
            _odk_zip_tables(path)  # raises with what the archive is when it is not ODK's
            return "odk_zip"
        with _workbook(path) as workbook:
            titles = {sheet.title.strip().casefold() for sheet in workbook.worksheets}
            if "survey" in titles and titles & {"choices", "settings"}:
                raise ExportError(
                    Message(
                        gettext_noop(
                            "'%(name)s' is an XLSForm: the definition of a form (sheets "
                            "survey, choices, settings), not the answers collected with it. "
                            "Download the data from KoboToolbox (Data > Downloads, XLSX or "
                            "CSV) or ODK Central (Submissions > Download) and upload that file."
                        ),
                        name=path.name,
                    )
                )
            sheet = workbook.worksheets[0]
            header = next(sheet.iter_rows(max_row=1, values_only=True), ())
        columns = [_xlsx_cell_text(value) for value in header]
        flavour = _flavour(columns)
        if flavour == "kobo":
            return "kobo_xlsx"
        if flavour == "odk":
            raise ExportError(
                Message(
                    gettext_noop(
                        "'%(name)s' is a spreadsheet of an ODK Central export; upload the CSV "
                        "file that ODK Central downloads instead."
                    ),
                    name=path.name,
                )
            )
        raise _not_recognised(path.name, columns)
    encoding, _note = _choose_encoding(sample, path.name)
    text = _header_text(path, sample, encoding)
    header, _delimiter = _split_first_line(text)
    _refuse_repeat_table(header, path.name)
    flavour = _flavour(header)
    if flavour is None:
        raise _not_recognised(path.name, header)
    return f"{flavour}_csv"


def _strip_uuid(value: str) -> str:
    value = value.strip()
    return value[5:] if value.casefold().startswith("uuid:") else value


@dataclass(frozen=True)
class RepeatAnswers:
    """The answers of one repeat-group column for one submission, each labelled with the
    repeat instance it comes from ("household 2 › member 1"). Never a single value: it feeds
    a multiple-choice or group field, and is refused for a one-value field."""

    column: str
    items: tuple[tuple[str, str], ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for _label, value in self.items)

    def __str__(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True)
class RepeatLink:
    """One repeat row placed under its submission (main sheet ``_index``)."""

    sheet: str
    row_number: int
    submission_index: str
    label: str
    parent_sheet: str
    parent_index: str
    row: dict[str, str]
    #: ``(sheet, position among its siblings, row)`` of each repeat row from the outermost
    #: repeat down to this row (this row last): its place in the submission.
    chain: tuple[tuple[str, int, dict[str, str]], ...] = ()

    @property
    def path(self) -> str:
        """``household[2]/member[1]``: the repeat path and index of this row (1-based)."""
        return "/".join(f"{sheet}[{position}]" for sheet, position, _row in self.chain)


@dataclass
class RepeatLinks:
    """What :meth:`ExportFile.link_repeats` found: rows by submission ``_index``, reasons a
    submission cannot be stored (one of its repeat rows could not be placed), and repeat rows
    that belong to no submission of the file (sheet, row number, reason)."""

    by_submission: dict[str, list[RepeatLink]] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    orphans: list[tuple[str, int, str]] = field(default_factory=list)
    #: ``{(sheet, row number): reason}`` for every repeat row that could not be placed
    #: (whether its submission is known or not), so a repeat row chosen as the unit of a
    #: story is rejected with its reason, never lost.
    unplaced: dict[tuple[str, int], str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportFile:
    """An opened export: its header and how to stream its rows (nothing else is kept in memory).

    ``columns`` are the header names as in the file (made unique if a name repeats), without
    an HXL row; ``hxl_tags`` maps a column to its HXL tag when the file has an HXL row.
    ``notes`` are things the partner should know (an encoding fallback, renamed columns).
    """

    path: Path
    format: str
    columns: list[str]
    key_column: str
    submitted_at_column: str | None
    hxl_tags: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    data_start_row: int = 2
    repeat_sheets: tuple[str, ...] = ()
    main_sheet: str = ""
    #: ODK Central ZIP: the main table's name in the archive, and each repeat table's.
    member: str = ""
    repeat_members: tuple[tuple[str, str], ...] = ()

    # ---- rows

    def iter_rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """``(row_number, {column: text})`` for each submission, streamed one at a time.

        Every value is text ("" for an empty cell); rows with no value at all are skipped.
        Each call reads the file again from the start, so a preview and an import can both
        iterate. A damaged row raises :class:`ExportError` naming the row.
        """
        if self.format == "kobo_xlsx":
            yield from self._iter_sheet(None)
        else:
            yield from self._iter_csv()

    @contextmanager
    def _open_text(self, member: str = ""):
        if not member:
            with self.path.open(encoding=self.encoding, newline="") as handle:
                yield handle
            return
        with zipfile.ZipFile(self.path) as archive, archive.open(member) as raw:
            yield io.TextIOWrapper(raw, encoding=self.encoding or "utf-8-sig", newline="")

    def _iter_csv(
        self, member: str | None = None, columns: list[str] | None = None
    ) -> Iterator[tuple[int, dict[str, str]]]:
        member = self.member if member is None else member
        header_from_file = columns is None and member != self.member
        columns = self.columns if columns is None and not header_from_file else columns
        width = len(columns) if columns is not None else 0
        row_number = 0
        try:
            with self._open_text(member) as handle:
                reader = csv.reader(handle, delimiter=self.delimiter or ",")
                for row_number, cells in enumerate(reader, start=1):
                    if header_from_file and columns is None:
                        columns, _notes = _dedupe(cells)
                        width = len(columns)
                        continue
                    if not header_from_file and row_number < self.data_start_row:
                        continue
                    if not any(cell.strip() for cell in cells):
                        continue
                    if any(len(cell) > MAX_FIELD_CHARS for cell in cells):
                        raise _field_too_long(row_number)
                    if len(cells) > width:
                        if any(cell.strip() for cell in cells[width:]):
                            raise ExportError(
                                f"Row {row_number} has {len(cells)} values but the header has "
                                f"{width} columns; the file may be damaged or was edited by "
                                "hand. Export it again and upload the new file."
                            )
                        cells = cells[:width]
                    elif len(cells) < width:
                        cells = cells + [""] * (width - len(cells))
                    yield row_number, dict(zip(columns, cells, strict=True))
        except UnicodeDecodeError:
            raise ExportError(
                f"The characters after row {row_number} could not be read as {self.encoding}; "
                "the file mixes text encodings. Export it again as CSV (UTF-8)."
            )
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise _field_too_long(row_number + 1)
            raise ExportError(
                f"Row {row_number + 1} could not be read ({error}); the file may be damaged. "
                "Export it again and upload the new file."
            )

    def _iter_sheet(self, sheet_name: str | None) -> Iterator[tuple[int, dict[str, str]]]:
        with _workbook(self.path) as workbook:
            sheet = workbook.worksheets[0] if sheet_name is None else workbook[sheet_name]
            columns: list[str] | None = None if sheet_name is not None else self.columns
            for row_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_xlsx_cell_text(value) for value in values]
                if columns is None:
                    columns, _notes = _dedupe(cells)
                    continue
                if row_number == 1:
                    continue
                if row_number == 2 and _is_hxl_row(cells):
                    continue
                if not any(cell.strip() for cell in cells):
                    continue
                cells = (cells + [""] * len(columns))[: len(columns)]
                yield row_number, dict(zip(columns, cells, strict=True))

    # ---- repeat groups (Kobo XLSX)

    def iter_repeat_rows(self, sheet: str) -> Iterator[tuple[int, dict[str, str]]]:
        """Rows of one repeat-group sheet, streamed; link them with ``_parent_index``."""
        if sheet not in self.repeat_sheets:
            raise ExportError(
                f"This export has no repeat-group sheet {sheet!r}"
                + (f" (it has {', '.join(self.repeat_sheets)})." if self.repeat_sheets else ".")
            )
        if self.format == "odk_zip":
            yield from self._iter_csv(dict(self.repeat_members)[sheet])
            return
        yield from self._iter_sheet(sheet)

    @cached_property
    def repeats(self) -> dict[str, list[dict[str, str]]]:
        """Every repeat-group sheet as a list of rows (repeat sheets are small).

        Each row keeps ``_index`` (its own) and ``_parent_index`` (the ``_index`` of its
        submission in the main sheet); :meth:`repeats_by_parent` groups them.
        """
        return {
            sheet: [row for _number, row in self.iter_repeat_rows(sheet)]
            for sheet in self.repeat_sheets
        }

    def repeats_by_parent(self, sheet: str) -> dict[str, list[dict[str, str]]]:
        """A repeat sheet's rows grouped by ``_parent_index`` (an ``_index`` of the sheet
        named in ``_parent_table_name``: the main sheet, or for a nested repeat another
        repeat sheet). Use :meth:`link_repeats` to attach rows to their submission."""
        grouped: dict[str, list[dict[str, str]]] = {}
        for row in self.repeats.get(sheet, []):
            grouped.setdefault(row.get("_parent_index", ""), []).append(row)
        return grouped

    @cached_property
    def _numbered_repeats(self) -> dict[str, list[tuple[int, dict[str, str]]]]:
        return {sheet: list(self.iter_repeat_rows(sheet)) for sheet in self.repeat_sheets}

    def _sheet_for_table(self, table: str) -> str | None:
        """The sheet holding a ``_parent_table_name`` (Excel cuts sheet names at 31
        characters and replaces []:*?/\\ in them)."""
        if not table or table == self.main_sheet:
            return self.main_sheet
        if table in self.repeat_sheets:
            return table
        cut = re.sub(r"[\[\]:*?/\\]", "_", table)[:31]
        for sheet in (self.main_sheet, *self.repeat_sheets):
            if sheet == cut or re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31] == cut:
                return sheet
        return None

    def link_repeats(self, sheets: Sequence[str] | None = None) -> RepeatLinks:
        """Every row of the repeat sheets (``sheets``, default all) attached to its submission.

        Kobo writes on each repeat row ``_parent_table_name`` and ``_parent_index``: the
        ``_index`` of the parent row *in that table*, which for a nested repeat is another
        repeat sheet. The chain is followed up to the main sheet, and the result checked
        against the row's ``_submission__uuid`` (or ``_submission__id``). A row that cannot be
        placed is never attached to a submission: it is reported with the reason.
        """
        wanted = tuple(self.repeat_sheets if sheets is None else sheets)
        if self.format == "odk_zip":
            return self._link_odk_repeats(wanted)
        numbered = self._numbered_repeats
        by_index = {
            sheet: {row.get("_index", "").strip(): (n, row) for n, row in rows}
            for sheet, rows in numbered.items()
        }
        main_ids: dict[str, tuple[str, str]] = {}
        for _number, row in self.iter_rows():
            index = (row.get("_index") or "").strip()
            if index:
                main_ids[index] = (
                    _strip_uuid(row.get("_uuid") or ""),
                    (row.get("_id") or "").strip(),
                )
        links = RepeatLinks()
        # Each repeat row's place among its siblings (1-based, in sheet order), for labels.
        positions: dict[tuple[str, int], int] = {}
        for sheet, rows in numbered.items():
            counts: dict[tuple[str, str], int] = {}
            for _n, row in rows:
                parent = (
                    (row.get("_parent_table_name") or "").strip(),
                    (row.get("_parent_index") or "").strip(),
                )
                counts[parent] = counts.get(parent, 0) + 1
                positions[(sheet, id(row))] = counts[parent]
        for sheet in wanted:
            for number, row in numbered.get(sheet, []):
                where = f"sheet '{sheet}' row {number}"
                chain: list[tuple[str, dict[str, str]]] = [(sheet, row)]
                problem = None
                current_sheet, current = sheet, row
                for _depth in range(len(self.repeat_sheets) + 1):
                    table = (current.get("_parent_table_name") or "").strip()
                    parent_index = (current.get("_parent_index") or "").strip()
                    parent_sheet = self._sheet_for_table(table)
                    if not parent_index:
                        problem = f"{where} has no _parent_index"
                        break
                    if parent_sheet is None:
                        problem = (
                            f"{where} names the parent table '{table}', which is not a sheet "
                            "of this workbook"
                        )
                        break
                    if parent_sheet == self.main_sheet:
                        break
                    found = by_index.get(parent_sheet, {}).get(parent_index)
                    if found is None:
                        problem = (
                            f"{where} points to row _index {parent_index} of sheet "
                            f"'{parent_sheet}', which does not exist"
                        )
                        break
                    current_sheet, current = parent_sheet, found[1]
                    chain.append((current_sheet, current))
                else:
                    problem = f"{where}: its parent rows form a loop"
                submission_uuid = _strip_uuid(row.get("_submission__uuid") or "")
                submission_id = (row.get("_submission__id") or "").strip()
                root = parent_index if problem is None else ""
                if problem is None and root not in main_ids:
                    problem = (
                        f"{where} points to row _index {root} of the main sheet, which does "
                        "not exist"
                    )
                if problem is None:
                    main_uuid, main_id = main_ids[root]
                    if (submission_uuid and main_uuid and submission_uuid != main_uuid) or (
                        submission_id and main_id and submission_id != main_id
                    ):
                        problem = (
                            f"{where} is linked through _parent_index to submission "
                            f"{main_uuid or main_id} but belongs to submission "
                            f"{submission_uuid or submission_id} (_submission__uuid)"
                        )
                if problem is not None:
                    owner = next(
                        (
                            index
                            for index, (uuid_, id_) in main_ids.items()
                            if (submission_uuid and uuid_ == submission_uuid)
                            or (not submission_uuid and submission_id and id_ == submission_id)
                        ),
                        None,
                    )
                    reason = problem + "; it was not attached to any submission"
                    links.unplaced[(sheet, number)] = reason
                    if owner is not None:
                        links.reasons.setdefault(owner, []).append(reason)
                    else:
                        links.orphans.append((sheet, number, reason))
                    continue
                labels = [
                    f"{level_sheet} {positions.get((level_sheet, id(level_row)), '?')}"
                    for level_sheet, level_row in reversed(chain)
                ]
                link = RepeatLink(
                    sheet=sheet,
                    row_number=number,
                    submission_index=root,
                    label=" › ".join(labels),
                    parent_sheet=chain[1][0] if len(chain) > 1 else self.main_sheet,
                    parent_index=(row.get("_parent_index") or "").strip(),
                    row=row,
                    chain=tuple(
                        (level_sheet, positions.get((level_sheet, id(level_row)), 0), level_row)
                        for level_sheet, level_row in reversed(chain)
                    ),
                )
                links.by_submission.setdefault(root, []).append(link)
        return links

    def _link_odk_repeats(self, wanted: Sequence[str]) -> RepeatLinks:
        """ODK Central: each repeat row's ``PARENT_KEY`` is the ``KEY`` of its parent row (the
        main table's, or for a nested repeat another repeat table's); the submission is the
        ``KEY`` before its first "/"."""
        numbered = self._numbered_repeats
        by_key = {
            (row.get("KEY") or "").strip(): (sheet, row)
            for sheet, rows in numbered.items()
            for _n, row in rows
        }
        main_keys = {
            (row.get("KEY") or "").strip(): (row.get("KEY") or "").strip()
            for _n, row in self.iter_rows()
        }
        positions: dict[int, int] = {}
        for rows in numbered.values():
            counts: dict[str, int] = {}
            for _n, row in rows:
                parent = (row.get("PARENT_KEY") or "").strip()
                counts[parent] = counts.get(parent, 0) + 1
                positions[id(row)] = counts[parent]
        links = RepeatLinks()
        for sheet in wanted:
            for number, row in numbered.get(sheet, []):
                where = f"table '{sheet}' row {number}"
                chain = [(sheet, row)]
                current, problem = row, None
                for _depth in range(len(self.repeat_sheets) + 1):
                    parent_key = (current.get("PARENT_KEY") or "").strip()
                    if not parent_key:
                        problem = f"{where} has no PARENT_KEY"
                        break
                    if parent_key in main_keys:
                        break
                    if parent_key not in by_key:
                        problem = f"{where} points to PARENT_KEY {parent_key}, found in no table"
                        break
                    current = by_key[parent_key][1]
                    chain.append(by_key[parent_key])
                else:
                    problem = f"{where}: its parent rows form a loop"
                own_key = (row.get("KEY") or "").strip()
                submission = own_key.split("/", 1)[0]
                root = (current.get("PARENT_KEY") or "").strip() if problem is None else ""
                if problem is None and submission and submission != root:
                    problem = (
                        f"{where} is linked through PARENT_KEY to submission {root} but its "
                        f"KEY {own_key} belongs to submission {submission}"
                    )
                if problem is not None:
                    reason = problem + "; it was not attached to any submission"
                    links.unplaced[(sheet, number)] = reason
                    if submission in main_keys:
                        links.reasons.setdefault(submission, []).append(reason)
                    else:
                        links.orphans.append((sheet, number, reason))
                    continue
                links.by_submission.setdefault(root, []).append(
                    RepeatLink(
                        sheet=sheet,
                        row_number=number,
                        submission_index=root,
                        label=" › ".join(
                            f"{level} {positions.get(id(level_row), '?')}"
                            for level, level_row in reversed(chain)
                        ),
                        parent_sheet=chain[1][0] if len(chain) > 1 else self.main_sheet,
                        parent_index=(row.get("PARENT_KEY") or "").strip(),
                        row=row,
                        chain=tuple(
                            (level, positions.get(id(level_row), 0), level_row)
                            for level, level_row in reversed(chain)
                        ),
                    )
                )
        return links

    def submission_link_key(self, row: Mapping[str, str]) -> str:
        """The value a main-table row is found by in :class:`RepeatLinks`."""
        column = "KEY" if self.format == "odk_zip" else "_index"
        return (row.get(column) or "").strip()

    def repeat_answers(self, links: RepeatLinks) -> dict[str, dict[str, RepeatAnswers]]:
        """``{main _index: {"<sheet>/<column>": RepeatAnswers}}`` from :meth:`link_repeats`."""
        out: dict[str, dict[str, RepeatAnswers]] = {}
        for index, rows in links.by_submission.items():
            collected: dict[str, list[tuple[str, str]]] = {}
            for link in rows:
                for column, value in link.row.items():
                    if (
                        column.startswith("_")
                        or column in _METADATA_COLUMNS
                        or not str(value).strip()
                    ):
                        continue
                    collected.setdefault(f"{link.sheet}/{column}", []).append(
                        (link.label, str(value).strip())
                    )
            out[index] = {
                column: RepeatAnswers(column=column, items=tuple(items))
                for column, items in collected.items()
            }
        return out

    # ---- a repeat group as the unit of a story

    def repeat_row_counts(self) -> dict[str, int]:
        """``{repeat sheet: number of rows}``, for the "unit of a story" choice."""
        return {sheet: len(rows) for sheet, rows in self._numbered_repeats.items()}

    def unit_rows(self, unit: str, attach: Sequence[str] = ()) -> Iterator[UnitRow]:
        """Each row of the repeat sheet ``unit`` as one story, in sheet order.

        A story's row holds the main sheet's columns as they are, the columns of every
        enclosing repeat row and of the unit row itself as single values named
        ``<sheet>/<column>`` (the names :meth:`repeat_answers` uses), and for each other
        sheet in ``attach`` a labelled list (:class:`RepeatAnswers`) of its rows: only the
        rows under this unit row when the sheet is nested in the unit, else all the
        submission's. A unit row that cannot be placed under a submission is yielded with its
        reason and no values; a submission whose attached rows could not be placed gives each
        of its stories that reason. No row of the unit sheet is left out.
        """
        if unit not in self.repeat_sheets:
            raise ExportError(
                f"This export has no repeat group {unit!r}"
                + (f" (it has {', '.join(self.repeat_sheets)})." if self.repeat_sheets else ".")
            )
        own = self.link_repeats([unit])
        others = [sheet for sheet in attach if sheet != unit and sheet in self.repeat_sheets]
        attached = self.link_repeats(others) if others else RepeatLinks()
        main: dict[str, dict[str, str]] = {}
        for _number, row in self.iter_rows():
            main.setdefault(self.submission_link_key(row), row)
        placed = {link.row_number: link for links in own.by_submission.values() for link in links}
        for number, _row in self._numbered_repeats.get(unit, []):
            link = placed.get(number)
            if link is None:
                reason = own.unplaced.get((unit, number), "the row could not be placed")
                yield UnitRow(unit, number, {}, (reason,), "", "")
                continue
            values: dict[str, Any] = dict(main[link.submission_index])
            for level_sheet, _position, level_row in link.chain:
                for column, value in level_row.items():
                    if not column.startswith("_") and column not in _METADATA_COLUMNS:
                        values[f"{level_sheet}/{column}"] = value
            unit_row = link.chain[-1][2] if link.chain else link.row
            ancestors = {level_sheet for level_sheet, _p, _r in link.chain}
            collected: dict[str, list[tuple[str, str]]] = {}
            for other in attached.by_submission.get(link.submission_index, []):
                if other.sheet in ancestors:
                    continue
                in_unit = [r for s, _p, r in other.chain if s == unit]
                if in_unit and in_unit[0] is not unit_row:
                    continue  # nested under another story of the same submission
                for column, value in other.row.items():
                    if column.startswith("_") or column in _METADATA_COLUMNS:
                        continue
                    if str(value).strip():
                        collected.setdefault(f"{other.sheet}/{column}", []).append(
                            (other.label, str(value).strip())
                        )
            values |= {
                column: RepeatAnswers(column=column, items=tuple(items))
                for column, items in collected.items()
            }
            yield UnitRow(
                unit,
                number,
                values,
                tuple(attached.reasons.get(link.submission_index, ())),
                link.path,
                link.submission_index,
            )


@dataclass(frozen=True)
class UnitRow:
    """One repeat row taken as a story (:meth:`ExportFile.unit_rows`): its sheet and row
    number, the values it can be mapped from, the reasons it cannot be stored whatever the
    mapping (empty when it can), its repeat ``path`` (``household[2]/member[1]``) and the
    link key of its submission's main row."""

    sheet: str
    row_number: int
    values: dict[str, Any]
    reasons: tuple[str, ...]
    path: str
    submission_index: str


def unit_key(submission_key: str, path: str, *, max_length: int = 100) -> str:
    """A story's key when a repeat group is the unit: the submission's key, then the repeat
    path and index (``uuid/household[2]/member[1]``); the submission's key otherwise. A key
    longer than ``max_length`` (deeply nested groups with long names) ends with a digest of
    the path instead, so it stays unique and the same on every re-import."""
    if not path:
        return submission_key
    key = f"{submission_key}/{path}"
    if len(key) <= max_length:
        return key
    digest = hashlib.sha256(path.encode()).hexdigest()[:24]
    return f"{submission_key[: max_length - len(digest) - 2]}/#{digest}"


def open_export(path: str | Path, *, fmt: str | None = None) -> ExportFile:
    """Open an export and read its header; rows are streamed later by ``iter_rows()``.

    ``fmt`` skips detection (one of :data:`EXPORT_FORMATS`). Raises :class:`ExportError` when
    the file is not a recognisable export or has no submission-id column to de-duplicate on.
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}; expected one of {EXPORT_FORMATS}.")
    flavour = "kobo" if fmt.startswith("kobo") else "odk"
    notes: list[str] = []
    hxl: dict[str, str] = {}
    member, repeat_members = "", ()
    if fmt == "odk_zip":
        member, repeat_members = _odk_zip_tables(path)
        with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
            sample = handle.read(_SNIFF_BYTES)
        encoding, note = _choose_encoding(sample, f"{member} in {path.name}")
        if note:
            notes.append(note)
        text = sample.decode(encoding, errors="replace")
        header, delimiter = _split_first_line(text)
        try:
            reader = csv.reader(text.splitlines(), delimiter=delimiter)
            next(reader, None)
            second = next(reader, [])
        except csv.Error:
            second = []
        repeat_sheets = tuple(name for name, _m in repeat_members)
        main_sheet = Path(member).stem
    elif fmt == "kobo_xlsx":
        with _workbook(path) as workbook:
            sheets = workbook.worksheets
            if not sheets:
                raise ExportError(f"The workbook {path.name!r} has no sheets.")
            rows = sheets[0].iter_rows(max_row=2, values_only=True)
            header = [_xlsx_cell_text(value) for value in next(rows, ())]
            second = [_xlsx_cell_text(value) for value in next(rows, ())]
            repeat_sheets = tuple(sheet.title for sheet in sheets[1:])
            main_sheet = sheets[0].title
        encoding = delimiter = None
    else:
        sample = _sniff_bytes(path)
        encoding, note = _choose_encoding(sample, path.name)
        if note:
            notes.append(note)
        text = _header_text(path, sample, encoding)
        header, delimiter = _split_first_line(text)
        _refuse_repeat_table(header, path.name)
        try:
            reader = csv.reader(text.splitlines(), delimiter=delimiter)
            next(reader, None)
            second = next(reader, [])
        except csv.Error:
            second = []
        repeat_sheets = ()
        main_sheet = ""
    if len(header) > MAX_COLUMNS:
        raise ExportError(
            f"{path.name!r} has {len(header):,} columns; at most {MAX_COLUMNS:,} are accepted. "
            "Export it again without the columns you do not need (in KoboToolbox: Data > "
            "Downloads > Advanced options > Select questions to be exported)."
        )
    columns, rename_notes = _dedupe(header)
    notes.extend(rename_notes)
    data_start_row = 2
    if _is_hxl_row(second):
        hxl = {
            column: tag.strip()
            for column, tag in zip(columns, second, strict=False)
            if tag and tag.strip()
        }
        data_start_row = 3
    key_choices = _KOBO_KEYS if flavour == "kobo" else _ODK_KEYS
    key_column = next((name for name in key_choices if name in columns), None)
    if key_column is None:
        if _flavour(columns) is None:
            raise _not_recognised(path.name)
        raise ExportError(
            Message(
                gettext_noop(
                    "'%(name)s' has no submission id column (%(columns)s), so re-uploads could "
                    "not be recognised. Export it again with all metadata columns."
                ),
                name=path.name,
                columns=" or ".join(key_choices),
            )
        )
    submitted_at = _SUBMITTED_AT[flavour]
    return ExportFile(
        path=path,
        format=fmt,
        columns=columns,
        key_column=key_column,
        submitted_at_column=submitted_at if submitted_at in columns else None,
        hxl_tags=hxl,
        notes=tuple(notes),
        encoding=encoding,
        delimiter=delimiter,
        data_start_row=data_start_row,
        repeat_sheets=repeat_sheets,
        main_sheet=main_sheet,
        member=member,
        repeat_members=repeat_members,
    )


# --------------------------------------------------------------------------------------------
# Fields and mapping


@dataclass(frozen=True)
class FieldSpec:
    """One field of an instrument that an upload's columns can feed.

    ``options`` are the allowed values of a choice (for ``groups``: the group labels, with
    "none" and "prefer_not_to_say"; for ``consent_uses``: e.g. analysis, quotation,
    publication); empty means any value is accepted. ``columns`` is 3 for a triad (one column
    per corner, in corner order a, b, c). ``minimum`` and ``scale`` are the bottom and top of
    a dyad's slider in the file (0 and 100 for a 0–100 slider, 0 and 1 when the file holds
    proportions, 1 and 10 for a 1–10 scale); a mapping states them as ``"<key>:scale"``
    (see :func:`parse_scale`), which overrides the spec. The kinds ``story`` and
    ``consent`` are always required, whatever ``required`` says.
    """

    key: str
    kind: str
    required: bool = False
    options: tuple[str, ...] = ()
    columns: int = 1
    scale: float = 100
    #: The bottom of a dyad's slider in the file (1 for a 1–10 slider).
    minimum: float = 0
    #: ``(label, option)`` pairs: each choice's label in every campaign language, so a Kobo
    #: export "with labels" ("No / Inseguro") is matched to the choice it stands for.
    labels: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"Unknown field kind {self.kind!r}; expected one of {FIELD_KINDS}.")
        if self.kind == "triad" and self.columns != 3:
            raise ValueError(f"The triad {self.key!r} needs columns=3, got {self.columns}.")

    @property
    def is_required(self) -> bool:
        return self.required or self.kind in ("story", "consent")


def _bare(column: str) -> str:
    """A column name without its group path ("grp/sub/question" or "grp-question")."""
    name = column.rsplit("/", 1)[-1]
    if "/" not in column and "-" in name and not name.startswith("meta"):
        name = name.rsplit("-", 1)[-1]
    return name


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-/.]+", "_", text.strip().casefold()).strip("_")


def _choice_columns(columns: Sequence[str]) -> set[str]:
    """Kobo ``question/choice`` (or ODK ``question-choice``) 1/0 columns of a select-multiple."""
    present = set(columns)
    found = set()
    for column in columns:
        for separator in ("/", "-"):
            if separator in column and column.rsplit(separator, 1)[0] in present:
                found.add(column)
    return found


def _similarity(key: str, column: str) -> float:
    target = _norm(key)
    best = 0.0
    bare = _norm(_bare(column))
    for candidate in (bare, _norm(column)):
        if not candidate:
            continue
        if candidate == target:
            return 1.0
        score = difflib.SequenceMatcher(None, target, candidate).ratio()
        # One name inside the other counts only when the shorter one is a word of its own
        # length (Kobo's "end" column is not "gender").
        shorter = min(len(target), len(candidate))
        if candidate == bare and shorter >= 4 and (target in candidate or candidate in target):
            score = max(score, 0.85)
        best = max(best, score)
    return best


#: How many first non-empty values of a column :func:`suggest_mapping` looks at.
SAMPLE_SIZE = 50
#: Share of a column's sample values that must fit a field's kind.
_FIT_SHARE = 0.8
_SEX_WORDS = frozenset(
    {
        "m", "f", "male", "female", "man", "woman", "men", "women", "boy", "girl", "other",
        "intersex", "non_binary", "nonbinary", "non-binary", "prefer_not_to_say",
        "prefer_not", "prefer not to say", "homme", "femme", "masculin", "féminin", "autre",
        "hombre", "mujer", "masculino", "femenino", "otro", "h",
    }
)  # fmt: skip
_AGE_BAND = re.compile(
    r"^\s*(?:\d{1,3}\s*(?:-|–|to|à|a)\s*\d{1,3}|\d{1,3}\s*\+|<\s*\d{1,3}|\d{1,3})\s*$"
)
_TIMESTAMP = re.compile(r"^\s*\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}.*)?\s*$")
_LETTER = re.compile(r"[^\W\d_]")


def _is_number(text: str) -> bool:
    try:
        _parse_number(text.strip())
    except ValueError:
        return False
    return True


def _is_date(text: str) -> bool:
    if _TIMESTAMP.match(text):
        return True
    try:
        _parse_date(text.strip())
    except ValueError:
        return False
    return True


def _value_fits(spec: FieldSpec, value: str) -> bool:
    """Whether one sample value could be an answer to a field of this kind."""
    kind, text = spec.kind, value.strip()
    folded = _fold(text)
    if kind == "date":
        return _is_date(text)
    if _TIMESTAMP.match(text):
        return False  # Kobo's start/end/today feed nothing but a date
    if kind == "consent":
        return folded in CONSENT_YES or folded in CONSENT_NO
    if kind in ("story", "title", "text"):
        return bool(_LETTER.search(text)) and not _is_number(text)
    if kind in ("dyad", "number"):
        if not _is_number(text):
            return False
        return kind == "number" or 0 <= _parse_number(text) <= 100
    if kind == "location" and _GEOPOINT.match(text):
        return False
    if spec.options or spec.labels:
        if _lookup_option(text, spec) is not None:
            return True
        if kind in ("multiple", "groups", "consent_uses"):
            parts = _WHITESPACE.split(text)
            return all(_lookup_option(part, spec) is not None for part in parts)
        if kind not in ("sex", "age_band"):
            return False
    if kind == "sex":
        return folded in _SEX_WORDS
    if kind == "age_band":
        return bool(_AGE_BAND.match(text))
    if kind == "language":
        return bool(re.fullmatch(r"[a-z]{2,3}(?:[-_][a-z]{2,4})?", folded)) or bool(
            _LETTER.search(text)
        )
    # A choice field with no known options, a location, a wg answer: any word.
    return bool(_LETTER.search(text)) or kind in ("single", "wg", "multiple", "groups")


def fits_kind(spec: FieldSpec, values: Sequence[str]) -> bool:
    """Whether a column's sample values fit a field: at least 80 % of the non-empty values
    are answers of its kind (see :func:`suggest_mapping`). No values: nothing is known, so
    the column is judged by its name alone."""
    sample = [str(v) for v in values if str(v).strip()][:SAMPLE_SIZE]
    if not sample:
        return True
    fitting = sum(1 for value in sample if _value_fits(spec, value))
    return fitting >= _FIT_SHARE * len(sample)


def suggest_mapping(
    columns: Sequence[str],
    fields: Sequence[FieldSpec],
    *,
    cutoff: float = 0.75,
    samples: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[str]]:
    """A proposed ``{field key: [column, …]}`` from name similarity, for the partner to check.

    Names are compared without group paths (``group/`` and ``group-``), case-insensitively,
    with :class:`difflib.SequenceMatcher`; a few common names per kind are tried too (e.g.
    "gender" for ``sex``, "histoire" for ``story``). Each column is used at most once, the best
    matches first; metadata columns and select-multiple ``question/choice`` columns are never
    proposed for a one-column field. A triad gets the three columns whose names start with its
    key (or match its three ``options``, the corner names), in file order. For a choice field
    ``k`` a column named like ``k_other`` is proposed as ``"k_other"`` (the "other" text).
    Fields with no good match are left out.

    ``samples`` (``{column: [first non-empty values]}``, about :data:`SAMPLE_SIZE` each)
    make a column a candidate for a field only when its values fit the field's kind
    (:func:`fits_kind`): sex/gender words or the field's choices for ``sex``, numbers in
    0–100 for a dyad, dates for a date, yes/no for consent, text with letters (not numbers,
    not timestamps) for the story, the instrument's choice names or labels for a choice.
    A timestamp (Kobo's ``start``/``end``/``today``) fits only a date. A column without
    samples is judged by its name alone.
    """
    samples = samples or {}

    def fits(spec: FieldSpec, column: str) -> bool:
        return fits_kind(spec, samples.get(column, ()))

    choice_columns = _choice_columns(columns)
    candidates = [
        column
        for column in columns
        if column not in _METADATA_COLUMNS
        and not column.startswith(("meta/", "meta-"))
        and column not in choice_columns
    ]
    scored: list[tuple[float, int, str, str]] = []
    mapping: dict[str, list[str]] = {}
    used: set[str] = set()
    for spec in fields:
        if spec.kind not in ("multiple", "groups", "consent_uses") or any(
            _norm(_bare(column)) == _norm(spec.key) for column in candidates
        ):
            continue
        # Only the 1/0 columns were exported ("question/choice" without a "question" column).
        split = [
            column
            for column in columns
            if column not in used
            and any(
                separator in column
                and _norm(_bare(column.rsplit(separator, 1)[0])) == _norm(spec.key)
                for separator in ("/", "-")
            )
        ]
        if split:
            mapping[spec.key] = split
            used.update(split)
    for order, spec in enumerate(fields):
        if spec.kind == "triad":
            triad = _suggest_triad(spec, [c for c in columns if c not in _METADATA_COLUMNS])
            if triad:
                mapping[spec.key] = triad
                used.update(triad)
            continue
        targets = [(spec.key, 1.0)] + [
            (synonym, 0.95) for synonym in _KIND_SYNONYMS.get(spec.kind, ())
        ]
        for column in candidates if spec.key not in mapping else ():
            if column in used or not fits(spec, column):
                continue
            score = max(weight * _similarity(target, column) for target, weight in targets)
            if score >= cutoff:
                scored.append((score, -order, spec.key, column))
        if spec.kind in ("single", "multiple", "groups", "sex", "age_band", "language"):
            other_key = f"{spec.key}_other"
            for column in candidates:
                score = _similarity(other_key, column)
                if score >= max(cutoff, 0.9):
                    scored.append((score, -order, other_key, column))
    for _score, _order, key, column in sorted(scored, key=lambda item: (-item[0], -item[1])):
        if key in mapping or column in used:
            continue
        mapping[key] = [column]
        used.add(column)
    ordered_keys = [spec.key for spec in fields] + [f"{spec.key}_other" for spec in fields]
    return {key: mapping[key] for key in ordered_keys if key in mapping}


def _suggest_triad(spec: FieldSpec, columns: Sequence[str]) -> list[str]:
    prefix = _norm(spec.key)
    starting = [
        column
        for column in columns
        if _norm(column).startswith(prefix + "_") or _norm(_bare(column)).startswith(prefix + "_")
    ]
    if len(starting) == 3:
        return starting
    if len(spec.options) == 3:
        picked = []
        pool = starting or list(columns)
        for option in spec.options:
            best = max(pool, key=lambda column: _similarity(option, column), default=None)
            if best is None or _similarity(option, best) < 0.75 or best in picked:
                return []
            picked.append(best)
        return picked
    return starting[:3] if len(starting) > 3 else []


#: The dyad scales offered in the mapping form; any "min-max" is accepted too.
DYAD_SCALES: tuple[str, ...] = ("0-1", "0-100", "1-10")
SCALE_SUFFIX = ":scale"
#: The mapping entry naming the repeat group whose rows are the stories (absent or empty:
#: each submission is a story).
UNIT_KEY = ":unit"
_SCALE_RE = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(?:-|–|to|\.\.|/)\s*(-?\d+(?:[.,]\d+)?)\s*$")


def parse_scale(text: str) -> tuple[float, float]:
    """``"1-10"`` → ``(1.0, 10.0)``; ``"0–100"``, ``"0..1"``, ``"2 to 7"`` too. Raises
    :class:`ValueError` for anything else or when the bottom is not below the top."""
    match = _SCALE_RE.match(text or "")
    if not match:
        raise ValueError(
            Message(
                gettext_noop("'%(scale)s' is not a scale such as 0-1, 0-100, 1-10 or min-max"),
                scale=text,
            )
        )
    low, high = (float(part.replace(",", ".")) for part in match.groups())
    if not low < high:
        raise ValueError(
            Message(
                gettext_noop("the scale '%(scale)s' must go from a lower to a higher number"),
                scale=text,
            )
        )
    return low, high


def _scale_of(mapping: Mapping[str, Sequence[str]], spec: FieldSpec) -> tuple[float, float]:
    stated = [text for text in mapping.get(spec.key + SCALE_SUFFIX, ()) if text]
    if stated:
        return parse_scale(stated[0])
    return spec.minimum, spec.scale


def validate_mapping(
    mapping: Mapping[str, Sequence[str]],
    fields: Sequence[FieldSpec],
    columns: Sequence[str] | None = None,
    *,
    units: Sequence[str] | None = None,
) -> list[str]:
    """Problems with a mapping as a whole, for the mapping form (empty list when it is fine).

    Checks that required fields (always the story and the consent) are mapped, that a triad
    has three columns and other one-column fields one, that mapped columns exist and (given
    the file's repeat groups as ``units``) that the unit of a story is one of them.
    """
    problems: list[str] = []
    present = set(columns) if columns is not None else None
    unit = next((text for text in mapping.get(UNIT_KEY, ()) if text), "")
    if unit and units is not None and unit not in units:
        problems.append(
            Message(
                gettext_noop(
                    "the unit of a story '%(unit)s' is not a repeat group of this file (it has "
                    "%(units)s)"
                ),
                unit=unit,
                units=", ".join(units),
            )
            if units
            else Message(
                gettext_noop(
                    "the unit of a story '%(unit)s' is not a repeat group of this file (it has "
                    "none)"
                ),
                unit=unit,
            )
        )
    for spec in fields:
        mapped = list(mapping.get(spec.key, ()))
        if not mapped:
            if spec.is_required:
                problems.append(
                    Message(
                        gettext_noop("required field '%(field)s' is not mapped to a column"),
                        field=spec.key,
                    )
                )
            continue
        if spec.kind == "triad" and len(mapped) != 3:
            problems.append(
                Message(
                    gettext_noop(
                        "triad '%(field)s' needs three columns (one per corner), got %(count)s"
                    ),
                    field=spec.key,
                    count=len(mapped),
                )
            )
        elif spec.kind not in ("triad", "multiple", "groups", "consent_uses") and len(mapped) > 1:
            problems.append(
                Message(
                    gettext_noop("field '%(field)s' takes one column, got %(count)s"),
                    field=spec.key,
                    count=len(mapped),
                )
            )
        if spec.kind == "dyad":
            stated = [text for text in mapping.get(spec.key + SCALE_SUFFIX, ()) if text]
            if not stated:
                problems.append(
                    Message(
                        gettext_noop(
                            "State the scale of the dyad '%(field)s' in the file (0-1, 0-100, "
                            "1-10 or min-max): its values are not divided by a guess"
                        ),
                        field=spec.key,
                    )
                )
            else:
                try:
                    parse_scale(stated[0])
                except ValueError as error:
                    problems.append(
                        Message(
                            gettext_noop("dyad '%(field)s': %(problem)s"),
                            field=spec.key,
                            problem=error.args[0],
                        )
                    )
        if present is not None:
            for column in mapped:
                if column not in present:
                    problems.append(
                        Message(
                            gettext_noop("column '%(column)s' for '%(field)s' is not in the file"),
                            column=column,
                            field=spec.key,
                        )
                    )
    return problems


# --------------------------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class NormalisedRow:
    """A row ready to store: ``values`` has every field key (``None`` when unanswered).

    Value types by kind: text/title/story/language/single/sex/age_band/wg/location → ``str``;
    consent → ``True``; consent_uses/multiple/groups → ``tuple[str, ...]``; date →
    :class:`datetime.date`; triad → three proportions summing to 1; dyad → ``float`` in 0..1;
    number → ``int`` or ``float``. The "other" free text of a choice field ``k``, when mapped as
    ``"k_other"``, is in ``values["k_other"]``.
    """

    row_number: int
    key: str
    submitted_at: dt.datetime | None
    values: dict[str, Any]
    #: The source submission's key when the story is a repeat row (``key`` then adds the
    #: repeat path); empty when the story is the submission itself.
    submission: str = ""


@dataclass(frozen=True)
class RowProblem:
    """A row that cannot be stored, with every reason (each one a person can act on)."""

    row_number: int
    key: str
    reasons: tuple[str, ...]


def parse_submission_time(value: str | dt.datetime | None) -> dt.datetime | None:
    """A submission timestamp as an aware UTC datetime; ``None`` for an empty value.

    Kobo's ``_submission_time`` ("2024-03-05T10:15:32", no zone) is UTC; ODK Central's
    ``SubmissionDate`` carries "Z" or an offset ("2024-03-05T10:15:32.123Z"). Raises
    :class:`ValueError` for text that is not an ISO 8601 date-time.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
        except ValueError:
            raise ValueError(
                Message(gettext_noop("unparseable submission time '%(value)s'"), value=text)
            )
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


def _parse_date(text: str) -> dt.date:
    """ISO dates (also the date part of a date-time) or day-first D/M/YYYY, D.M.YYYY, D-M-YYYY.

    Day-first is the order used in almost every country the portal serves; a month-first
    American date with a day above 12 fails as "unparseable" rather than being misread.
    """
    try:
        if len(text) > 10 and text[4] == "-":
            return dt.datetime.fromisoformat(text).date()
        return dt.date.fromisoformat(text)
    except (ValueError, IndexError):
        pass
    match = _DAY_FIRST.fullmatch(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return dt.date(year, month, day)  # ValueError for 31/02/2024
    raise ValueError(text)


def _parse_number(text: str) -> float:
    number = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else None
    if number is None:
        number = float(text)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(text)
    return number


def _options_text(options: Sequence[str]) -> str:
    shown = ", ".join(options[:12])
    return shown + (", …" if len(options) > 12 else "")


def _cell(row: Mapping[str, Any], column: str, spec: FieldSpec, reasons: list[str]) -> str:
    """The text of one cell for a one-value field; a repeat group's list is refused."""
    value = row.get(column)
    if isinstance(value, RepeatAnswers):
        if value:
            shown = str(value)
            params = {
                "column": column,
                "count": len(value.items),
                "answers": shown[:200] + ("…" if len(shown) > 200 else ""),
                "field": spec.key,
            }
            reasons.append(
                Message(
                    gettext_noop(
                        "'%(column)s' holds %(count)s answer of a repeat group (%(answers)s); a "
                        "list cannot feed the one-value field '%(field)s'. Map it to a "
                        "multiple-choice field or leave it unmapped"
                    ),
                    **params,
                )
                if len(value.items) == 1
                else Message(
                    gettext_noop(
                        "'%(column)s' holds %(count)s answers of a repeat group (%(answers)s); a "
                        "list cannot feed the one-value field '%(field)s'. Map it to a "
                        "multiple-choice field or leave it unmapped"
                    ),
                    **params,
                )
            )
        return ""
    return (value or "").strip()


def _fold(text: str) -> str:
    return _WHITESPACE.sub(" ", text.strip()).casefold()


def _lookup_option(value: str, spec: FieldSpec) -> str | None:
    """The option a name or a label (any campaign language) stands for, or None."""
    folded = _fold(value)
    for option in spec.options:
        if _fold(option) == folded:
            return option
    for label, option in spec.labels:
        if _fold(label) == folded:
            return option
    return None


def _split_choices(text: str, spec: FieldSpec, reasons: list[str]) -> list[str] | None:
    """A select-multiple cell as its choices: the whole cell when it is one label ("No /
    Inseguro"), else the longest known names or labels from left to right, else the
    space-separated names as Kobo writes them."""
    whole = _lookup_option(text, spec) if spec.options else None
    if whole is not None:
        return [whole]
    tokens = text.split()
    if not spec.options or not spec.labels:
        return tokens
    out: list[str] = []
    start = 0
    while start < len(tokens):
        for end in range(len(tokens), start, -1):
            found = _lookup_option(" ".join(tokens[start:end]), spec)
            if found is not None:
                out.append(found)
                start = end
                break
        else:
            return tokens  # unknown words: reported choice by choice below
    return out


def _match_option(value: str, spec: FieldSpec, reasons: list[str]) -> str | None:
    """The canonical spelling of a choice, or ``None`` with a reason when it is not allowed."""
    if not spec.options:
        return value
    found = _lookup_option(value, spec)
    if found is not None:
        return found
    reasons.append(
        Message(
            gettext_noop("unknown choice '%(value)s' for '%(field)s' (allowed: %(allowed)s)"),
            value=value,
            field=spec.key,
            allowed=_options_text(spec.options),
        )
    )
    return None


def _choice_name(column: str, spec: FieldSpec) -> str:
    """The choice a ``question/choice`` column stands for."""
    for option in spec.options:
        if column.endswith(("/" + option, "-" + option)):
            return option
    return column.rsplit("/", 1)[-1] if "/" in column else column.rsplit("-", 1)[-1]


def _multiple(row: Mapping[str, str], spec: FieldSpec, mapped: Sequence[str], reasons: list[str]):
    if len(mapped) == 1 and isinstance(row.get(mapped[0]), RepeatAnswers):
        answers = row[mapped[0]]
        if not answers:
            return None
        raw = [part for value in answers.values for part in _split_choices(value, spec, reasons)]
    elif len(mapped) > 1:
        chosen: list[str] = []
        answered = False
        for column in mapped:
            cell = _cell(row, column, spec, reasons)
            if not cell:
                continue
            answered = True
            if cell in ("1", "1.0", "true", "True", "TRUE"):
                chosen.append(_choice_name(column, spec))
            elif cell not in ("0", "0.0", "false", "False", "FALSE"):
                reasons.append(
                    Message(
                        gettext_noop(
                            "'%(column)s' should be 1 or 0 for '%(field)s', got '%(value)s'"
                        ),
                        column=column,
                        field=spec.key,
                        value=cell,
                    )
                )
        if not answered:
            return None
        raw = chosen
    else:
        text = _cell(row, mapped[0], spec, reasons)
        if not text:
            return None
        raw = _split_choices(text, spec, reasons)
    result: list[str] = []
    for value in raw:
        option = _match_option(value, spec, reasons)
        if option is not None and option not in result:
            result.append(option)
    return tuple(result)


def _triad(row: Mapping[str, str], spec: FieldSpec, mapped: Sequence[str], reasons: list[str]):
    if len(mapped) != 3:
        raise ValueError(
            f"triad '{spec.key}' needs three columns (one per corner), got {len(mapped)}; "
            "check the mapping with validate_mapping()."
        )
    cells = [_cell(row, column, spec, reasons) for column in mapped]
    if not any(cells):
        return None  # not applicable / not answered
    weights: list[float] = []
    for column, cell in zip(mapped, cells, strict=True):
        if not cell:
            weights.append(0.0)  # an untouched slider of the three
            continue
        try:
            number = _parse_number(cell)
        except ValueError:
            reasons.append(
                Message(
                    gettext_noop(
                        "triad '%(field)s' value '%(value)s' in '%(column)s' is not a number"
                    ),
                    field=spec.key,
                    value=cell,
                    column=column,
                )
            )
            return None
        if number < 0 or number > 100:
            reasons.append(
                Message(
                    gettext_noop(
                        "triad '%(field)s' value '%(value)s' in '%(column)s' is outside 0–100"
                    ),
                    field=spec.key,
                    value=cell,
                    column=column,
                )
            )
            return None
        weights.append(number)
    try:
        return normalise_triad(*weights)
    except ValueError:
        reasons.append(
            Message(gettext_noop("triad values are all zero for '%(field)s'"), field=spec.key)
            if spec.key
            else Message(gettext_noop("triad values are all zero"))
        )
        return None


def _row_key(row: Mapping[str, str], key_column: str | None) -> str:
    choices = (key_column,) + _KEY_FALLBACKS if key_column else _KEY_FALLBACKS
    for column in choices:
        value = (row.get(column) or "").strip() if column else ""
        if value:
            return value[5:] if value.casefold().startswith("uuid:") else value
    return ""


def normalise_row(
    row: Mapping[str, str],
    mapping: Mapping[str, Sequence[str]],
    fields: Sequence[FieldSpec],
    *,
    row_number: int,
    key_column: str | None = None,
    submitted_at_column: str | None = None,
    extra_reasons: Sequence[str] = (),
) -> NormalisedRow | RowProblem:
    """One export row as stored values, or every reason it cannot be stored.

    ``mapping`` is ``{field key: [column, …]}`` (see :func:`suggest_mapping`). The submission
    key comes from ``key_column`` (pass ``ExportFile.key_column``) or, when that cell is empty
    or not given, from ``meta/rootUuid``, ``_uuid``, ``meta-instanceID`` or ``KEY``; the
    submission time from ``submitted_at_column`` or ``_submission_time`` / ``SubmissionDate``.

    Identity answers are optional: an unanswered identity question is ``None``, never a
    problem. A malformed mapping (a triad without three columns) raises :class:`ValueError`,
    since it would fail every row alike; check it first with :func:`validate_mapping`.
    """
    reasons: list[str] = list(extra_reasons)
    key = _row_key(row, key_column)
    if not key:
        reasons.append(
            Message(
                gettext_noop(
                    "the row has no submission id (meta/rootUuid, _uuid or _id for Kobo, "
                    "meta-instanceID or KEY for ODK), so it could not be recognised if uploaded "
                    "again"
                )
            )
        )

    submitted_at = None
    time_column = submitted_at_column or next(
        (column for column in _SUBMITTED_AT.values() if column in row), None
    )
    if time_column:
        try:
            submitted_at = parse_submission_time(row.get(time_column))
        except ValueError as error:
            reasons.append(error.args[0] if isinstance(error.args[0], Message) else str(error))

    values: dict[str, Any] = {}
    for spec in fields:
        mapped = [column for column in mapping.get(spec.key, ()) if column]
        if spec.kind == "dyad":
            low, high = _scale_of(mapping, spec)
            spec = dataclasses.replace(spec, minimum=low, scale=high)
        values[spec.key] = _field_value(row, spec, mapped, reasons)
        other_columns = mapping.get(f"{spec.key}_other", ())
        if other_columns:
            other = " ".join(_cell(row, column, spec, reasons) for column in other_columns).strip()
            values[f"{spec.key}_other"] = other or None

    if reasons:
        return RowProblem(row_number=row_number, key=key, reasons=tuple(reasons))
    return NormalisedRow(row_number=row_number, key=key, submitted_at=submitted_at, values=values)


def _field_value(
    row: Mapping[str, str], spec: FieldSpec, mapped: Sequence[str], reasons: list[str]
) -> Any:
    kind = spec.kind
    if kind == "consent":
        before = len(reasons)
        cell = _cell(row, mapped[0], spec, reasons) if mapped else ""
        if len(reasons) > before:
            return None
        if not cell:
            reasons.append(
                Message(
                    gettext_noop("consent is missing — a story without consent cannot be stored")
                )
            )
            return None
        folded = cell.casefold()
        if folded in CONSENT_YES:
            return True
        if folded in CONSENT_NO:
            reasons.append(
                Message(
                    gettext_noop(
                        "consent was not given ('%(value)s') — a story without consent cannot be "
                        "stored"
                    ),
                    value=cell,
                )
            )
            return None
        reasons.append(
            Message(
                gettext_noop(
                    "unrecognised consent answer '%(value)s' (expected yes/no, 1/0, true/false, "
                    "oui/non or sí/no) — a story without consent cannot be stored"
                ),
                value=cell,
            )
        )
        return None

    if not mapped:
        if spec.is_required:
            reasons.append(
                Message(gettext_noop("required field '%(field)s' is empty"), field=spec.key)
            )
        return None

    before = len(reasons)
    if kind == "triad":
        value = _triad(row, spec, mapped, reasons)
    elif kind in ("multiple", "groups", "consent_uses"):
        value = _multiple(row, spec, mapped, reasons)
    else:
        cell = _cell(row, mapped[0], spec, reasons)
        value = _single_value(cell, spec, reasons) if cell else None
    if value is None and spec.is_required and len(reasons) == before:
        reasons.append(Message(gettext_noop("required field '%(field)s' is empty"), field=spec.key))
    return value


def _single_value(cell: str, spec: FieldSpec, reasons: list[str]) -> Any:
    kind = spec.kind
    if kind == "location":
        if _GEOPOINT.match(cell):
            reasons.append(
                Message(
                    gettext_noop(
                        "'%(value)s' is a GPS point, not a place the campaign allows "
                        "(%(allowed)s); map the column that holds the place's name"
                    ),
                    value=cell,
                    allowed=_options_text(spec.options),
                )
                if spec.options
                else Message(
                    gettext_noop(
                        "'%(value)s' is a GPS point, not a place the campaign allows; map the "
                        "column that holds the place's name"
                    ),
                    value=cell,
                )
            )
            return None
        return _match_option(_WHITESPACE.sub(" ", cell), spec, reasons)
    if kind in ("text", "title", "story"):
        return _WHITESPACE.sub(" ", cell) if kind != "story" else cell
    if kind in ("single", "language", "age_band", "sex", "wg"):
        return _match_option(cell, spec, reasons)
    if kind == "date":
        try:
            return _parse_date(cell)
        except ValueError:
            reasons.append(Message(gettext_noop("unparseable date '%(value)s'"), value=cell))
            return None
    if kind == "dyad":
        try:
            number = _parse_number(cell)
        except ValueError:
            reasons.append(
                Message(
                    gettext_noop("dyad '%(field)s' value '%(value)s' is not a number"),
                    field=spec.key,
                    value=cell,
                )
            )
            return None
        low, high = spec.minimum, spec.scale
        if number < low or number > high:
            reasons.append(
                Message(
                    gettext_noop(
                        "dyad '%(field)s' value '%(value)s' is outside its scale %(scale)s"
                    ),
                    field=spec.key,
                    value=cell,
                    scale=f"{low:g}–{high:g}",
                )
            )
            return None
        try:
            return normalise_dyad(number - low, scale=high - low)
        except ValueError:
            reasons.append(
                Message(
                    gettext_noop("dyad '%(field)s' value '%(value)s' is outside %(scale)s"),
                    field=spec.key,
                    value=cell,
                    scale=f"{low:g}–{high:g}",
                )
            )
            return None
    if kind == "number":
        try:
            number = _parse_number(cell)
        except ValueError:
            reasons.append(
                Message(
                    gettext_noop("'%(value)s' is not a number for '%(field)s'"),
                    value=cell,
                    field=spec.key,
                )
            )
            return None
        return int(number) if number.is_integer() else number
    raise ValueError(f"Unhandled field kind {kind!r}.")  # pragma: no cover
