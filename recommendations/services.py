"""Writes for the recommendations tracker: imports (upload → preview → confirm), editing
and publishing recommendations, clusters, institutions, actions, assessments and
indicators. Every write leaves a ``Change`` (who, when, what) in the history."""

from __future__ import annotations

import codecs
import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Organisation
from accounts.services import audit_record
from common.archives import UnsafeArchive, check_archive
from common.history import apply_changes, plain, set_m2m
from common.i18n import render_message
from common.jobs import WORKER_STOPPED, job_fail
from common.limits import (
    archive_limits,
    upload_max_columns,
    upload_max_field_chars,
    upload_max_json_depth,
)
from common.messages import Message, gettext_noop, message_data
from common.storage import delete_stored, local_copy, store_upload

from .importer import ImportRejected, ImportReport, recommendations_import
from .models import (
    Action,
    Assessment,
    Change,
    Cluster,
    ImportJob,
    Institution,
    Recommendation,
    TrackingIndicator,
)
from .template import TemplateError, read_template

IMPORT_EXTENSIONS: dict[str, tuple[str, ...]] = {
    ImportJob.Kind.UHRI_JSON: (".json",),
    ImportJob.Kind.UHRI_XLSX: (".xlsx",),
    ImportJob.Kind.UPR_MATRIX: (".docx",),
    ImportJob.Kind.TEMPLATE: (".csv", ".xlsx"),
}
IMPORT_MAX_BYTES = 2 * 1024**3
ZIP_MAGIC = b"PK\x03\x04"

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


def history_record(
    *,
    actor,
    obj: Model,
    verb: str,
    summary: str = "",
    fields: dict | None = None,
    recommendation: Recommendation | None = None,
    cluster: Cluster | None = None,
) -> Change:
    """Append to the tracker's history. ``fields`` is {field: [old, new]}."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    country = getattr(obj, "country", "")
    if not country:
        owner = recommendation or cluster
        if owner is None:
            raise ValueError(f"history of {obj!r} needs its recommendation or cluster")
        country = owner.country
    return Change.objects.create(
        actor=actor,
        country=country,
        target_type=obj._meta.label_lower,
        target_id=str(obj.pk),
        recommendation=recommendation
        or (obj if isinstance(obj, Recommendation) else getattr(obj, "recommendation", None)),
        cluster=cluster or (obj if isinstance(obj, Cluster) else getattr(obj, "cluster", None)),
        verb=verb,
        summary=summary[:500],
        fields={k: [plain(a), plain(b)] for k, (a, b) in (fields or {}).items()},
    )


# ---------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------


def import_upload(
    *, uploaded: UploadedFile, kind: str, country: str, user, enqueue: bool = True
) -> ImportJob:
    """Store an upload and read it in the background into a preview (nothing is imported
    until someone confirms)."""
    uploaded_name = uploaded.name or ""
    extension = Path(uploaded_name).suffix.lower()
    if extension not in IMPORT_EXTENSIONS.get(kind, ()):
        raise ValidationError(
            _("A “%(kind)s” import takes %(ext)s files, not “%(name)s”.")
            % {
                "kind": ImportJob.Kind(kind).label,
                "ext": " / ".join(IMPORT_EXTENSIONS.get(kind, ())),
                "name": uploaded_name,
            }
        )
    if (uploaded.size or 0) > IMPORT_MAX_BYTES:
        raise ValidationError(_("The file is larger than 2 GB."))
    original_name = Path(uploaded_name).name[:255]
    stored = store_upload(uploaded, folder="recommendations/imports")
    relative, size = stored.name, stored.size
    try:
        with local_copy(relative) as path:
            _check_upload(path, kind=kind, name=original_name)
    except BaseException:
        delete_stored(relative)
        raise
    try:
        with transaction.atomic():
            job = ImportJob(
                country=country,
                kind=kind,
                original_name=original_name,
                size=size,
                created_by=user,
            )
            job.file.name = relative
            job.full_clean()
            job.save()
            if enqueue:
                from .tasks import import_preview_task

                transaction.on_commit(lambda: import_preview_task.delay(job.pk, job.attempt))
    except Exception:
        delete_stored(relative)
        raise
    return job


def _check_upload(path: Path, *, kind: str, name: str) -> None:
    """The checks that cost a few kilobytes of reading, done in the request: the first bytes
    match the format, and a ZIP-based file (XLSX, DOCX) is within the archive limits by its
    central directory. Everything that reads the whole file happens in the worker."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    zipped = head.startswith(ZIP_MAGIC)
    expects_zip = kind in (ImportJob.Kind.UHRI_XLSX, ImportJob.Kind.UPR_MATRIX) or (
        kind == ImportJob.Kind.TEMPLATE and path.suffix.lower() == ".xlsx"
    )
    if expects_zip and not zipped:
        raise ValidationError(
            _(
                "“%(name)s” is not an Excel or Word file. Open it in its program, save it "
                "again and upload the new copy."
            )
            % {"name": name}
        )
    if expects_zip:
        try:
            check_archive(path, limits=archive_limits(), display_name=f"“{name}”")
        except UnsafeArchive as exc:
            raise ValidationError(render_message(exc.args[0])) from exc
        return
    if zipped:
        raise ValidationError(
            _("“%(name)s” is an Excel or Word file, not a %(kind)s file.")
            % {"name": name, "kind": ImportJob.Kind(kind).label}
        )
    if kind == ImportJob.Kind.UHRI_JSON:
        first = head.removeprefix(codecs.BOM_UTF8).lstrip()[:1]
        if first and first != b"[":
            raise ValidationError(
                _(
                    "“%(name)s” is not the UHRI export: the export-full JSON file starts with "
                    "“[”. Download it again from uhri.ohchr.org."
                )
                % {"name": name}
            )


