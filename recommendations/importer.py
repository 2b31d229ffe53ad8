"""Load recommendation records (from any parser) into the database, all or nothing.

``recommendations_import`` takes an iterable of records shaped like
``recommendations.parsers.RecommendationRecord`` (duck-typed: the portal template reader
produces the same attributes), keyed on ``external_id`` per country, so re-importing a newer
export updates what changed, adds what is new and never duplicates. It works in batches so a
country's records stream through with bounded memory; only the country's existing ids,
hashes and UHRI dates are held.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from taxonomy.models import GroupSynonym, PopulationGroup, SDGGoal, SDGTarget, normalise_label
from taxonomy.services import group_add_synonym

from .models import (
    Change,
    ImportedRecord,
    Mechanism,
    Recommendation,
    SourceDocument,
    Theme,
    ThemeSynonym,
)
from .vocabulary import (
    DEFAULT_THEMES,
    TREATY_BODIES,
    mechanism_kind_for,
    split_sdg_themes,
    split_theme_label,
    upr_cycle_for_session,
)

BATCH_SIZE = 500
PREVIEW_ROWS = 20
MAX_REPORTED_ERRORS = 500
RECORD_FIELDS = (
    "external_id",
    "annotation_type",
    "body",
    "countries",
    "document_id",
    "symbol",
    "publication_date",
    "publication_date_on_uhri",
    "regions",
    "sdg_goals",
    "sdg_targets",
    "text_html",
    "text",
    "paragraph",
    "themes",
    "affected_persons",
    "upr_cycle",
    "upr_session",
    "upr_position",
    "recommending_states",
    "recommending_regions",
    "source_of_position",
)
SCALAR_FIELDS = (
    "mechanism",
    "document",
    "type",
    "paragraph",
    "text",
    "text_html",
    "upr_position",
    "source_of_position",
    "recommending_states",
    "recommending_regions",
    "regions",
    "publication_date",
    "publication_date_on_uhri",
    "source_hash",
)
#: How many ids of records missing from a newer file the report lists (the count is exact).
MAX_REPORTED_MISSING = 500
POSITIONS = {choice.value for choice in Recommendation.Position}


@dataclass
class ImportReport:
    """What an import did (or, for a preview, would do)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_themes: list[str] = field(default_factory=list)
    new_groups: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    error_count: int = 0
    #: Records of the country already stored but absent from this file (never deleted).
    missing_from_file: int = 0
    missing: list[dict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged

    def counts(self) -> dict[str, int]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "total": self.total,
            "errors": self.error_count,
            "new_themes": len(self.new_themes),
            "new_groups": len(self.new_groups),
            "missing_from_file": self.missing_from_file,
        }


