"""The portal's own CSV/XLSX template for recommendations from sources outside UHRI (ILO
supervisory bodies, regional mechanisms, national human-rights institution reports).

Writing uses django-import-export (a ``Resource`` whose fields are the template's columns),
and the importer reads the same ``COLUMNS`` through the portal's reading kernel
(``common.spreadsheets``: XLSX streamed read-only, CSV with the csv module),
streaming, so that the encoding, the row width and the length of every value are checked
with a message instead of a stuck job.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from import_export import fields, resources

from common.archives import ArchiveLimits, UnsafeArchive, check_archive
from common.messages import Message, gettext_noop
from common.spreadsheets import (
    ZIP_MAGIC,
    SpreadsheetTooLarge,
    UnreadableText,
    check_sheet_rows,
    detect_encoding,
    iter_sheet_text,
    open_workbook,
    split_header,
)

from .models import Mechanism, Recommendation

MULTI_SEPARATOR = re.compile(r"\s*[;\n]\s*")


DEFAULT_ARCHIVE_LIMITS = ArchiveLimits()


class TemplateError(ValueError):
    """The file is not in the portal template (a person can fix it)."""


# (column, required, help)
COLUMNS: list[tuple[str, bool, str]] = [
    ("external_id", False, "Your stable id for the row; default: symbol and paragraph."),
    ("mechanism", True, "e.g. CEACR, IACHR, African Commission, National Human Rights Commission."),
    ("mechanism_kind", False, "ilo, regional, national, treaty_body, special_procedure or upr."),
    ("type", False, "recommendation (default) or concern."),
    ("symbol", False, "Document symbol or reference."),
    ("publication_date", False, "YYYY-MM-DD."),
    ("paragraph", False, "e.g. 12 or 136.1."),
    ("text", True, "The recommendation or observation as published."),
    ("upr_cycle", False, "UPR only."),
    ("upr_session", False, "UPR only."),
    ("upr_position", False, "UPR only: Supported, Noted or Supported/Noted."),
    ("recommending_states", False, "UPR only; several separated by semicolons."),
    ("themes", False, "Separated by semicolons; unknown themes are created for review."),
    ("affected_persons", False, "Groups separated by semicolons."),
    ("sdg_targets", False, "e.g. 8.7; 16.2"),
    ("sdg_goals", False, "e.g. 8; 16"),
]
HEADERS = [name for name, _, _ in COLUMNS]


@dataclass(frozen=True)
class TemplateRecord:
    """A template row with the attributes of ``parsers.RecommendationRecord``."""

    external_id: str
    annotation_type: str
    body: str
    mechanism_kind: str
    countries: tuple
    document_id: str
    symbol: str
    publication_date: datetime.date | None
    publication_date_on_uhri: datetime.date | None
    regions: tuple
    sdg_goals: tuple
    sdg_targets: tuple
    text_html: str
    text: str
    paragraph: str
    themes: tuple
    affected_persons: tuple
    upr_cycle: int | None
    upr_session: int | None
    upr_position: str
    recommending_states: tuple
    recommending_regions: tuple
    source_of_position: str
    problems: tuple = ()
    source_row: int | None = None  # the spreadsheet row (the header is row 1)


def _multi(value) -> tuple[str, ...]:
    return tuple(v for v in MULTI_SEPARATOR.split(str(value or "").strip()) if v)


def _int(value, problems: list[str], name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        problems.append(f"{name} “{value}” is not a number")
        return None


def _date(value, problems: list[str]) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        problems.append(f"publication_date “{value}” is not a date (YYYY-MM-DD)")
        return None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _row_record(row: dict, number: int) -> TemplateRecord:
    problems: list[str] = []
    kind = _text(row.get("mechanism_kind")).lower()
    if kind and kind not in Mechanism.Kind.values:
        problems.append(f"mechanism_kind “{kind}” is not one of {', '.join(Mechanism.Kind.values)}")
        kind = ""
    symbol, paragraph = _text(row.get("symbol")), _text(row.get("paragraph"))
    text = _text(row.get("text"))
    if _text(row.get("external_id")):
        external_id = _text(row.get("external_id"))
    elif symbol and paragraph:
        external_id = f"{symbol} para {paragraph}"
    elif text:  # stable while the text is: a re-import of the same row is "unchanged"
        digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]
        external_id = f"{_text(row.get('mechanism'))}:{digest}"
    else:
        external_id = ""
    goals = []
    for goal in _multi(row.get("sdg_goals")):
        number = _int(goal, problems, "sdg_goals")
        if number is not None:
            goals.append(number)
    return TemplateRecord(
        external_id=external_id,
        annotation_type="concern"
        if _text(row.get("type")).lower() == "concern"
        else "recommendation",
        body=_text(row.get("mechanism")),
        mechanism_kind=kind,
        countries=(),
        document_id="",
        symbol=symbol,
        publication_date=_date(row.get("publication_date"), problems),
        publication_date_on_uhri=None,
        regions=(),
        sdg_goals=tuple(goals),
        sdg_targets=_multi(row.get("sdg_targets")),
        text_html="",
        text=text,
        paragraph=paragraph,
        themes=_multi(row.get("themes")),
        affected_persons=_multi(row.get("affected_persons")),
        upr_cycle=_int(row.get("upr_cycle"), problems, "upr_cycle"),
        upr_session=_int(row.get("upr_session"), problems, "upr_session"),
        upr_position=_text(row.get("upr_position")),
        recommending_states=_multi(row.get("recommending_states")),
        recommending_regions=(),
        source_of_position="",
        problems=tuple(problems),
        source_row=number,
    )


def _csv_encoding(path: Path, name: str, notes: list[str] | None = None) -> str:
    """The portal's one encoding policy (``common.spreadsheets.detect_encoding``), checked on
    the whole file, read in blocks so a big file is never held in memory. A guessed encoding
    (Windows-1252, UTF-16 without a mark) is said in ``notes``."""
    with path.open("rb") as handle:
        head = handle.read(4096)
        if head.startswith(ZIP_MAGIC):
            raise TemplateError(
                Message(
                    gettext_noop(
                        "%(name)s is an Excel workbook, not a CSV file: upload it with the .xlsx "
                        "extension."
                    ),
                    name=name,
                )
            )
        try:
            found = detect_encoding(head, display_name=name, stream=handle)
        except UnreadableText as exc:
            raise TemplateError(_reason(exc)) from exc
    if found.note and notes is not None:
        notes.append(Message(gettext_noop("%(name)s: %(note)s"), name=name, note=found.note))
    return found.encoding


def _bounded_lines(handle: io.TextIOBase, max_line_chars: int, name: str) -> Iterator[str]:
    """Physical lines, refusing one longer than ``max_line_chars`` before csv builds its row."""
    number = 0
    while line := handle.readline(max_line_chars + 1):
        number += 1
        if len(line) > max_line_chars and not line.endswith(("\n", "\r")):
            raise TemplateError(
                Message(
                    gettext_noop(
                        "%(name)s: line %(line)s is longer than %(limit)s characters, which no "
                        'template row is. Check for an unclosed quote (") or a file that is not '
                        "the portal template."
                    ),
                    name=name,
                    line=number,
                    limit=f"{max_line_chars:,}",
                )
            )
        yield line


def _csv_rows(
    path: Path,
    name: str,
    *,
    max_columns: int,
    max_field_chars: int,
    notes: list[str] | None = None,
) -> Iterator[tuple[int, list]]:
    encoding = _csv_encoding(path, name, notes)
    max_line_chars = max_field_chars * (len(COLUMNS) + 4)
    with path.open("r", encoding=encoding, newline="") as handle:
        # ',' as written by the portal, ';' by Excel in many European locales, tab by Excel's
        # "Unicode text": decided from the header, which names the template's columns.
        _header, delimiter = split_header(
            handle.readline(max_line_chars + 1), markers=("external_id", "mechanism", "text")
        )
        handle.seek(0)
        reader = csv.reader(_bounded_lines(handle, max_line_chars, name), delimiter=delimiter)
        row_number = 0  # the spreadsheet row (a quoted value may span several lines)
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a field over csv's own 128 KB limit
                raise TemplateError(
                    Message(
                        gettext_noop(
                            "%(name)s: row %(row)s could not be read as CSV (%(error)s). Check "
                            "that no value is longer than %(limit)s characters and that every "
                            'quote (") is closed.'
                        ),
                        name=name,
                        row=f"{reader.line_num:,}",
                        error=str(exc),
                        limit=f"{max_field_chars:,}",
                    )
                ) from exc
            row_number += 1
            yield row_number, values


def _xlsx_rows(
    path: Path, name: str, archive_limits: ArchiveLimits, *, max_columns: int, max_field_chars: int
) -> Iterator[tuple[int, list]]:
    try:
        check_archive(path, limits=archive_limits, display_name=name)
        check_sheet_rows(
            path, max_columns=max_columns, max_field_chars=max_field_chars, display_name=name
        )
    except (UnsafeArchive, SpreadsheetTooLarge) as exc:
        raise TemplateError(_reason(exc)) from exc
    # Streamed from the file in read-only mode (the whole workbook is never built in memory);
    # cells as the text a CSV of it would hold, like every other reader of the portal.
    try:
        with open_workbook(path, display_name=name) as workbook:
            if not workbook.worksheets:
                return
            yield from iter_sheet_text(workbook.worksheets[0])
    except UnreadableText as exc:
        raise TemplateError(_reason(exc)) from exc


def _reason(exc: Exception) -> str:
    """The message of ``exc``, a :class:`Message` when it was raised with one (so it is shown
    in the reader's language)."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], Message) else str(exc)


def _checked(
    rows: Iterable[tuple[int, list]], name: str, *, max_columns: int, max_field_chars: int
) -> Iterator[tuple[int, list]]:
    for number, values in rows:
        if len(values) > max_columns:
            raise TemplateError(
                Message(
                    gettext_noop(
                        "%(name)s: row %(row)s has %(count)s columns; the template has "
                        "%(columns)s and at most %(limit)s are accepted."
                    ),
                    name=name,
                    row=f"{number:,}",
                    count=f"{len(values):,}",
                    columns=len(COLUMNS),
                    limit=f"{max_columns:,}",
                )
            )
        for position, value in enumerate(values):
            if isinstance(value, str) and len(value) > max_field_chars:
                raise TemplateError(
                    Message(
                        gettext_noop(
                            "%(name)s: row %(row)s, column %(column)s holds %(count)s "
                            "characters; at most %(limit)s are accepted in one cell. Shorten "
                            "it (or split the text) and upload the file again."
                        ),
                        name=name,
                        row=f"{number:,}",
                        column=position + 1,
                        count=f"{len(value):,}",
                        limit=f"{max_field_chars:,}",
                    )
                )
        yield number, values


def read_template(
    path: str | Path,
    *,
    display_name: str | None = None,
    max_columns: int = 10_000,
    max_field_chars: int = 65_536,
    archive_limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
    notes: list[str] | None = None,
) -> Iterator[TemplateRecord]:
    """Rows of a filled-in template, as records.

    CSV in UTF-8 (with or without BOM), UTF-16, or Windows-1252 (what Excel writes for "CSV"
    on a Western-European Windows); anything else is refused with a message. XLSX is
    judged from its central directory before it is opened. A row wider than ``max_columns``
    or a value longer than ``max_field_chars`` is refused with its row number. Messages name
    ``display_name`` (the uploaded file's name), never the stored path. ``notes`` (a list)
    receives, as the rows are read, what the reader guessed (e.g. the file was read as
    Windows-1252), for the import's warnings.
    """
    path = Path(path)
    name = f"“{display_name or path.name}”"
    if path.suffix.lower() == ".xlsx":
        raw = _xlsx_rows(
            path, name, archive_limits, max_columns=max_columns, max_field_chars=max_field_chars
        )
    elif path.suffix.lower() == ".csv":
        raw = _csv_rows(
            path, name, max_columns=max_columns, max_field_chars=max_field_chars, notes=notes
        )
    else:
        raise TemplateError(Message(gettext_noop("Upload the template as .csv or .xlsx.")))
    rows = _checked(raw, name, max_columns=max_columns, max_field_chars=max_field_chars)
    headers: list[str] | None = None
    for number, values in rows:
        if headers is None:
            headers = [str(h or "").strip().lower() for h in values]
            missing = [c for c, required, _ in COLUMNS if required and c not in headers]
            if missing:
                raise TemplateError(
                    Message(
                        gettext_noop(
                            "%(name)s is not in the portal template: missing column(s) %(missing)s"
                        ),
                        name=name,
                        missing=", ".join(missing),
                    )
                )
            continue
        row = dict(zip(headers, values, strict=False))
        if not any(_text(v) for v in row.values()):
            continue
        yield _row_record(row, number)
    if headers is None:
        raise TemplateError(
            Message(
                gettext_noop(
                    "%(name)s is empty: the first row should hold the template's columns."
                ),
                name=name,
            )
        )


class RecommendationTemplateResource(resources.ModelResource):
    """Recommendations in the template's columns (the empty template is its header row)."""

    external_id = fields.Field(attribute="external_id", column_name="external_id")
    mechanism = fields.Field(column_name="mechanism")
    mechanism_kind = fields.Field(column_name="mechanism_kind")
    type = fields.Field(attribute="type", column_name="type")
    symbol = fields.Field(column_name="symbol")
    publication_date = fields.Field(attribute="publication_date", column_name="publication_date")
    paragraph = fields.Field(attribute="paragraph", column_name="paragraph")
    text = fields.Field(attribute="text", column_name="text")
    upr_cycle = fields.Field(column_name="upr_cycle")
    upr_session = fields.Field(column_name="upr_session")
    upr_position = fields.Field(attribute="upr_position", column_name="upr_position")
    recommending_states = fields.Field(column_name="recommending_states")
    themes = fields.Field(column_name="themes")
    affected_persons = fields.Field(column_name="affected_persons")
    sdg_targets = fields.Field(column_name="sdg_targets")
    sdg_goals = fields.Field(column_name="sdg_goals")

    class Meta:
        model = Recommendation
        fields = HEADERS
        export_order = HEADERS

    def dehydrate_mechanism(self, obj):
        return obj.mechanism.code

    def dehydrate_mechanism_kind(self, obj):
        return obj.mechanism.kind

    def dehydrate_symbol(self, obj):
        return obj.document.symbol if obj.document_id else ""

    def dehydrate_upr_cycle(self, obj):
        return obj.document.upr_cycle if obj.document_id else ""

    def dehydrate_upr_session(self, obj):
        return obj.document.upr_session if obj.document_id else ""

    def dehydrate_recommending_states(self, obj):
        return "; ".join(obj.recommending_states or [])

    def dehydrate_themes(self, obj):
        return "; ".join(t.name for t in obj.themes.all())

    def dehydrate_affected_persons(self, obj):
        return "; ".join(g.name for g in obj.groups.all())

    def dehydrate_sdg_targets(self, obj):
        return "; ".join(t.code for t in obj.sdg_targets.all())

    def dehydrate_sdg_goals(self, obj):
        return "; ".join(str(g.number) for g in obj.sdg_goals.all())


EXAMPLE_ROW = {
    "external_id": "CEACR-2023-C138-1",
    "mechanism": "CEACR",
    "mechanism_kind": "ilo",
    "type": "concern",
    "symbol": "CEACR observation C138 (2023)",
    "publication_date": "2023-02-10",
    "paragraph": "1",
    "text": "The Committee requests the Government to strengthen labour inspection in agriculture "
    "so as to detect child labour.",
    "themes": "Right to work; Children's rights",
    "affected_persons": "Children; Persons living in rural areas",
    "sdg_targets": "8.7",
    "sdg_goals": "8",
}