def _job_records(job: ImportJob, path: Path) -> tuple[Iterable, list[str]]:
    if job.kind == ImportJob.Kind.TEMPLATE:
        notes: list[str] = []  # filled as the rows are read, before the warnings are used
        template = read_template(
            path,
            display_name=job.original_name,
            max_columns=upload_max_columns(),
            max_field_chars=upload_max_field_chars(),
            archive_limits=archive_limits(),
            notes=notes,
        )
        return template, notes
    from . import parsers

    if job.kind == ImportJob.Kind.UHRI_JSON:
        uhri = parsers.iter_uhri_json(
            path,
            country=job.country,
            max_depth=upload_max_json_depth(),
            max_field_chars=upload_max_field_chars(),
        )
        return uhri, []
    if job.kind == ImportJob.Kind.UHRI_XLSX:
        uhri = parsers.iter_uhri_xlsx(path, country=job.country, archive_limits=archive_limits())
        return uhri, []
    result = parsers.parse_upr_matrix(path, archive_limits=archive_limits())
    warnings = list(result.warnings)  # Messages, kept so they are shown in the reader's language
    state = getattr(result, "state", "") or ""
    if state and not same_state(state, job.country):
        # One click would file hundreds of recommendations under the wrong country.
        raise parsers.ParseError(
            Message(
                gettext_noop(
                    "“%(name)s” is the UPR matrix of %(state)s, not of %(country)s; nothing was "
                    "imported. Upload the matrix of %(country)s, or have RCO staff of %(state)s "
                    "import this one."
                ),
                name=job.original_name,
                state=state,
                country=job.country,
            )
        )
    return [_for_country(record, job.country) for record in result.records], warnings


def same_state(first: str, second: str) -> bool:
    """Whether two names are the same state, whatever the spelling: accents, case, "the",
    the inverted form ("Bolivia (Plurinational State of)" = "Plurinational State of
    Bolivia") and a left-out qualifier ("Iran" = "Iran (Islamic Republic of)")."""
    import re

    from .parsers.states import state_key

    def keys(name: str) -> set[str]:
        key = state_key(name)
        found = {key}
        match = re.match(r"^(?P<name>.+?)\s*\((?P<qualifier>[^()]+)\)$", key)
        if match:
            found |= {match["name"], f"{match['qualifier']} {match['name']}"}
        return found

    return bool(keys(first) & keys(second))


