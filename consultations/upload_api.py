"""Upload API: the partner upload page's steps for a script — create an upload (a Kobo/ODK
export), read the suggested mapping, set it, read the preview, start the import, read the
result; RCO staff of the country may undo it. Same services, same checks, same access as
the pages: a partner's token sees only its organisation's uploads, and uploads only to the
campaigns its organisation is invited to."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import policy
from accounts.api import PolicyScopedMixin
from accounts.models import Role
from accounts.policy import Action, actor_for

from .models import Campaign, Instrument, PartnerSync, Upload
from .uploads import (
    instrument_fields,
    upload_import_start,
    upload_mapping_initial,
    upload_set_mapping,
    upload_store,
    upload_undo,
    upload_units,
)


class UploadSerializer(serializers.ModelSerializer):
    """An upload's state as the page shows it (never the file)."""

    class Meta:
        model = Upload
        fields = [
            "id",
            "campaign",
            "instrument",
            "organisation",
            "original_name",
            "export_format",
            "status",
            "status_changed_at",
            "consent_how",
            "rows_total",
            "rows_ok",
            "rows_duplicate",
            "rows_deleted_earlier",
            "rows_imported",
            "problems",
            "preview",
            "message",
            "created_at",
            "undone_at",
            "sync",
        ]
        read_only_fields = fields


class UploadCreateSerializer(serializers.Serializer):
    instrument = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    organisation = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="The partner organisation that collected the data (invited to the campaign).",
    )
    consent_how = serializers.ChoiceField(choices=["verbal", "written", "self"])
    file = serializers.FileField(
        help_text="A KoboToolbox export (CSV or XLSX) or an ODK Central export (its ZIP or "
        "main CSV)."
    )

    def validate(self, attrs):
        user = self.context["request"].user
        campaigns = policy.scope(user, Campaign.objects.all(), Action.VIEW)
        instrument = (
            Instrument.objects.select_related("campaign")
            .filter(pk=attrs["instrument"], campaign__in=campaigns)
            .first()
        )
        if instrument is None:
            raise serializers.ValidationError({"instrument": "No such instrument."})
        campaign = instrument.campaign
        actor = actor_for(user)
        allowed = campaign.partners.all()
        if campaign.country not in actor.rco_countries:
            # A partner uploads only for its own organisations invited to the campaign.
            allowed = allowed.filter(pk__in=actor.organisations_with_role(Role.CSO_PARTNER))
        organisation = allowed.filter(pk=attrs["organisation"]).first()
        if organisation is None:
            raise serializers.ValidationError(
                {"organisation": "Not a partner organisation of this campaign that you belong to."}
            )
        attrs["instrument"], attrs["organisation"] = instrument, organisation
        return attrs


class MappingSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field key → column(s) of the file; a dyad also needs “<key>:scale” "
        "(0-1, 0-100, 1-10 or min-max). “:unit” → [repeat group] makes each row of that "
        "repeat group a story (absent: each submission is a story).",
    )


class MappingOutSerializer(MappingSerializer):
    columns = serializers.ListField(child=serializers.CharField())
    units = serializers.ListField(
        child=inline_serializer(
            "UploadUnit",
            fields={"group": serializers.CharField(), "rows": serializers.IntegerField()},
        ),
        help_text="The file's repeat groups (each can be the unit of a story, as “:unit”) "
        "with their row counts.",
    )
    fields = serializers.ListField(
        child=inline_serializer(
            "UploadField",
            fields={
                "key": serializers.CharField(),
                "kind": serializers.CharField(),
                "required": serializers.BooleanField(),
                "columns": serializers.IntegerField(),
            },
        )
    )


class ProblemsSerializer(serializers.Serializer):
    problems = serializers.ListField(child=serializers.CharField())


class UndoneSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()


def _messages(exc: ValidationError) -> dict:
    return {"problems": exc.messages}


