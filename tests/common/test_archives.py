"""Zip bombs are refused from the central directory, before any parser inflates them."""

import io
import zipfile

import pytest

from common.archives import ArchiveLimits, UnsafeArchive, check_archive


def _bomb(tmp_path, *, entry_mb: int, entries: int = 1):
    """An XLSX-shaped archive whose sheet inflates to ``entry_mb`` MB of zeros, written
    streaming so the test needs only a few MB of disk."""
    path = tmp_path / "bomb.xlsx"
    chunk = b"0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for index in range(entries):
            with archive.open(f"xl/worksheets/sheet{index + 1}.xml", "w", force_zip64=True) as out:
                for _ in range(entry_mb):
                    out.write(chunk)
    return path


def test_a_sheet_that_inflates_to_a_gigabyte_is_refused_without_inflating(tmp_path):
    path = _bomb(tmp_path, entry_mb=1024)
    assert path.stat().st_size < 5 * 1024 * 1024
    with pytest.raises(UnsafeArchive) as excinfo:
        check_archive(path, display_name="partner-export.xlsx")
    message = str(excinfo.value)
    assert "partner-export.xlsx" in message
    assert "xl/worksheets/sheet1.xml" in message


def test_many_parts_are_refused(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(30):
            archive.writestr(f"part{index}.xml", "x")
    with pytest.raises(UnsafeArchive, match="30 parts"):
        check_archive(path, limits=ArchiveLimits(max_entries=20))


def test_a_high_ratio_entry_is_refused_even_below_the_size_limit(tmp_path):
    path = _bomb(tmp_path, entry_mb=20)
    with pytest.raises(UnsafeArchive, match="compressed"):
        check_archive(path)


def test_an_ordinary_workbook_passes_and_the_stream_is_rewound():
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.append(["story", "age"])
    for index in range(200):
        workbook.active.append([f"A story number {index} about the water point", index])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(10)
    entries = check_archive(buffer)
    assert buffer.tell() == 0
    assert any(entry.filename.startswith("xl/worksheets/") for entry in entries)


def test_a_file_that_is_not_a_zip_gets_a_message_naming_it():
    with pytest.raises(UnsafeArchive, match="answers.xlsx is damaged"):
        check_archive(io.BytesIO(b"PK\x03\x04 not really"), display_name="answers.xlsx")
