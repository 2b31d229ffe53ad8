"""Readers for the Universal Human Rights Index bulk export (``export-full-en.json`` and its
``.xlsx`` twin), streaming so that a 400 MB export is read with bounded memory.

See PRODUCT.md §5 for the 18 fields. The JSON export is one array of objects; it is read with
ijson item by item and only the records of the chosen country are turned into
:class:`RecommendationRecord` objects. In the XLSX export every value carries a leading
``"- "`` and multi-valued cells hold one value per line.
"""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

import ijson

from common.archives import ArchiveLimits, UnsafeArchive, check_archive
from common.messages import Message, gettext_noop
from common.spreadsheets import SpreadsheetTooLarge, check_sheet_rows

from .records import CONCERN, RECOMMENDATION, ParseError, RecommendationRecord
from .text import (
    normalise_position,
    paragraph_number,
    parse_date,
    parse_int,
    parse_sdg_labels,
    sanitise_html,
    strip_dash,
    upr_cycle_for_session,
)

DEFAULT_ARCHIVE_LIMITS = ArchiveLimits()

Source = str | os.PathLike | BinaryIO

UHRI_FIELDS: tuple[str, ...] = (
    "AnnotationId",
    "AnnotationType",
    "Body",
    "Countries",
    "DocumentId",
    "Symbol",
    "PublicationDate",
    "PublicationDateOnUhri",
    "Regions",
    "Sdgs",
    "Text",
    "Themes",
    "AffectedPersons",
    "UprCycle",
    "UprSession",
    "UprPositions",
    "UprRecommendingCountry",
    "UprRecommendingRegions",
)
LIST_FIELDS = frozenset(
    {
        "Countries",
        "Regions",
        "Sdgs",
        "Themes",
        "AffectedPersons",
        "UprPositions",
        "UprRecommendingCountry",
        "UprRecommendingRegions",
    }
)
REQUIRED_FIELDS = ("AnnotationId", "Text")

_ANNOTATION_TYPES = {
    "recommendation": RECOMMENDATION,
    "recommendations": RECOMMENDATION,
    "concern": CONCERN,
    "concerns": CONCERN,
    "observation": CONCERN,
    "observations": CONCERN,
    "concerns/observations": CONCERN,
    "concern/observation": CONCERN,
}
_ZIP_MAGIC = b"PK\x03\x04"
_UTF8_BOM = b"\xef\xbb\xbf"
#: A UHRI record is an object inside the top-level array holding lists of texts: depth 3.
#: A file of 200,000 nested "[" must stop long before ijson builds prefixes for it.
MAX_JSON_DEPTH = 32
#: The longest single value accepted (a UHRI text is a paragraph: a few thousand characters).
MAX_FIELD_CHARS = 65_536
#: The XLSX export has 18 columns; a sheet row wider than this is not the export.
MAX_XLSX_COLUMNS = 1_000


# --- opening sources ---------------------------------------------------------------------------


@contextlib.contextmanager
def _binary(source: Source) -> Iterator[BinaryIO]:
    """A binary file for a path (opened and closed here) or an open file (left open)."""
    if isinstance(source, (str, os.PathLike)):
        try:
            handle = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:  # the message names the file, never its server path
            raise ParseError(
                Message(
                    gettext_noop("Cannot open %(name)s: %(error)s."),
                    name=repr(os.path.basename(os.fspath(source))),
                    error=exc.strerror or exc.__class__.__name__,
                )
            ) from exc
        with handle:
            yield handle
    else:
        yield source


