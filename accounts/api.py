"""DRF glue for the access policy: scoping that a viewset cannot forget."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import policy
from .models import Membership
from .policy import Action

_METHOD_ACTIONS = {
    "GET": Action.VIEW,
    "HEAD": Action.VIEW,
    "OPTIONS": Action.VIEW,
    "PUT": Action.CHANGE,
    "PATCH": Action.CHANGE,
    "DELETE": Action.DELETE,
}


class PolicyPermission(permissions.BasePermission):
    """Model-level checks for create; object-level checks for change/delete."""

    message = _("Your role does not allow this.")

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False
        if request.method == "POST" and getattr(view, "action", None) == "create":
            return policy.can(request.user, Action.CREATE, view.get_queryset().model)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        return policy.can(request.user, _METHOD_ACTIONS.get(request.method, Action.CHANGE), obj)


class PolicyScopedMixin:
    """Every queryset a viewset serves passes through the policy's ``scope``."""

    permission_classes = [permissions.IsAuthenticated, PolicyPermission]

    def get_queryset(self):
        action = Action.LIST if getattr(self, "action", None) == "list" else Action.VIEW
        return policy.scope(self.request.user, super().get_queryset(), action)


class MembershipOutSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    organisation_id = serializers.IntegerField()
    country = serializers.CharField(source="organisation.country")

    class Meta:
        model = Membership
        fields = ["organisation_id", "organisation", "country", "role"]


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    memberships = MembershipOutSerializer(many=True)


class MeView(APIView):
    """The signed-in user and their roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        memberships = Membership.objects.filter(user=request.user).select_related("organisation")
        data = {
            "email": request.user.email,
            "full_name": request.user.full_name,
            "memberships": memberships,
        }
        return Response(MeSerializer(data).data)
