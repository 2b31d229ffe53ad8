from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts import policy
from accounts.api import PolicyScopedMixin
from accounts.policy import Action

from .forms import PopulationGroupForm
from .models import Factor, PopulationGroup, SDGGoal, SDGIndicator, SDGTarget
from .services import GroupInUse, group_delete, group_merge, group_save


def language_codes() -> list[str]:
    """The portal's languages (``settings.LANGUAGES``), English first."""
    return [code for code, _name in settings.LANGUAGES]


def request_language(request) -> str:
    """The language an API answer is written in: ``?lang=`` when given (400 when it is not
    one of the portal's languages), else the one negotiated from ``Accept-Language`` (or the
    language cookie) by the locale middleware, else English."""
    codes = language_codes()
    wanted = request.query_params.get("lang") if request is not None else None
    if wanted is not None:
        if wanted not in codes:
            raise ValidationError(
                {"lang": [f"'lang' must be one of: {', '.join(codes)} (got {wanted!r})."]}
            )
        return wanted
    negotiated = (translation.get_language() or "en").split("-")[0].lower()
    return negotiated if negotiated in codes else "en"


LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=language_codes(),
    description="The language of `display_name` (default: from the Accept-Language header, "
    "else English).",
)

# {"en": …, "fr": …, "es": …}: one key per portal language, null where no translation.
GroupNamesSerializer = type(
    "PopulationGroupNamesSerializer",
    (serializers.Serializer,),
    {
        code: serializers.CharField(
            allow_null=code != "en",
            help_text=f"The name in {name} (null: not translated yet)."
            if code != "en"
            else "The English name (the same as `name`).",
        )
        for code, name in settings.LANGUAGES
    },
)


class PopulationGroupSerializer(serializers.ModelSerializer):
    """A group; ``name`` is the English name (what writes set), ``display_name`` the name in
    the request's language and ``names`` every translation."""

    synonyms = serializers.SlugRelatedField(many=True, read_only=True, slug_field="label")
    display_name = serializers.SerializerMethodField(
        help_text="The name in the request's language (`lang`, else Accept-Language); the "
        "English name where no translation exists."
    )
    names = serializers.SerializerMethodField(help_text="The name in each portal language.")

    class Meta:
        model = PopulationGroup
        fields = [
            "id",
            "name",
            "display_name",
            "names",
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
        extra_kwargs = {"name": {"help_text": "The English name (unique)."}}

    def _language(self) -> str:
        if "language" not in self.context:
            self.context["language"] = request_language(self.context.get("request"))
        return self.context["language"]

    def get_display_name(self, group: PopulationGroup) -> str:
        return group.name_in(self._language()) or group.name

    @extend_schema_field(GroupNamesSerializer)
    def get_names(self, group: PopulationGroup) -> dict[str, str | None]:
        return {code: group.name_in(code) or None for code in language_codes()}


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


class GroupMergeSerializer(serializers.Serializer):
    into = serializers.SlugField(help_text="The slug of the group that absorbs this one.")


@extend_schema_view(
    list=extend_schema(parameters=[LANG_PARAMETER]),
    retrieve=extend_schema(parameters=[LANG_PARAMETER]),
)
class PopulationGroupViewSet(PolicyScopedMixin, viewsets.ModelViewSet):
    """Population groups, shared by every country. Members read; vocabulary stewards create,
    change and merge; RCO staff may propose a group (saved as ``needs_review``). A group
    something refers to is never deleted (409): merge it into another group instead.
    ``display_name`` is in the request's language (``?lang=`` or Accept-Language)."""

    def get_serializer_context(self):
        # Checked here, so that an unknown ?lang= is a 400 before anything is read or written.
        context = super().get_serializer_context()
        context["language"] = request_language(self.request)
        return context

    queryset = PopulationGroup.objects.prefetch_related("synonyms", "components")
    serializer_class = PopulationGroupSerializer
    lookup_field = "slug"
    filterset_fields = ["needs_review", "source", "parent"]

    def _save(self, serializer, instance=None):
        """Writes go through the same form and service as the pages (cycle and
        intersection checks, synonyms, audit)."""
        data = serializer.validated_data
        current = {}
        if instance is not None:
            current = {
                "name": instance.name,
                "description": instance.description,
                "parent": instance.parent_id,
                "components": [c.pk for c in instance.components.all()],
                "uhri_label": instance.uhri_label,
                "needs_review": instance.needs_review,
            }
        values = {**current}
        for key, value in data.items():
            if key == "parent":
                value = value.pk if value is not None else None
            elif key == "components":
                value = [c.pk for c in value]
            values[key] = value
        form_data = {k: v for k, v in values.items() if v is not None and v is not False}
        if instance is not None:
            form_data["synonyms_text"] = "\n".join(s.label for s in instance.synonyms.all())
        form = PopulationGroupForm(form_data, instance=instance)
        if not form.is_valid():
            raise ValidationError(form.errors)
        actor = policy.actor_for(self.request.user)
        group, _taken = group_save(
            form=form,
            user=self.request.user,
            proposed=not (actor.is_superuser or actor.is_vocabulary_steward),
        )
        serializer.instance = group

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def destroy(self, request, *args, **kwargs):
        group = self.get_object()
        try:
            group_delete(group=group, user=request.user)
        except GroupInUse as exc:
            return Response(
                {"detail": str(exc), "references": exc.references},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=GroupMergeSerializer,
        responses=PopulationGroupSerializer,
        description="Merge this group into another (vocabulary stewards).",
    )
    @action(detail=True, methods=["post"], serializer_class=GroupMergeSerializer)
    def merge(self, request, slug=None):
        source = self.get_object()
        if not policy.can(request.user, Action.DELETE, source):
            raise PermissionDenied
        payload = GroupMergeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        target = get_object_or_404(
            policy.scope(request.user, PopulationGroup.objects.all(), Action.CHANGE),
            slug=payload.validated_data["into"],
        )
        if target.pk == source.pk:
            raise ValidationError({"into": "A group cannot be merged into itself."})
        merged = group_merge(source=source, target=target, user=request.user)
        return Response(PopulationGroupSerializer(merged, context={"request": request}).data)


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
