"""Writes for survey analysis: upload and profile datasets, start and execute runs, publish,
link leaves to population groups."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import AuditEvent
from accounts.services import audit_record
from analysis.engine import EngineError
from analysis.indicators import (
    IndicatorDefinition,
    IndicatorError,
    concept_for_preset,
    reference_population_text,
)
from analysis.prepared import remove_cache
from analysis.surveyio import (
    SurveyFileError,
    SurveyLimits,
    check_survey_upload,
    profile_survey,
    read_survey_metadata,
)
from common.jobs import WORKER_STOPPED, job_fail
from common.limits import archive_limits, upload_max_columns, upload_max_field_chars
from common.storage import delete_stored, local_copy, store_upload
from taxonomy.models import PopulationGroup

from . import bridge
from .models import Dataset, Indicator, LeafGroupLink, Run

logger = logging.getLogger(__name__)

SURVEY_EXTENSIONS = (".csv", ".xlsx", ".dta", ".sav")
USER_ERRORS = (SurveyFileError, IndicatorError, EngineError)


def sdg_goal_for_preset(preset: str):
    from taxonomy.models import SDGGoal

    concept = concept_for_preset(preset) if preset else None
    number = concept.sdg_goal if concept else None
    return SDGGoal.objects.filter(number=number).first() if number else None


def survey_limits() -> SurveyLimits:
    """The survey limits from settings (``UPLOAD_MAX_COLUMNS``, ``UPLOAD_MAX_FIELD_CHARS``,
    ``UPLOAD_ARCHIVE_LIMITS``)."""
    return SurveyLimits(
        max_columns=upload_max_columns(),
        max_field_chars=upload_max_field_chars(),
        archive=archive_limits(),
    )


def for_person(message: str, *, path: str | Path, original_name: str) -> str:
    """A message about a stored file, naming the file the person uploaded instead of the
    stored name or its server path."""
    stored = Path(path)
    return message.replace(str(stored), original_name).replace(stored.name, original_name)


def _stored_locally(name: str, path: Path) -> bool:
    try:
        return Path(default_storage.path(name)) == path
    except NotImplementedError:
        return False


@contextmanager
def survey_file(dataset: Dataset) -> Iterator[Path]:
    """A local path of the dataset's file for the survey readers (common.storage.local_copy).

    On a filesystem storage this is the stored file, and its Parquet cache of prepared
    columns (analysis.prepared) stays next to it; a temporary copy of a remote file takes its
    cache with it when the block ends."""
    with local_copy(dataset.file.name) as path:
        try:
            yield path
        finally:
            if not _stored_locally(dataset.file.name, path):
                remove_cache(path)


def dataset_cache_remove(dataset: Dataset) -> None:
    """Delete the Parquet cache kept next to a dataset's file on a filesystem storage."""
    if not dataset.file:
        return
    try:
        path = default_storage.path(dataset.file.name)
    except NotImplementedError:  # remote storage: caches only live beside temporary copies
        return
    remove_cache(path)


def dataset_value_labels_store(*, dataset: Dataset, tables: dict) -> None:
    """Keep a dataset's value labels (read once from the file) so pages never re-read it."""
    dataset.value_labels = label_pairs(tables)
    Dataset.objects.filter(pk=dataset.pk).update(value_labels=dataset.value_labels)