@extend_schema(tags=["uploads"])
class UploadViewSet(
    PolicyScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Partner uploads. RCO staff see their country's; partners their organisation's."""

    queryset = Upload.objects.select_related("campaign")
    serializer_class = UploadSerializer
    filterset_fields = ["campaign", "status", "organisation"]

    def get_serializer_class(self):
        if self.action == "create":
            return UploadCreateSerializer
        if self.action == "mapping":
            return MappingSerializer
        return UploadSerializer

    @extend_schema(
        request=UploadCreateSerializer,
        responses={201: UploadSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Store an export and check it in the background (then map its columns)."""
        serializer = UploadCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            upload = upload_store(
                uploaded=data["file"],
                instrument=data["instrument"],
                organisation=data["organisation"],
                user=request.user,
                consent_how=data["consent_how"],
            )
        except ValidationError as exc:
            return Response(_messages(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={200: MappingOutSerializer, 409: ProblemsSerializer},
        description="The saved mapping of this partner, else one suggested from the columns.",
    )
    @extend_schema(
        methods=["PUT"],
        request=MappingSerializer,
        responses={202: UploadSerializer},
        description="Set the mapping; every row is then checked in the background (preview).",
    )
    @action(detail=True, methods=["get", "put"])
    def mapping(self, request, pk=None):
        upload = self.get_object()
        if request.method == "GET":
            if upload.status not in (Upload.Status.MAPPING, Upload.Status.PREVIEW):
                return Response(
                    {"problems": [f"The upload is “{upload.get_status_display()}”."]},
                    status=status.HTTP_409_CONFLICT,
                )
            fields = [
                {"key": f.key, "kind": f.kind, "required": f.required, "columns": f.columns}
                for f in instrument_fields(upload.instrument)
            ]
            return Response(
                {
                    "mapping": upload_mapping_initial(upload),
                    "columns": list(upload.columns),
                    "units": [{"group": g, "rows": n} for g, n in upload_units(upload)],
                    "fields": fields,
                }
            )
        serializer = MappingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        problems = upload_set_mapping(upload=upload, mapping=serializer.validated_data["mapping"])
        if problems:
            return Response({"problems": problems}, status=status.HTTP_400_BAD_REQUEST)
        upload.refresh_from_db()
        return Response(UploadSerializer(upload).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: UploadSerializer})
    @action(detail=True, methods=["post"], url_path="import")
    def start_import(self, request, pk=None):
        """Import the checked rows in the background: all or nothing for an upload, or for an
        upload pulled by a connected sync (``sync``) its accepted rows, the rejected ones
        waiting in the sync's queue for a fix at the source."""
        upload = self.get_object()
        try:
            upload = upload_import_start(upload=upload, user=request.user)
        except ValidationError as exc:
            return Response(_messages(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(UploadSerializer(upload).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: UndoneSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo the whole import (RCO staff of the campaign's country)."""
        upload = self.get_object()
        if upload.campaign.country not in actor_for(request.user).rco_countries:
            raise PermissionDenied
        try:
            deleted = upload_undo(upload=upload, user=request.user, request=request)
        except ValidationError as exc:
            return Response(_messages(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response({"deleted": deleted})


class PartnerSyncSerializer(serializers.ModelSerializer):
    """A connected KoboToolbox project / ODK Central form. The credentials are write-only:
    stored encrypted and never returned. KoboToolbox: ``token`` (the API key). ODK Central:
    ``email`` and ``password`` of a web user (a dedicated one with the Project Viewer role),
    used with HTTP Basic on each pull; a session ``token`` is accepted too but expires after
    24 hours."""

    token = serializers.CharField(
        write_only=True, max_length=500, trim_whitespace=True, required=False, allow_blank=True
    )
    email = serializers.EmailField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="ODK Central: the e-mail of a web user who may read the form's submissions",
    )
    password = serializers.CharField(
        write_only=True,
        max_length=500,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="ODK Central: that web user's password",
    )
    last_message = serializers.SerializerMethodField(
        help_text="The outcome of the last pull, in the request's language"
    )
    instrument = serializers.IntegerField(min_value=1, max_value=2**31 - 1, write_only=True)
    organisation = serializers.IntegerField(min_value=1, max_value=2**31 - 1, write_only=True)
    instrument_id = serializers.IntegerField(read_only=True)
    organisation_id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(help_text="kobo (KoboToolbox) or odk (ODK Central)")

    class Meta:
        model = PartnerSync
        fields = [
            "id",
            "campaign",
            "instrument",
            "organisation",
            "instrument_id",
            "organisation_id",
            "kind",
            "server",
            "asset_uid",
            "project_id",
            "form_id",
            "token",
            "email",
            "password",
            "login",
            "active",
            "created_at",
            "last_pulled_at",
            "last_upload",
            "last_message",
        ]
        read_only_fields = [
            "id",
            "campaign",
            "login",
            "active",
            "created_at",
            "last_pulled_at",
            "last_upload",
            "last_message",
        ]

    def get_last_message(self, sync) -> str:
        from common.i18n import render_message
        from common.messages import from_data

        return render_message(from_data(sync.last_message, sync.last_message_data))

    def validate_kind(self, value):
        if value not in ("kobo", "odk"):
            raise serializers.ValidationError(_("Choose kobo or odk."))
        return value

    def validate(self, attrs):
        # The same rule as an upload: an invited partner organisation of yours, or any
        # partner of the campaign for RCO staff of its country.
        upload_rules = UploadCreateSerializer(context=self.context)
        checked = upload_rules.validate(
            {"instrument": attrs["instrument"], "organisation": attrs["organisation"]}
        )
        attrs["instrument"], attrs["organisation"] = checked["instrument"], checked["organisation"]
        if not (attrs.get("token") or attrs.get("email") or attrs.get("password")):
            raise serializers.ValidationError(
                {
                    "token": _("Give the API token.")
                    if attrs.get("kind") == "kobo"
                    else _("Give a web user's e-mail and password (or a session token).")
                }
            )
        return attrs


class SyncPulledSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["started", "running"],
        help_text="started: the pull was queued; running: a pull of this sync is under way. "
        "Read the sync (GET) for its outcome (last_pulled_at, last_upload, last_message).",
    )
    sync = serializers.IntegerField()


@extend_schema(tags=["uploads"])
class PartnerSyncViewSet(
    PolicyScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Connected KoboToolbox projects and ODK Central forms, pulled every hour into uploads
    (then checked with the partner's saved mapping; the partner imports the preview)."""

    queryset = PartnerSync.objects.select_related("campaign")
    serializer_class = PartnerSyncSerializer
    filterset_fields = ["campaign", "organisation", "active"]

    @sensitive_variables()
    def create(self, request, *args, **kwargs):
        from .sync import SyncExists, partner_sync_save

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            sync = partner_sync_save(user=request.user, **data)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        except SyncExists as exc:
            return Response(
                {
                    "detail": _("This form is already connected for this organisation."),
                    "id": exc.sync.pk,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self.get_serializer(sync).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        from .sync import partner_sync_delete

        partner_sync_delete(sync=instance, user=self.request.user, request=self.request)

    @extend_schema(request=None, responses={202: SyncPulledSerializer})
    @action(detail=True, methods=["post"])
    def pull(self, request, pk=None):
        """Pull now instead of waiting for the hourly run. The pull runs in the background
        (a big form takes minutes; a request must not): the answer is 202, and the sync
        (GET) says the outcome once ``last_pulled_at`` changes."""
        from django.db import transaction

        from .tasks import partner_sync_pull_task

        sync = self.get_object()
        if sync.pulling_since is not None:
            return Response({"status": "running", "sync": sync.pk}, status=202)
        user_id = request.user.pk
        transaction.on_commit(lambda: partner_sync_pull_task.delay(sync.pk, user_id))
        return Response({"status": "started", "sync": sync.pk}, status=202)
