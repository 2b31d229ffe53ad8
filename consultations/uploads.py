"""Partner uploads of data collected offline (KoboToolbox, ODK Central).

The request only stores the file (after judging an XLSX/ZIP from its central directory,
``common/archives.py``) and enqueues a task; every parse happens in a worker and its result
(columns, counts, preview rows, problems) is stored on the :class:`Upload` once, so a page
view never opens the file. The states are documented on :class:`Upload`:

* ``upload_store`` (request) → ``stored``; ``upload_inspect`` (worker) reads the header →
  ``mapping``;
* ``upload_set_mapping`` (request) saves the mapping (per campaign and partner) → ``checking``;
  ``upload_validate`` (worker) checks every row → ``preview``;
* ``upload_import_start`` (request) moves ``preview`` → ``importing`` under a row lock, so a
  second click or a second tab is refused; ``upload_import`` (worker) stores all rows or none
  → ``imported`` | ``failed`` (an upload pulled by a connected sync stores its accepted rows,
  its rejected ones wait in the sync's queue for a fix at the source).

When the import ends (either way) the raw file and the preview are deleted, unless
``UPLOAD_RAW_RETENTION_HOURS`` keeps them a little longer for troubleshooting; the kept file
then holds only the mapped columns. Submissions that were deleted earlier (withdrawn, purged,
deleted by staff) left a tombstone and are skipped.

Kobo XLSX repeat-group sheets are joined to their submission: each repeat row is placed by
``_parent_table_name`` + ``_parent_index`` (the ``_index`` of its parent row, in the main sheet
or, for a nested repeat, in another repeat sheet), checked against ``_submission__uuid``. Each
repeat column becomes a column ``<sheet>/<column>`` holding a labelled list of the repeat rows'
answers (``ingest.RepeatAnswers``), which can feed a multiple-choice or group field (e.g. the
members' self-identified groups) and is refused, with the reason, for a one-value field.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import AuditEvent
from accounts.services import audit_record
from common.archives import UnsafeArchive, check_archive
from common.i18n import render_message
from common.limits import archive_limits
from common.messages import message_data
from common.storage import delete_stored, local_copy, store_upload
from taxonomy.selectors import group_for_label

from . import services
from .ingest import _METADATA_COLUMNS as METADATA_COLUMNS
from .ingest import (
    SAMPLE_SIZE,
    SCALE_SUFFIX,
    UNIT_KEY,
    ExportError,
    ExportFile,
    FieldSpec,
    NormalisedRow,
    open_export,
    suggest_mapping,
    unit_key,
    validate_mapping,
)
from .ingest import normalise_row as normalise_export_row
from .models import (
    ColumnMapping,
    Instrument,
    Narrative,
    ReviewStatus,
    Signifier,
    SubmissionTombstone,
    Upload,
    tombstone_hash,
)
from .receipts import RECEIPT_FIELD, ReceiptCheck, receipt_cards_mark_used, receipt_link
from .signals import submissions_imported

logger = logging.getLogger(__name__)

UPLOAD_EXTENSIONS = (".csv", ".xlsx", ".zip")
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
PREVIEW_ROWS = 5
BATCH_SIZE = 1000
ZIP_MAGIC = b"PK\x03\x04"
#: Uploads left in "map the columns" or "preview" longer than this are failed and their
#: files deleted by the periodic purge.
PENDING_DAYS = 7


def progress_key(upload: Upload) -> str:
    """Rows imported so far, published through the cache (the import is one transaction,
    so the row count in the database is invisible until it commits)."""
    return f"upload-progress:{upload.pk}"


def instrument_fields(instrument: Instrument) -> list[FieldSpec]:
    """The fields of an instrument that an export's columns can feed."""
    campaign = instrument.campaign
    fields = [
        FieldSpec("story", "story", required=True),
        FieldSpec("title", "title"),
        FieldSpec("consent", "consent", required=True),
        FieldSpec("consent_uses", "consent_uses", options=("analysis", "quotation", "publication")),
        FieldSpec("date", "date"),
        FieldSpec("language", "language"),
    ]
    if campaign.location_level != campaign.LocationLevel.NONE:
        fields.append(FieldSpec("location", "location", options=tuple(campaign.location_choices())))
    if instrument.ask_groups:
        fields.append(FieldSpec("groups", "groups"))
    if instrument.ask_age:
        # Partners' forms use their own age bands; they are kept as given.
        fields.append(FieldSpec("age_band", "age_band"))
    if instrument.ask_sex:
        options = (*Narrative.Sex.values, "prefer_not_to_say")
        fields.append(FieldSpec("sex", "sex", options=options))
    # The code of the receipt card handed to the teller (see consultations/receipts.py).
    fields.append(FieldSpec(RECEIPT_FIELD, "text"))
    for s in instrument.signifiers.all():
        if s.kind == Signifier.Kind.TRIAD:
            fields.append(FieldSpec(s.key, "triad", columns=3))
        elif s.kind == Signifier.Kind.DYAD:
            fields.append(FieldSpec(s.key, "dyad"))
        else:
            fields.append(
                FieldSpec(
                    s.key,
                    s.kind,
                    options=tuple(s.option_values()),
                    labels=_choice_labels(s, campaign.languages or []),
                )
            )
    return fields