def _refuse_unknown_country(job: ImportJob, path: Path) -> None:
    """No record of the export is addressed to the chosen country: say which names the file
    uses that come closest ("Iran" → "Iran (Islamic Republic of)"), never "0 to import"."""
    import difflib

    from . import parsers

    names = list(
        parsers.iter_uhri_countries(
            path,
            max_depth=upload_max_json_depth(),
            archive_limits=archive_limits(),
        )
    )
    wanted = job.country.strip().casefold()
    by_key = {name.casefold(): name for name in names}
    close = [
        name
        for name in names
        if wanted and (name.casefold().startswith(wanted) or wanted in name.casefold().split(" "))
    ]
    close += [
        by_key[key]
        for key in difflib.get_close_matches(wanted, list(by_key), n=5, cutoff=0.6)
        if by_key[key] not in close
    ]
    # Messages (common.messages): stored with the job and shown in the reader's language.
    if close:
        hint = Message(
            gettext_noop("The closest country names in the file: %(names)s. Choose one of them."),
            names="; ".join(f"“{name}”" for name in close[:5]),
        )
    elif names:
        hint = Message(
            gettext_noop("The file names %(count)s countries, none like it."), count=len(names)
        )
    else:
        hint = Message(gettext_noop("The file names no country at all."))
    raise parsers.ParseError(
        Message(
            gettext_noop(
                "“%(name)s” holds no record for “%(country)s”; nothing was imported. %(hint)s"
            ),
            name=job.original_name,
            country=job.country,
            hint=hint,
        )
    )


def _for_country(record, country: str):
    """A UPR matrix is about one state: its records belong to the chosen country."""
    import dataclasses

    if (
        dataclasses.is_dataclass(record)
        and not isinstance(record, type)
        and getattr(record, "countries", None) != (country,)
    ):
        return dataclasses.replace(record, countries=(country,))
    return record


def _user_errors():
    errors: tuple[type[Exception], ...] = (TemplateError, ImportRejected, UnsafeArchive)
    try:
        from .parsers import ParseError
    except ImportError:  # the parsers are not installed yet
        return errors
    return (*errors, ParseError)


def _run(job: ImportJob, *, dry_run: bool) -> ImportReport | None:
    """Parse and import (or preview); on failure the job says why. Returns the report."""
    path: Path | None = None
    try:
        with local_copy(job.file.name) as path:
            records, warnings = _job_records(job, path)
            is_uhri = job.kind in (ImportJob.Kind.UHRI_JSON, ImportJob.Kind.UHRI_XLSX)
            report = recommendations_import(
                country=job.country,
                records=records,
                actor=job.created_by,
                source=f"{job.get_kind_display()}: {job.original_name}",
                dry_run=dry_run,
                report_missing=is_uhri,
                job=None if dry_run else job,
            )
            if is_uhri and not report.total and not report.error_count:
                _refuse_unknown_country(job, path)
    except ImportRejected as exc:
        _fail(
            job,
            exc.report.counts(),
            exc.report.errors,
            _("Nothing was imported: fix the rows listed below and upload the file again."),
            exc.report.preview,
        )
        return None
    except _user_errors() as exc:
        shown = exc.args[0] if exc.args and isinstance(exc.args[0], Message) else None
        _fail(
            job,
            {},
            [],
            _for_person(str(exc) or exc.__class__.__name__, job, path),
            [],
            data=(
                message_data([shown], lambda text: _for_person(text, job, path))[0]
                if shown
                else None
            ),
        )
        return None
    except SoftTimeLimitExceeded:
        logger.warning("recommendation import %s (%s) hit its time limit", job.pk, job.file.name)
        _fail(
            job,
            {},
            [],
            _(
                "“%(name)s” took too long to read and was stopped; nothing was imported. "
                "Upload the export of one country, or split the file."
            )
            % {"name": job.original_name},
            [],
        )
        return None
    except Exception:  # noqa: BLE001 - recorded on the job for the person looking at it
        # A database error names constraints and an OS error the server path: log the detail,
        # show the person what to do.
        logger.exception("recommendation import %s (%s) failed", job.pk, job.file.name)
        _fail(
            job,
            {},
            [],
            _(
                "“%(name)s” could not be imported: the import stopped on an unexpected error, "
                "which was logged for the administrators. Nothing was imported. Check that the "
                "file is the format chosen, or upload it again later."
            )
            % {"name": job.original_name},
            [],
        )
        return None
    report.warnings = warnings + report.warnings
    return report


def _for_person(message: str, job: ImportJob, path: Path | None = None) -> str:
    """The message with the path the file was read from, and the stored file's name,
    replaced by the uploaded name."""
    secrets = [str(path), path.name] if path is not None else []
    if job.file:
        secrets += [job.file.name, Path(job.file.name).name]
    for secret in secrets:
        message = message.replace(secret, job.original_name)
    return message


