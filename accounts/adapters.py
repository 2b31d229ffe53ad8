"""allauth adapter: no self sign-up, the portal's client address, and a sign-in lockout that
an attacker cannot turn against the account's owner.

Failed sign-ins are limited in three ways (rates in ``ACCOUNT_RATE_LIMITS``):

- ``login_failed`` ``…/ip``: per client address, whatever the account;
- ``login_failed`` ``…/key``: per account *and* client address, so guessing from one place
  stops quickly, while the owner signing in from elsewhere is not affected;
- ``login_failed_untrusted`` ``…/key``: per account, across all addresses, but counted only for
  browsers that have never signed in to that account. A browser that has (it holds a signed
  "device" cookie naming the account, set at each successful sign-in) is exempt, so a
  distributed guesser slows to a few attempts an hour while the owner still gets in.

This follows OWASP's "Slow Down Online Guessing Attacks with Device Cookies".
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from common.client_ip import client_ip

DEVICE_COOKIE = "lnob_device"
DEVICE_COOKIE_SALT = "accounts.adapters.device"
DEVICE_COOKIE_MAX_AGE = 60 * 60 * 24 * 365


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email", credentials.get("username", "")) or "").lower()


def is_trusted_device(request: HttpRequest, login: str) -> bool:
    """Has this browser signed in to the account ``login`` before?"""
    from .models import User

    value = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE
    )
    if not value or not value.isdigit() or not login:
        return False
    return User.objects.filter(pk=int(value), email__iexact=login).exists()


class PortalAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by RCO staff; nobody signs themselves up."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth keys the per-account limit on the account alone; add the client address.
        account_key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account_key}:{client_ip(request) or ''}"

    def _untrusted_key(self, request: HttpRequest, **credentials: Any) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        self._untrusted_usage = None
        super().pre_authenticate(request, **credentials)
        if is_trusted_device(request, _login_of(credentials)):
            return
        self._untrusted_usage = ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed_untrusted",
            key=self._untrusted_key(request, **credentials),
        )
        if not self._untrusted_usage:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request: HttpRequest, **credentials: Any):
        user = super().authenticate(request, **credentials)
        untrusted = getattr(self, "_untrusted_usage", None)
        if user and untrusted:
            untrusted.rollback()  # only failures count
        return user

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any):
        # After a password reset, the owner starts afresh everywhere.
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request,
            app="allauth.account",
            action="login_failed_untrusted",
            key=self._untrusted_key(request, **credentials),
        )

    def post_login(self, request: HttpRequest, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        response.set_signed_cookie(
            DEVICE_COOKIE,
            str(user.pk),
            salt=DEVICE_COOKIE_SALT,
            max_age=DEVICE_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
