"""Reads of the recommendations tracker that several views, the API and the group pages need."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation, Role
from accounts.policy import Action as PolicyAction
from accounts.policy import actor_for
from taxonomy.models import PopulationGroup

from .models import Assessment, Cluster, Institution, Recommendation, TrackingIndicator

FILTERS = (
    "mechanism",
    "kind",
    "cycle",
    "theme",
    "group",
    "sdg_goal",
    "sdg_target",
    "institution",
    "position",
    "status",
    "type",
    "published",
)
NO_ASSESSMENT = "none"


def latest_official_status():
    """Subquery: the status of a recommendation's latest official assessment."""
    return Subquery(
        Assessment.objects.filter(recommendation=OuterRef("pk"), kind=Assessment.Kind.OFFICIAL)
        .order_by("-assessed_on", "-created_at", "-pk")
        .values("status")[:1]
    )


def visible_recommendations(*, user, action=PolicyAction.LIST) -> QuerySet[Recommendation]:
    return policy.scope(user, Recommendation.objects.all(), action)


def recommendation_search(queryset: QuerySet[Recommendation], q: str) -> QuerySet[Recommendation]:
    """Full-text search on PostgreSQL (English configuration, ranked); a case-insensitive
    match of every word elsewhere (SQLite in development)."""
    q = (q or "").strip()
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("text", config="english", weight="A") + SearchVector(
            "paragraph", "external_id", config="simple", weight="B"
        )
        query = SearchQuery(q, config="english", search_type="websearch")
        return (
            queryset.annotate(search_vector=vector, search_rank=SearchRank(vector, query))
            .filter(search_vector=query)
            .order_by("-search_rank", "pk")
        )
    condition = Q()
    for word in q.split():
        condition &= (
            Q(text__icontains=word) | Q(external_id__iexact=word) | Q(paragraph__iexact=word)
        )
    return queryset.filter(condition)


def recommendation_filter(queryset: QuerySet[Recommendation], params) -> QuerySet[Recommendation]:
    """Combine the list filters (every one optional; all must hold)."""

    def value(name):
        raw = params.get(name, "")
        return raw.strip() if isinstance(raw, str) else raw

    if value("mechanism"):
        queryset = queryset.filter(mechanism_id=value("mechanism"))
    if value("kind"):
        queryset = queryset.filter(mechanism__kind=value("kind"))
    if value("cycle"):
        queryset = queryset.filter(document__upr_cycle=value("cycle"))
    if value("theme"):
        queryset = queryset.filter(themes=value("theme"))
    if value("group"):
        group = PopulationGroup.objects.filter(pk=value("group")).first()
        queryset = (
            queryset.filter(groups__in=group_and_parts(group)).distinct()
            if group
            else queryset.none()
        )
    if value("sdg_goal"):
        queryset = queryset.filter(sdg_goals__number=value("sdg_goal"))
    if value("sdg_target"):
        queryset = queryset.filter(sdg_targets__code=value("sdg_target"))
    if value("institution"):
        queryset = queryset.filter(institutions=value("institution"))
    if value("position"):
        queryset = queryset.filter(upr_position=value("position"))
    if value("type"):
        queryset = queryset.filter(type=value("type"))
    if value("published") in ("1", "0"):
        queryset = queryset.filter(published=value("published") == "1")
    if value("status"):
        queryset = queryset.annotate(current_status=latest_official_status())
        if value("status") == NO_ASSESSMENT:
            queryset = queryset.filter(current_status__isnull=True)
        else:
            queryset = queryset.filter(current_status=value("status"))
    return queryset


def group_and_parts(group: PopulationGroup) -> list[PopulationGroup]:
    """A group, its narrower groups and, for an intersection, the groups it combines."""
    groups = [group, *group.children.all(), *group.components.all()]
    return list({g.pk: g for g in groups}.values())


def recommendation_list(*, user, params, q: str = "") -> QuerySet[Recommendation]:
    """The list page's rows: visible, filtered, searched, with what a row shows prefetched."""
    queryset = recommendation_filter(visible_recommendations(user=user), params)
    queryset = recommendation_search(queryset, q)
    return (
        queryset.select_related("mechanism", "document")
        .prefetch_related("groups", "sdg_targets", "themes")
        .annotate(current_status=latest_official_status())
    )


@dataclass
class GroupRecommendations:
    """What the group page shows about recommendations (PRODUCT §7)."""

    group: PopulationGroup
    recommendations: QuerySet[Recommendation]
    total: int = 0
    by_mechanism: list[tuple[str, int]] = field(default_factory=list)
    by_sdg_target: list[tuple[str, int]] = field(default_factory=list)
    by_position: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)


