"""Reads of the recommendations tracker that several views, the API and the group pages need."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

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


@dataclass(frozen=True)
class RecommendationItem:
    """One recommendation naming a group, with what decides who may read it (``published``)
    and what the group page counts (PRODUCT §7)."""

    pk: int
    published: bool
    mechanism: str
    position: str
    status: str  # the label of the latest official assessment, or "Not assessed"
    goals: tuple[int, ...]
    targets: tuple[str, ...]
    factors: tuple[str, ...]
    names: tuple[int, ...] = ()
    """Which of the group, its narrower groups and its components the text names (ids): for
    an intersection, whether it names the intersection, every component or only some."""


@dataclass(frozen=True)
class GroupRecommendations:
    """What the group page shows about recommendations, for one viewer."""

    items: tuple[RecommendationItem, ...]
    total: int
    by_mechanism: tuple[tuple[str, int], ...]
    by_sdg_target: tuple[tuple[str, int], ...]
    by_position: tuple[tuple[str, int], ...]
    by_status: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, items: tuple[RecommendationItem, ...]) -> GroupRecommendations:
        targets = Counter(t for item in items for t in item.targets)
        return cls(
            items=items,
            total=len(items),
            by_mechanism=tuple(Counter(i.mechanism for i in items).most_common()),
            by_sdg_target=tuple(sorted(targets.items(), key=lambda kv: (-kv[1], kv[0]))),
            by_position=tuple(Counter(i.position for i in items if i.position).most_common()),
            by_status=tuple(Counter(i.status for i in items).most_common()),
        )


def sees_unpublished(actor, country: str) -> bool:
    """Does this policy actor read the country's unpublished recommendations? (RCO staff and
    UNCT members do; CSO partners read published ones only: ``rules.RecommendationRule``.)"""
    return bool(
        actor.is_superuser
        or country in actor.rco_countries
        or country in actor.countries_with_role(Role.UNCT_MEMBER)
    )


def recommendation_items_for_group(
    group: PopulationGroup, *, country: str, queryset: QuerySet[Recommendation] | None = None
) -> tuple[RecommendationItem, ...]:
    """Every recommendation of the country naming the group, a narrower group, or (for an
    intersection such as "Indigenous women") one of the groups it combines — whoever may
    read it: each item says whether it is published and which of those groups it names.
    Six queries."""
    base = Recommendation.objects.all() if queryset is None else queryset
    parts = group_and_parts(group)
    ids = base.filter(country=country, groups__in=parts).values("pk")
    rows = list(
        Recommendation.objects.filter(pk__in=ids)
        .annotate(current_status=latest_official_status())
        .order_by("pk")
        .values_list("pk", "published", "mechanism__code", "upr_position", "current_status")
    )
    goals: dict[int, set[int]] = {}
    for pk, number in [
        *Recommendation.sdg_goals.through.objects.filter(recommendation__in=ids).values_list(
            "recommendation_id", "sdggoal__number"
        ),
        *Recommendation.sdg_targets.through.objects.filter(recommendation__in=ids).values_list(
            "recommendation_id", "sdgtarget__goal__number"
        ),
    ]:
        goals.setdefault(pk, set()).add(number)
    targets: dict[int, list[str]] = {}
    for pk, code in Recommendation.sdg_targets.through.objects.filter(
        recommendation__in=ids
    ).values_list("recommendation_id", "sdgtarget__code"):
        targets.setdefault(pk, []).append(code)
    factors: dict[int, list[str]] = {}
    for pk, code in Recommendation.factors.through.objects.filter(
        recommendation__in=ids
    ).values_list("recommendation_id", "factor__code"):
        factors.setdefault(pk, []).append(code)
    names: dict[int, list[int]] = {}
    for pk, group_id in Recommendation.groups.through.objects.filter(
        recommendation__in=ids, populationgroup__in=parts
    ).values_list("recommendation_id", "populationgroup_id"):
        names.setdefault(pk, []).append(group_id)
    labels = dict(Assessment.Status.choices)
    return tuple(
        RecommendationItem(
            pk=pk,
            published=published,
            mechanism=mechanism,
            position=position or "",
            status=str(labels.get(status, "Not assessed")),
            goals=tuple(sorted(goals.get(pk, ()))),
            targets=tuple(sorted(targets.get(pk, ()))),
            factors=tuple(sorted(factors.get(pk, ()))),
            names=tuple(sorted(names.get(pk, ()))),
        )
        for pk, published, mechanism, position, status in rows
    )


def recommendations_for_group(
    group: PopulationGroup, *, viewer, country: str
) -> GroupRecommendations:
    """The recommendations naming the group that ``viewer`` may list (the access policy
    decides), with counts by mechanism, SDG target, UPR position and current status."""
    visible = visible_recommendations(user=viewer, action=PolicyAction.LIST)
    return GroupRecommendations.of(
        recommendation_items_for_group(group, country=country, queryset=visible)
    )


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


def groups_named(*, viewer, country: str) -> dict[int, int]:
    """{population group pk: recommendations naming it} among the country's recommendations
    that ``viewer`` may list (for the participation indicators: named, but heard?)."""
    visible = visible_recommendations(user=viewer).filter(country=country)
    rows = (
        Recommendation.groups.through.objects.filter(recommendation__in=visible.values("pk"))
        .values("populationgroup_id")
        .annotate(n=Count("recommendation_id", distinct=True))
    )
    return {row["populationgroup_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class RecommendationCitation:
    """How a document cites one recommendation."""

    pk: int
    mechanism: str
    symbol: str
    paragraph: str
    text: str


def recommendation_citations(pks) -> tuple[RecommendationCitation, ...]:
    """The given recommendations, most recent document first (for a dossier's list)."""
    rows = (
        Recommendation.objects.filter(pk__in=list(pks))
        .order_by("-document__publication_date", "-pk")
        .values_list("pk", "mechanism__code", "document__symbol", "paragraph", "text")
    )
    return tuple(
        RecommendationCitation(pk, mechanism, symbol or "", paragraph or "", " ".join(text.split()))
        for pk, mechanism, symbol, paragraph, text in rows
    )


def recommendation_label_maps() -> dict[str, dict[str, str | Promise]]:
    """The UPR position and implementation status labels in the reader's language, keyed by
    what a group summary stores: the position's value; the status's value or its label (the
    summary stores a label, in whichever language it was computed in), "Not assessed" when
    none. Values are lazy: rendered in the language active where they are shown."""
    not_assessed = gettext_lazy("Not assessed")
    position: dict[str, str | Promise] = {
        str(value): label for value, label in Recommendation.Position.choices
    }
    status: dict[str, str | Promise] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            status[str(not_assessed)] = not_assessed
            for _value, label in Assessment.Status.choices:
                status[str(label)] = label
    status |= {str(value): label for value, label in Assessment.Status.choices}
    status["Not assessed"] = not_assessed
    return {"position": position, "status": status}