class ImportRejected(Exception):
    """The file has row errors: nothing was imported."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{report.error_count} row(s) could not be imported")
        self.report = report


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


def record_hash(record) -> str:
    """A fingerprint of everything an import takes from a record (unchanged = same hash).

    ``publication_date_on_uhri`` is left out: a record is unchanged when its content is, and
    a new text under the same UHRI date is still an update."""
    payload = {
        name: _jsonable(getattr(record, name, None))
        for name in RECORD_FIELDS
        if name != "publication_date_on_uhri"
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def ensure_default_vocabulary() -> None:
    """The treaty bodies, the UPR and the default themes exist (idempotent, cheap when done)."""
    if Theme.objects.filter(needs_review=False).exists():
        return
    for code, name in TREATY_BODIES.items():
        Mechanism.objects.get_or_create(
            code=code, defaults={"name": name, "kind": Mechanism.Kind.TREATY_BODY}
        )
    Mechanism.objects.get_or_create(
        code="UPR", defaults={"name": "Universal Periodic Review", "kind": Mechanism.Kind.UPR}
    )
    for name, synonyms in DEFAULT_THEMES:
        theme, _ = Theme.objects.get_or_create(name=name)
        for label in {name, *synonyms}:
            if not ThemeSynonym.objects.filter(normalised=normalise_label(label)).exists():
                ThemeSynonym.objects.create(theme=theme, label=label)


class _Vocabularies:
    """Label → id caches for one import; unknown labels become flagged entries."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.themes = dict(ThemeSynonym.objects.values_list("normalised", "theme_id"))
        self.groups = dict(GroupSynonym.objects.values_list("normalised", "group_id"))
        self.goals = dict(SDGGoal.objects.values_list("number", "pk"))
        self.targets = {
            code: (pk, goal)
            for code, pk, goal in SDGTarget.objects.values_list("code", "pk", "goal_id")
        }
        self.mechanisms = {m.code.lower(): m for m in Mechanism.objects.all()}
        self.documents: dict[tuple, SourceDocument] = {}

    def theme_ids(self, labels) -> list[int]:
        ids = []
        for label in labels:
            if not label or not label.strip(" -"):
                continue
            key = normalise_label(label)
            theme_id = self.themes.get(key)
            code, name = split_theme_label(label)
            if theme_id is None and name:
                theme_id = self.themes.get(normalise_label(name))
            if theme_id is None:
                theme = Theme.objects.filter(name=name).first() or Theme.objects.create(
                    name=name[:300], code=code, needs_review=True
                )
                self.report.new_themes.append(label.strip())
                for synonym in {label.strip(), name}:
                    if normalise_label(synonym) not in self.themes:
                        ThemeSynonym.objects.create(theme=theme, label=synonym[:300])
                        self.themes[normalise_label(synonym)] = theme.pk
                theme_id = theme.pk
            self.themes[key] = theme_id
            ids.append(theme_id)
        return list(dict.fromkeys(ids))

    def group_ids(self, labels) -> list[int]:
        ids = []
        for label in labels:
            clean = (label or "").strip().lstrip("-").strip()
            if not clean:
                continue
            key = normalise_label(clean)
            group_id = self.groups.get(key)
            if group_id is None:
                group = PopulationGroup.objects.filter(name__iexact=clean).first()
                if group is None:
                    slug = slugify(clean)[:190] or "group"
                    if PopulationGroup.objects.filter(slug=slug).exists():
                        slug = f"{slug}-{PopulationGroup.objects.count() + 1}"
                    group = PopulationGroup.objects.create(
                        name=clean[:200],
                        slug=slug,
                        uhri_label=clean[:200],
                        source=PopulationGroup.Source.IMPORT,
                        needs_review=True,
                    )
                    self.report.new_groups.append(clean)
                group_add_synonym(group=group, label=clean)
                group_id = group.pk
                self.groups[key] = group_id
            ids.append(group_id)
        return list(dict.fromkeys(ids))

    def sdgs(self, goals, targets) -> tuple[list[int], list[int], list[str]]:
        goal_ids, target_ids, unknown = [], [], []
        for number in goals or ():
            try:
                goal_id = self.goals.get(int(number))
            except (TypeError, ValueError):
                goal_id = None
            if goal_id is None:
                unknown.append(str(number))
            else:
                goal_ids.append(goal_id)
        for code in targets or ():
            found = self.targets.get(str(code).strip().lower())
            if found is None:
                unknown.append(str(code))
            else:
                target_ids.append(found[0])
                goal_ids.append(found[1])
        return list(dict.fromkeys(goal_ids)), list(dict.fromkeys(target_ids)), unknown

    def mechanism(self, code: str, kind: str = "") -> Mechanism:
        key = code.strip().lower()
        mechanism = self.mechanisms.get(key)
        if mechanism is None:
            mechanism = Mechanism.objects.create(
                code=code.strip()[:200],
                kind=kind or mechanism_kind_for(code),
                name=TREATY_BODIES.get(code.strip().upper(), ""),
            )
            self.mechanisms[key] = mechanism
        return mechanism

    def document(self, *, country: str, mechanism: Mechanism, record) -> SourceDocument | None:
        symbol = (getattr(record, "symbol", "") or "").strip()[:200]
        session = getattr(record, "upr_session", None)
        cycle = getattr(record, "upr_cycle", None) or upr_cycle_for_session(session)
        if not symbol and not getattr(record, "document_id", ""):
            return None
        key = (mechanism.pk, symbol)
        document = self.documents.get(key)
        if document is None:
            document, _ = SourceDocument.objects.get_or_create(
                country=country,
                mechanism=mechanism,
                symbol=symbol,
                defaults={
                    "external_id": (getattr(record, "document_id", "") or "")[:100],
                    "publication_date": getattr(record, "publication_date", None),
                    "upr_cycle": cycle,
                    "upr_session": session,
                },
            )
            changed = []
            if cycle and not document.upr_cycle:
                document.upr_cycle = cycle
                changed.append("upr_cycle")
            if session and not document.upr_session:
                document.upr_session = session
                changed.append("upr_session")
            if changed:
                document.save(update_fields=changed)
            self.documents[key] = document
        return document