def _fail(job, counts, errors, message, preview, *, data: Any = None) -> None:
    """Mark the job failed with a message a person can act on, and remove the stored file.
    ``data``: the message's template and parameters when it is a Message (shown in the
    reader's language)."""
    if job.file:
        job.file.delete(save=False)
    job.status = ImportJob.Status.FAILED
    job.counts, job.errors, job.message, job.preview = counts, errors, message, preview
    job.message_data = data
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "counts",
            "errors",
            "message",
            "message_data",
            "preview",
            "finished_at",
            "file",
        ]
    )


def _claim(job: ImportJob, status: str, attempt: int | None) -> bool:
    """Start a step of the import in this worker, once. A message for an older attempt or a
    job past this step does nothing; one given back by a worker that died during this step
    fails the job (nothing was imported: the import is one transaction)."""
    if job.status != status or not job.is_current(attempt):
        return False
    if job.started_at is not None:
        job_fail(job, WORKER_STOPPED)
        return False
    claimed = ImportJob.objects.filter(
        pk=job.pk, status=status, attempt=job.attempt, started_at=None
    ).update(started_at=timezone.now())
    job.refresh_from_db()
    return bool(claimed)


def _run_in_time(job: ImportJob, *, dry_run: bool) -> ImportReport | None:
    try:
        return _run(job, dry_run=dry_run)
    except SoftTimeLimitExceeded:
        job_fail(job, _("Reading this file took longer than the time limit; nothing was imported."))
        return None


def import_preview(*, job: ImportJob, attempt: int | None = None) -> ImportJob:
    """Read the whole file and compute what importing it would do, importing nothing."""
    if not _claim(job, ImportJob.Status.PREVIEWING, attempt):
        return job
    report = _run_in_time(job, dry_run=True)
    if report is not None:
        job.status = ImportJob.Status.PREVIEWED
        job.counts = report.counts()
        job.counts["new_theme_labels"] = report.new_themes[:50]
        job.counts["new_group_labels"] = report.new_groups[:50]
        job.warnings = report.warnings[:500]
        job.warnings_data = message_data(job.warnings)
        job.counts["missing"] = report.missing
        job.preview = report.preview
        job.errors, job.message, job.message_data = [], "", None
        job.save(
            update_fields=[
                "status",
                "counts",
                "warnings",
                "warnings_data",
                "preview",
                "errors",
                "message",
                "message_data",
            ]
        )
    return job


def import_confirm(*, job: ImportJob, user, request=None, enqueue: bool = True) -> ImportJob:
    """Commit a previewed import (in the background for big files)."""
    if job.status != ImportJob.Status.PREVIEWED:
        raise ValidationError(_("Only a previewed import without errors can be confirmed."))
    job.status = ImportJob.Status.IMPORTING
    job.attempt += 1
    job.started_at = None
    job.save(update_fields=["status", "attempt", "started_at"])
    from .tasks import import_commit_task

    attempt = job.attempt
    if enqueue:
        transaction.on_commit(
            lambda: import_commit_task.delay(job.pk, user.pk if user else None, attempt)
        )
    return job


def import_commit(*, job: ImportJob, user=None, attempt: int | None = None) -> ImportJob:
    """Import all or nothing, then log it in the audit log."""
    if not _claim(job, ImportJob.Status.IMPORTING, attempt):
        return job
    report = _run_in_time(job, dry_run=False)
    if report is None:
        return job
    job.status = ImportJob.Status.SUCCEEDED
    job.counts = {**job.counts, **report.counts()}
    job.warnings = report.warnings[:500]
    job.warnings_data = message_data(job.warnings)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "counts", "warnings", "warnings_data", "finished_at"])
    audit_record(
        action=AuditEvent.Action.IMPORT,
        actor=user or job.created_by,
        target=job,
        summary=(
            f"Recommendations for {job.country} from {job.original_name}: "
            f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged"
        ),
        data={"kind": job.kind, "country": job.country, **report.counts()},
    )
    return job