class _PrefixedReader(io.RawIOBase):
    """Serves bytes already read for sniffing, then the rest of the underlying file."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size is None or size < 0:
                data, self._prefix = self._prefix + self._rest.read(), b""
                return data
            data, self._prefix = self._prefix[:size], self._prefix[size:]
            return data
        return self._rest.read(size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _first_significant_byte(handle: BinaryIO) -> tuple[bytes, bytes]:
    """(everything read so far, the first non-whitespace byte or b"" at end of file)."""
    read = b""
    while True:
        chunk = handle.read(4096)
        if isinstance(chunk, str):
            raise ParseError(Message(gettext_noop("Open the UHRI export in binary mode ('rb').")))
        if not chunk:
            return read, b""
        read += chunk
        stripped = read.removeprefix(_UTF8_BOM).lstrip()
        if stripped:
            return read, stripped[:1]


# --- value conversion --------------------------------------------------------------------------


def _as_list(value: Any, where: str, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = value.replace("_x000D_", "").replace("\r", "\n").split("\n")
    elif isinstance(value, list):
        items = value
    else:
        raise ParseError(
            Message(
                gettext_noop(
                    "%(where)s: %(field)s should be a list of texts, not %(type)s %(value)s."
                ),
                where=where,
                field=field,
                type=type(value).__name__,
                value=repr(value),
            )
        )
    out: list[str] = []
    for item in items:
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str):
            raise ParseError(
                Message(
                    gettext_noop(
                        "%(where)s: %(field)s should hold texts, but contains %(type)s %(value)s."
                    ),
                    where=where,
                    field=field,
                    type=type(item).__name__,
                    value=repr(item),
                )
            )
        item = strip_dash(item)
        if item:
            out.append(item)
    return tuple(dict.fromkeys(out))


def _as_str(value: Any, where: str, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return strip_dash(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(value, list) and len(value) <= 1:
        return _as_str(value[0], where, field) if value else ""
    raise ParseError(
        Message(
            gettext_noop("%(where)s: %(field)s should be a text, not %(type)s %(value)s."),
            where=where,
            field=field,
            type=type(value).__name__,
            value=repr(value),
        )
    )


def _as_date(value: Any, where: str, field: str):
    if value is None or (isinstance(value, str) and not strip_dash(value)):
        return None
    try:
        return parse_date(value)
    except (ValueError, OverflowError) as exc:
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], Message) else str(exc)
        raise ParseError(
            Message(
                gettext_noop("%(where)s: %(field)s: %(reason)s."),
                where=where,
                field=field,
                reason=reason,
            )
        ) from exc


def _as_int(value: Any, where: str, field: str) -> int | None:
    # Non-UPR records carry the UPR fields as ``[]`` or ``null``; a one-item list is its item.
    if isinstance(value, list):
        if not value:
            return None
        if len(value) == 1:
            return _as_int(value[0], where, field)
    if value is None or (isinstance(value, str) and not strip_dash(value)):
        return None
    number = parse_int(value if not isinstance(value, str) else strip_dash(value))
    if number is None:
        raise ParseError(
            Message(
                gettext_noop("%(where)s: %(field)s should be a number, not %(value)s."),
                where=where,
                field=field,
                value=repr(value),
            )
        )
    return number


def _countries_match(countries: tuple[str, ...], wanted: str | None) -> bool:
    if wanted is None:
        return True
    return any(c.casefold() == wanted for c in countries)


def record_from_fields(fields: Mapping[str, Any], where: str) -> RecommendationRecord:
    """Build a record from one UHRI object (JSON) or row (XLSX, keyed by field name).

    ``where`` ("record 12", "row 14") prefixes every error message.
    """
    if not isinstance(fields, Mapping):
        raise ParseError(
            Message(
                gettext_noop("%(where)s: expected an object with the UHRI fields, found %(type)s."),
                where=where,
                type=type(fields).__name__,
            )
        )
    for field in REQUIRED_FIELDS:
        value = fields.get(field)
        if value is None or (isinstance(value, str) and not strip_dash(value)):
            raise ParseError(
                Message(
                    gettext_noop("%(where)s: the required field %(field)s is missing or empty."),
                    where=where,
                    field=field,
                )
            )
    external_id = _as_str(fields["AnnotationId"], where, "AnnotationId")
    raw_text = fields["Text"]
    if not isinstance(raw_text, str):
        raise ParseError(
            Message(
                gettext_noop("%(where)s: Text should be a text, not %(type)s."),
                where=where,
                type=type(raw_text).__name__,
            )
        )
    text_html, text = sanitise_html(strip_dash(raw_text))

    raw_type = _as_str(fields.get("AnnotationType"), where, "AnnotationType")
    annotation_type = _ANNOTATION_TYPES.get(raw_type.casefold().replace(" ", ""))
    if annotation_type is None:
        raise ParseError(
            Message(
                gettext_noop(
                    "%(where)s: AnnotationType %(value)s is neither 'Recommendations' nor "
                    "'Concerns/Observations'."
                ),
                where=where,
                value=repr(raw_type),
            )
        )
    raw_position = fields.get("UprPositions")
    position = normalise_position(_as_list(raw_position, where, "UprPositions"))
    if position is None:
        raise ParseError(
            Message(
                gettext_noop(
                    "%(where)s: UprPositions %(value)s is not Supported, Noted or Supported/Noted."
                ),
                where=where,
                value=repr(raw_position),
            )
        )
    session = _as_int(fields.get("UprSession"), where, "UprSession")
    cycle = _as_int(fields.get("UprCycle"), where, "UprCycle")
    if cycle is None and session is not None:
        cycle = upr_cycle_for_session(session)
    sdg_goals, sdg_targets = parse_sdg_labels(_as_list(fields.get("Sdgs"), where, "Sdgs"))
    return RecommendationRecord(
        external_id=external_id,
        annotation_type=annotation_type,
        body=_as_str(fields.get("Body"), where, "Body"),
        countries=_as_list(fields.get("Countries"), where, "Countries"),
        document_id=_as_str(fields.get("DocumentId"), where, "DocumentId"),
        symbol=_as_str(fields.get("Symbol"), where, "Symbol"),
        publication_date=_as_date(fields.get("PublicationDate"), where, "PublicationDate"),
        publication_date_on_uhri=_as_date(
            fields.get("PublicationDateOnUhri"), where, "PublicationDateOnUhri"
        ),
        regions=_as_list(fields.get("Regions"), where, "Regions"),
        sdg_goals=sdg_goals,
        sdg_targets=sdg_targets,
        text_html=text_html,
        text=text,
        paragraph=paragraph_number(text),
        themes=_as_list(fields.get("Themes"), where, "Themes"),
        affected_persons=_as_list(fields.get("AffectedPersons"), where, "AffectedPersons"),
        upr_cycle=cycle,
        upr_session=session,
        upr_position=position,
        recommending_states=_as_list(
            fields.get("UprRecommendingCountry"), where, "UprRecommendingCountry"
        ),
        recommending_regions=_as_list(
            fields.get("UprRecommendingRegions"), where, "UprRecommendingRegions"
        ),
        source_of_position="",
    )


# --- JSON --------------------------------------------------------------------------------------


class JsonTooDeep(ParseError):
    """The JSON nests deeper than allowed (never the case in a real UHRI export)."""


def _depth_guarded(
    events: Iterator[tuple[str, Any]], max_depth: int, max_field_chars: int = MAX_FIELD_CHARS
) -> Iterator[tuple]:
    """Pass ijson's basic events through, refusing the file once it nests deeper than
    ``max_depth`` or holds a text longer than ``max_field_chars``. Works on the prefix-free
    events, so nothing proportional to the depth is built before the refusal."""
    depth = 0
    for event, value in events:
        if event in ("string", "map_key") and len(value) > max_field_chars:
            raise ParseError(
                Message(
                    gettext_noop(
                        "The UHRI JSON holds a text of %(count)s characters; at most %(limit)s "
                        "are accepted in one field. Download the export-full JSON again from "
                        "uhri.ohchr.org."
                    ),
                    count=f"{len(value):,}",
                    limit=f"{max_field_chars:,}",
                )
            )
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > max_depth:
                raise JsonTooDeep(
                    Message(
                        gettext_noop(
                            "The UHRI JSON nests lists or objects more than %(depth)s levels "
                            "deep, which the UHRI export never does; the file was refused. "
                            "Download the export-full JSON again from uhri.ohchr.org."
                        ),
                        depth=max_depth,
                    )
                )
        elif event in ("end_map", "end_array"):
            depth -= 1
        yield event, value


def _json_items(
    handle: BinaryIO,
    prefix: str,
    max_depth: int = MAX_JSON_DEPTH,
    max_field_chars: int = MAX_FIELD_CHARS,
) -> Iterator[Any]:
    read, first = _first_significant_byte(handle)
    if not first:
        raise ParseError(Message(gettext_noop("The UHRI JSON file is empty.")))
    if first != b"[":
        raise ParseError(
            Message(
                gettext_noop(
                    "The UHRI JSON export must be one array of records ('[{…}, {…}]'); this "
                    "file starts with %(start)s. Is it the export-full JSON file?"
                ),
                start=repr(first.decode("latin-1")),
            )
        )
    start = read.removeprefix(_UTF8_BOM)  # yajl refuses a byte-order mark
    reader = io.BufferedReader(_PrefixedReader(start, handle), buffer_size=256 * 1024)
    events = _depth_guarded(ijson.basic_parse(reader, use_float=True), max_depth, max_field_chars)
    yield from ijson.items(ijson.parse(events), prefix)


def iter_uhri_json(
    source: Source,
    *,
    country: str | None,
    max_depth: int = MAX_JSON_DEPTH,
    max_field_chars: int = MAX_FIELD_CHARS,
) -> Iterator[RecommendationRecord]:
    """Stream the records of a UHRI JSON export, keeping those addressed to ``country``.

    ``country`` is compared case-insensitively with each entry of ``Countries`` (whole names:
    "Niger" does not match "Nigeria"); None keeps every record. Memory stays bounded by one
    record whatever the file size. Raises :class:`ParseError` naming the 0-based record index
    for malformed or truncated JSON, a record that is not an object, a field of the wrong type,
    or a missing ``AnnotationId``/``Text``, a file nesting deeper than ``max_depth`` and a text
    longer than ``max_field_chars``.
    """
    wanted = country.strip().casefold() if country is not None else None
    index = 0
    with _binary(source) as handle:
        items = _json_items(handle, "item", max_depth, max_field_chars)
        while True:
            where = Message(gettext_noop("record %(index)s"), index=index)
            try:
                raw = next(items)
            except StopIteration:
                return
            except ijson.JSONError as exc:
                raise ParseError(
                    Message(
                        gettext_noop(
                            "The UHRI JSON is malformed or truncated at record %(index)s "
                            "(counting from 0; the records before it were read): %(error)s"
                        ),
                        index=index,
                        error=str(exc),
                    )
                ) from exc
            if not isinstance(raw, dict):
                raise ParseError(
                    Message(
                        gettext_noop(
                            "%(where)s: expected an object with the UHRI fields, found "
                            "%(type)s %(value)s."
                        ),
                        where=where,
                        type=type(raw).__name__,
                        value=repr(str(raw)[:60]),
                    )
                )
            countries = _as_list(raw.get("Countries"), where, "Countries")
            if _countries_match(countries, wanted):
                yield record_from_fields(raw, where)
            index += 1


# --- XLSX --------------------------------------------------------------------------------------


def _header_key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


_FIELD_BY_KEY = {_header_key(f): f for f in UHRI_FIELDS}


def _clean_cell(value: Any) -> Any:
    # Excel escapes a carriage return inside a cell as "_x000D_"; line breaks are "\r\n".
    if isinstance(value, str):
        return value.replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n")
    return value


def _is_zip(source: Any) -> bool:
    """A damaged or renamed file gets the parser's "not readable" message, not the archive's."""
    try:
        return zipfile.is_zipfile(source)
    finally:
        if hasattr(source, "seek"):
            source.seek(0)


def _open_workbook(handle: BinaryIO, archive_limits: ArchiveLimits):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not hasattr(handle, "seek") or not handle.seekable():  # the central directory is last
        handle = io.BytesIO(handle.read())
    try:  # judged from its central directory before openpyxl inflates anything
        check_archive(
            handle,
            limits=archive_limits,
            display_name=Message(gettext_noop("The XLSX workbook")),
        )
    except UnsafeArchive as exc:
        if _is_zip(handle):
            raise ParseError(exc.args[0]) from exc
    try:  # and its rows, streaming, before openpyxl builds a row of millions of cells
        check_sheet_rows(
            handle,
            max_columns=MAX_XLSX_COLUMNS,
            max_field_chars=MAX_FIELD_CHARS,
            display_name="The XLSX workbook",
        )
    except SpreadsheetTooLarge as exc:
        raise ParseError(str(exc)) from exc
    try:
        return openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ParseError(
            Message(
                gettext_noop(
                    "The file is not a readable XLSX workbook (%(error)s). Open it in Excel, "
                    "save it again as .xlsx and upload the new copy."
                ),
                error=exc.__class__.__name__,
            )
        ) from exc


def _xlsx_rows(
    handle: BinaryIO, archive_limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based sheet row, {field: cell value}) for each data row of the first sheet."""
    workbook = _open_workbook(handle, archive_limits)
    try:
        if not workbook.worksheets:
            raise ParseError(Message(gettext_noop("The XLSX workbook has no sheet.")))
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        columns: dict[int, str] | None = None
        for row_number, values in enumerate(rows, start=1):
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if columns is None:
                columns = {}
                for position, value in enumerate(values):
                    field = _FIELD_BY_KEY.get(_header_key(strip_dash(str(value or ""))))
                    if field:
                        columns[position] = field
                missing = [f for f in REQUIRED_FIELDS if f not in columns.values()]
                if missing:
                    raise ParseError(
                        Message(
                            gettext_noop(
                                "Row %(row)s of the XLSX should be the header with the UHRI "
                                "field names; it lacks %(missing)s."
                            ),
                            row=row_number,
                            missing=", ".join(missing),
                        )
                    )
                continue
            yield (
                row_number,
                {
                    field: _clean_cell(values[position])
                    for position, field in columns.items()
                    if position < len(values)
                },
            )
        if columns is None:
            raise ParseError(
                Message(
                    gettext_noop(
                        "The XLSX sheet is empty: no header row with the UHRI field names."
                    )
                )
            )
    finally:
        workbook.close()


