"""Uploaded files through Django's storage API, so a deployment may keep them on local disk or
in S3-compatible object storage (``django-storages``, configured by environment: README).

Every stream that keeps a user's file (survey microdata, partner exports, recommendation
imports) stores it with :func:`store_upload` and reads it back with :func:`local_copy`:

* :func:`store_upload` streams the upload in chunks to ``default_storage`` under a folder,
  with a random prefix (two people uploading ``export.xlsx`` never collide, and the stored
  name reveals nothing guessable), hashing it on the way. It returns the storage name, the
  SHA-256 and the size.
* :func:`local_copy` gives a path on this machine for the readers that need one (pyreadstat,
  pyarrow, openpyxl read-only): the file itself on a filesystem storage, otherwise a
  temporary copy downloaded in chunks and removed when the block ends.
* :func:`delete_stored` removes a stored file and never raises for one already gone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.utils.text import get_valid_filename

CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    name: str  # the storage name, e.g. "surveys/3f2a…-dhs7.dta"
    sha256: str
    size: int


class _HashingReader:
    """A file-like object over an upload's chunks that hashes and counts what is read."""

    def __init__(self, uploaded: File) -> None:
        self._chunks = uploaded.chunks(chunk_size=CHUNK)
        self._buffer = b""
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self.digest.update(chunk)
            self.size += len(chunk)
            self._buffer += chunk
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def stored_name(folder: str, original_name: str) -> str:
    """A new storage name in ``folder`` that keeps a safe form of the person's file name."""
    safe = get_valid_filename(Path(original_name).name) or "upload"
    return f"{folder.strip('/')}/{uuid.uuid4().hex}-{safe}"[:200]


def store_upload(
    uploaded: File, *, folder: str, storage: Storage | None = None, name: str | None = None
) -> StoredFile:
    """Stream ``uploaded`` into ``storage`` (the default storage) under ``folder``."""
    storage = storage or default_storage
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    reader = _HashingReader(uploaded)
    target = name or stored_name(folder, uploaded.name or "upload")
    saved = storage.save(target, File(reader, name=target))  # type: ignore[arg-type]  # read() is all save() uses
    return StoredFile(name=saved, sha256=reader.digest.hexdigest(), size=reader.size)


def delete_stored(name: str | None, *, storage: Storage | None = None) -> None:
    """Remove a stored file; a name that is empty or already gone is not an error."""
    if not name:
        return
    storage = storage or default_storage
    try:
        storage.delete(name)
    except FileNotFoundError:
        pass


def _local_path(storage: Storage, name: str) -> str | None:
    try:
        return storage.path(name)
    except NotImplementedError:  # remote storages have no local path
        return None


@contextmanager
def local_copy(name: str, *, storage: Storage | None = None) -> Iterator[Path]:
    """A path on this machine holding the stored file, for readers that need one."""
    storage = storage or default_storage
    path = _local_path(storage, name)
    if path is not None and os.path.isfile(path):
        yield Path(path)
        return
    suffix = "".join(Path(name).suffixes[-1:])
    handle, temp = tempfile.mkstemp(prefix="lnob-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out, storage.open(name, "rb") as source:
            shutil.copyfileobj(source, out, CHUNK)
        yield Path(temp)
    finally:
        Path(temp).unlink(missing_ok=True)