def _record_problems(record, country: str) -> list[str]:
    problems = list(getattr(record, "problems", ()) or ())
    if not (getattr(record, "external_id", "") or "").strip():
        problems.append("no external id (AnnotationId)")
    if not (getattr(record, "text", "") or "").strip():
        problems.append("no recommendation text")
    if not (getattr(record, "body", "") or "").strip():
        problems.append("no mechanism (Body)")
    position = getattr(record, "upr_position", "") or ""
    if position not in POSITIONS:
        problems.append(f"unknown UPR position “{position}”")
    countries = [c.strip().casefold() for c in (getattr(record, "countries", ()) or ())]
    if countries and country.casefold() not in countries:
        problems.append(f"the record is about {', '.join(record.countries)}, not {country}")
    return problems


@dataclass
class _Pending:
    obj: Recommendation
    is_new: bool
    themes: list[int]
    groups: list[int]
    goals: list[int]
    targets: list[int]
    changed_fields: dict
    previous: dict = field(default_factory=dict)


#: The relations an import sets, as (attribute of ``Recommendation``, key in a snapshot).
IMPORTED_RELATIONS = ("themes", "groups", "sdg_goals", "sdg_targets")


def snapshot(obj: Recommendation) -> dict:
    """The values an import may overwrite, as JSON (so an undo can put them back)."""
    values = {}
    for name in SCALAR_FIELDS:
        model_field = Recommendation._meta.get_field(name)
        values[name] = _jsonable(getattr(obj, model_field.attname))
    for name in IMPORTED_RELATIONS:
        values[name] = sorted(getattr(obj, name).values_list("pk", flat=True))
    # Put back on undo, so undoing the latest import leaves the record as the import before
    # it left it (and that one can be undone in turn).
    values["updated_at"] = obj.updated_at.isoformat()
    return values


def _flush(batch: list[_Pending], *, country: str, actor, source: str, job=None) -> None:
    if not batch:
        return
    new = [p.obj for p in batch if p.is_new]
    Recommendation.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if any(p.obj.pk is None for p in batch if p.is_new):  # a backend without RETURNING
        ids = dict(
            Recommendation.objects.filter(
                country=country, external_id__in=[o.external_id for o in new]
            ).values_list("external_id", "pk")
        )
        for obj in new:
            obj.pk = ids[obj.external_id]
    updated = [p.obj for p in batch if not p.is_new]
    if updated:
        now = timezone.now()
        for obj in updated:
            obj.updated_at = now
        Recommendation.objects.bulk_update(updated, [*SCALAR_FIELDS, "updated_at"])
    relations = (
        (Recommendation.themes.through, "theme_id", "themes"),
        (Recommendation.groups.through, "populationgroup_id", "groups"),
        (Recommendation.sdg_goals.through, "sdggoal_id", "goals"),
        (Recommendation.sdg_targets.through, "sdgtarget_id", "targets"),
    )
    updated_ids = [obj.pk for obj in updated]
    for through, column, attribute in relations:
        if updated_ids:
            through.objects.filter(recommendation_id__in=updated_ids).delete()
        through.objects.bulk_create(
            [
                through(recommendation_id=p.obj.pk, **{column: value})
                for p in batch
                for value in getattr(p, attribute)
            ],
            batch_size=1000,
        )
    Change.objects.bulk_create(
        [
            Change(
                actor=actor,
                country=country,
                target_type="recommendations.recommendation",
                target_id=str(p.obj.pk),
                recommendation_id=p.obj.pk,
                verb="imported" if p.is_new else "updated by import",
                summary=source[:500],
                fields=p.changed_fields,
            )
            for p in batch
        ],
        batch_size=1000,
    )
    if job is not None:
        # bulk_create and the loop above set ``updated_at`` on the objects: the moment after
        # which any save means "edited since the import".
        ImportedRecord.objects.bulk_create(
            [
                ImportedRecord(
                    job=job,
                    recommendation_id=p.obj.pk,
                    external_id=p.obj.external_id,
                    created=p.is_new,
                    previous=p.previous,
                    written_at=p.obj.updated_at,
                )
                for p in batch
            ],
            batch_size=1000,
        )