def dataset_upload(
    *,
    uploaded: UploadedFile,
    title: str,
    country: str,
    survey_kind: str,
    survey_round: str,
    unit: str = "",
    user,
) -> Dataset:
    """Store a survey file, give it the cheap checks, and profile it in the background.

    In the request only what costs a few kilobytes of reading is checked (size, first bytes
    against the extension, an XLSX's central directory, a CSV's or Stata file's header
    width): a failure raises ValidationError and leaves nothing behind. Everything that reads
    the whole file (decoding, rows, field lengths, value labels) happens in the worker, which
    marks the dataset failed with a message if the file turns out to be unreadable.
    """
    uploaded_name = uploaded.name or ""
    uploaded_size = uploaded.size or 0
    extension = Path(uploaded_name).suffix.lower()
    if extension not in SURVEY_EXTENSIONS:
        raise ValidationError(
            _(
                "Upload a CSV, Excel (.xlsx), Stata (.dta) or SPSS (.sav) file; “%(ext)s” files "
                "cannot be read."
            )
            % {"ext": extension or uploaded_name}
        )
    if uploaded_size > settings.SURVEY_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size).1f GB; the limit is %(limit).1f GB.")
            % {"size": uploaded_size / 1e9, "limit": settings.SURVEY_MAX_UPLOAD_BYTES / 1e9}
        )
    stored = store_upload(uploaded, folder="surveys")
    relative, sha256, size = stored.name, stored.sha256, stored.size
    duplicate = (
        Dataset.objects.filter(sha256=sha256, country=country)
        .exclude(status=Dataset.Status.FAILED)
        .first()
    )
    if duplicate is not None:  # the same file again, e.g. a form posted twice
        delete_stored(relative)
        raise ValidationError(
            _("This file was already uploaded as “%(title)s”.") % {"title": duplicate.title}
        )
    original_name = Path(uploaded_name).name
    path: Path | str = relative
    try:
        with local_copy(relative) as path:
            check_survey_upload(path, limits=survey_limits())
    except SurveyFileError as exc:
        delete_stored(relative)
        raise ValidationError(for_person(str(exc), path=path, original_name=original_name)) from exc
    except Exception:
        delete_stored(relative)
        logger.exception("survey upload check failed for %s", relative)
        raise ValidationError(
            _("“%(name)s” could not be checked. Export it again and upload the new copy.")
            % {"name": original_name}
        ) from None
    try:
        with transaction.atomic():
            dataset = Dataset(
                title=title,
                country=country,
                survey_kind=survey_kind,
                survey_round=survey_round,
                unit=unit,
                original_name=original_name,
                size=size,
                sha256=sha256,
                uploaded_by=user,
            )
            dataset.file.name = relative
            dataset.full_clean()
            dataset.save()
            from .tasks import dataset_profile_task

            transaction.on_commit(lambda: dataset_profile_task.delay(dataset.pk, dataset.attempt))
    except Exception:
        delete_stored(relative)
        raise
    return dataset


def dataset_profile(*, dataset: Dataset, attempt: int | None = None) -> Dataset:
    """Profile every column (type, levels with counts, missing). On any failure the file is
    removed and the dataset is marked failed with a message naming the uploaded file (never a
    server path or a database error; the detail is logged).

    Safe to deliver twice: a dataset already profiled or failed, or a message for an older
    attempt, is left alone; a message given back by a worker that died while profiling fails
    the dataset (the person can profile it again) rather than kill the next worker too.
    """
    if dataset.status != Dataset.Status.PROFILING or not dataset.is_current(attempt):
        return dataset
    if dataset.started_at is not None:
        job_fail(dataset, WORKER_STOPPED)
        return dataset
    claimed = Dataset.objects.filter(
        pk=dataset.pk, status=Dataset.Status.PROFILING, attempt=dataset.attempt, started_at=None
    ).update(started_at=timezone.now())
    if not claimed:  # another worker took it meanwhile
        dataset.refresh_from_db()
        return dataset
    path: Path | str = dataset.file.name if dataset.file else ""
    try:
        if not dataset.file:
            raise SurveyFileError(_("The file could not be read; upload it again."))
        with survey_file(dataset) as path:
            profile = [column.to_dict() for column in profile_survey(path, limits=survey_limits())]
            variable_labels: dict = {}
            value_labels: dict = {}
            if path.suffix.lower() in (".dta", ".sav", ".zsav"):  # CSV/XLSX have no labels
                _names, variable_labels, value_labels = read_survey_metadata(
                    path, limits=survey_limits()
                )
    except SurveyFileError as exc:
        message = for_person(str(exc), path=path, original_name=dataset.original_name)
        return _dataset_fail(dataset, message)
    except SoftTimeLimitExceeded:
        logger.warning("profiling dataset %s (%s) hit its time limit", dataset.pk, path)
        return _dataset_fail(
            dataset,
            _(
                "“%(name)s” took too long to profile and was stopped. Keep only the variables "
                "the analysis needs and upload the smaller file."
            )
            % {"name": dataset.original_name},
        )
    except Exception:  # noqa: BLE001 - recorded on the dataset for the person looking at it
        logger.exception("profiling dataset %s (%s) failed", dataset.pk, path)
        return _dataset_fail(
            dataset,
            _(
                "“%(name)s” could not be read: the profile stopped on an unexpected error, "
                "which was logged for the administrators. Export the file again (CSV UTF-8, "
                "Stata or SPSS) and upload the new copy."
            )
            % {"name": dataset.original_name},
        )
    dataset.profile = profile
    dataset.variable_labels = variable_labels
    dataset.value_labels = label_pairs(value_labels)
    dataset.row_count = max((c.get("n_rows", 0) for c in profile), default=0) or None
    dataset.status, dataset.message = Dataset.Status.READY, ""
    dataset.save(
        update_fields=[
            "profile",
            "variable_labels",
            "value_labels",
            "row_count",
            "status",
            "message",
        ]
    )
    return dataset