def import_retry(*, job: ImportJob, user, request=None) -> ImportJob:
    """Read a failed import's file again into a new preview (a new attempt); the person
    confirms it again. Nothing of a failed import was imported, so this is always safe."""
    if job.status != ImportJob.Status.FAILED:
        raise ValidationError(_("Only a failed import can be read again."))
    if not job.file or not default_storage.exists(job.file.name):
        raise ValidationError(_("The file of this import is gone; upload it again."))
    with transaction.atomic():
        job.status = ImportJob.Status.PREVIEWING
        job.attempt += 1
        job.started_at = job.finished_at = None
        job.counts, job.errors, job.warnings, job.preview, job.message = {}, [], [], [], ""
        job.message_data, job.warnings_data = None, []
        job.save(
            update_fields=[
                "status",
                "attempt",
                "started_at",
                "finished_at",
                "counts",
                "errors",
                "warnings",
                "warnings_data",
                "preview",
                "message",
                "message_data",
            ]
        )
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=user,
            target=job,
            request=request,
            summary=f"reading {job.original_name} again (attempt {job.attempt})",
        )
        from .tasks import import_preview_task

        attempt = job.attempt
        transaction.on_commit(lambda: import_preview_task.delay(job.pk, attempt))
    return job


def import_undo_days() -> int:
    """How long after an import it can still be undone (``IMPORT_UNDO_DAYS``, default 90)."""
    return int(getattr(settings, "IMPORT_UNDO_DAYS", 90))


#: History entries written by imports and their undo (not hand edits).
IMPORT_VERBS = ("imported", "updated by import", "import undone")
#: How many records an undo refusal names (the count is exact).
UNDO_NAMED = 10


def import_undo_blockers(job: ImportJob) -> list[str]:
    """Why this import cannot be undone (empty when it can).

    Decision: undo is all or nothing and never overwrites work done after the import. It is
    refused when any record the import added or updated was saved since (a hand edit,
    publishing, a later import: its ``updated_at`` moved, or a later change is in its
    history), or when a record the import added has actions, assessments or indicators
    attached (deleting it would delete them). The person is told which records, so they can
    decide what to do by hand."""
    if job.status != ImportJob.Status.SUCCEEDED:
        return [
            _("Only a finished import can be undone; this one is “%(status)s”.")
            % {"status": job.get_status_display()}
        ]
    finished = job.finished_at or job.created_at
    if timezone.now() - finished > datetime.timedelta(days=import_undo_days()):
        return [
            _("Imports can be undone for %(days)s days; this one finished on %(date)s.")
            % {"days": import_undo_days(), "date": f"{finished:%Y-%m-%d}"}
        ]
    records = list(job.records.select_related("recommendation"))
    gone = [r.external_id for r in records if r.recommendation is None]
    edited = sorted(
        r.external_id
        for r in records
        if r.recommendation is not None and r.recommendation.updated_at != r.written_at
    )
    # Hand edits of the relations alone leave ``updated_at`` as it was but write a history
    # entry; imports and undos are judged by ``updated_at`` (an undo puts it back).
    later = set(
        Change.objects.filter(
            recommendation_id__in=[r.recommendation_id for r in records if r.recommendation_id],
            created_at__gt=finished,
        )
        .exclude(verb__in=IMPORT_VERBS)
        .values_list("recommendation__external_id", flat=True)
    )
    edited = sorted(set(edited) | later)
    created_ids = [r.recommendation_id for r in records if r.created and r.recommendation_id]
    attached = sorted(
        set(
            Recommendation.objects.filter(pk__in=created_ids)
            .filter(
                models.Q(actions__isnull=False)
                | models.Q(assessments__isnull=False)
                | models.Q(indicators__isnull=False)
            )
            .values_list("external_id", flat=True)
        )
    )
    reasons = []

    def named(ids: list[str]) -> str:
        more = len(ids) - UNDO_NAMED
        text = ", ".join(ids[:UNDO_NAMED])
        return text + (_(" and %(n)s more") % {"n": more} if more > 0 else "")

    if edited:
        reasons.append(
            _(
                "%(n)s recommendation(s) from this import were changed after it (by hand, by "
                "publishing or by a later import): %(ids)s. Undoing would lose those changes."
            )
            % {"n": len(edited), "ids": named(edited)}
        )
    if gone:
        reasons.append(
            _("%(n)s recommendation(s) from this import were deleted since: %(ids)s.")
            % {"n": len(gone), "ids": named(sorted(gone))}
        )
    if attached:
        reasons.append(
            _(
                "%(n)s recommendation(s) added by this import now have actions, assessments "
                "or indicators: %(ids)s. Undoing would delete them."
            )
            % {"n": len(attached), "ids": named(attached)}
        )
    return reasons


