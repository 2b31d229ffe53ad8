"""Loading and curating the shared vocabularies. Every loader is idempotent."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml
from django.db import transaction

from . import seed_data
from .models import (
    Factor,
    GroupSynonym,
    PopulationGroup,
    SDGGoal,
    SDGIndicator,
    SDGTarget,
    normalise_label,
)

SDG_DIR = Path(__file__).resolve().parent / "data" / "sdg"
SDG_LANGUAGES = ("en", "fr", "es")


def _read_yaml(language: str, name: str) -> dict[str, str]:
    with open(SDG_DIR / language / f"global_{name}.yml", encoding="utf-8") as handle:
        # NFC: some titles in the source files use decomposed accents (E + combining acute).
        return {
            str(k): unicodedata.normalize("NFC", str(v).strip())
            for k, v in (yaml.safe_load(handle) or {}).items()
        }


def _target_order(code_part: str) -> int:
    """Targets 1..19 come before lettered means-of-implementation targets a, b, c…"""
    return int(code_part) if code_part.isdigit() else 100 + ord(code_part) - ord("a")


@transaction.atomic
def sdg_load() -> dict[str, int]:
    """Load the 17 goals, 169 targets and the indicators in English, French and Spanish.

    Source: open-sdg/sdg-translations (MIT), copied into taxonomy/data/sdg.
    """
    data = {
        (lang, name): _read_yaml(lang, name)
        for lang in SDG_LANGUAGES
        for name in ("goals", "targets", "indicators")
    }
    goal_re = re.compile(r"^(\d+)-title$")
    goals: dict[int, SDGGoal] = {}
    for key in data[("en", "goals")]:
        match = goal_re.match(key)
        if not match:
            continue
        number = int(match.group(1))
        fields = {}
        for lang in SDG_LANGUAGES:
            fields[f"title_{lang}"] = data[(lang, "goals")].get(f"{number}-title", "")
            fields[f"short_{lang}"] = data[(lang, "goals")].get(f"{number}-short", "")[:200]
        goals[number], _ = SDGGoal.objects.update_or_create(number=number, defaults=fields)

    target_re = re.compile(r"^(\d+)-([0-9a-z]+)-title$")
    targets: dict[str, SDGTarget] = {}
    for key in data[("en", "targets")]:
        match = target_re.match(key)
        if not match:
            continue
        goal_no, part = int(match.group(1)), match.group(2)
        code = f"{goal_no}.{part}"
        fields = {f"title_{lang}": data[(lang, "targets")].get(key, "") for lang in SDG_LANGUAGES}
        targets[code], _ = SDGTarget.objects.update_or_create(
            code=code, defaults={**fields, "goal": goals[goal_no], "order": _target_order(part)}
        )

    indicator_re = re.compile(r"^(\d+)-([0-9a-z]+)-(\d+)-title$")
    indicators = 0
    for key in data[("en", "indicators")]:
        match = indicator_re.match(key)
        if not match:
            continue
        target_code = f"{match.group(1)}.{match.group(2)}"
        if target_code not in targets:
            continue
        fields = {
            f"title_{lang}": data[(lang, "indicators")].get(key, "") for lang in SDG_LANGUAGES
        }
        SDGIndicator.objects.update_or_create(
            code=f"{target_code}.{match.group(3)}",
            defaults={**fields, "target": targets[target_code], "order": int(match.group(3))},
        )
        indicators += 1
    return {"goals": len(goals), "targets": len(targets), "indicators": indicators}


def group_add_synonym(*, group: PopulationGroup, label: str) -> GroupSynonym | None:
    """Attach a synonym unless the label already names a group (first claim wins)."""
    key = normalise_label(label)
    if not key:
        return None
    existing = GroupSynonym.objects.filter(normalised=key).first()
    if existing is not None:
        return existing if existing.group_id == group.pk else None
    return GroupSynonym.objects.create(group=group, label=label.strip())


def _ensure_group(name: str, **defaults) -> PopulationGroup:
    group, created = PopulationGroup.objects.get_or_create(name=name, defaults=defaults)
    if not created:
        # Only fill what curators have not changed; never overwrite their edits.
        changed = [f for f, v in defaults.items() if not getattr(group, f) and v]
        for f in changed:
            setattr(group, f, defaults[f])
        if changed:
            group.save(update_fields=changed)
    return group


@transaction.atomic
def groups_seed() -> int:
    """Seed groups, synonyms and intersections from ``seed_data``; returns the group count."""
    by_name: dict[str, PopulationGroup] = {}
    for name, uhri_label, _parent, _synonyms, description in seed_data.UHRI_GROUPS:
        source = PopulationGroup.Source.UHRI if uhri_label else PopulationGroup.Source.LNOB
        by_name[name] = _ensure_group(
            name,
            uhri_label=uhri_label,
            source=source,
            description=description,
            rights_holder=normalise_label(name) not in seed_data.NOT_RIGHTS_HOLDERS,
        )
    for name, _parent, _synonyms, description in seed_data.LNOB_GROUPS:
        by_name[name] = _ensure_group(
            name, source=PopulationGroup.Source.LNOB, description=description
        )
    parents = [(n, p) for n, _, p, _, _ in seed_data.UHRI_GROUPS] + [
        (n, p) for n, p, _, _ in seed_data.LNOB_GROUPS
    ]
    for name, parent in parents:
        group = by_name[name]
        if parent and group.parent_id is None:
            group.parent = by_name[parent]
            group.save(update_fields=["parent"])
    for name, components, _synonyms in seed_data.INTERSECTIONS:
        group = _ensure_group(name, source=PopulationGroup.Source.INTERSECTION)
        if not group.components.exists():
            group.components.set([by_name[c] for c in components])
        by_name[name] = group

    group_labels_seed(by_name)
    labels = [(n, [n, u, *s]) for n, u, _, s, _ in seed_data.UHRI_GROUPS]
    labels += [(n, [n, *s]) for n, _, s, _ in seed_data.LNOB_GROUPS]
    labels += [(n, [n, *s]) for n, _, s in seed_data.INTERSECTIONS]
    for name, group_labels in labels:
        for label in group_labels:
            if label:
                group_add_synonym(group=by_name[name], label=label)
    return len(by_name)


def group_labels_seed(by_name: dict[str, PopulationGroup] | None = None) -> int:
    """Give the seeded groups their French and Spanish names where they have none yet (a
    steward's own translation is kept)."""
    if by_name is None:
        by_name = {
            g.name: g for g in PopulationGroup.objects.filter(name__in=seed_data.GROUP_LABELS)
        }
    changed = 0
    for name, translations in seed_data.GROUP_LABELS.items():
        group = by_name.get(name)
        if group is None:
            continue
        missing = {code: text for code, text in translations.items() if not group.labels.get(code)}
        if missing:
            group.labels = {**group.labels, **missing}
            group.save(update_fields=["labels"])
            changed += 1
    return changed


@transaction.atomic
def factors_seed() -> int:
    for order, (code, name, description) in enumerate(seed_data.FACTORS, start=1):
        Factor.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "order": order}
        )
    return len(seed_data.FACTORS)