def iter_uhri_xlsx(
    source: Source, *, country: str | None, archive_limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS
) -> Iterator[RecommendationRecord]:
    """Stream the records of a UHRI XLSX export (openpyxl read-only mode), keeping those of
    ``country`` (as in :func:`iter_uhri_json`).

    The first non-empty row is the header with the field names. Values lose their leading
    ``"- "``; multi-valued cells are split on line breaks only, never on hyphens, so
    "Timor-Leste" and "Guinea-Bissau" stay whole. Errors name the sheet row. The workbook is
    refused from its central directory when it would expand beyond ``archive_limits``.
    """
    wanted = country.strip().casefold() if country is not None else None
    with _binary(source) as handle:
        for row_number, fields in _xlsx_rows(handle, archive_limits):
            where = Message(gettext_noop("row %(row)s"), row=row_number)
            countries = _as_list(fields.get("Countries"), where, "Countries")
            if _countries_match(countries, wanted):
                yield record_from_fields(fields, where)


# --- format detection and the country picker ---------------------------------------------------


def _is_xlsx(handle: BinaryIO, source: Source) -> tuple[bool, BinaryIO]:
    if isinstance(source, (str, os.PathLike)) and os.fspath(source).lower().endswith(".xlsx"):
        return True, handle
    head = handle.read(4)
    if hasattr(handle, "seek") and handle.seekable():
        handle.seek(-len(head), io.SEEK_CUR)
        return head == _ZIP_MAGIC, handle
    return head == _ZIP_MAGIC, io.BufferedReader(_PrefixedReader(head, handle))