def _choice_labels(signifier: Signifier, languages) -> tuple[tuple[str, str], ...]:
    """``(label, value)`` for each choice in each campaign language (and any other language
    the choice is labelled in), so an export "with labels" matches its choices."""
    pairs: list[tuple[str, str]] = []
    for option in signifier.labels or ():
        if not isinstance(option, dict):
            continue
        value = str(option.get("value"))
        label = option.get("label")
        texts = label.items() if isinstance(label, dict) else [("", label)]
        ordered = sorted(texts, key=lambda item: (item[0] not in languages, item[0] or ""))
        pairs.extend((str(text), value) for _lang, text in ordered if text)
    return tuple(dict.fromkeys(pairs))


def _default_language(campaign) -> str:
    """A story without a language column is in the campaign's first language."""
    languages = [code for code in (campaign.languages or []) if code]
    return languages[0] if languages else "en"


def _resolve_groups(labels, known: dict | None = None) -> tuple[list, bool, bool, list[str]]:
    """Self-identified group labels → groups; ``known`` caches lookups during one import."""
    groups, unknown, none, prefer_not = [], [], False, False
    known = {} if known is None else known
    for label in labels or ():
        if label in ("none",):
            none = True
        elif label in ("prefer_not_to_say", "prefer_not"):
            prefer_not = True
        else:
            if label not in known:
                known[label] = group_for_label(label.replace("_", " "))
            group = known[label]
            (groups.append(group) if group else unknown.append(label))
    return groups, none, prefer_not, unknown


# --------------------------------------------------------------------------------------------
# States and failures


def _set_status(upload: Upload, status: str, *fields: str) -> None:
    upload.status = status
    upload.status_changed_at = timezone.now()
    upload.save(update_fields=["status", "status_changed_at", *fields])


def person_message(upload: Upload, text: str) -> str:
    """A reader's message with the stored file's name and folder replaced by the name the
    person uploaded (the server's paths are nobody's business)."""
    if upload.file:
        stored = Path(upload.file.name)
        for secret in (str(Path(settings.MEDIA_ROOT) / stored), str(stored), stored.name):
            text = text.replace(secret, upload.original_name)
        # a temporary copy of a file kept on a remote storage (common.storage.local_copy)
        text = _TEMPORARY_COPY.sub(lambda _match: upload.original_name, text)
    return text.replace(str(settings.MEDIA_ROOT), "…")


_TEMPORARY_COPY = re.compile(
    "(?:" + re.escape(tempfile.gettempdir()) + r"/)?\blnob-[A-Za-z0-9_]+(?:\.\w+)?"
)


def upload_fail(*, upload: Upload, message: str = "", exc: BaseException | None = None) -> Upload:
    """Mark an upload failed with a message a person can act on, and delete its raw file and
    preview. Messages from the readers (``ExportError``, ``UnsafeArchive``,
    ``ValidationError``) are shown; anything else is logged with the upload's reference and
    the person sees only that reference. Also for a reaper of stuck uploads.

    An upload that is already imported or failed keeps its status and message (its stories
    are stored, or its first failure is the one to read); only the raw file goes."""
    current = Upload.objects.filter(pk=upload.pk).values_list("status", flat=True).first()
    if current in Upload.FINAL_STATUSES:
        if exc is not None:
            logger.error("upload %s: error after it ended", upload.reference, exc_info=exc)
        services.upload_delete_raw(upload=upload)
        upload.refresh_from_db()
        return upload
    upload.message_data = []
    if not message:
        if isinstance(exc, (ExportError, UnsafeArchive)):
            message = person_message(upload, str(exc))
            upload.message_data = message_data(
                exc.args[:1], lambda text: person_message(upload, text)
            )
        elif isinstance(exc, ValidationError):
            message = person_message(upload, " ".join(exc.messages))
        elif isinstance(exc, SoftTimeLimitExceeded):
            message = _(
                "The file took too long to read; nothing was imported. Split the export into "
                "smaller files and upload them one by one."
            )
        else:
            if exc is not None:
                logger.error("upload %s failed", upload.reference, exc_info=exc)
            message = _(
                "The import failed; nothing was imported. Try again (upload the file again) "
                "or contact RCO staff (reference %(ref)s)."
            ) % {"ref": upload.reference}
    services.upload_delete_raw(upload=upload)
    upload.message = message
    _set_status(upload, Upload.Status.FAILED, "message", "message_data")
    cache.delete(progress_key(upload))
    return upload


# --------------------------------------------------------------------------------------------
# In the request: store and enqueue, never parse


def upload_store(
    *,
    uploaded: UploadedFile,
    instrument: Instrument,
    organisation,
    user,
    consent_how: str,
    enqueue: bool = True,
) -> Upload:
    """Keep the file and enqueue its inspection. Only cheap checks happen here: the
    extension, the size, and for an XLSX (or anything that is a ZIP) its central directory.
    A refused file leaves nothing behind. With ``enqueue=False`` (the command line) the
    caller runs the worker's step itself."""
    display_name = Path(uploaded.name).name
    extension = Path(display_name).suffix.lower()
    if display_name.startswith("~$"):
        raise ValidationError(
            _(
                "“%(name)s” is an Excel lock file: Excel writes it while a workbook is open and "
                "it holds no data. Close Excel and upload “%(real)s” itself."
            )
            % {"name": display_name, "real": display_name[2:]}
        )
    if extension not in UPLOAD_EXTENSIONS:
        raise ValidationError(
            _(
                "“%(name)s” cannot be read: upload a KoboToolbox export (CSV or XLSX) or an "
                "ODK Central export (the ZIP it downloads, or its main CSV)."
            )
            % {"name": display_name}
        )
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 200 MB; split the export.") % {"name": display_name}
        )
    handle = uploaded.file
    handle.seek(0)
    magic = handle.read(4)
    handle.seek(0)
    if extension == ".xlsx" or magic == ZIP_MAGIC:
        try:
            check_archive(handle, limits=archive_limits(), display_name=display_name)
        except UnsafeArchive as exc:
            raise ValidationError(render_message(exc.args[0])) from exc
    name = ""
    try:
        name = store_upload(uploaded, folder="uploads").name
        upload = Upload.objects.create(
            campaign=instrument.campaign,
            instrument=instrument,
            organisation=organisation,
            uploaded_by=user,
            file=name,
            original_name=display_name[:255],
            consent_how=consent_how,
            status=Upload.Status.STORED,
        )
    except BaseException:
        delete_stored(name)
        raise
    if enqueue:
        from .tasks import upload_inspect_task

        transaction.on_commit(lambda: upload_inspect_task.delay(upload.pk))
    return upload