def vocabularies_load() -> dict[str, int]:
    """Everything ``make run`` needs in the vocabularies. Safe to run again."""
    counts = sdg_load()
    counts["groups"] = groups_seed()
    counts["factors"] = factors_seed()
    return counts


@transaction.atomic
def group_save(*, form, user=None, proposed: bool = False) -> tuple[PopulationGroup, list[str]]:
    """Save a group from its form, replacing its synonyms; returns labels already taken.

    ``proposed``: the author is not a vocabulary steward (RCO staff proposing a
    country-specific group); the group is saved flagged ``needs_review`` for the stewards.
    Changes are recorded in the audit log when ``user`` is given."""
    creating = form.instance.pk is None
    group = form.save(commit=False)
    if proposed:
        group.needs_review = True
    group.save()
    form.save_m2m()
    if user is not None:
        from accounts.models import AuditEvent
        from accounts.services import audit_record

        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=user,
            target=group,
            summary=f"population group {'proposed' if proposed else 'saved'}: {group.name}"
            if creating
            else f"population group changed: {group.name}",
        )
    wanted = {normalise_label(label): label for label in form.synonym_labels()}
    wanted.setdefault(normalise_label(group.name), group.name)
    group.synonyms.exclude(normalised__in=wanted.keys()).delete()
    taken = []
    for label in wanted.values():
        if group_add_synonym(group=group, label=label) is None:
            taken.append(label)
    return group, taken


