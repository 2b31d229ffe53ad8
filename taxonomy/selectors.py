"""Reads of the shared vocabularies that several apps need."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import GroupSynonym, PopulationGroup, normalise_label


def group_for_label(label: str) -> PopulationGroup | None:
    """The group a label (UHRI wording, older UPR wording, a synonym) refers to, if known."""
    synonym = (
        GroupSynonym.objects.select_related("group")
        .filter(normalised=normalise_label(label))
        .first()
    )
    return synonym.group if synonym else None


def group_tree(queryset: QuerySet[PopulationGroup]) -> list[tuple[PopulationGroup, int]]:
    """Groups in outline order with their depth (broader groups first, children indented)."""
    groups = list(
        queryset.select_related("parent").prefetch_related(
            Prefetch("components", queryset=PopulationGroup.objects.only("name", "slug"))
        )
    )
    by_parent: dict[int | None, list[PopulationGroup]] = {}
    ids = {g.pk for g in groups}
    for group in groups:
        parent = group.parent_id if group.parent_id in ids else None
        by_parent.setdefault(parent, []).append(group)
    ordered: list[tuple[PopulationGroup, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for group in sorted(by_parent.get(parent, []), key=lambda g: g.name.lower()):
            ordered.append((group, depth))
            walk(group.pk, depth + 1)

    walk(None, 0)
    return ordered