def label_pairs(tables: dict) -> dict[str, list[list]]:
    """Value-label tables as JSON: {column: [[code, label], ...]}, codes keeping their type."""
    return {
        str(column): [
            [code.item() if hasattr(code, "item") else code, str(label)]
            for code, label in table.items()
        ]
        for column, table in tables.items()
    }


def _dataset_fail(dataset: Dataset, message: str) -> Dataset:
    if dataset.file:
        dataset_cache_remove(dataset)
        dataset.file.delete(save=False)
    dataset.status, dataset.message = Dataset.Status.FAILED, message
    dataset.save(update_fields=["status", "message", "file"])
    return dataset


def dataset_reprofile(*, dataset: Dataset, user, request=None) -> Dataset:
    """Profile a failed dataset again, as a new attempt, if its file is still there."""
    if dataset.status != Dataset.Status.FAILED:
        raise ValidationError(_("Only a dataset whose profiling failed can be profiled again."))
    if not dataset.file or not default_storage.exists(dataset.file.name):
        raise ValidationError(
            _("The file could not be read and was removed; upload a corrected file.")
        )
    with transaction.atomic():
        dataset.status, dataset.message = Dataset.Status.PROFILING, ""
        dataset.attempt += 1
        dataset.started_at = None
        dataset.save(update_fields=["status", "message", "attempt", "started_at"])
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=user,
            target=dataset,
            request=request,
            summary=f"profiling {dataset} again (attempt {dataset.attempt})",
        )
        from .tasks import dataset_profile_task

        attempt = dataset.attempt
        transaction.on_commit(lambda: dataset_profile_task.delay(dataset.pk, attempt))
    return dataset


def indicator_for(*, definition: dict, user=None, preset: str = "") -> Indicator:
    """The saved indicator with exactly this definition (reused so runs form a trend)."""
    parsed = IndicatorDefinition.from_dict(definition)  # validates
    data = parsed.to_dict()
    for indicator in Indicator.objects.filter(slug=slugify(parsed.slug or parsed.name)[:100]):
        if indicator.definition == data:
            return indicator
    return Indicator.objects.create(
        name=parsed.name,
        slug=slugify(parsed.slug or parsed.name)[:100],
        definition=data,
        preset=preset,
        created_by=user,
        sdg_goal=sdg_goal_for_preset(preset or parsed.slug or ""),
    )


def runs_start(
    *,
    dataset: Dataset,
    definition: dict,
    user,
    subnational: bool = False,
    params: dict | None = None,
    shapley: bool = True,
    preset: str = "",
) -> list[Run]:
    """Create the national run (and one per region when asked) and queue them on the
    `analysis` queue. Returns the runs of the batch, national first."""
    if dataset.status != Dataset.Status.READY:
        raise ValidationError(_("This dataset is not ready for analysis yet."))
    try:
        indicator = indicator_for(definition=definition, user=user, preset=preset)
        regions: list[str] = []
        if subnational:
            with survey_file(dataset) as path:
                regions = bridge.regions_of(
                    str(path),
                    indicator.definition,
                    sha256=dataset.sha256,
                    wealth=bridge.wealth_columns(dataset.profile),
                )
    except USER_ERRORS as exc:
        raise ValidationError(str(exc)) from exc
    batch = uuid.uuid4()
    with transaction.atomic():
        runs = [
            Run.objects.create(
                dataset=dataset,
                indicator=indicator,
                batch=batch,
                region=region,
                definition=indicator.definition,
                params=params or {},
                shapley=shapley,
                dataset_sha256=dataset.sha256,
                created_by=user,
            )
            for region in ["", *regions]
        ]
        from .tasks import run_execute_task

        for run in runs:
            transaction.on_commit(partial(run_execute_task.delay, run.pk, run.attempt))
    return runs


