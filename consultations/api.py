"""API for campaigns, instruments and submissions; a partner's token sees only its
organisation's submissions (the policy scopes every queryset)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from accounts.api import PolicyScopedMixin

from .models import Campaign, FocusGroup, Instrument, Narrative, Signifier
from .rules import sees_identities


class SignifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Signifier
        fields = ["key", "kind", "question", "labels", "allow_other", "order", "version"]


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


class IdentityWithheldMixin:
    """Blank the ``IDENTITY_FIELDS`` of a row for viewers who may not see identities."""

    IDENTITY_FIELDS: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not sees_identities(request.user if request else None, instance):
            for name in self.IDENTITY_FIELDS:
                value = data.get(name)
                data[name] = [] if isinstance(value, list) else None
        return data


# A story's self-identification besides its groups (a list, withheld as []): withheld as null.
_STORY_IDENTITY_VALUES = (
    "location",
    "age_band",
    "sex",
    "groups_none",
    "groups_prefer_not",
    "groups_other",
    "has_disability",
)


class NarrativeSerializer(IdentityWithheldMixin, serializers.ModelSerializer):
    """Stories. Identity attributes are null (lists empty) unless the viewer is RCO staff
    of the story's country or its partner organisation."""

    IDENTITY_FIELDS = ("groups", *_STORY_IDENTITY_VALUES)
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
            "answer_versions",
            "review_status",
            "use_quotation",
            "use_publication",
            "created_at",
        ]
        # Withheld identities are null for viewers who may not see them: say so in the schema.
        extra_kwargs = {name: {"allow_null": True} for name in _STORY_IDENTITY_VALUES}


class FocusGroupSerializer(IdentityWithheldMixin, serializers.ModelSerializer):
    """Focus-group records; the participants' composition and groups follow the same rule
    as stories' identities."""

    IDENTITY_FIELDS = ("participants", "groups")

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
        extra_kwargs = {"participants": {"allow_null": True}}


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

    queryset = Narrative.objects.select_related("campaign").prefetch_related("groups")
    serializer_class = NarrativeSerializer
    filterset_fields = ["campaign", "review_status", "organisation"]


@extend_schema(tags=["consultations"])
class FocusGroupViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = FocusGroup.objects.select_related("campaign").prefetch_related("groups")
    serializer_class = FocusGroupSerializer
    filterset_fields = ["campaign", "review_status"]


def register(router) -> None:
    router.register("campaigns", CampaignViewSet, basename="campaign")
    router.register("instruments", InstrumentViewSet, basename="instrument")
    router.register("stories", NarrativeViewSet, basename="story")
    router.register("focus-groups", FocusGroupViewSet, basename="focus-group")
