"""API: group evidence summaries and the analyses on each group page."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from accounts import policy
from accounts.api import PolicyScopedMixin
from taxonomy.models import PopulationGroup

from .models import CapacityGap, Cause, GroupAction, RoleEntry
from .selectors import group_evidence, overview


class EvidenceSummarySerializer(serializers.Serializer):
    group = serializers.CharField()
    country = serializers.CharField()
    slug = serializers.CharField()
    headline = serializers.DictField()
    matrix = serializers.ListField(child=serializers.DictField())
    gaps = serializers.ListField(child=serializers.DictField())
    factors = serializers.DictField()


class CauseSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Cause
        fields = ["id", "group", "country", "parent", "level", "text", "rights"]


class CapacityGapSerializer(serializers.ModelSerializer):
    class Meta:
        model = CapacityGap
        fields = ["id", "dimension", "severity", "description"]


class RoleSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    gaps = CapacityGapSerializer(many=True, read_only=True)

    class Meta:
        model = RoleEntry
        fields = [
            "id",
            "group",
            "country",
            "kind",
            "name",
            "level",
            "claims_or_obligations",
            "gaps",
        ]


class GroupActionSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = GroupAction
        fields = [
            "id",
            "group",
            "country",
            "title",
            "kind",
            "owner",
            "starts_on",
            "ends_on",
            "status",
        ]


@extend_schema(tags=["evidence"])
class EvidenceViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Each group's triangulated evidence in one of the viewer's countries (``?country=``,
    default their first): convergence matrix, data gaps, factor profile."""

    queryset = PopulationGroup.objects.all()
    lookup_field = "slug"
    serializer_class = EvidenceSummarySerializer

    def _data(self, group):
        country = policy.chosen_country(self.request) or ""
        data = group_evidence(group=group, country=country, user=self.request.user).data
        return {
            "group": group.name,
            "country": country,
            "slug": group.slug,
            "headline": data.get("headline", {}),
            "matrix": data.get("matrix", []),
            "gaps": data.get("gaps", []),
            "factors": data.get("factors", {}),
        }

    def list(self, request, *args, **kwargs):
        # The stored summaries filtered for this viewer, read in one query; a stale one is
        # served as it is and refreshed in the background.
        page = self.paginate_queryset(self.get_queryset())
        country = policy.chosen_country(request) or ""
        rows = overview(groups=list(page), country=country, user=request.user)
        return self.get_paginated_response(
            [
                {
                    "group": row.group.name,
                    "country": country,
                    "slug": row.group.slug,
                    "headline": row.headline,
                    "matrix": row.data.get("matrix", []),
                    "gaps": row.data.get("gaps", []),
                    "factors": row.data.get("factors", {}),
                }
                for row in rows
            ]
        )

    def retrieve(self, request, *args, **kwargs):
        return Response(self._data(self.get_object()))


@extend_schema(tags=["evidence"])
class CauseViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Cause.objects.select_related("group")
    serializer_class = CauseSerializer
    filterset_fields = ["group__slug", "level", "country"]


@extend_schema(tags=["evidence"])
class RoleViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RoleEntry.objects.select_related("group").prefetch_related("gaps")
    serializer_class = RoleSerializer
    filterset_fields = ["group__slug", "kind", "country"]


@extend_schema(tags=["evidence"])
class GroupActionViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = GroupAction.objects.select_related("group")
    serializer_class = GroupActionSerializer
    filterset_fields = ["group__slug", "status", "country"]


def register(router) -> None:
    router.register("evidence", EvidenceViewSet, basename="evidence")
    router.register("causes", CauseViewSet, basename="cause")
    router.register("roles", RoleViewSet, basename="role")
    router.register("lnob-actions", GroupActionViewSet, basename="lnob-action")