def import_undo(*, job: ImportJob, user, request=None) -> dict[str, int]:
    """Undo a whole import: delete the recommendations it added and put back the previous
    values (fields, themes, groups, SDG goals and targets) of those it updated. Refused with
    the reasons of ``import_undo_blockers``; otherwise one transaction, recorded in each
    recommendation's history and in the audit log. Themes, groups, mechanisms and documents
    the import created stay (they are vocabulary others may use by now)."""
    from .importer import IMPORTED_RELATIONS, SCALAR_FIELDS

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        reasons = import_undo_blockers(job)
        if reasons:
            raise ValidationError(reasons)
        records = list(job.records.select_related("recommendation"))
        removed = [r.recommendation for r in records if r.created and r.recommendation]
        restored = [r for r in records if not r.created]
        source = f"undo of {job.get_kind_display()}: {job.original_name}"[:500]
        for record in restored:
            obj = record.recommendation
            assert obj is not None  # import_undo_blockers refuses when one is gone
            for name in SCALAR_FIELDS:
                model_field = Recommendation._meta.get_field(name)
                assert isinstance(model_field, models.Field)  # scalar fields, not relations
                setattr(obj, model_field.attname, model_field.to_python(record.previous[name]))
            obj.save()
            for name in IMPORTED_RELATIONS:
                getattr(obj, name).set(record.previous.get(name, []))
            if record.previous.get("updated_at"):
                Recommendation.objects.filter(pk=obj.pk).update(
                    updated_at=datetime.datetime.fromisoformat(record.previous["updated_at"])
                )
            Change.objects.create(
                actor=user,
                country=job.country,
                target_type="recommendations.recommendation",
                target_id=str(obj.pk),
                recommendation=obj,
                verb="import undone",
                summary=source,
            )
        Recommendation.objects.filter(pk__in=[obj.pk for obj in removed]).delete()
        job.status = ImportJob.Status.UNDONE
        job.undone_at = timezone.now()
        job.undone_by = user
        job.save(update_fields=["status", "undone_at", "undone_by"])
        result = {"deleted": len(removed), "restored": len(restored)}
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=user,
            target=job,
            request=request,
            summary=(
                f"import of {job.original_name} for {job.country} undone: "
                f"{result['deleted']} deleted, {result['restored']} restored"
            ),
            data={"undo": True, "kind": job.kind, "country": job.country, **result},
        )
    return result


# ---------------------------------------------------------------------------
# Recommendations and clusters
# ---------------------------------------------------------------------------

RECOMMENDATION_M2M = ("groups", "themes", "sdg_goals", "sdg_targets", "factors", "institutions")


@transaction.atomic
def recommendation_update(
    *, recommendation: Recommendation, actor, data: dict | None = None, m2m: dict | None = None
) -> Recommendation:
    """Edit a recommendation's classification (groups, SDGs, themes, factors, institutions),
    its position or its publication; the change is kept in the history."""
    changed = apply_changes(recommendation, data or {})
    if changed:
        recommendation.full_clean()
        recommendation.save()
    for name, values in (m2m or {}).items():
        if name not in RECOMMENDATION_M2M:
            raise ValueError(name)
        changed.update(set_m2m(recommendation, name, values))
    if changed:
        history_record(
            actor=actor,
            obj=recommendation,
            verb="changed",
            summary=", ".join(sorted(changed)),
            fields=changed,
        )
    return recommendation


def recommendation_publish(*, recommendation: Recommendation, actor, published: bool):
    return recommendation_update(
        recommendation=recommendation, actor=actor, data={"published": published}
    )


