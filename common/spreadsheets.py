"""The portal's one CSV/XLSX reading kernel: text encodings, delimiters, worksheet cells
(see "The reading kernel" below), and the streaming check of an XLSX workbook's rows.

Check the rows of an XLSX workbook, streaming, before openpyxl builds them.

``check_archive`` bounds how far a workbook inflates, but within 200 MB a sheet can hold one
row of millions of empty cells (``<c r="A1"/>`` is 12 bytes), which openpyxl's read-only mode
turns into a tuple of millions of cells, and a shared string of many megabytes. This pass reads
the sheet XML with ``iterparse``, clearing each element as it goes, and stops at the first row
wider than ``max_columns`` or the first text longer than ``max_field_chars``.

Pure Python: no Django. Callers pass the limits (``common/limits.py`` reads them from settings).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO
from xml.etree.ElementTree import ParseError as XmlParseError
from xml.etree.ElementTree import iterparse

from .messages import Message, gettext_noop


class SpreadsheetTooLarge(ValueError):
    """A row is too wide or a value too long; the message is for a person."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def check_sheet_rows(
    source: str | Path | BinaryIO | IO[bytes],
    *,
    max_columns: int,
    max_field_chars: int,
    display_name: str = "The workbook",
) -> None:
    """Raise ``SpreadsheetTooLarge`` when a row of any worksheet has more than ``max_columns``
    cells or a cell or shared string holds more than ``max_field_chars`` characters.

    A file that is not a readable ZIP or holds damaged XML is left to the parser, which says
    so in its own words. Call ``check_archive`` first: this pass inflates every sheet.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    try:
        members = [
            name
            for name in archive.namelist()
            if (name.startswith("xl/worksheets/") and name.endswith(".xml"))
            or name == "xl/sharedStrings.xml"
        ]
        for member in members:
            _check_member(archive, member, max_columns, max_field_chars, display_name)
    finally:
        archive.close()
        if hasattr(source, "seek"):
            source.seek(0)


def _check_member(
    archive: zipfile.ZipFile, member: str, max_columns: int, max_field_chars: int, name: str
) -> None:
    sheet = Path(member).stem
    row, cells = 0, 0
    parents: list = []
    try:
        with archive.open(member) as stream:
            for event, element in iterparse(stream, events=("start", "end")):
                if event == "start":
                    parents.append(element)
                    continue
                parents.pop()
                tag = _local(element.tag)
                if tag in ("t", "v") and element.text and len(element.text) > max_field_chars:
                    where = (
                        "a shared text" if sheet == "sharedStrings" else f"{sheet}, row {row + 1}"
                    )
                    raise SpreadsheetTooLarge(
                        f"{name}: {where} holds {len(element.text):,} characters; at most "
                        f"{max_field_chars:,} are accepted in one cell. Shorten it and upload "
                        "the file again."
                    )
                if tag == "c":
                    cells += 1
                    if cells > max_columns:
                        raise SpreadsheetTooLarge(
                            f"{name}: row {row + 1} of {sheet} has more than {max_columns:,} "
                            "cells; at most that many columns are accepted. Delete the unused "
                            "columns (or copy the data to a new sheet) and upload it again."
                        )
                    element.clear()
                elif tag in ("row", "si"):
                    if tag == "row":
                        row, cells = row + 1, 0
                    if parents:  # drop what was read so memory stays at one row
                        parents[-1].clear()
    except (XmlParseError, zipfile.BadZipFile, OSError, EOFError):
        return  # the parser reports a damaged file in its own words


# ---------------------------------------------------------------------------------------------
# The reading kernel shared by every CSV/XLSX reader of the portal (survey microdata files,
# partner uploads from KoboToolbox and ODK Central, the recommendations template): one policy
# for text encodings, delimiters and worksheet cells, so a file reads the same wherever it is
# uploaded. Each reader words its own refusals around these (naming the person's file).
# ---------------------------------------------------------------------------------------------

#: What a CSV may be encoded in; anything else is refused with a message.
SUPPORTED_ENCODINGS = (
    "UTF-8 (with or without BOM), UTF-16 (Excel's “Unicode text”) or Windows-1252/Latin-1"
)
_DECODE_BLOCK = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
#: How much of a file's start is checked for control characters and sniffed for a delimiter.
_SNIFF_TEXT = 64 * 1024
#: More control characters than this share of the text (tab, CR and LF aside) is not a CSV.
_MAX_CONTROL_SHARE = 0.01


class UnreadableText(ValueError):
    """The bytes are not text in an encoding the portal reads; the message is for a person.

    ``reason``: ``"zip"`` (a ZIP archive, e.g. an .xlsx renamed .csv), ``"binary"`` (NUL
    bytes or control characters: not text), ``"undecodable"`` (text in no supported encoding),
    ``"workbook"`` (openpyxl could not open it)."""

    def __init__(self, message: str, reason: str = "undecodable") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class TextEncoding:
    """A CSV's encoding (a Python codec name) and, when the portal had to guess, a note for
    the person who uploaded it."""

    encoding: str
    note: str | None = None  # a common.messages.Message


def _guessed_note(name: str) -> Message:
    return Message(
        gettext_noop(
            "The file is not in UTF-8; it was read as %(encoding)s. Check that accented "
            "letters look right in the preview; if not, export it again as “CSV UTF-8”."
        ),
        encoding=name,
    )


_NOTES = {
    "cp1252": _guessed_note("Windows-1252 (cp1252, Western European)"),
    "utf-16-le": Message(
        gettext_noop(
            "The file is UTF-16 text without a byte-order mark; it was read as UTF-16 "
            "little-endian. Check that the columns look right in the preview."
        )
    ),
    "utf-16-be": Message(
        gettext_noop(
            "The file is UTF-16 text without a byte-order mark; it was read as UTF-16 "
            "big-endian. Check that the columns look right in the preview."
        )
    ),
}


def utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the bytes look like UTF-16 text without a byte-order mark
    (ASCII letters with a NUL beside each, as a CSV header always is), else None."""
    sample = head[: len(head) - len(head) % 2][:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _decodes(encoding: str, head: bytes, stream: IO[bytes] | None, complete: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        if stream is None:
            decoder.decode(head, final=complete)
            return True
        stream.seek(0)
        while block := stream.read(_DECODE_BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    finally:
        if stream is not None:
            stream.seek(0)


#: C0 control characters but tab, LF and CR, and C1 ones (no Windows-1252 or Latin-1 text
#: holds them).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f]")


def _too_many_controls(text: str) -> bool:
    """More than 1 % control characters: not text."""
    return bool(text) and len(_CONTROLS.findall(text)) / len(text) > _MAX_CONTROL_SHARE


def _binary(display_name: str) -> UnreadableText:
    return UnreadableText(
        Message(
            gettext_noop(
                "%(name)s is not a text CSV file: it could not be decoded as text because it "
                "contains binary data. The portal reads CSV in %(encodings)s. Save or export "
                "it again as “CSV UTF-8” and upload the new file."
            ),
            name=display_name,
            encodings=SUPPORTED_ENCODINGS,
        ),
        "binary",
    )


def _undecodable(display_name: str) -> UnreadableText:
    return UnreadableText(
        Message(
            gettext_noop(
                "%(name)s could not be decoded as text: its characters could not be read in "
                "any encoding the portal reads (%(encodings)s). In Excel choose File › Save "
                "As › “CSV UTF-8 (comma delimited)” and upload the new file."
            ),
            name=display_name,
            encodings=SUPPORTED_ENCODINGS,
        ),
        "undecodable",
    )


def detect_encoding(
    head: bytes,
    *,
    display_name: str,
    stream: IO[bytes] | None = None,
    complete: bool = False,
) -> TextEncoding:
    """The text encoding of a CSV from its first bytes (``head``): the portal's one policy.

    In order: a UTF-8 byte-order mark (Excel's "CSV UTF-8"); a UTF-16 one (Excel's "Unicode
    text", tab-separated); a ZIP archive (an .xlsx renamed .csv) is refused; UTF-16 without a
    mark (recognised by the NUL beside each ASCII letter) is read, with a note; any other NUL
    byte is refused (a binary file); then UTF-8 if the text decodes, else Windows-1252
    (Excel's plain "CSV" on Western European Windows), with a note; anything else is refused
    (Latin-1 text is Windows-1252 text). Text with more than 1 % control characters is refused
    as binary whatever it decodes as.

    With ``stream`` (a binary handle) the whole file must decode, read in blocks; otherwise
    only ``head`` is checked (``complete``: ``head`` is the whole file) and a reader must still
    catch a ``UnicodeDecodeError`` further on. Raises ``UnreadableText`` naming
    ``display_name``; its ``reason`` lets a reader word its own message.
    """
    if head.startswith(codecs.BOM_UTF8):
        found = TextEncoding("utf-8-sig")
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        found = TextEncoding("utf-16")
    elif head.startswith(ZIP_MAGIC):
        raise UnreadableText(
            Message(
                gettext_noop(
                    "%(name)s is a ZIP archive (an Excel workbook is one), not a CSV text file: "
                    "if it is an Excel workbook, rename it to .xlsx; otherwise export the data "
                    "again as CSV and upload that file."
                ),
                name=display_name,
            ),
            "zip",
        )
    elif utf16 := utf16_without_bom(head):
        if not _decodes(utf16, head, stream, complete):
            raise _binary(display_name)
        found = TextEncoding(utf16, _NOTES[utf16])
    elif b"\x00" in head:
        raise _binary(display_name)
    elif _decodes("utf-8", head, stream, complete):
        found = TextEncoding("utf-8")
    elif _decodes("cp1252", head, stream, complete):
        found = TextEncoding("cp1252", _NOTES["cp1252"])
    else:
        # Windows-1252 reads every byte but 0x81, 0x8D, 0x8F, 0x90 and 0x9D; Latin-1 would read
        # those as C1 control characters, which no real text holds: such a file is refused
        # rather than read as Latin-1 with letters silently wrong.
        raise _undecodable(display_name)
    if _too_many_controls(head[:_SNIFF_TEXT].decode(found.encoding, errors="replace")):
        raise _binary(display_name)
    return found


#: The delimiters a CSV may use, in order of preference on a tie: Kobo's default ';', then ','
#: (ODK Central, the portal template, most survey exports), then tab (Excel's "Unicode text").
DELIMITERS = (";", ",", "\t")
#: How many non-blank rows of a CSV's start decide its delimiter.
SNIFF_ROWS = 50


def sample_rows(
    text: str, delimiter: str, *, complete: bool = False, limit: int = SNIFF_ROWS
) -> list[list[str]]:
    """The first ``limit`` non-blank rows of a CSV's start (``text``), split by ``delimiter``
    (a quoted value may span lines). Unless ``complete`` (``text`` is the whole file) the last
    row is left out when the text does not end a line: it may be cut."""
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            if any(cell.strip() for cell in row):
                rows.append(row)
                if len(rows) > limit:
                    break
    except csv.Error:
        pass  # a damaged row ends the sample; the reader reports it in its own words
    cut = not complete and not text.endswith(("\n", "\r"))
    if len(rows) > limit or (cut and len(rows) > 1):
        rows = rows[:-1]
    return rows[:limit]


def detect_delimiter(
    text: str,
    *,
    markers: Sequence[str] = (),
    delimiters: Sequence[str] = DELIMITERS,
    complete: bool = False,
) -> str:
    """The delimiter of a CSV from its start (``text``): the first one whose header holds one
    of ``markers`` (columns only that kind of file has, e.g. Kobo's ``_uuid``); else the one
    that splits the header into at least two cells and the most rows into the header's width
    (a comma inside a quoted Kobo label or a story does not count), then the widest header;
    ',' when none splits the header."""
    best, best_score = ",", (-1.0, 0)
    for delimiter in delimiters:
        rows = sample_rows(text, delimiter, complete=complete)
        if not rows:
            continue
        header = rows[0]
        if markers and any(marker in header for marker in markers):
            return delimiter
        width = len(header)
        if width < 2:
            continue
        consistent = sum(len(row) == width for row in rows) / len(rows)
        if (consistent, width) > best_score:
            best, best_score = delimiter, (consistent, width)
    return best


def split_header(
    text: str,
    *,
    markers: Sequence[str] = (),
    delimiters: Sequence[str] = DELIMITERS,
    complete: bool = False,
) -> tuple[list[str], str]:
    """The header cells of a CSV (its first non-blank row) and its delimiter
    (:func:`detect_delimiter`; give as many lines of the file's start as you have)."""
    delimiter = detect_delimiter(text, markers=markers, delimiters=delimiters, complete=complete)
    rows = sample_rows(text, delimiter, complete=True, limit=1)
    return (rows[0] if rows else []), delimiter


def cell_text(value: Any) -> str:
    """A worksheet cell as the text a CSV export of it would hold: empty for no value, whole
    numbers without ".0", dates and times in ISO format (a date cell as a date), booleans as
    1/0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0) and value.tzinfo is None:
        # openpyxl has no date-only cells: a date question comes back at midnight.
        return value.date().isoformat()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


@contextmanager
def open_workbook(source: str | Path | BinaryIO, *, display_name: str) -> Iterator[Any]:
    """An openpyxl workbook in read-only mode (rows stream from the file), closed on leaving.
    A file openpyxl cannot open raises ``UnreadableText`` naming ``display_name``. Check the
    file with ``check_archive`` and ``check_sheet_rows`` first."""
    from openpyxl import load_workbook

    handle = open(source, "rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115
    try:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as error:
            raise UnreadableText(
                f"{display_name} could not be opened as an Excel workbook "
                f"({type(error).__name__}). Open it in Excel, save it again as .xlsx and upload "
                "the new copy.",
                "workbook",
            ) from error
        try:
            yield workbook
        finally:
            workbook.close()
    finally:
        if handle is not source:
            handle.close()


def iter_sheet_text(worksheet) -> Iterator[tuple[int, list[str]]]:
    """A read-only worksheet's rows as ``(row number, [cell text, …])``, streamed."""
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        yield number, [cell_text(value) for value in values]
