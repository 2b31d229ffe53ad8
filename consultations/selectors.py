"""Reads of community voice that several views (and the group pages) need.

Evidence means approved stories only; every count shown passes through suppression.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Q, QuerySet

from accounts import policy
from accounts.policy import Action

from .models import Campaign, Narrative, ReviewStatus


def evidence_narratives(*, user, campaign: Campaign | None = None) -> QuerySet[Narrative]:
    """Approved stories the user may see, with consent for analysis."""
    narratives = policy.scope(user, Narrative.objects.all(), Action.LIST).filter(
        review_status=ReviewStatus.APPROVED, use_analysis=True
    )
    if campaign is not None:
        narratives = narratives.filter(campaign=campaign)
    return narratives


def narratives_search(queryset: QuerySet[Narrative], text: str) -> QuerySet[Narrative]:
    """Full-text search on PostgreSQL; a simpler substring search on SQLite."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("title", "story", config="simple")
        return queryset.annotate(search=vector).filter(
            search=SearchQuery(text, config="simple", search_type="websearch")
        )
    query = Q()
    for word in text.split():
        query &= Q(story__icontains=word) | Q(title__icontains=word)
    return queryset.filter(query)


def narratives_filter(
    queryset: QuerySet[Narrative],
    *,
    group=None,
    signifier=None,
    zone=None,
    bin_index=None,
    bins: int = 10,
) -> QuerySet[Narrative]:
    """Filter by self-identified group and by a triad zone or a dyad bin (in Python: the
    answers live in JSON)."""
    from .signifiers import dyad_bin, triad_zone

    if group is not None:
        queryset = queryset.filter(groups=group)
    if signifier is None or (zone is None and bin_index is None):
        return queryset
    keep = []
    for pk, answers in queryset.values_list("pk", "answers"):
        value = (answers or {}).get(signifier.key)
        if value is None:
            continue
        if zone is not None and signifier.kind == "triad" and triad_zone(tuple(value)) == zone:
            keep.append(pk)
        if (
            bin_index is not None
            and signifier.kind == "dyad"
            and dyad_bin(value, bins) == bin_index
        ):
            keep.append(pk)
    return queryset.filter(pk__in=keep)


def count_table(queryset: QuerySet, field: str) -> dict[str, int]:
    return {
        str(row[field] or "—"): row["n"]
        for row in queryset.values(field).annotate(n=Count("pk", distinct=True)).order_by(field)
    }


def campaign_counts(queryset: QuerySet[Narrative]) -> dict[str, dict[str, int | None]]:
    """Counts by instrument, partner, language and self-identified group, suppressed."""
    from .privacy import suppress_counts

    total = queryset.count()
    tables = {
        "instrument": count_table(queryset, "instrument__name"),
        "partner": count_table(queryset, "organisation__name"),
        "language": count_table(queryset, "language"),
    }
    groups = count_table(queryset.filter(groups__isnull=False), "groups__name")
    tables = {name: suppress_counts(t, total=total) for name, t in tables.items()}
    # Several groups per story: the group table has no derivable total.
    tables["group"] = suppress_counts(groups)
    return tables


def signifier_values(queryset: QuerySet[Narrative], key: str) -> list:
    return [
        answers[key]
        for answers in queryset.values_list("answers", flat=True)
        if answers and answers.get(key) is not None
    ]
