"""Recommendation import API: the import page's steps for a script — upload a UHRI export,
a UPR matrix or the portal template for a country, read the preview, confirm, read the
result, undo. Only RCO staff of the country; the same services and checks as the page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import PolicyScopedMixin
from accounts.policy import actor_for

from . import services
from .models import ImportJob


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = serializers.StringRelatedField(allow_null=True)
    kind = serializers.CharField(
        read_only=True, help_text="uhri_json, uhri_xlsx, upr_matrix or template"
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "country",
            "kind",
            "original_name",
            "status",
            "counts",
            "errors",
            "warnings",
            "preview",
            "message",
            "created_by",
            "created_at",
            "finished_at",
            "undone_at",
        ]
        read_only_fields = fields


class ImportCreateSerializer(serializers.Serializer):
    # A plain string in the schema (its values listed here): an enum named "kind" would collide
    # with the signifiers' kinds.
    kind = serializers.CharField(
        help_text="The file's format: "
        + "; ".join(f"{value} ({label})" for value, label in ImportJob.Kind.choices)
    )
    country = serializers.CharField(max_length=100, help_text="A country you are RCO staff of.")
    file = serializers.FileField()

    def validate_kind(self, value):
        if value not in ImportJob.Kind.values:
            raise serializers.ValidationError(
                _("Choose one of %(kinds)s.") % {"kinds": ", ".join(ImportJob.Kind.values)}
            )
        return value

    def validate_country(self, value):
        if value not in actor_for(self.context["request"].user).rco_countries:
            raise serializers.ValidationError(_("You are not RCO staff of this country."))
        return value


class ImportUndoneSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()
    restored = serializers.IntegerField()


def _problems(exc: ValidationError) -> Response:
    return Response({"problems": exc.messages}, status=status.HTTP_400_BAD_REQUEST)


@extend_schema(tags=["recommendations"])
class ImportJobViewSet(
    PolicyScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Recommendation imports of the countries you are RCO staff of."""

    queryset = ImportJob.objects.select_related("created_by")
    serializer_class = ImportJobSerializer
    filterset_fields = ["country", "status", "kind"]

    def get_serializer_class(self):
        return ImportCreateSerializer if self.action == "create" else ImportJobSerializer

    @extend_schema(
        request=ImportCreateSerializer,
        responses={201: ImportJobSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Store the file and read it in the background into a preview (nothing imported)."""
        serializer = ImportCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            data = serializer.validated_data
            job = services.import_upload(
                uploaded=data["file"], kind=data["kind"], country=data["country"], user=request.user
            )
        except ValidationError as exc:
            return _problems(exc)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Import a previewed file, all or nothing, in the background."""
        job = self.get_object()
        try:
            services.import_confirm(job=job, user=request.user, request=request)
        except ValidationError as exc:
            return _problems(exc)
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ImportUndoneSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo the whole import (refused with the reasons when records changed since)."""
        job = self.get_object()
        try:
            result = services.import_undo(job=job, user=request.user, request=request)
        except ValidationError as exc:
            return _problems(exc)
        return Response(result)