def upload_set_mapping(
    *, upload: Upload, mapping: dict[str, list[str]], enqueue: bool = True
) -> list[str]:
    """Save the mapping (checked against the stored columns) and enqueue the row check.
    Returns the problems, if any (then nothing changed)."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status not in (Upload.Status.MAPPING, Upload.Status.PREVIEW) or not locked.file:
            return [_refusal(locked)]
        problems = validate_mapping(
            mapping,
            instrument_fields(upload.instrument),
            locked.columns,
            units=[name for name, _rows in upload_units(locked)],
        )
        if problems:
            return problems
        ColumnMapping.objects.update_or_create(
            campaign=upload.campaign,
            organisation=upload.organisation,
            instrument=upload.instrument,
            export_format=locked.export_format,
            defaults={"mapping": mapping},
        )
        locked.preview, locked.problems = [], []
        _set_status(locked, Upload.Status.CHECKING, "preview", "problems")
        if enqueue:
            from .tasks import upload_validate_task

            transaction.on_commit(lambda: upload_validate_task.delay(locked.pk))
    upload.refresh_from_db()
    return []


def upload_remap(*, upload: Upload) -> Upload:
    """Back from the preview to the mapping; refused once the import has started."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status not in (Upload.Status.PREVIEW, Upload.Status.MAPPING) or not locked.file:
            raise ValidationError(_refusal(locked))
        _set_status(locked, Upload.Status.MAPPING)
    upload.refresh_from_db()
    return upload


def upload_import_start(*, upload: Upload, user=None, enqueue: bool = True) -> Upload:
    """Move a checked upload to "importing" and enqueue the import, exactly once: the row
    is locked and its status checked in one transaction, so a double click or a second tab
    is refused (``ValidationError`` with a message for the person) and starts no task."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != Upload.Status.PREVIEW or not locked.file:
            raise ValidationError(_refusal(locked))
        if locked.problems and not _imports_accepted_rows(locked):
            raise ValidationError(
                _("Nothing in this upload can be imported; see the rows that cannot be accepted.")
            )
        if locked.problems:
            from .sync import sync_import_refusal

            refusal = sync_import_refusal(locked.problems)
            if refusal:
                raise ValidationError(refusal)
        if not locked.rows_ok:
            raise ValidationError(
                _(
                    "Every row is already in the portal or was deleted earlier; there is nothing "
                    "to import."
                )
            )
        cache.set(progress_key(locked), 0, 60 * 60)
        _set_status(locked, Upload.Status.IMPORTING)
        if enqueue:
            from .tasks import upload_import_task

            user_id = user.pk if user is not None and user.is_authenticated else None
            transaction.on_commit(lambda: upload_import_task.delay(locked.pk, user_id))
    upload.refresh_from_db()
    return upload


def _imports_accepted_rows(upload: Upload) -> bool:
    """A connected sync's upload imports its accepted rows while the rejected ones wait in
    the sync's queue for a fix at the source (a later pull brings them once accepted); any
    other upload is imported whole or not at all."""
    return upload.sync_id is not None


def upload_discard(*, upload: Upload) -> Upload:
    """The partner gives up on an upload before importing it: its file is deleted now."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status not in (Upload.Status.MAPPING, Upload.Status.PREVIEW):
            raise ValidationError(_refusal(locked))
        upload_fail(upload=locked, message=_("Discarded; its file was deleted."))
    upload.refresh_from_db()
    return upload


def _refusal(upload: Upload) -> str:
    if upload.status == Upload.Status.IMPORTING:
        return _("This upload is being imported already; this page shows its progress.")
    if upload.status == Upload.Status.IMPORTED:
        return _(
            "This upload was imported already; it cannot be changed or imported again. To add "
            "more stories, upload a new export."
        )
    if upload.status == Upload.Status.FAILED:
        return _("This upload was not imported and its file is gone; upload the file again.")
    return _("The file is still being checked; wait until this page shows the next step.")


# --------------------------------------------------------------------------------------------
# In the worker: read, check, import


@contextmanager
def _export(upload: Upload) -> Iterator[ExportFile]:
    """The opened export, read from a local path (a temporary copy of a remote file lives
    as long as the block)."""
    if not upload.file:
        raise ExportError(_("The file of this upload is gone; upload it again."))
    with local_copy(upload.file.name) as path:
        with path.open("rb") as handle:
            if handle.read(4) == ZIP_MAGIC:
                # Again in the worker: the stored file is what gets parsed.
                check_archive(path, limits=archive_limits(), display_name=upload.original_name)
        yield open_export(path, fmt=upload.export_format or None)


