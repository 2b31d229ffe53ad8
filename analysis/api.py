"""API for datasets, indicators and runs (create, status, results)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts import policy
from accounts.api import PolicyScopedMixin
from accounts.policy import Action, actor_for

from . import services
from .models import Dataset, Indicator, Run


class DatasetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dataset
        fields = [
            "id",
            "title",
            "country",
            "survey_kind",
            "survey_round",
            "unit",
            "original_name",
            "size",
            "sha256",
            "status",
            "message",
            "row_count",
            "profile",
            "created_at",
        ]
        read_only_fields = fields


class DatasetUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=100)
    survey_kind = serializers.ChoiceField(choices=Dataset.Kind.choices)
    survey_round = serializers.CharField(max_length=20)
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True)


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "name", "slug", "preset", "definition"]
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.name")

    class Meta:
        model = Run
        fields = [
            "id",
            "dataset",
            "indicator",
            "batch",
            "region",
            "status",
            "message",
            "published",
            "engine_version",
            "dataset_sha256",
            "definition",
            "params",
            "result",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class RunCreateSerializer(serializers.Serializer):
    dataset = serializers.IntegerField()
    definition = serializers.JSONField(help_text="An indicator definition (see /api/indicators/).")
    subnational = serializers.BooleanField(default=False)
    shapley = serializers.BooleanField(default=True)
    params = serializers.DictField(required=False, help_text="minbucket, minsplit, cp, max_depth")


class DatasetViewSet(PolicyScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Survey files (RCO staff of the file's country only). Upload with multipart/form-data."""

    queryset = Dataset.objects.all()
    serializer_class = DatasetSerializer

    @extend_schema(request=DatasetUploadSerializer, responses={201: DatasetSerializer})
    def create(self, request, *args, **kwargs):
        data = DatasetUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["country"] not in actor_for(request.user).rco_countries:
            raise serializers.ValidationError({"country": "You administer no such country."})
        try:
            dataset = services.dataset_upload(
                uploaded=data.validated_data.pop("file"), user=request.user, **data.validated_data
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"file": exc.messages}) from exc
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


class IndicatorViewSet(PolicyScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer


class RunViewSet(PolicyScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Analysis runs: create (national, optionally per region), poll status, read results."""

    queryset = Run.objects.select_related("indicator")
    serializer_class = RunSerializer
    filterset_fields = ["dataset", "status", "published", "region"]

    # The new runs as a plain list: not paginated, and list filters do not apply.
    @extend_schema(
        request=RunCreateSerializer,
        responses={201: {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}},
        filters=False,
    )
    def create(self, request, *args, **kwargs):
        data = RunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = (
            policy.scope(request.user, Dataset.objects.all(), Action.VIEW)
            .filter(pk=data.validated_data["dataset"])
            .first()
        )
        if dataset is None:
            raise serializers.ValidationError({"dataset": "No such dataset."})
        try:
            runs = services.runs_start(
                dataset=dataset,
                definition=data.validated_data["definition"],
                user=request.user,
                subnational=data.validated_data["subnational"],
                shapley=data.validated_data["shapley"],
                params=data.validated_data.get("params"),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"definition": exc.messages}) from exc
        # In-process mode the tasks already ran: read the runs back in one query.
        runs = Run.objects.filter(pk__in=[run.pk for run in runs]).select_related("indicator")
        return Response(RunSerializer(runs, many=True).data, status=status.HTTP_201_CREATED)
