"""Check the rows of an XLSX workbook, streaming, before openpyxl builds them.

``check_archive`` bounds how far a workbook inflates, but within 200 MB a sheet can hold one
row of millions of empty cells (``<c r="A1"/>`` is 12 bytes), which openpyxl's read-only mode
turns into a tuple of millions of cells, and a shared string of many megabytes. This pass reads
the sheet XML with ``iterparse``, clearing each element as it goes, and stops at the first row
wider than ``max_columns`` or the first text longer than ``max_field_chars``.

Pure Python: no Django. Callers pass the limits (``common/limits.py`` reads them from settings).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO, BinaryIO
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