def _columns(export) -> list[str]:
    columns = list(export.columns)
    for sheet in getattr(export, "repeat_sheets", ()):
        seen: list[str] = []
        for rows in export.repeats_by_parent(sheet).values():
            for row in rows:
                seen.extend(
                    c
                    for c in row
                    if c not in seen and not c.startswith("_") and c not in METADATA_COLUMNS
                )
        columns.extend(f"{sheet}/{c}" for c in seen)
    return columns


#: Main-sheet rows read for the sample values at most (a column empty in the first rows of a
#: 100,000-row file is judged by its name).
SAMPLE_ROWS = 2_000
#: Longest sample value kept (a story's first characters say enough).
SAMPLE_CHARS = 200


def _samples(export) -> dict[str, list[str]]:
    """The first :data:`SAMPLE_SIZE` non-empty values of each column (repeat-group columns
    as ``<sheet>/<column>``), so suggestions can check that values fit a field."""
    samples: dict[str, list[str]] = {}

    def take(prefix: str, rows) -> None:
        for count, (_number, row) in enumerate(rows):
            if count >= SAMPLE_ROWS:
                break
            for column, value in row.items():
                text = str(value).strip()
                if not text or column.startswith("_") or column in METADATA_COLUMNS:
                    continue
                kept = samples.setdefault(prefix + column, [])
                if len(kept) < SAMPLE_SIZE:
                    kept.append(text[:SAMPLE_CHARS])

    take("", export.iter_rows())
    for sheet in getattr(export, "repeat_sheets", ()):
        take(f"{sheet}/", export.iter_repeat_rows(sheet))
    return samples


def upload_inspect(*, upload: Upload) -> Upload:
    """Worker: recognise the export and read its columns (repeat-group columns too), the
    repeat groups with their row counts (each can be the unit of a story) and sample values
    of each column, once."""
    if upload.status != Upload.Status.STORED:
        return upload
    _set_status(upload, Upload.Status.CHECKING)
    try:
        with _export(upload) as export:
            columns = _columns(export)
            units = list(export.repeat_row_counts().items()) if export.repeat_sheets else []
            samples = _samples(export)
    except Exception as exc:  # any reader failure ends here, as a message for the person
        return upload_fail(upload=upload, exc=exc)
    upload.export_format = export.format
    upload.columns = columns
    upload.inspection = {"units": [list(unit) for unit in units], "samples": samples}
    upload.message = person_message(upload, " ".join(export.notes))
    upload.message_data = message_data(export.notes, lambda text: person_message(upload, text))
    _set_status(
        upload,
        Upload.Status.MAPPING,
        "export_format",
        "columns",
        "inspection",
        "message",
        "message_data",
    )
    return upload


def upload_units(upload: Upload) -> list[tuple[str, int]]:
    """The repeat groups of the file with their row counts: ``[(group, rows), …]``."""
    return [(str(name), int(rows)) for name, rows in (upload.inspection or {}).get("units", [])]


def upload_unit(mapping) -> str:
    """The repeat group whose rows are the stories, or "" (each submission is a story)."""
    return next((text for text in (mapping or {}).get(UNIT_KEY, ()) if text), "")


def upload_columns(upload: Upload) -> list[str]:
    """The columns read by the worker (never the file itself)."""
    return list(upload.columns)


def upload_mapping_initial(upload: Upload) -> dict[str, list[str]]:
    """The partner's saved mapping for this campaign, else a suggestion from the names."""
    saved = ColumnMapping.objects.filter(
        campaign=upload.campaign,
        organisation=upload.organisation,
        instrument=upload.instrument,
        export_format=upload.export_format,
    ).first()
    columns = upload_columns(upload)
    fields = instrument_fields(upload.instrument)
    units = [name for name, _rows in upload_units(upload)]
    if saved and not validate_mapping(saved.mapping, fields, columns, units=units):
        return saved.mapping
    samples = (upload.inspection or {}).get("samples") or {}
    return suggest_mapping(columns, fields, samples=samples)


def _mapping(upload: Upload) -> dict[str, list[str]]:
    return ColumnMapping.objects.get(
        campaign=upload.campaign,
        organisation=upload.organisation,
        instrument=upload.instrument,
        export_format=upload.export_format,
    ).mapping


def _mapped_sheets(export, mapping) -> list[str]:
    sheets = getattr(export, "repeat_sheets", ())
    mapped = {column for columns in (mapping or {}).values() for column in columns}
    return [sheet for sheet in sheets if any(c.startswith(f"{sheet}/") for c in mapped)]


