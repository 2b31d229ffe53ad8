"""Partner uploads of data collected offline (KoboToolbox, ODK Central): store, map columns
to the instrument's fields (the mapping is saved per campaign and partner), validate every row
(preview), then import all or nothing.

Kobo XLSX repeat-group sheets are joined to their parent row: each repeat column becomes a
column ``<sheet>/<column>`` holding the repeat rows' values separated by spaces, so a
partner can map them (e.g. the members' self-identified groups) like any other column.
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accounts.models import AuditEvent
from accounts.services import audit_record
from taxonomy.selectors import group_for_label

from . import services
from .ingest import (
    ExportError,
    FieldSpec,
    NormalisedRow,
    open_export,
    suggest_mapping,
    validate_mapping,
)
from .ingest import normalise_row as normalise_export_row
from .models import ColumnMapping, Instrument, Narrative, Signifier, Upload
from .signals import submissions_imported

UPLOAD_EXTENSIONS = (".csv", ".xlsx")
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
PREVIEW_ROWS = 5
BATCH_SIZE = 1000


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
    for s in instrument.signifiers.all():
        if s.kind == Signifier.Kind.TRIAD:
            fields.append(FieldSpec(s.key, "triad", columns=3))
        elif s.kind == Signifier.Kind.DYAD:
            fields.append(FieldSpec(s.key, "dyad"))
        else:
            fields.append(FieldSpec(s.key, s.kind, options=tuple(s.option_values())))
    return fields


def upload_store(
    *, uploaded: UploadedFile, instrument: Instrument, organisation, user, consent_how: str
) -> Upload:
    """Keep the file and recognise its format; an unreadable file leaves nothing behind."""
    extension = Path(uploaded.name).suffix.lower()
    if extension not in UPLOAD_EXTENSIONS:
        raise ValidationError(_("Upload a KoboToolbox or ODK Central export as CSV or XLSX."))
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 200 MB; split the export."))
    folder = Path(settings.MEDIA_ROOT) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}-{get_valid_filename(Path(uploaded.name).name)}"[:200]
    with open(folder / name, "wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    try:
        export = open_export(folder / name)
    except ExportError as exc:
        (folder / name).unlink(missing_ok=True)
        raise ValidationError(str(exc)) from exc
    upload = Upload.objects.create(
        campaign=instrument.campaign,
        instrument=instrument,
        organisation=organisation,
        uploaded_by=user,
        file=f"uploads/{name}",
        original_name=Path(uploaded.name).name,
        export_format=export.format,
        consent_how=consent_how,
        message=" ".join(export.notes),
    )
    return upload


def _export(upload: Upload):
    return open_export(upload.file.path, fmt=upload.export_format)


def upload_columns(upload: Upload) -> list[str]:
    export = _export(upload)
    columns = list(export.columns)
    for sheet in getattr(export, "repeat_sheets", ()):
        seen: list[str] = []
        for rows in export.repeats_by_parent(sheet).values():
            for row in rows:
                seen.extend(c for c in row if c not in seen and not c.startswith("_"))
        columns.extend(f"{sheet}/{c}" for c in seen)
    return columns


def upload_mapping_initial(upload: Upload) -> dict[str, list[str]]:
    """The partner's saved mapping for this campaign, else a suggestion from the names."""
    saved = ColumnMapping.objects.filter(
        campaign=upload.campaign,
        organisation=upload.organisation,
        instrument=upload.instrument,
        export_format=upload.export_format,
    ).first()
    columns = upload_columns(upload)
    if saved and not validate_mapping(saved.mapping, instrument_fields(upload.instrument), columns):
        return saved.mapping
    return suggest_mapping(columns, instrument_fields(upload.instrument))


def upload_set_mapping(*, upload: Upload, mapping: dict[str, list[str]]) -> list[str]:
    problems = validate_mapping(
        mapping, instrument_fields(upload.instrument), upload_columns(upload)
    )
    if problems:
        return problems
    ColumnMapping.objects.update_or_create(
        campaign=upload.campaign,
        organisation=upload.organisation,
        instrument=upload.instrument,
        export_format=upload.export_format,
        defaults={"mapping": mapping},
    )
    upload.status = Upload.Status.PREVIEW
    upload.save(update_fields=["status"])
    return []


def _rows(upload: Upload):
    """Main-sheet rows with repeat-group values joined in (see module docstring)."""
    export = _export(upload)
    repeats = {
        sheet: export.repeats_by_parent(sheet) for sheet in getattr(export, "repeat_sheets", ())
    }
    for number, row in export.iter_rows():
        if repeats:
            row = dict(row)
            for sheet, by_parent in repeats.items():
                children = by_parent.get(row.get("_index", ""), [])
                for child in children:
                    for column, value in child.items():
                        if value and not column.startswith("_"):
                            key = f"{sheet}/{column}"
                            row[key] = f"{row[key]} {value}".strip() if key in row else value
        yield export, number, row


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


