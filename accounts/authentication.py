"""API authentication with the portal's own tokens (``Authorization: Token <key>``).

Differs from DRF's authtoken: keys are stored hashed, expire, record when they were last used,
and are refused for people who must have a second factor (REQUIRE_MFA_FOR_STAFF) but have not
set one up: the session middleware never sees API requests, so the rule is applied here.
"""

from __future__ import annotations

import datetime

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .middleware import must_have_mfa
from .models import ApiToken

# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


class MFARequired(exceptions.PermissionDenied):
    default_detail = _(
        "Your account must have two-factor authentication before its API tokens work. "
        "Set up an authenticator app under “Your account”, then try again."
    )
    default_code = "mfa_required"


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.usable()
            .select_related("user")
            .filter(key_hash=ApiToken.hash_key(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if settings.REQUIRE_MFA_FOR_STAFF and must_have_mfa(user) and not is_mfa_enabled(user):
            raise MFARequired()
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return (user, token)
