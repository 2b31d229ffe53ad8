from rest_framework import serializers, viewsets

from accounts.api import PolicyScopedMixin

from .models import Factor, PopulationGroup, SDGGoal, SDGIndicator, SDGTarget


class PopulationGroupSerializer(serializers.ModelSerializer):
    synonyms = serializers.SlugRelatedField(many=True, read_only=True, slug_field="label")

    class Meta:
        model = PopulationGroup
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "parent",
            "components",
            "uhri_label",
            "source",
            "needs_review",
            "synonyms",
        ]
        read_only_fields = ["slug", "source"]


class FactorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Factor
        fields = ["code", "name", "description"]


class SDGGoalSerializer(serializers.ModelSerializer):
    class Meta:
        model = SDGGoal
        fields = ["number", "short_en", "title_en", "short_fr", "title_fr", "short_es", "title_es"]


class SDGTargetSerializer(serializers.ModelSerializer):
    goal = serializers.IntegerField(source="goal.number")

    class Meta:
        model = SDGTarget
        fields = ["code", "goal", "title_en", "title_fr", "title_es"]


class SDGIndicatorSerializer(serializers.ModelSerializer):
    target = serializers.CharField(source="target.code")

    class Meta:
        model = SDGIndicator
        fields = ["code", "target", "title_en", "title_fr", "title_es"]


class PopulationGroupViewSet(PolicyScopedMixin, viewsets.ModelViewSet):
    """Population groups. Members read; RCO staff create and edit."""

    queryset = PopulationGroup.objects.prefetch_related("synonyms", "components")
    serializer_class = PopulationGroupSerializer
    lookup_field = "slug"
    filterset_fields = ["needs_review", "source", "parent"]


class FactorViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Factor.objects.all()
    serializer_class = FactorSerializer
    lookup_field = "code"


class SDGGoalViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = SDGGoal.objects.all()
    serializer_class = SDGGoalSerializer
    lookup_field = "number"


class SDGTargetViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = SDGTarget.objects.select_related("goal")
    serializer_class = SDGTargetSerializer
    lookup_field = "code"
    lookup_value_regex = r"[0-9]+\.[0-9a-z]+"
    filterset_fields = ["goal__number"]


class SDGIndicatorViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = SDGIndicator.objects.select_related("target")
    serializer_class = SDGIndicatorSerializer
    lookup_field = "code"
    lookup_value_regex = r"[0-9]+\.[0-9a-z]+\.[0-9]+"