def iter_uhri(
    source: Source,
    *,
    country: str | None,
    max_depth: int = MAX_JSON_DEPTH,
    archive_limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
) -> Iterator[RecommendationRecord]:
    """:func:`iter_uhri_xlsx` or :func:`iter_uhri_json`, whichever the file is."""
    with _binary(source) as handle:
        is_xlsx, handle = _is_xlsx(handle, source)
        if is_xlsx:
            yield from iter_uhri_xlsx(handle, country=country, archive_limits=archive_limits)
        else:
            yield from iter_uhri_json(handle, country=country, max_depth=max_depth)


def iter_uhri_countries(
    source: Source,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    archive_limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
) -> Iterator[str]:
    """Each country named in a UHRI export (JSON or XLSX), once, in order of first appearance,
    streaming (for a country picker before the import)."""
    seen: set[str] = set()
    with _binary(source) as handle:
        is_xlsx, handle = _is_xlsx(handle, source)
        if is_xlsx:
            values = (
                (Message(gettext_noop("row %(row)s"), row=n), fields.get("Countries"))
                for n, fields in _xlsx_rows(handle, archive_limits)
            )
        else:
            values = (
                (Message(gettext_noop("record %(index)s"), index=i), v)
                for i, v in enumerate(_json_items(handle, "item.Countries", max_depth))
            )
        try:
            for where, value in values:
                for name in _as_list(value, where, "Countries"):
                    key = name.casefold()
                    if key not in seen:
                        seen.add(key)
                        yield name
        except ijson.JSONError as exc:
            raise ParseError(
                Message(
                    gettext_noop("The UHRI JSON is malformed or truncated: %(error)s"),
                    error=str(exc),
                )
            ) from exc
