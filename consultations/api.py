"""API for campaigns, instruments and submissions; a partner's token sees only its
organisation's submissions (the policy scopes every queryset)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from accounts.api import PolicyScopedMixin

from .models import Campaign, FocusGroup, Instrument, Narrative, Signifier


class SignifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Signifier
        fields = ["key", "kind", "question", "labels", "allow_other", "order"]


class InstrumentSerializer(serializers.ModelSerializer):
    signifiers = SignifierSerializer(many=True, read_only=True)

    class Meta:
        model = Instrument
        fields = [
            "id",
            "campaign",
            "name",
            "prompt",
            "ask_groups",
            "ask_age",
            "ask_sex",
            "ask_washington_group",
            "signifiers",
        ]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "title",
            "purpose",
            "country",
            "location_level",
            "starts_on",
            "ends_on",
            "languages",
            "status",
            "target_groups",
            "partners",
        ]


class NarrativeSerializer(serializers.ModelSerializer):
    groups = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")

    class Meta:
        model = Narrative
        fields = [
            "id",
            "campaign",
            "instrument",
            "organisation",
            "channel",
            "language",
            "title",
            "story",
            "location",
            "age_band",
            "sex",
            "groups",
            "groups_none",
            "groups_prefer_not",
            "groups_other",
            "has_disability",
            "answers",
            "review_status",
            "use_quotation",
            "use_publication",
            "created_at",
        ]


class FocusGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = FocusGroup
        fields = [
            "id",
            "campaign",
            "organisation",
            "held_on",
            "place",
            "languages",
            "accommodations",
            "participants",
            "groups",
            "questions",
            "review_status",
        ]


@extend_schema(tags=["consultations"])
class CampaignViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Campaign.objects.prefetch_related("target_groups", "partners")
    serializer_class = CampaignSerializer


@extend_schema(tags=["consultations"])
class InstrumentViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Instrument.objects.prefetch_related("signifiers")
    serializer_class = InstrumentSerializer


@extend_schema(tags=["consultations"])
class NarrativeViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Stories: RCO staff see their country's; partners their organisation's; UNCT members
    approved ones."""

    queryset = Narrative.objects.prefetch_related("groups")
    serializer_class = NarrativeSerializer
    filterset_fields = ["campaign", "review_status", "organisation"]


@extend_schema(tags=["consultations"])
class FocusGroupViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = FocusGroup.objects.prefetch_related("groups")
    serializer_class = FocusGroupSerializer
    filterset_fields = ["campaign", "review_status"]


def register(router) -> None:
    router.register("campaigns", CampaignViewSet, basename="campaign")
    router.register("instruments", InstrumentViewSet, basename="instrument")
    router.register("stories", NarrativeViewSet, basename="story")
    router.register("focus-groups", FocusGroupViewSet, basename="focus-group")