@transaction.atomic
def cluster_save(
    *,
    actor,
    country: str,
    title: str,
    description: str = "",
    recommendations: Sequence[Recommendation] = (),
    institutions: Sequence[Institution] | None = None,
    published: bool | None = None,
    cluster: Cluster | None = None,
) -> Cluster:
    """Create or edit a cluster; every member must be a recommendation of its country."""
    foreign = [r for r in recommendations if r.country != country]
    if foreign:
        raise ValidationError(_("A cluster groups recommendations of one country."))
    creating = cluster is None
    cluster = cluster or Cluster(country=country, created_by=actor)
    data: dict[str, object] = {"title": title, "description": description}
    if published is not None:
        data["published"] = published
    changed = apply_changes(cluster, data)
    cluster.full_clean()
    cluster.save()
    changed.update(set_m2m(cluster, "recommendations", recommendations))
    if institutions is not None:
        changed.update(set_m2m(cluster, "institutions", institutions))
    history_record(
        actor=actor,
        obj=cluster,
        verb="created" if creating else "changed",
        summary=cluster.title,
        fields={} if creating else changed,
    )
    return cluster


@dataclass(frozen=True)
class ClusterSuggestion:
    recommendation_ids: tuple[int, ...]
    similarity: float
    terms: tuple[str, ...]
    title: str = ""


def _suggested_title(texts: Sequence[str]) -> str:
    """The shortest member's opening words, without its paragraph number."""
    import re

    text = min(texts, key=len)
    text = re.sub(r"^\s*[\d.]+\s*", "", text).strip().rstrip(";.")
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text)  # a trailing "(Norway)"
    words = text.split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "")


def cluster_suggestions(
    *,
    recommendations: Sequence[Recommendation],
    threshold: float = 0.4,
    limit: int = 20,
) -> list[ClusterSuggestion]:
    """Candidate clusters: recommendations whose texts are similar (TF-IDF cosine).

    Texts become TF-IDF vectors (English stop words removed, unigrams and bigrams, sublinear
    term frequency); pairs with cosine similarity ≥ ``threshold`` are linked and each
    connected component of two or more is a suggestion, strongest first. A person confirms.
    """
    items = [r for r in recommendations if r.text.strip()]
    if len(items) < 2:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectorizer = TfidfVectorizer(
        stop_words="english", ngram_range=(1, 2), sublinear_tf=True, min_df=1
    )
    matrix = vectorizer.fit_transform([r.text for r in items])
    similarity = cosine_similarity(matrix)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if similarity[i, j] >= threshold:
                parent[find(i)] = find(j)
    components: dict[int, list[int]] = {}
    for i in range(len(items)):
        components.setdefault(find(i), []).append(i)
    vocabulary = vectorizer.get_feature_names_out()
    suggestions = []
    for members in components.values():
        if len(members) < 2:
            continue
        pairs = [similarity[a, b] for n, a in enumerate(members) for b in members[n + 1 :]]
        weights = matrix[members].sum(axis=0).A1
        terms: list[str] = []
        for k in weights.argsort()[::-1]:
            term = vocabulary[k]
            if not any(term in kept or kept in term for kept in terms):
                terms.append(term)
            if len(terms) == 4:
                break
        suggestions.append(
            ClusterSuggestion(
                recommendation_ids=tuple(items[m].pk for m in members),
                similarity=round(float(sum(pairs) / len(pairs)), 3),
                terms=tuple(terms),
                title=_suggested_title([items[m].text for m in members]),
            )
        )
    suggestions.sort(
        key=lambda s: (-len(s.recommendation_ids) * s.similarity, s.recommendation_ids)
    )
    return suggestions[:limit]


# ---------------------------------------------------------------------------
# Institutions, actions, assessments, indicators
# ---------------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def theme_review(*, theme, actor, label: str = "", reviewed: bool = False, request=None) -> str:
    """Add a synonym to a recommendation theme and/or mark it reviewed, audited.

    Returns an error message for the person (a label already naming a theme) or "".
    """
    from accounts.models import AuditEvent
    from accounts.services import audit_record
    from taxonomy.models import normalise_label

    from .models import ThemeSynonym

    label = label.strip()
    error = ""
    if label:
        if ThemeSynonym.objects.filter(normalised=normalise_label(label)).exists():
            error = _("“%(l)s” already names a theme.") % {"l": label}
        else:
            ThemeSynonym.objects.create(theme=theme, label=label)
    if reviewed and theme.needs_review:
        theme.needs_review = False
        theme.save(update_fields=["needs_review"])
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=actor,
        target=theme,
        request=request,
        summary=f"Theme {theme.name}: synonym “{label}”, reviewed={reviewed}",
    )
    return error


