"""What the counts of an intersection mean.

A recommendation about "children with disabilities" may name that intersection, or name
children and persons with disabilities in the same text, or name only one of them. Counting
all of these together (what the overview did) says 130 recommendations concern children
with disabilities when none names them. These counts keep the kinds apart; they work on any
queryset of recommendations passed in (already scoped to the viewer and the country).

The group page does not count at request time: the group summary stores these counts per
bucket of readers (published / unpublished, ``summary._recommendation_buckets``) and
``stored_intersection_counts`` adds up the buckets the viewer may read, which equals
``intersection_counts`` over what that viewer could list (tests/evidence check both).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from taxonomy.models import PopulationGroup


@dataclass(frozen=True)
class IntersectionCounts:
    """Recommendations by how they name an intersection and its components."""

    naming_intersection: int
    """Name the intersection itself (e.g. "children with disabilities")."""
    naming_all_components: int
    """Name every component but not the intersection (both in one text)."""
    naming_any: int
    """Name the intersection or at least one component: the broad count."""
    by_component: tuple[tuple[str, int], ...]
    """For each component: recommendations naming it (whatever else they name)."""


def intersection_counts(
    *, group: PopulationGroup, recommendations: QuerySet
) -> IntersectionCounts | None:
    """Counts of ``recommendations`` by kind for an intersection ``group`` (``None`` for an
    ordinary group). One query per component plus three."""
    components = list(group.components.all())
    if not components:
        return None
    naming_intersection = recommendations.filter(groups=group).distinct().count()
    every = recommendations.exclude(groups=group)
    for component in components:
        every = every.filter(pk__in=recommendations.filter(groups=component).values("pk"))
    naming_any = recommendations.filter(groups__in=[group, *components]).distinct().count()
    return IntersectionCounts(
        naming_intersection=naming_intersection,
        naming_all_components=every.distinct().count(),
        naming_any=naming_any,
        by_component=tuple(
            (c.name, recommendations.filter(groups=c).distinct().count()) for c in components
        ),
    )


def stored_intersection_counts(
    *, group: PopulationGroup, recommendations: dict
) -> IntersectionCounts | None:
    """The counts of an intersection ``group`` from the viewer's evidence
    (``summary.evidence_for(...)["recommendations"]``); ``None`` for an ordinary group. No
    query (the components are prefetched by the page)."""
    components = list(group.components.all())
    if not components:
        return None
    counts = recommendations.get("intersection") or {}
    by_component = counts.get("components") or {}
    return IntersectionCounts(
        naming_intersection=counts.get("itself", 0),
        naming_all_components=counts.get("all_components", 0),
        naming_any=counts.get("any", 0),
        by_component=tuple((c.name, by_component.get(str(c.pk), 0)) for c in components),
    )
