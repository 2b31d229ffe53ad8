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
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO
from xml.etree.ElementTree import ParseError as XmlParseError
from xml.etree.ElementTree import iterparse


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
# The reading kernel shared by every CSV/XLSX reader of the portal (partner uploads from
# KoboToolbox and ODK Central, the recommendations template): one policy for text encodings,
# delimiters and worksheet cells, so a file reads the same wherever it is uploaded.
# ---------------------------------------------------------------------------------------------

#: What a CSV may be encoded in; anything else is refused with a message.
SUPPORTED_ENCODINGS = (
    "UTF-8 (with or without BOM), UTF-16 (Excel's “Unicode text”), or Windows-1252"
)
_DECODE_BLOCK = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class UnreadableText(ValueError):
    """The bytes are not text in an encoding the portal reads; the message is for a person."""


@dataclass(frozen=True)
class TextEncoding:
    """A CSV's encoding (a Python codec name) and, when the portal had to guess, a note for
    the person who uploaded it."""

    encoding: str
    note: str | None = None


_CP1252_NOTE = (
    "The file is not in UTF-8; it was read as Windows-1252 (Western European). Check that "
    "accented letters look right in the preview; if not, export it again as UTF-8."
)


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the bytes look like UTF-16 text without a byte-order mark
    (ASCII letters with a NUL beside each), else None."""
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


def detect_encoding(
    head: bytes,
    *,
    display_name: str,
    stream: IO[bytes] | None = None,
    complete: bool = False,
) -> TextEncoding:
    """The text encoding of a CSV from its first bytes (``head``).

    In order: a UTF-8 byte-order mark (Excel's "CSV UTF-8"); a UTF-16 one (Excel's "Unicode
    text", tab-separated); UTF-16 without a mark (recognised by its NUL bytes) is refused with
    what to do, and so is any other NUL byte (a binary file); then UTF-8 if the text decodes, else
    Windows-1252 (Excel's plain "CSV" on Western European Windows), with a note. With
    ``stream`` (a binary handle) the whole file must decode, read in blocks; otherwise only
    ``head`` is checked (``complete``: ``head`` is the whole file) and a reader must still
    catch a ``UnicodeDecodeError`` further on. Raises ``UnreadableText``.
    """
    if head.startswith(codecs.BOM_UTF8):
        return TextEncoding("utf-8-sig")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return TextEncoding("utf-16")
    if _utf16_without_bom(head):
        # Excel always writes the mark; without it the byte order is a guess, so ask.
        raise UnreadableText(
            f"{display_name} looks like UTF-16 text without a byte-order mark, which the portal "
            "cannot read safely. In Excel choose File › Save As › “CSV UTF-8 (comma "
            "delimited)” and upload the new file."
        )
    if b"\x00" in head:
        raise UnreadableText(
            f"{display_name} is not a text CSV file (it contains binary data). The portal reads "
            f"{SUPPORTED_ENCODINGS}. Save or export it again as CSV and upload the new file."
        )
    if _decodes("utf-8", head, stream, complete):
        return TextEncoding("utf-8")
    if _decodes("cp1252", head, stream, complete):
        return TextEncoding("cp1252", _CP1252_NOTE)
    raise UnreadableText(
        f"The characters in {display_name} could not be read: the portal reads "
        f"{SUPPORTED_ENCODINGS}. In Excel choose File › Save As › “CSV UTF-8 (comma "
        "delimited)” and upload the new file."
    )


#: The delimiters a CSV may use, in order of preference: Kobo's default ';', then ',' (ODK
#: Central, the portal template), then tab (Excel's "Unicode text").
DELIMITERS = (";", ",", "\t")


def split_header(
    text: str, *, markers: Sequence[str] = (), delimiters: Sequence[str] = DELIMITERS
) -> tuple[list[str], str]:
    """The header cells of a CSV's first line and its delimiter: the first delimiter whose
    header holds one of ``markers`` (columns only that kind of file has), else the one that
    splits the line into the most cells (',' when none splits it)."""
    first = text.splitlines()[:1] or [""]
    best: tuple[list[str], str] = ([], ",")
    for delimiter in delimiters:
        try:
            header = next(csv.reader(first, delimiter=delimiter), [])
        except csv.Error:
            continue
        if markers and any(marker in header for marker in markers):
            return header, delimiter
        if len(header) > len(best[0]):
            best = (header, delimiter)
    if len(best[0]) <= 1:  # nothing splits the line: one column, read as the usual CSV
        return next(csv.reader(first), []), ","
    return best


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
                "the new copy."
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