def run_execute(*, run: Run, attempt: int | None = None) -> Run:
    """Compute one run. User-fixable problems become a message on the run.

    Safe to deliver twice: a run already finished or failed, or a message for an older
    attempt, is left alone; a message given back by a worker that died on this run (it finds
    the run running) fails it, so one poisonous run cannot kill worker after worker.
    """
    if run.is_done or not run.is_current(attempt):
        return run
    if run.status == Run.Status.RUNNING:
        job_fail(run, WORKER_STOPPED)
        return run
    now = timezone.now()
    claimed = Run.objects.filter(pk=run.pk, status=Run.Status.QUEUED, attempt=run.attempt).update(
        status=Run.Status.RUNNING, started_at=now, status_changed_at=now
    )
    if not claimed:  # another worker took it meanwhile
        run.refresh_from_db()
        return run
    run.refresh_from_db(fields=["status", "started_at", "status_changed_at"])
    path: Path | str = run.dataset.file.name
    try:
        with survey_file(run.dataset) as path:
            result = bridge.compute_run(
                path=str(path),
                definition=run.definition,
                region=run.region,
                params=run.params,
                shapley=run.shapley,
                sha256=run.dataset_sha256,
                wealth=bridge.wealth_columns(run.dataset.profile),
            )
    except USER_ERRORS as exc:
        run.status = Run.Status.FAILED
        run.message = for_person(str(exc), path=path, original_name=run.dataset.original_name)
    except SoftTimeLimitExceeded:
        run.status = Run.Status.FAILED
        run.message = _(
            "The analysis took longer than its time limit. Try fewer circumstances, a larger "
            "minimum group size, or without the Shapley decomposition."
        )
    except Exception:  # noqa: BLE001 - recorded on the run for the person looking at it
        logger.exception("analysis run %s failed", run.pk)
        run.status = Run.Status.FAILED
        run.message = _(
            "The analysis stopped on an unexpected error; it was logged for the administrators."
        )
    else:
        run.status, run.result, run.message = Run.Status.SUCCEEDED, result, ""
        run.engine_version = result.get("engine_version", "")
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "result", "engine_version", "finished_at"])
    return run


def run_retry(*, run: Run, user, request=None) -> Run:
    """Run a failed run again: the same run (same definition, parameters and dataset) as a
    new attempt, so its address, batch and place in the trend stay the same."""
    if run.status != Run.Status.FAILED:
        raise ValidationError(_("Only a failed run can be run again."))
    dataset = run.dataset
    if dataset.status != Dataset.Status.READY or dataset.sha256 != run.dataset_sha256:
        raise ValidationError(_("The survey file of this run is no longer ready for analysis."))
    with transaction.atomic():
        run.status, run.message, run.result, run.engine_version = Run.Status.QUEUED, "", None, ""
        run.started_at = run.finished_at = None
        run.attempt += 1
        run.save(
            update_fields=[
                "status",
                "message",
                "result",
                "engine_version",
                "started_at",
                "finished_at",
                "attempt",
            ]
        )
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=user,
            target=run,
            request=request,
            summary=f"ran {run} again (attempt {run.attempt})",
        )
        from .tasks import run_execute_task

        attempt = run.attempt
        transaction.on_commit(lambda: run_execute_task.delay(run.pk, attempt))
    return run


