"""A Parquet cache of the columns a run reads from a survey file, so a batch reads it once.

A subnational batch is one run per region, and each run used to read (and label) the whole
survey file again: for a 2 GB DHS file that is most of the batch's time. The first run (or
the batch start, which lists the regions) reads the referenced columns with
:func:`analysis.surveyio.read_survey` and writes them as Parquet next to the upload; the
other runs read the Parquet file, which takes milliseconds.

The cache file is named after the upload, the file's SHA-256 and a digest of the requested
columns, in a ``.prepared`` folder beside the upload::

    surveys/.prepared/<upload name>.<sha256[:16]>.<columns digest>.parquet

It is written to a temporary name in the same folder and renamed into place, so a run
reading concurrently sees either no file or a whole one; two runs writing at once both
produce the same content and the last rename wins. A cache file that cannot be read is
ignored (and the survey read again). :func:`remove_cache` deletes a file's cache when the
dataset is deleted or its file removed.

Pure Python (pandas, pyarrow); no Django.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analysis.surveyio import SurveyFrame

logger = logging.getLogger(__name__)

CACHE_FOLDER = ".prepared"
_META_KEY = b"lnob_survey_frame"
#: Bump when what is stored changes, so older cache files are not read.
CACHE_VERSION = 2
#: Boolean columns holding ``SurveyFrame.declared_missing_rows`` (popped on reading).
_DECLARED_PREFIX = "__lnob_declared_missing__"


def cache_path(source: str | Path, *, sha256: str, columns: Sequence[str]) -> Path:
    """Where the prepared ``columns`` of ``source`` (whose content hash is ``sha256``) live."""
    source = Path(source)
    digest = hashlib.sha256(
        json.dumps([CACHE_VERSION, list(columns)], ensure_ascii=False).encode()
    ).hexdigest()[:16]
    return source.parent / CACHE_FOLDER / f"{source.name}.{sha256[:16]}.{digest}.parquet"


def cached_survey(
    source: str | Path,
    *,
    sha256: str,
    columns: Sequence[str],
    load: Callable[[], SurveyFrame],
) -> SurveyFrame:
    """The survey frame for ``columns``: from the cache when there, else ``load()`` (which
    reads the file) and written to the cache for the next run."""
    target = cache_path(source, sha256=sha256, columns=columns)
    if target.exists():
        try:
            return _read(target)
        except Exception:  # noqa: BLE001 - a damaged cache file is read again from the source
            logger.warning("ignoring unreadable survey cache %s", target, exc_info=True)
    survey = load()
    try:
        _write(survey, target)
    except Exception:  # noqa: BLE001 - the run goes on without a cache
        logger.warning("could not write survey cache %s", target, exc_info=True)
    return survey


def remove_cache(source: str | Path) -> int:
    """Delete every cache file of ``source``; returns how many were deleted."""
    source = Path(source)
    folder = source.parent / CACHE_FOLDER
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.glob(f"{_glob_escape(source.name)}.*.parquet"):
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def _glob_escape(name: str) -> str:
    return "".join(f"[{char}]" if char in "*?[" else char for char in name)


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _meta(survey: SurveyFrame) -> dict[str, Any]:
    return {
        "version": CACHE_VERSION,
        "variable_labels": survey.variable_labels,
        "value_label_order": survey.value_label_order,
        # Pairs keep each code's JSON type (1 stays 1, "a" stays "a").
        "value_labels": {
            column: [[_json_value(code), str(label)] for code, label in table.items()]
            for column, table in survey.value_labels.items()
        },
        "source_format": survey.source_format,
        "encoding": survey.encoding,
        "delimiter": survey.delimiter,
        "messages": list(survey.messages),
        "declared_missing": survey.declared_missing,
        # Parquet reads text back as pandas' string dtype: give these back as objects.
        "object_columns": [
            str(name) for name in survey.frame.columns if survey.frame[name].dtype == object
        ],
    }


def _write(survey: SurveyFrame, target: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    target.parent.mkdir(parents=True, exist_ok=True)
    frame = survey.frame
    if survey.declared_missing_rows:
        frame = frame.assign(
            **{
                f"{_DECLARED_PREFIX}{name}": mask
                for name, mask in survey.declared_missing_rows.items()
            }
        )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[_META_KEY] = json.dumps(_meta(survey), ensure_ascii=False).encode()
    table = table.replace_schema_metadata(metadata)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    os.close(handle)
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read(target: Path) -> SurveyFrame:
    import pyarrow.parquet as pq

    table = pq.read_table(target)
    meta = json.loads((table.schema.metadata or {})[_META_KEY])
    if meta.get("version") != CACHE_VERSION:
        raise ValueError(f"cache version {meta.get('version')} is not {CACHE_VERSION}")
    frame = table.to_pandas()
    frame.columns = [str(name) for name in frame.columns]
    masks = {
        name[len(_DECLARED_PREFIX) :]: frame.pop(name).to_numpy(dtype=bool)
        for name in list(frame.columns)
        if name.startswith(_DECLARED_PREFIX)
    }
    for name in meta["object_columns"]:
        frame[name] = frame[name].astype(object)
    return SurveyFrame(
        frame=frame,
        variable_labels=dict(meta["variable_labels"]),
        value_label_order={k: list(v) for k, v in meta["value_label_order"].items()},
        value_labels={
            column: {code: label for code, label in pairs}
            for column, pairs in meta["value_labels"].items()
        },
        source_format=meta["source_format"],
        encoding=meta["encoding"],
        delimiter=meta["delimiter"],
        messages=tuple(meta["messages"]),
        declared_missing=meta["declared_missing"],
        declared_missing_rows=masks,
    )