def _rows(upload: Upload, mapping=None, problems: list | None = None):
    """Main-sheet rows with the answers of the mapped repeat-group sheets joined in as
    labelled lists (see module docstring), and the reasons a submission cannot be stored
    because one of its repeat rows could not be placed. A repeat row that belongs to no
    submission of the file is added to ``problems``.

    Yields ``(export, row number, row, reasons, sheet, path)``: ``sheet`` and ``path`` are
    "" unless the mapping names a repeat group as the unit of a story; then each row of that
    group is one story (``ExportFile.unit_rows``) and ``path`` its repeat path and index."""
    with _export(upload) as export:
        mapping = mapping if mapping is not None else _mapping(upload)
        sheets = _mapped_sheets(export, mapping)
        unit = upload_unit(mapping)
        if unit:
            if problems is not None:
                # Attached repeat rows of no submission are reported; the unit's own are its rows.
                others = [sheet for sheet in sheets if sheet != unit]
                for sheet, number, reason in export.link_repeats(others).orphans if others else ():
                    problems.append({"row": number, "sheet": sheet, "key": "", "reasons": [reason]})
            for story in export.unit_rows(unit, sheets):
                yield export, story.row_number, story.values, list(story.reasons), unit, story.path
            return
        answers, links = {}, None
        if sheets:
            links = export.link_repeats(sheets)
            answers = export.repeat_answers(links)
            if problems is not None:
                for sheet, number, reason in links.orphans:
                    problems.append({"row": number, "sheet": sheet, "key": "", "reasons": [reason]})
        for number, row in export.iter_rows():
            reasons: list[str] = []
            if links is not None:
                index = export.submission_link_key(row)
                row = dict(row) | answers.get(index, {})
                reasons = links.reasons.get(index, [])
            yield export, number, row, reasons, "", ""


@dataclass
class _Check:
    """What one pass over the rows found."""

    total: int = 0
    ok: int = 0
    duplicates: int = 0
    deleted_earlier: int = 0
    problems: list = field(default_factory=list)
    preview: list = field(default_factory=list)
    #: When a list: the rows skipped as deleted earlier or already stored, with the reason
    #: (the command line reports every source row).
    skipped: list | None = None


def _checked_rows(upload: Upload, check: _Check):
    """Every row normalised with the saved mapping; yields the rows that can be stored as
    ``(result, groups, none, prefer_not)`` and counts the others in ``check``. Rows deleted
    earlier (tombstones) and rows already stored are skipped."""
    mapping = _mapping(upload)
    fields = instrument_fields(upload.instrument)
    existing = _stored_keys(upload)
    tombstones = set(
        SubmissionTombstone.objects.filter(campaign=upload.campaign).values_list(
            "key_hash", flat=True
        )
    )
    known: dict = {}
    seen: set[str] = set()
    receipts = ReceiptCheck.for_upload(upload)
    for export, number, row, repeat_reasons, sheet, path in _rows(upload, mapping, check.problems):
        check.total += 1
        if sheet and not row:  # a repeat row that belongs to no submission
            check.problems.append(
                {"row": number, "sheet": sheet, "key": "", "reasons": list(repeat_reasons)}
            )
            continue
        result = normalise_export_row(
            row,
            mapping,
            fields,
            row_number=number,
            key_column=export.key_column,
            submitted_at_column=export.submitted_at_column,
            extra_reasons=repeat_reasons,
        )
        if path and result.key:
            # A repeat row is the story: its key is the submission's plus its repeat path.
            if isinstance(result, NormalisedRow):
                result = dataclasses.replace(
                    result, key=unit_key(result.key, path), submission=result.key
                )
            else:
                result = dataclasses.replace(result, key=unit_key(result.key, path))
        if not isinstance(result, NormalisedRow):
            problem = {
                "row": result.row_number,
                "key": result.key,
                "reasons": list(result.reasons),
                # the templates, so each viewer reads the reasons in their own language
                "messages": message_data(result.reasons),
            }
            check.problems.append(problem | ({"sheet": sheet} if sheet else {}))
            continue
        key = result.key[:100]
        if tombstones and tombstone_hash(upload.campaign_id, key) in tombstones:
            check.deleted_earlier += 1
            if check.skipped is not None:
                check.skipped.append(
                    {"row": number, "key": key, "reasons": ["deleted earlier (not imported)"]}
                )
            continue
        if key in existing or key in seen:
            check.duplicates += 1
            if check.skipped is not None:
                reason = "already in the portal" if key in existing else "twice in the file"
                check.skipped.append({"row": number, "key": key, "reasons": [reason]})
            continue
        seen.add(key)
        groups, none, prefer_not, unknown = _resolve_groups(result.values.get("groups"), known)
        if unknown:
            check.problems.append(
                {
                    "row": number,
                    "key": result.key,
                    "reasons": [
                        _("unknown group '%(g)s' (not in the portal's vocabulary)") % {"g": g}
                        for g in unknown
                    ],
                }
            )
            continue
        receipt_problem = receipts.problem(result.values.get(RECEIPT_FIELD))
        if receipt_problem:
            check.problems.append({"row": number, "key": result.key, "reasons": [receipt_problem]})
            continue
        check.ok += 1
        if len(check.preview) < PREVIEW_ROWS:
            # The receipt code withdraws the story: the preview says only that there is one.
            check.preview.append(
                {
                    k: _jsonable(v) if k != RECEIPT_FIELD else True
                    for k, v in result.values.items()
                    if v not in (None, "", ())
                }
                | {"_key": result.key}
            )
        yield result, groups, none, prefer_not


def _store_check(upload: Upload, check: _Check, *extra: str) -> None:
    upload.rows_total, upload.rows_ok = check.total, check.ok
    upload.rows_duplicate, upload.rows_deleted_earlier = check.duplicates, check.deleted_earlier
    upload.problems = check.problems[:1000]
    upload.save(
        update_fields=[
            "rows_total",
            "rows_ok",
            "rows_duplicate",
            "rows_deleted_earlier",
            "problems",
            *extra,
        ]
    )


def _stored_keys(upload: Upload) -> set[str]:
    return set(
        Narrative.objects.filter(campaign=upload.campaign)
        .exclude(external_key="")
        .values_list("external_key", flat=True)
    )