def run_publish(*, run: Run, user, published: bool = True, request=None) -> Run:
    if published and run.status != Run.Status.SUCCEEDED:
        raise ValidationError(_("Only a finished run can be published."))
    run.published = published
    run.save(update_fields=["published"])
    audit_record(
        action=AuditEvent.Action.REVIEW,
        actor=user,
        target=run,
        request=request,
        summary=f"{'published' if published else 'unpublished'} {run}",
    )
    return run


def _leaf_ids(run: Run) -> set[int]:
    return {node["id"] for node in (run.result or {}).get("nodes", []) if node.get("is_leaf")}


def leaf_group_link(
    *, run: Run, node_id: int, group: PopulationGroup, user, note: str = "", request=None
) -> LeafGroupLink:
    """Link a leaf of a finished run to one population group, keeping its earlier links
    (linking is additive). The link records who made it, when, and the run's reference
    population (whom the leaf is compared with); an audit event is recorded. Linking a
    pair twice returns the existing link."""
    if run.status != Run.Status.SUCCEEDED:
        raise ValidationError(_("Only a finished run's leaves can be linked to groups."))
    if node_id not in _leaf_ids(run):
        raise ValidationError(_("This run has no leaf %(id)s.") % {"id": node_id})
    with transaction.atomic():
        link, created = LeafGroupLink.objects.get_or_create(
            run=run,
            node_id=node_id,
            group=group,
            defaults={
                "note": note,
                "created_by": user,
                "reference_population": reference_population_text(run.definition, run.region),
            },
        )
        if created:
            audit_record(
                action=AuditEvent.Action.CHANGE,
                actor=user,
                target=run,
                request=request,
                summary=f"linked leaf {node_id} of {run} to {group.name}",
                data={"node": node_id, "group": group.pk, "link": link.pk},
            )
    return link


def leaf_groups_link(*, run: Run, node_id: int, groups, user, request=None) -> list[LeafGroupLink]:
    """Link a leaf to several groups at once (each added to the leaf's earlier links)."""
    with transaction.atomic():
        for group in groups:
            leaf_group_link(run=run, node_id=node_id, group=group, user=user, request=request)
    return list(
        run.group_links.filter(node_id=node_id).select_related("group").order_by("created_at")
    )


def leaf_group_unlink(*, link: LeafGroupLink, user, request=None) -> None:
    """Remove one link of a leaf to a group (the others stay), with an audit event."""
    with transaction.atomic():
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=user,
            target=link.run,
            request=request,
            summary=f"unlinked leaf {link.node_id} of {link.run} from {link.group.name}",
            data={"node": link.node_id, "group": link.group_id, "link": link.pk},
        )
        link.delete()


REGION_MAP_MAX_BYTES = 10 * 1024 * 1024


def region_map_upload(
    *, country: str, content: bytes, original_name: str, name_property: str, user, request=None
):
    """Store (or replace) the GeoJSON map of a country's regions: RCO staff of the country.
    The file is parsed and simplified at once; only the rings are kept, never the file."""
    from django.core.exceptions import PermissionDenied

    from accounts.policy import actor_for

    from .geo import MapError, parse_regions
    from .models import RegionMap

    actor = actor_for(user)
    if not (actor.is_superuser or country in actor.rco_countries):
        raise PermissionDenied
    if len(content) > REGION_MAP_MAX_BYTES:
        raise ValidationError(_("The map is larger than 10 MB; simplify the boundaries first."))
    try:
        shapes = parse_regions(content, name_property=name_property.strip())
    except MapError as exc:
        # Name the person's own file, so they know which one to fix.
        raise ValidationError(
            _("%(file)s: %(reason)s") % {"file": original_name, "reason": exc}
        ) from exc
    region_map, created = RegionMap.objects.update_or_create(
        country=country,
        defaults={
            "shapes": shapes,
            "name_property": name_property.strip(),
            "original_name": original_name[:255],
            "uploaded_by": user,
        },
    )
    audit_record(
        action=AuditEvent.Action.IMPORT if created else AuditEvent.Action.CHANGE,
        actor=user,
        target=region_map,
        request=request,
        country=country,
        summary=f"map of {len(shapes)} regions of {country} from {original_name}",
    )
    return region_map
