"""Portal-wide pages: the home page, the health check, the admin sign-in redirect."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import never_cache


def home(request):
    return render(request, "home.html")


def page_not_found(request, exception):
    """API clients get JSON (``{"detail": ...}``, as DRF answers) for addresses that match no
    endpoint, e.g. ``/api/runs/1.5/``; people get the portal's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


@never_cache
def healthz(request):
    """Liveness and database check for load balancers and docker-compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def admin_login(request, extra_context=None):
    """Replaces the Django admin's own password form (``admin.site.login``).

    The admin form would sign a superuser in with the password alone, skipping the second
    factor and the sign-in rate limits; the portal sign-in (allauth) applies both. A signed-in
    person without admin access gets 403 instead of a redirect loop.
    """
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(next_url)
        raise PermissionDenied
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