def recommendations_for_group(*, group: PopulationGroup, user) -> GroupRecommendations:
    """Recommendations the user may see that name the group, a narrower group, or (for an
    intersection such as "Indigenous women") one of the groups it combines; with counts by
    mechanism, SDG target, UPR position and current implementation status."""
    ids = (
        visible_recommendations(user=user, action=PolicyAction.VIEW)
        .filter(groups__in=group_and_parts(group))
        .values("pk")
    )
    queryset = (
        Recommendation.objects.filter(pk__in=ids)
        .select_related("mechanism", "document")
        .annotate(current_status=latest_official_status())
    )
    result = GroupRecommendations(group=group, recommendations=queryset)
    rows = list(queryset.values_list("mechanism__code", "upr_position", "current_status"))
    result.total = len(rows)
    result.by_mechanism = Counter(r[0] for r in rows).most_common()
    result.by_position = Counter(r[1] for r in rows if r[1]).most_common()
    labels = dict(Assessment.Status.choices)
    result.by_status = [
        (labels.get(status, "Not assessed"), n)
        for status, n in Counter(r[2] or "" for r in rows).most_common()
    ]
    result.by_sdg_target = list(
        Recommendation.sdg_targets.through.objects.filter(recommendation__in=ids)
        .values_list("sdgtarget__code")
        .annotate(n=Count("recommendation", distinct=True))
        .order_by("-n", "sdgtarget__code")
    )
    return result


def dashboard(*, user) -> dict:
    """Counts for the dashboard: per group, per SDG goal, positions, status over time."""
    ids = visible_recommendations(user=user).values("pk")
    base = Recommendation.objects.filter(pk__in=ids)
    per_group = list(
        Recommendation.groups.through.objects.filter(recommendation__in=ids)
        .values_list("populationgroup__name")
        .annotate(n=Count("recommendation", distinct=True))
        .order_by("-n", "populationgroup__name")[:15]
    )
    per_goal = list(
        Recommendation.sdg_goals.through.objects.filter(recommendation__in=ids)
        .values_list("sdggoal__number", "sdggoal__short_en")
        .annotate(n=Count("recommendation", distinct=True))
        .order_by("sdggoal__number")
    )
    positions = dict(
        base.exclude(upr_position="").values_list("upr_position").annotate(n=Count("pk")).order_by()
    )
    per_mechanism = list(
        base.values_list("mechanism__code").annotate(n=Count("pk")).order_by("-n")[:15]
    )
    # implementation status over time: per year, the latest official status of each
    # recommendation assessed by the end of that year
    assessments = (
        Assessment.objects.filter(recommendation__in=ids, kind=Assessment.Kind.OFFICIAL)
        .order_by("assessed_on", "created_at", "pk")
        .values_list("recommendation_id", "assessed_on", "status")
    )
    timeline: dict[int, dict[str, int]] = {}
    current: dict[int, str] = {}
    rows = list(assessments)
    years = sorted({day.year for _, day, _ in rows})
    position = 0
    for year in years:
        while position < len(rows) and rows[position][1].year <= year:
            current[rows[position][0]] = rows[position][2]
            position += 1
        timeline[year] = dict(Counter(current.values()))
    return {
        "total": base.count(),
        "per_group": per_group,
        "per_goal": [(f"{number}. {short}", n) for number, short, n in per_goal],
        "positions": positions,
        "per_mechanism": per_mechanism,
        "timeline": timeline,
    }


def overdue_indicators(*, user) -> QuerySet[TrackingIndicator]:
    return (
        policy.scope(user, TrackingIndicator.objects.all(), PolicyAction.LIST)
        .filter(next_due__lt=timezone.localdate())
        .select_related("recommendation", "cluster", "institution")
    )


def visible_clusters(*, user) -> QuerySet[Cluster]:
    return (
        policy.scope(user, Cluster.objects.all(), PolicyAction.LIST)
        .annotate(size=Count("recommendations", distinct=True))
        .order_by("title")
    )


def recommendation_detail_queryset() -> QuerySet[Recommendation]:
    return Recommendation.objects.select_related("mechanism", "document").prefetch_related(
        "groups",
        "themes",
        "sdg_targets",
        "sdg_goals",
        "factors",
        "institutions__organisations",
        "clusters",
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("author", "organisation", "institution"),
        ),
    )


def trackable_institutions(*, user, country: str) -> QuerySet[Institution]:
    """Institutions whose actions and assessments this person may update: all of the
    country's for its RCO staff; those assigned to their organisation for UNCT members."""
    actor = actor_for(user)
    institutions = Institution.objects.filter(country=country)
    if actor.is_superuser or country in actor.rco_countries:
        return institutions
    unct = actor.organisations_with_role(Role.UNCT_MEMBER)
    if not unct:
        return institutions.none()
    return institutions.filter(organisations__in=unct).distinct()


def partner_organisation(*, user, country: str) -> Organisation | None:
    """The CSO partner organisation a shadow assessment by this person is attributed to."""
    actor = actor_for(user)
    return (
        Organisation.objects.filter(
            pk__in=actor.organisations_with_role(Role.CSO_PARTNER), country=country
        )
        .order_by("name")
        .first()
    )