def institution_save(
    *,
    actor,
    country: str,
    data: dict,
    organisations: Sequence[Organisation] = (),
    institution: Institution | None = None,
) -> Institution:
    creating = institution is None
    institution = institution or Institution(country=country)
    changed = apply_changes(institution, data)
    institution.full_clean()
    institution.save()
    changed.update(set_m2m(institution, "organisations", organisations))
    history_record(
        actor=actor,
        obj=institution,
        verb="created" if creating else "changed",
        summary=institution.name,
        fields={} if creating else changed,
    )
    return institution


@transaction.atomic
def action_save(*, actor, data: dict, action: Action | None = None, **subject) -> Action:
    """Create (give ``recommendation=`` or ``cluster=``) or update an action."""
    creating = action is None
    if action is None:
        target = subject.get("recommendation") or subject.get("cluster")
        if target is None:
            raise ValueError("A new action is about a recommendation or a cluster.")
        action = Action(country=target.country, **subject)
    changed = apply_changes(action, data)
    action.updated_by = actor
    action.full_clean()
    if action.institution.country != action.country:
        raise ValidationError(_("The institution belongs to another country."))
    action.save()
    history_record(
        actor=actor,
        obj=action,
        verb="created" if creating else "changed",
        summary=_("Action “%(title)s”: %(status)s")
        % {"title": action.title, "status": action.get_status_display()},
        fields={} if creating else changed,
    )
    return action


@transaction.atomic
def assessment_submit(
    *,
    actor,
    data: dict,
    kind: str = Assessment.Kind.OFFICIAL,
    organisation: Organisation | None = None,
    recommendation: Recommendation | None = None,
    cluster: Cluster | None = None,
) -> Assessment:
    """Record an implementation assessment. A shadow assessment must name the CSO partner
    organisation it comes from; an official one never does. Each assessment is a new row,
    so the history of assessments is the implementation status over time."""
    target = recommendation or cluster
    if target is None:
        raise ValueError("An assessment is about a recommendation or a cluster.")
    if kind == Assessment.Kind.SHADOW and organisation is None:
        raise ValidationError(_("A shadow assessment is attributed to its organisation."))
    assessment = Assessment(
        country=target.country,
        recommendation=recommendation,
        cluster=cluster,
        kind=kind,
        organisation=organisation if kind == Assessment.Kind.SHADOW else None,
        author=actor,
        **data,
    )
    assessment.full_clean()
    assessment.save()
    who = f" by {organisation}" if kind == Assessment.Kind.SHADOW else ""
    history_record(
        actor=actor,
        obj=assessment,
        verb="created",
        summary=f"{assessment.get_kind_display()} assessment{who}: "
        f"{assessment.get_status_display()} ({assessment.assessed_on})",
    )
    return assessment


@transaction.atomic
def assessment_update(*, actor, assessment: Assessment, data: dict) -> Assessment:
    changed = apply_changes(assessment, data)
    assessment.full_clean()
    assessment.save()
    history_record(
        actor=actor,
        obj=assessment,
        verb="changed",
        summary=f"{assessment.get_kind_display()} assessment: {assessment.get_status_display()}",
        fields=changed,
    )
    return assessment


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    import calendar

    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@transaction.atomic
def indicator_save(
    *, actor, country: str, data: dict, indicator: TrackingIndicator | None = None
) -> TrackingIndicator:
    creating = indicator is None
    indicator = indicator or TrackingIndicator(country=country)
    changed = apply_changes(indicator, data)
    indicator.full_clean()
    indicator.save()
    history_record(
        actor=actor,
        obj=indicator,
        verb="created" if creating else "changed",
        summary=indicator.name,
        fields={} if creating else changed,
        recommendation=indicator.recommendation,
        cluster=indicator.cluster,
    )
    return indicator


@transaction.atomic
def indicator_report(
    *, actor, indicator: TrackingIndicator, value: str, reported_on: datetime.date | None = None
) -> TrackingIndicator:
    """Record a reported value; the next due date moves on by the reporting frequency."""
    reported_on = reported_on or timezone.localdate()
    next_due = indicator.next_due
    months = TrackingIndicator.MONTHS[indicator.frequency]
    while next_due <= reported_on:
        next_due = _add_months(next_due, months)
    return indicator_save(
        actor=actor,
        country=indicator.country,
        indicator=indicator,
        data={"last_value": value, "last_reported": reported_on, "next_due": next_due},
    )