def _normalised(upload: Upload):
    """(row_number, NormalisedRow | RowProblem) for every row, with the saved mapping."""
    mapping = ColumnMapping.objects.get(
        campaign=upload.campaign,
        organisation=upload.organisation,
        instrument=upload.instrument,
        export_format=upload.export_format,
    ).mapping
    fields = instrument_fields(upload.instrument)
    for export, number, row in _rows(upload):
        yield (
            number,
            normalise_export_row(
                row,
                mapping,
                fields,
                row_number=number,
                key_column=export.key_column,
                submitted_at_column=export.submitted_at_column,
            ),
        )


def _stored_keys(upload: Upload) -> set[str]:
    return set(
        Narrative.objects.filter(campaign=upload.campaign)
        .exclude(external_key="")
        .values_list("external_key", flat=True)
    )


def upload_validate(*, upload: Upload) -> Upload:
    """Check every row; record counts, the first rows as they will be stored, and every
    problem with its row number. Nothing is stored yet."""
    existing = _stored_keys(upload)
    total = ok = duplicates = 0
    known: dict = {}
    problems, preview, seen = [], [], set()
    try:
        for number, result in _normalised(upload):
            total += 1
            if not isinstance(result, NormalisedRow):
                problems.append(
                    {"row": result.row_number, "key": result.key, "reasons": list(result.reasons)}
                )
                continue
            if result.key in existing or result.key in seen:
                duplicates += 1
                continue
            seen.add(result.key)
            _groups, _n, _p, unknown = _resolve_groups(result.values.get("groups"), known)
            if unknown:
                problems.append(
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
            ok += 1
            if len(preview) < PREVIEW_ROWS:
                preview.append(
                    {k: _jsonable(v) for k, v in result.values.items() if v not in (None, "", ())}
                    | {"_key": result.key}
                )
    except ExportError as exc:
        problems.append({"row": None, "key": "", "reasons": [str(exc)]})
    upload.rows_total, upload.rows_ok, upload.rows_duplicate = total, ok, duplicates
    upload.problems, upload.preview = problems[:1000], preview
    upload.status = Upload.Status.PREVIEW
    upload.save(
        update_fields=["rows_total", "rows_ok", "rows_duplicate", "problems", "preview", "status"]
    )
    return upload


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def upload_import(*, upload: Upload, user=None) -> Upload:
    """Import every valid row in one transaction. Any problem: nothing is imported."""
    upload_validate(upload=upload)
    if upload.problems:
        upload.status = Upload.Status.FAILED
        upload.message = _(
            "Nothing was imported: %(n)s rows cannot be accepted. Correct them "
            "and upload the file again."
        ) % {"n": len(upload.problems)}
        upload.save(update_fields=["status", "message"])
        return upload
    signifier_keys = {s.key for s in upload.instrument.signifiers.all()}
    existing = _stored_keys(upload)
    if not upload.campaign.partners.filter(pk=upload.organisation_id).exists():
        raise PermissionDenied
    imported, batch, known = 0, [], {}
    consent_text = upload.campaign.current_consent
    try:
        with transaction.atomic():
            for _number, result in _normalised(upload):
                if not isinstance(result, NormalisedRow) or result.key in existing:
                    continue
                existing.add(result.key)
                values = result.values
                groups, none, prefer_not, _unknown = _resolve_groups(values.get("groups"), known)
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
                        "language": values.get("language") or "en",
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
                # Offline respondents cannot receive a receipt code; the partner withdraws a
                # story on their behalf (RCO staff delete it), as the consent text says.
                batch.append((narrative, groups))
                if len(batch) == BATCH_SIZE:
                    imported += services.narratives_bulk_store(batch)
                    batch = []
                    cache.set(progress_key(upload), imported, 60 * 60)
            imported += services.narratives_bulk_store(batch)
            submissions_imported.send(sender=Upload, upload=upload, count=imported)
    except (ValidationError, IntegrityError, ExportError) as exc:
        upload.status = Upload.Status.FAILED
        upload.message = _("Nothing was imported: %(error)s") % {
            "error": "; ".join(getattr(exc, "messages", [str(exc)]))
        }
        upload.save(update_fields=["status", "message"])
        return upload
    upload.rows_imported = imported
    upload.status = Upload.Status.IMPORTED
    upload.message = _("%(n)s stories imported; %(d)s already in the portal were skipped.") % {
        "n": imported,
        "d": upload.rows_duplicate,
    }
    upload.save(update_fields=["rows_imported", "status", "message"])
    audit_record(
        action=AuditEvent.Action.IMPORT,
        actor=user,
        target=upload,
        summary=f"{imported} stories from {upload.original_name}",
        data={"campaign": upload.campaign_id, "organisation": upload.organisation_id},
    )
    return upload