def _preview_row(record, status: str, mechanism: Mechanism) -> dict:
    return {
        "status": status,
        "external_id": record.external_id,
        "mechanism": mechanism.code,
        "paragraph": getattr(record, "paragraph", "") or "",
        "position": getattr(record, "upr_position", "") or "",
        "states": list(getattr(record, "recommending_states", ()) or ()),
        "text": (record.text or "")[:400],
        "themes": list(getattr(record, "themes", ()) or ()),
        "affected_persons": list(getattr(record, "affected_persons", ()) or ()),
    }


def _short(value: Any) -> Any:
    value = _jsonable(value)
    return value[:200] + "…" if isinstance(value, str) and len(value) > 200 else value


def recommendations_import(
    *,
    country: str,
    records: Iterable,
    actor=None,
    source: str = "",
    dry_run: bool = False,
    report_missing: bool = False,
    default_mechanism_kind: str = "",
    job=None,
) -> ImportReport:
    """Import records for ``country`` all or nothing; ``dry_run`` reports and rolls back.

    A record whose ``external_id`` exists for the country is *unchanged* when its content
    fingerprint is the same, whatever its ``PublicationDateOnUhri`` says; otherwise it is
    *updated* (UHRI corrects texts without always moving the date). Unknown theme and
    affected-person labels become new entries flagged for review. Any row error rejects the
    whole import (``ImportRejected`` carrying the report with every error).

    With ``report_missing`` (a full export of the country, such as UHRI's), the stored
    records of the country that the file no longer holds are counted in
    ``missing_from_file`` and listed in ``missing``; they are never deleted.

    With ``job`` (an ``ImportJob``), each added or updated record is remembered with its
    values before the import, so ``import_undo`` can undo the whole batch.
    """
    report = ImportReport()
    with transaction.atomic():
        ensure_default_vocabulary()
        vocab = _Vocabularies(report)
        existing = {
            external_id: (pk, digest, uhri_date)
            for external_id, pk, digest, uhri_date in Recommendation.objects.filter(
                country=country
            ).values_list("external_id", "pk", "source_hash", "publication_date_on_uhri")
        }
        seen: set[str] = set()
        batch: list[_Pending] = []
        for row, record in enumerate(records, start=1):
            problems = _record_problems(record, country)
            external_id = (getattr(record, "external_id", "") or "").strip()[:200]
            if external_id and external_id in seen:
                problems.append("appears more than once in the file")
            if problems:
                report.error_count += 1
                if len(report.errors) < MAX_REPORTED_ERRORS:
                    report.errors.append(
                        {
                            "row": getattr(record, "source_row", None) or row,
                            "external_id": external_id,
                            "message": "; ".join(problems),
                        }
                    )
                continue
            seen.add(external_id)
            mechanism = vocab.mechanism(
                record.body, getattr(record, "mechanism_kind", "") or default_mechanism_kind
            )
            digest = record_hash(record)
            current = existing.get(external_id)
            uhri_date = getattr(record, "publication_date_on_uhri", None)
            if current is not None and current[1] == digest:
                report.unchanged += 1
                if len(report.preview) < PREVIEW_ROWS:
                    report.preview.append(_preview_row(record, "unchanged", mechanism))
                continue
            themes, theme_goals = split_sdg_themes(getattr(record, "themes", ()) or ())
            goals, targets, unknown = vocab.sdgs(
                (*(getattr(record, "sdg_goals", ()) or ()), *theme_goals),
                getattr(record, "sdg_targets", ()),
            )
            if unknown and len(report.warnings) < MAX_REPORTED_ERRORS:
                report.warnings.append(
                    f"Row {row} ({external_id}): unknown SDG code(s) {', '.join(unknown)} "
                    "were not linked."
                )
            values = {
                "mechanism": mechanism,
                "document": vocab.document(country=country, mechanism=mechanism, record=record),
                "type": Recommendation.Type.CONCERN
                if getattr(record, "annotation_type", "") == "concern"
                else Recommendation.Type.RECOMMENDATION,
                "paragraph": (getattr(record, "paragraph", "") or "")[:30],
                "text": record.text.strip(),
                "text_html": getattr(record, "text_html", "") or "",
                "upr_position": getattr(record, "upr_position", "") or "",
                "source_of_position": (getattr(record, "source_of_position", "") or "")[:300],
                "recommending_states": list(getattr(record, "recommending_states", ()) or ()),
                "recommending_regions": list(getattr(record, "recommending_regions", ()) or ()),
                "regions": list(getattr(record, "regions", ()) or ()),
                "publication_date": getattr(record, "publication_date", None),
                "publication_date_on_uhri": uhri_date,
                "source_hash": digest,
            }
            if current is None:
                obj = Recommendation(country=country, external_id=external_id, **values)
                changed: dict = {}
                previous = {}
                report.added += 1
                status = "added"
            else:
                obj = Recommendation.objects.get(pk=current[0])
                previous = snapshot(obj) if job is not None and not dry_run else {}
                changed = {
                    name: [_short(getattr(obj, name)), _short(value)]
                    for name, value in values.items()
                    if name not in ("mechanism", "document", "source_hash")
                    and getattr(obj, name) != value
                }
                for name, value in values.items():
                    setattr(obj, name, value)
                report.updated += 1
                status = "updated"
            if len(report.preview) < PREVIEW_ROWS:
                report.preview.append(_preview_row(record, status, mechanism))
            batch.append(
                _Pending(
                    obj=obj,
                    is_new=current is None,
                    themes=vocab.theme_ids(themes),
                    groups=vocab.group_ids(getattr(record, "affected_persons", ()) or ()),
                    goals=goals,
                    targets=targets,
                    changed_fields=changed,
                    previous=previous,
                )
            )
            if len(batch) >= BATCH_SIZE:
                _flush(batch, country=country, actor=actor, source=source, job=job)
                batch = []
        if report_missing:
            _report_missing(report, country=country, existing=existing, seen=seen)
        if report.error_count:
            transaction.set_rollback(True)
            raise ImportRejected(report)
        _flush(batch, country=country, actor=actor, source=source, job=job)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _report_missing(report: ImportReport, *, country: str, existing: dict, seen: set) -> None:
    # Only records that came from UHRI (they carry its date): a matrix or template row of the
    # same country is not expected in a UHRI export.
    gone = sorted(
        external_id
        for external_id, (_pk, _digest, uhri_date) in existing.items()
        if uhri_date is not None and external_id not in seen
    )
    report.missing_from_file = len(gone)
    if not gone:
        return
    shown = gone[:MAX_REPORTED_MISSING]
    rows = (
        Recommendation.objects.filter(country=country, external_id__in=shown)
        .select_related("mechanism", "document")
        .order_by("external_id")
    )
    report.missing = [
        {
            "status": "missing from file",
            "external_id": rec.external_id,
            "mechanism": rec.mechanism.code if rec.mechanism_id else "",
            "symbol": rec.document.symbol if rec.document_id else "",
            "paragraph": rec.paragraph,
            "text": rec.text[:200],
        }
        for rec in rows
    ]
    report.warnings.append(
        f"{len(gone)} recommendation(s) of {country} already in the portal are not in this "
        "file; they are kept (nothing is deleted by an import). Check whether UHRI withdrew "
        "or renumbered them."
    )


def record_as_dict(record) -> dict:
    """A record as plain JSON-able data (for tests and previews)."""
    if dataclasses.is_dataclass(record):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(record).items()}
    return {name: _jsonable(getattr(record, name, None)) for name in RECORD_FIELDS}