# Relations that only derive from a group (recomputed, never evidence of their own).
_DERIVED = {("evidence", "groupsummary"), ("taxonomy", "groupsynonym")}


def _relations():
    """Every relation that points at a population group: (model, field name, is_m2m)."""
    for rel in PopulationGroup._meta.related_objects:
        if rel.many_to_many:
            through = rel.through  # type: ignore[attr-defined]  # ManyToManyRel
            fields = [
                f
                for f in through._meta.fields
                if f.is_relation and f.related_model is PopulationGroup
            ]
            # For a self-relation (components) the rel's own field is the "to" side.
            to_field = (
                next((f for f in fields if f.name.startswith("to_")), fields[-1])
                if rel.related_model is PopulationGroup
                else fields[0]
            )
            yield through, to_field.name, True
        else:
            yield rel.related_model, rel.field.name, False


def group_references(group: PopulationGroup) -> dict[str, int]:
    """What refers to a group (evidence, recommendations, runs, analyses, other groups),
    by model label; derived rows (summaries, synonyms) are not references."""
    found: dict[str, int] = {}
    for model, field, _m2m in _relations():
        if (model._meta.app_label, model._meta.model_name) in _DERIVED:
            continue
        count = model._default_manager.filter(**{field: group}).count()
        if count:
            found[model._meta.label_lower] = found.get(model._meta.label_lower, 0) + count
    return found


@transaction.atomic
def group_merge(*, source: PopulationGroup, target: PopulationGroup, user) -> PopulationGroup:
    """Merge ``source`` into ``target``: every foreign key and many-to-many link that named
    the source names the target instead (a link the target already has is dropped, not
    duplicated), the source's name and synonyms become the target's synonyms, the change
    is audited, and only then is the source deleted — so nothing cascades away."""
    from django.db import IntegrityError

    from accounts.models import AuditEvent
    from accounts.services import audit_record

    if source.pk == target.pk:
        raise ValueError("A group cannot be merged into itself.")
    moved: dict[str, int] = {}
    for model, field, _m2m in _relations():
        label = model._meta.label_lower
        if (model._meta.app_label, model._meta.model_name) == ("evidence", "groupsummary"):
            model._default_manager.filter(**{field: source}).delete()
            model._default_manager.filter(**{field: target}).update(stale=True)
            continue
        if label == "taxonomy.groupsynonym":
            continue
        rows = model._default_manager.filter(**{field: source})
        for row in rows:
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=row.pk).update(**{field: target})
                moved[label] = moved.get(label, 0) + 1
            except IntegrityError:
                # The target already has this link (unique together): keep one.
                model._default_manager.filter(pk=row.pk).delete()
    # A group is neither its own parent nor its own component.
    PopulationGroup.objects.filter(pk=target.pk, parent=target).update(parent=None)
    target.components.remove(target)
    labels = [source.name, *source.synonyms.values_list("label", flat=True)]
    source.synonyms.all().delete()
    for label in labels:
        group_add_synonym(group=target, label=label)
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=target,
        summary=f"population group merged: {source.name} → {target.name}",
        data={"source": source.pk, "source_slug": source.slug, "moved": moved},
    )
    source.delete()
    target.refresh_from_db()
    return target


class GroupInUse(Exception):
    """The group is referenced; merge it into another group instead of deleting it."""

    def __init__(self, references: dict[str, int]):
        self.references = references
        super().__init__(
            "This group is still referred to ("
            + ", ".join(f"{n} {label}" for label, n in sorted(references.items()))
            + "); merge it into another group instead of deleting it."
        )


@transaction.atomic
def group_delete(*, group: PopulationGroup, user) -> None:
    """Delete a group nothing refers to (e.g. a mistaken proposal), audited. Raises
    ``GroupInUse`` otherwise: deleting would cascade through evidence."""
    from accounts.models import AuditEvent
    from accounts.services import audit_record

    references = group_references(group)
    if references:
        raise GroupInUse(references)
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=user,
        target=group,
        summary=f"population group deleted: {group.name}",
        data={"slug": group.slug},
    )
    group.delete()
