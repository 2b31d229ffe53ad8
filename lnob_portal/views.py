"""Portal-wide pages: the home page and the health check."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
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
