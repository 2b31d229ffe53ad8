"""API for recommendations (filterable), clusters, institutions, actions and assessments."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from accounts import policy
from accounts.api import PolicyScopedMixin
from accounts.policy import Action as Do
from common.api_filters import StrictFilterSet

from . import selectors, services
from .models import Action, Assessment, Cluster, Institution, Mechanism, Recommendation


class RecommendationSerializer(serializers.ModelSerializer):
    mechanism = serializers.CharField(source="mechanism.code", read_only=True)
    mechanism_kind = serializers.CharField(source="mechanism.kind", read_only=True)
    symbol = serializers.CharField(source="document.symbol", read_only=True, default="")
    upr_cycle = serializers.IntegerField(
        source="document.upr_cycle", read_only=True, allow_null=True, default=None
    )
    groups = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    themes = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    sdg_targets = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    sdg_goals = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "country",
            "external_id",
            "mechanism",
            "mechanism_kind",
            "symbol",
            "upr_cycle",
            "type",
            "paragraph",
            "text",
            "upr_position",
            "recommending_states",
            "themes",
            "groups",
            "sdg_goals",
            "sdg_targets",
            "institutions",
            "publication_date",
            "published",
        ]
        read_only_fields = fields


class RecommendationFilter(StrictFilterSet):
    q = django_filters.CharFilter(method="search", label="Search the text")
    cycle = django_filters.NumberFilter(field_name="document__upr_cycle")
    mechanism = django_filters.CharFilter(field_name="mechanism__code", lookup_expr="iexact")
    kind = django_filters.ChoiceFilter(field_name="mechanism__kind", choices=Mechanism.Kind.choices)
    group = django_filters.CharFilter(field_name="groups__slug")
    theme = django_filters.NumberFilter(field_name="themes")
    sdg_target = django_filters.CharFilter(field_name="sdg_targets__code")
    sdg_goal = django_filters.NumberFilter(field_name="sdg_goals__number")
    institution = django_filters.NumberFilter(field_name="institutions")

    class Meta:
        model = Recommendation
        fields = ["country", "upr_position", "type", "published"]

    def search(self, queryset, name, value):
        return selectors.recommendation_search(queryset, value)


class RecommendationViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Recommendations and concerns you may see; filters combine."""

    queryset = (
        Recommendation.objects.select_related("mechanism", "document")
        .prefetch_related("groups", "themes", "sdg_targets", "sdg_goals", "institutions")
        .order_by("pk")
    )
    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilter


class ClusterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cluster
        fields = [
            "id",
            "country",
            "title",
            "description",
            "recommendations",
            "institutions",
            "published",
        ]
        read_only_fields = fields


class ClusterViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Cluster.objects.prefetch_related("recommendations", "institutions").order_by("pk")
    serializer_class = ClusterSerializer
    filterset_fields = ["country", "published"]


class BlankAsNullEmailField(serializers.EmailField):
    """The model stores "no e-mail" as ""; the API says null, so a value is always an e-mail."""

    def to_representation(self, value):
        return value or None


class InstitutionSerializer(serializers.ModelSerializer):
    focal_point_email = BlankAsNullEmailField(read_only=True, allow_null=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "country",
            "name",
            "kind",
            "focal_point_name",
            "focal_point_email",
            "organisations",
        ]
        read_only_fields = fields


class InstitutionViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Institution.objects.prefetch_related("organisations").order_by("name")
    serializer_class = InstitutionSerializer
    filterset_fields = ["country", "kind"]


def _enum_schema(choices) -> dict:
    return {
        "type": "string",
        "enum": [value for value, _ in choices],
        "description": "\n".join(f"* `{value}` - {label}" for value, label in choices),
    }


@extend_schema_field(_enum_schema(Action.Status.choices), component_name="ActionStatusEnum")
class ActionStatusField(serializers.ChoiceField):
    """Its own named component: other apps' "status" enums share these values."""

    def __init__(self, **kwargs):
        super().__init__(choices=Action.Status.choices, **kwargs)


class ScopedRelationsMixin:
    """Related objects are looked up among those the requester may see, so an id that
    exists elsewhere and one that exists nowhere give the same answer (404 discipline)."""

    scoped_relations = ("recommendation", "cluster", "institution")

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        for name in self.scoped_relations:
            field = fields.get(name)
            if request is not None and getattr(field, "queryset", None) is not None:
                field.queryset = policy.scope(request.user, field.queryset, Do.VIEW)
                field.error_messages["does_not_exist"] = f"No such {name}."
        return fields


class ActionSerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    status = ActionStatusField(required=False)

    class Meta:
        model = Action
        fields = [
            "id",
            "country",
            "recommendation",
            "cluster",
            "institution",
            "title",
            "description",
            "owner",
            "target_date",
            "status",
            "updated_at",
        ]
        read_only_fields = ["id", "country", "updated_at"]

    def validate(self, attrs):
        user = self.context["request"].user
        if self.instance is None:
            subject = attrs.get("recommendation") or attrs.get("cluster")
            if subject is None:
                raise serializers.ValidationError("Give a recommendation or a cluster.")
            if not policy.can(user, Do.VIEW, subject):
                raise serializers.ValidationError("No such recommendation or cluster.")
            country = subject.country
        else:
            country = self.instance.country
            attrs.pop("recommendation", None)
            attrs.pop("cluster", None)
        institution = attrs.get("institution")
        if (
            institution is not None
            and not selectors.trackable_institutions(user=user, country=country)
            .filter(pk=institution.pk)
            .exists()
        ):
            raise serializers.ValidationError(
                {"institution": "You may not update this institution's actions."}
            )
        return attrs


class ActionViewSet(
    PolicyScopedMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Actions; RCO staff and UNCT members of an assigned organisation create and update."""

    queryset = Action.objects.select_related("institution").order_by("pk")
    serializer_class = ActionSerializer
    filterset_fields = ["country", "status", "institution", "recommendation", "cluster"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        subject = {k: data.pop(k) for k in ("recommendation", "cluster") if data.get(k)}
        try:
            serializer.instance = services.action_save(
                actor=self.request.user, data=data, **subject
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = services.action_save(
                actor=self.request.user,
                action=serializer.instance,
                data=dict(serializer.validated_data),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class AssessmentSerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True, default="")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "country",
            "recommendation",
            "cluster",
            "institution",
            "kind",
            "organisation",
            "status",
            "assessed_on",
            "evidence_text",
            "evidence_link",
            "created_at",
        ]
        read_only_fields = ["id", "country", "kind", "organisation", "created_at"]


class AssessmentViewSet(PolicyScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Implementation assessments. RCO staff and UNCT members of an assigned organisation
    record official ones; a CSO partner's submission is a shadow assessment attributed to
    its organisation."""

    queryset = Assessment.objects.select_related("organisation").order_by("pk")
    serializer_class = AssessmentSerializer
    filterset_fields = ["country", "kind", "status", "recommendation", "cluster"]

    def perform_create(self, serializer):
        user = self.request.user
        data = dict(serializer.validated_data)
        subject = {k: data.pop(k) for k in ("recommendation", "cluster") if data.get(k)}
        if not subject:
            raise serializers.ValidationError("Give a recommendation or a cluster.")
        target = next(iter(subject.values()))
        if not policy.can(user, Do.VIEW, target):
            raise serializers.ValidationError("No such recommendation or cluster.")
        institutions = selectors.trackable_institutions(user=user, country=target.country)
        actor = policy.actor_for(user)
        kind, organisation = Assessment.Kind.OFFICIAL, None
        if not (actor.is_superuser or target.country in actor.rco_countries):
            institution = data.get("institution")
            if institution is None or not institutions.filter(pk=institution.pk).exists():
                organisation = selectors.partner_organisation(user=user, country=target.country)
                if organisation is None:
                    raise serializers.ValidationError(
                        {"institution": "Name an institution assigned to your organisation."}
                    )
                kind = Assessment.Kind.SHADOW
                data.pop("institution", None)
        try:
            serializer.instance = services.assessment_submit(
                actor=user, data=data, kind=kind, organisation=organisation, **subject
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


def register(router) -> None:
    router.register("recommendations", RecommendationViewSet, basename="recommendation")
    router.register("recommendation-clusters", ClusterViewSet, basename="recommendation-cluster")
    router.register("institutions", InstitutionViewSet, basename="institution")
    router.register("recommendation-actions", ActionViewSet, basename="recommendation-action")
    router.register(
        "recommendation-assessments", AssessmentViewSet, basename="recommendation-assessment"
    )
    from .import_api import ImportJobViewSet

    router.register("recommendation-imports", ImportJobViewSet, basename="recommendation-import")
