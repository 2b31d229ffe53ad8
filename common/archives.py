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

from .messages import Message, gettext_noop

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
    name = display_name or (
        Path(source).name if isinstance(source, (str, Path)) else Message(gettext_noop("the file"))
    )
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeArchive(
            Message(
                gettext_noop(
                    "%(name)s is damaged or is not an Excel/Word/ZIP file (%(error)s). "
                    "Open it in its program, save it again and upload the new copy."
                ),
                name=name,
                error=exc.__class__.__name__,
            )
        ) from exc
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if len(entries) > limits.max_entries:
        raise UnsafeArchive(
            Message(
                gettext_noop(
                    "%(name)s contains %(count)s parts; at most %(limit)s are accepted. "
                    "Save it again with fewer sheets or split it."
                ),
                name=name,
                count=f"{len(entries):,}",
                limit=f"{limits.max_entries:,}",
            )
        )
    total = 0
    for entry in entries:
        size = entry.file_size
        total += size
        if size > limits.max_entry_bytes:
            raise UnsafeArchive(
                Message(
                    gettext_noop(
                        "%(name)s: the part %(part)s would expand to %(size)s MB, more than the "
                        "%(limit)s MB accepted. Split the file or export it as CSV."
                    ),
                    name=name,
                    part=entry.filename,
                    size=f"{size / MiB:,.0f}",
                    limit=f"{limits.max_entry_bytes / MiB:,.0f}",
                )
            )
        ratio = size / max(entry.compress_size, 1)
        if size > MiB and ratio > limits.max_ratio:
            raise UnsafeArchive(
                Message(
                    gettext_noop(
                        "%(name)s: the part %(part)s is compressed %(ratio)s times (more than "
                        "%(limit)s), which real office files never are. The file was refused "
                        "to protect the portal; save it again from its program."
                    ),
                    name=name,
                    part=entry.filename,
                    ratio=f"{ratio:,.0f}",
                    limit=f"{limits.max_ratio:,.0f}",
                )
            )
    if total > limits.max_total_bytes:
        raise UnsafeArchive(
            Message(
                gettext_noop(
                    "%(name)s would expand to %(size)s MB, more than the %(limit)s MB "
                    "accepted. Split the file or export it as CSV."
                ),
                name=name,
                size=f"{total / MiB:,.0f}",
                limit=f"{limits.max_total_bytes / MiB:,.0f}",
            )
        )
    return entries