def upload_validate(*, upload: Upload) -> Upload:
    """Worker: check every row; store counts, the first rows as they will be stored, and
    every problem with its row number. Nothing is imported yet."""
    if upload.status != Upload.Status.CHECKING:
        return upload
    check = _Check()
    try:
        for _row in _checked_rows(upload, check):
            pass
    except Exception as exc:
        return upload_fail(upload=upload, exc=exc)
    upload.preview = check.preview
    _store_check(upload, check, "preview")
    _set_status(upload, Upload.Status.PREVIEW)
    return upload


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _partial_refused(check: _Check) -> bool:
    from .sync import sync_import_refusal

    return bool(sync_import_refusal(check.problems))


class _RowsRefused(Exception):
    """Rolls the import back: some rows cannot be accepted."""


class _AlreadyEnded(Exception):
    """Another run of the task (a redelivery) finished this import first."""


def upload_import(*, upload: Upload, user=None) -> Upload:
    """Worker: import every valid row in one transaction; any problem, nothing is imported
    (a connected sync's upload: the accepted rows are imported, the rejected ones wait in
    the sync's queue).
    Runs only for an upload that ``upload_import_start`` moved to "importing". Either way the
    raw file and the preview are deleted at the end (or kept, reduced, for
    ``UPLOAD_RAW_RETENTION_HOURS``)."""
    if upload.status != Upload.Status.IMPORTING:
        return upload
    try:
        if not upload.campaign.partners.filter(pk=upload.organisation_id).exists():
            raise PermissionDenied
        imported = _import_rows(upload, user)
    except _AlreadyEnded:
        upload.refresh_from_db()
        return upload
    except _RowsRefused as refused:
        _store_check(upload, refused.args[0])  # after the rollback, so the problems stay
        if _imports_accepted_rows(upload):
            message = _(
                "Nothing was imported: %(n)s rows cannot be accepted. Correct them at the "
                "source; the next pull checks them again."
            ) % {"n": len(upload.problems)}
        else:
            message = _(
                "Nothing was imported: %(n)s rows cannot be accepted. Correct them and upload "
                "the file again."
            ) % {"n": len(upload.problems)}
        return upload_fail(upload=upload, message=message)
    except PermissionDenied:
        return upload_fail(
            upload=upload,
            message=_("Nothing was imported: %(org)s is no longer a partner of this campaign.")
            % {"org": upload.organisation},
        )
    except Exception as exc:
        return upload_fail(upload=upload, exc=exc)
    cache.delete(progress_key(upload))
    audit_record(
        action=AuditEvent.Action.IMPORT,
        actor=user,
        target=upload,
        summary=f"{imported} stories from upload {upload.reference}",
        data={"campaign": upload.campaign_id, "organisation": upload.organisation_id},
    )
    _keep_or_delete_raw(upload)
    return upload


def _import_rows(upload: Upload, user) -> int:
    signifier_keys = {s.key for s in upload.instrument.signifiers.all()}
    consent_text = upload.campaign.current_consent
    default_language = _default_language(upload.campaign)
    check = _Check()
    partial = _imports_accepted_rows(upload)
    imported, batch, used_cards = 0, [], []
    with transaction.atomic():
        # A redelivered task waits here for the first run, then finds it imported.
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != Upload.Status.IMPORTING:
            raise _AlreadyEnded
        for result, groups, none, prefer_not in _checked_rows(upload, check):
            if check.problems and not partial:
                continue  # keep counting the problems; nothing will be stored
            values = result.values
            uses = set(values.get("consent_uses") or ("analysis",))
            given = values.get("date") or (
                result.submitted_at.date() if result.submitted_at else None
            )
            answers = {}
            for key in signifier_keys:
                value = values.get(key)
                if value not in (None, "", ()):
                    answers[key] = list(value) if isinstance(value, tuple) else value
                if values.get(f"{key}_other"):
                    answers[f"{key}_other"] = values[f"{key}_other"]
            narrative, _code = services.narrative_build(
                instrument=upload.instrument,
                channel=Narrative.Channel.UPLOAD,
                organisation=upload.organisation,
                user=user,
                external_key=result.key[:100],
                values={
                    "story": values.get("story") or "",
                    "title": values.get("title"),
                    "language": values.get("language") or default_language,
                    "location": values.get("location") or "",
                    "age_band": values.get("age_band") or "",
                    "sex": {"prefer_not_to_say": "prefer_not"}.get(
                        values.get("sex") or "", values.get("sex") or ""
                    ),
                    "groups_none": none,
                    "groups_prefer_not": prefer_not,
                    "answers": answers,
                },
                consent={
                    "given": True,
                    "how": upload.consent_how,
                    "text": consent_text,
                    "date": given or timezone.localdate(),
                    "analysis": "analysis" in uses,
                    "quotation": "quotation" in uses,
                    "publication": "publication" in uses,
                },
            )
            narrative.source_upload = upload
            # A teller given a receipt card withdraws with its code; without one, the partner
            # asks RCO staff to delete the story (narrative_delete), as the consent text says.
            used_cards.append(receipt_link(narrative, values.get(RECEIPT_FIELD)))
            batch.append((narrative, groups))
            if len(batch) == BATCH_SIZE:
                imported += services.narratives_bulk_store(batch)
                batch = []
                cache.set(progress_key(upload), imported, 60 * 60)
        if check.problems and (not partial or not check.ok or _partial_refused(check)):
            raise _RowsRefused(check)
        imported += services.narratives_bulk_store(batch)
        receipt_cards_mark_used(used_cards)
        _store_check(upload, check)
        submissions_imported.send(sender=Upload, upload=upload, count=imported)
        # The status changes with the stories, so "importing" never outlives a commit.
        upload.rows_imported = imported
        upload.message = _("%(n)s stories imported; %(d)s already in the portal were skipped.") % {
            "n": imported,
            "d": upload.rows_duplicate,
        }
        if upload.rows_deleted_earlier:
            upload.message += " " + _(
                "%(n)s rows were deleted earlier (withdrawn, deleted or past their retention) "
                "and were not imported."
            ) % {"n": upload.rows_deleted_earlier}
        if check.problems:  # a sync's upload: the rejected rows wait in its queue
            waiting = len({str(p.get("key") or "")[:100] for p in check.problems})
            upload.message += " " + ngettext(
                "%(n)s submission waits in the sync's queue for a fix at source; a later pull "
                "imports it once it is accepted.",
                "%(n)s submissions wait in the sync's queue for a fix at source; a later pull "
                "imports them once they are accepted.",
                waiting,
            ) % {"n": waiting}
        with_cards = sum(1 for h in used_cards if h)
        if with_cards:
            upload.message += " " + _(
                "%(n)s stories carry a receipt card code: their tellers can withdraw them."
            ) % {"n": with_cards}
        _set_status(upload, Upload.Status.IMPORTED, "rows_imported", "message")
    return imported


