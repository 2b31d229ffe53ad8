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
            name, uhri_label=uhri_label, source=source, description=description
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

    labels = [(n, [n, u, *s]) for n, u, _, s, _ in seed_data.UHRI_GROUPS]
    labels += [(n, [n, *s]) for n, _, s, _ in seed_data.LNOB_GROUPS]
    labels += [(n, [n, *s]) for n, _, s in seed_data.INTERSECTIONS]
    for name, group_labels in labels:
        for label in group_labels:
            if label:
                group_add_synonym(group=by_name[name], label=label)
    return len(by_name)


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
def group_save(*, form) -> tuple[PopulationGroup, list[str]]:
    """Save a group from its form, replacing its synonyms; returns labels already taken."""
    group = form.save()
    wanted = {normalise_label(label): label for label in form.synonym_labels()}
    wanted.setdefault(normalise_label(group.name), group.name)
    group.synonyms.exclude(normalised__in=wanted.keys()).delete()
    taken = []
    for label in wanted.values():
        if group_add_synonym(group=group, label=label) is None:
            taken.append(label)
    return group, taken
