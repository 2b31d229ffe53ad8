"""Check a ZIP-based upload (XLSX, DOCX, ZIP) from its central directory before anything
parses it.

A 3.6 MB XLSX can declare a sheet that inflates to 1 GB; openpyxl or python-docx would then
hold a worker for minutes and grow it by gigabytes. The central directory at the end of a ZIP
lists every entry with its declared compressed and uncompressed size, so the archive can be
judged by reading a few kilobytes. The declared sizes can lie, so ``bounded_reader`` caps
what is actually inflated when a parser later reads an entry.

Pure Python: no Django. Callers pass the limits (``archive_limits()`` in
``common/limits.py`` reads them from settings).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

MiB = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits for one archive. Defaults suit office documents of a country office."""

    max_entries: int = 2_000
    max_entry_bytes: int = 200 * MiB  # declared uncompressed size of any single entry
    max_total_bytes: int = 500 * MiB  # declared uncompressed size of all entries together
    max_ratio: float = 200.0  # uncompressed / compressed, per entry larger than 1 MiB


class UnsafeArchive(ValueError):
    """The archive is damaged or would expand beyond the limits; the message is for a person."""


def check_archive(
    source: str | Path | BinaryIO | IO[bytes],
    *,
    limits: ArchiveLimits = ArchiveLimits(),
    display_name: str | None = None,
) -> list[zipfile.ZipInfo]:
    """Read the central directory and refuse archives that would expand too far.

    Returns the entries. Raises ``UnsafeArchive`` naming ``display_name`` (the file name the
    person uploaded) when the file is not a ZIP, has too many entries, or declares an entry or
    a total larger than the limits, or a compression ratio above ``max_ratio``.
    """
    name = display_name or (Path(source).name if isinstance(source, (str, Path)) else "the file")
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeArchive(
            f"{name} is damaged or is not an Excel/Word/ZIP file ({exc.__class__.__name__}). "
            "Open it in its program, save it again and upload the new copy."
        ) from exc
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if len(entries) > limits.max_entries:
        raise UnsafeArchive(
            f"{name} contains {len(entries):,} parts; at most {limits.max_entries:,} are "
            "accepted. Save it again with fewer sheets or split it."
        )
    total = 0
    for entry in entries:
        size = entry.file_size
        total += size
        if size > limits.max_entry_bytes:
            raise UnsafeArchive(
                f"{name}: the part {entry.filename} would expand to {size / MiB:,.0f} MB, "
                f"more than the {limits.max_entry_bytes / MiB:,.0f} MB accepted. Split the "
                "file or export it as CSV."
            )
        ratio = size / max(entry.compress_size, 1)
        if size > MiB and ratio > limits.max_ratio:
            raise UnsafeArchive(
                f"{name}: the part {entry.filename} is compressed {ratio:,.0f} "
                f"times (more than {limits.max_ratio:,.0f}), which real office files never are. "
                "The file was refused to protect the portal; save it again from its program."
            )
    if total > limits.max_total_bytes:
        raise UnsafeArchive(
            f"{name} would expand to {total / MiB:,.0f} MB, more than the "
            f"{limits.max_total_bytes / MiB:,.0f} MB accepted. Split the file or export it as CSV."
        )
    return entries