def _raw_retention_hours() -> float:
    return float(getattr(settings, "UPLOAD_RAW_RETENTION_HOURS", 0) or 0)


def _keep_or_delete_raw(upload: Upload) -> None:
    """After an import: delete the raw file and the preview, or (with a retention period)
    keep a copy holding only the mapped columns until ``raw_delete_after``."""
    hours = _raw_retention_hours()
    if hours <= 0 or not upload.file:
        services.upload_delete_raw(upload=upload)
        return
    try:
        _reduce_to_mapped_columns(upload)
    except Exception:
        logger.exception("upload %s: could not reduce the raw file", upload.reference)
        services.upload_delete_raw(upload=upload)
        return
    upload.raw_delete_after = timezone.now() + datetime.timedelta(hours=hours)
    upload.save(update_fields=["raw_delete_after"])


def _reduce_to_mapped_columns(upload: Upload) -> None:
    """Rewrite the raw file as a CSV of the mapped columns (plus the submission id and
    time), so unmapped columns (phone numbers, names…) are not kept even for a short while."""
    mapping = _mapping(upload)
    old = upload.file.name
    keep: list[str] = []
    for key, columns in mapping.items():
        if key.endswith(SCALE_SUFFIX) or key == UNIT_KEY:  # not columns
            continue
        keep.extend(c for c in columns if c not in keep)
    handle, temporary = tempfile.mkstemp(prefix="lnob-", suffix=".csv")
    new_path = Path(temporary)
    try:
        with open(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            header_written = False
            for export, _number, row, _reasons, _sheet, _path in _rows(upload, mapping):
                if not header_written:
                    extra = [c for c in (export.key_column, export.submitted_at_column) if c]
                    keep = [*extra, *(c for c in keep if c not in extra)]
                    writer.writerow(keep)
                    header_written = True
                writer.writerow([str(row.get(c, "")) for c in keep])
        with new_path.open("rb") as written:
            new_name = store_upload(File(written, name="mapped.csv"), folder="uploads").name
    finally:
        new_path.unlink(missing_ok=True)
    delete_stored(old)
    upload.file.name = new_name
    upload.save(update_fields=["file"])


def uploads_raw_purge(*, now: datetime.datetime | None = None) -> int:
    """Periodic: delete raw files and previews kept past ``raw_delete_after``, and fail
    uploads left waiting for a mapping or an import click for more than ``PENDING_DAYS``."""
    now = now or timezone.now()
    count = 0
    for upload in Upload.objects.filter(raw_delete_after__lt=now):
        services.upload_delete_raw(upload=upload)
        count += 1
    # A failed upload keeps no copy: the reaper (common/jobs.py) fails stuck uploads with a
    # bulk update that cannot delete files, so their raw files go here.
    for upload in Upload.objects.filter(status=Upload.Status.FAILED).exclude(file=""):
        services.upload_delete_raw(upload=upload)
        count += 1
    stale = Upload.objects.filter(
        status__in=(Upload.Status.MAPPING, Upload.Status.PREVIEW),
        status_changed_at__lt=now - datetime.timedelta(days=PENDING_DAYS),
    )
    for upload in stale:
        upload_fail(
            upload=upload,
            message=_(
                "This upload waited more than %(days)s days without being imported, so its "
                "file was deleted. Upload it again when you are ready."
            )
            % {"days": PENDING_DAYS},
        )
        count += 1
    return count


# ---------------------------------------------------------------------------
# Undo of an import (a batch)
# ---------------------------------------------------------------------------


def upload_undo_days() -> int:
    """How long after an import it can still be undone (``IMPORT_UNDO_DAYS``, default 90)."""
    return int(getattr(settings, "IMPORT_UNDO_DAYS", 90))


#: How many stories an undo refusal names (the count is exact).
UNDO_NAMED = 10
#: Stories are deleted with what belongs to them alone; anything else that a deletion would
#: take with it (a citation on a group page, a quote…) is work done since the import.
_OWN_ROWS = {
    "consultations.narrative",
    "consultations.narrative_groups",
}


def upload_undo_blockers(upload: Upload) -> list[str]:
    """Why this upload's import cannot be undone (empty when it can).

    Decision: undo is all or nothing and never destroys work done since the import. It is
    refused when any story of the upload was reviewed, tagged (themes, factors, SDG targets),
    redacted, or is referred to from elsewhere (a citation on a group page); the person is
    told which stories (by submission key), to sort out by hand. Otherwise every story of the
    upload is deleted, with no tombstone: uploading the same export again brings them back."""
    from django.db.models.deletion import Collector

    if upload.status != Upload.Status.IMPORTED:
        return [
            _("Only an imported upload can be undone; this one is “%(status)s”.")
            % {"status": upload.get_status_display()}
        ]
    imported_at = upload.status_changed_at
    if timezone.now() - imported_at > datetime.timedelta(days=upload_undo_days()):
        return [
            _("Imports can be undone for %(days)s days; this one was imported on %(date)s.")
            % {"days": upload_undo_days(), "date": f"{imported_at:%Y-%m-%d}"}
        ]
    stories = Narrative.objects.filter(source_upload=upload)
    keys = dict(stories.values_list("pk", "external_key"))
    worked: set[int] = set(
        stories.exclude(review_status=ReviewStatus.PENDING).values_list("pk", flat=True)
    )
    worked |= set(stories.filter(reviewed_at__isnull=False).values_list("pk", flat=True))
    for relation in ("themes", "factors", "sdg_targets"):
        worked |= set(stories.filter(**{f"{relation}__isnull": False}).values_list("pk", flat=True))
    worked |= {
        int(pk)
        for pk in AuditEvent.objects.filter(
            target_type="consultations.narrative",
            target_id__in=[str(pk) for pk in keys],
            created_at__gte=imported_at,
        ).values_list("target_id", flat=True)
    }
    collector = Collector(using="default")
    collector.collect(list(stories.exclude(pk__in=worked)))
    for model, objects in collector.data.items():
        if model._meta.label_lower not in _OWN_ROWS:
            worked |= {
                getattr(obj, "narrative_id", None)
                for obj in objects
                if hasattr(obj, "narrative_id")
            } - {None}
    for qs in collector.fast_deletes:
        if qs.model._meta.label_lower not in _OWN_ROWS and hasattr(qs.model, "narrative_id"):
            worked |= set(qs.values_list("narrative_id", flat=True))
    if not worked:
        return []
    named = sorted(keys.get(pk) or f"#{pk}" for pk in worked)
    more = len(named) - UNDO_NAMED
    listed = ", ".join(named[:UNDO_NAMED]) + (
        _(" and %(n)s more") % {"n": more} if more > 0 else ""
    )
    return [
        _(
            "%(n)s stories of this upload were reviewed, tagged, redacted or cited since the "
            "import: %(keys)s. Undoing would lose that work; delete stories one by one instead."
        )
        % {"n": len(worked), "keys": listed}
    ]


def upload_undo(*, upload: Upload, user, request=None) -> int:
    """Undo a partner upload's import as a whole: delete every story it created (no tombstone,
    so the same export can be uploaded again after a fix). Refused with the reasons of
    ``upload_undo_blockers``. One transaction; recorded in the audit log. Returns how many
    stories were deleted."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        reasons = upload_undo_blockers(upload)
        if reasons:
            raise ValidationError(reasons)
        stories = Narrative.objects.filter(source_upload=upload)
        # The groups of the stories are read for the evidence pages before they go.
        submissions_imported.send(sender=Upload, upload=upload, count=0)
        count = stories.count()
        stories.delete()
        upload.undone_at = timezone.now()
        upload.undone_by = user
        upload.message = _("The import was undone: %(n)s stories deleted.") % {"n": count}
        upload.save(update_fields=["undone_at", "undone_by", "message"])
        _set_status(upload, Upload.Status.UNDONE, "message")
        audit_record(
            action=AuditEvent.Action.DELETE,
            actor=user,
            target=upload,
            request=request,
            summary=f"import of upload {upload.reference} undone: {count} stories deleted",
            data={
                "undo": True,
                "campaign": upload.campaign_id,
                "organisation": upload.organisation_id,
                "deleted": count,
            },
        )
    services.upload_delete_raw(upload=upload)
    return count


def upload_rows_report(*, upload: Upload) -> dict:
    """Every source row of a checked upload (status "preview", file still there), as the
    command line reports it: ``rows_in``, ``accepted`` (each story's ``key``, its source
    ``submission`` and the ``values`` it will hold), ``rejected`` (``sheet``, ``row``,
    ``reasons``) and ``skipped`` (already stored, or deleted earlier). Reads the file once
    more; stores nothing."""
    check = _Check(skipped=[])
    accepted = [
        {
            "key": result.key,
            # With a repeat group as the unit, the key adds the repeat path to it.
            "submission": result.submission or result.key,
            "values": {
                k: _jsonable(v) for k, v in result.values.items() if v not in (None, "", ())
            },
        }
        for result, _groups, _none, _prefer_not in _checked_rows(upload, check)
    ]
    return {
        "rows_in": check.total,
        "accepted": accepted,
        "rejected": [
            {
                "sheet": p.get("sheet", ""),
                "row": p.get("row"),
                "key": p.get("key", ""),
                "reasons": p.get("reasons", []),
            }
            for p in check.problems
        ],
        "skipped": check.skipped,
    }
