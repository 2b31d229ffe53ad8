"""When REQUIRE_MFA_FOR_STAFF is set, RCO staff and Django admin users must set up a second
factor before working (API tokens are held to the same rule in accounts/authentication.py)."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .policy import actor_for

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz")


def must_have_mfa(user) -> bool:
    """RCO staff and anyone with Django admin access (staff, superusers)."""
    return bool(user.is_staff or user.is_superuser or actor_for(user).is_rco_staff)


class RequireMFAForStaffMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.REQUIRE_MFA_FOR_STAFF
            and request.user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and must_have_mfa(request.user)
            and not is_mfa_enabled(request.user)
        ):
            messages.warning(
                request,
                _(
                    "RCO staff and administrators must protect their account with a second factor. "
                    "Set up an authenticator app to continue."
                ),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
