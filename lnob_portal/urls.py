import importlib

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers

from accounts.api import MeView
from analysis import api as analysis_api
from taxonomy import api as taxonomy_api

from . import media, views

router = routers.DefaultRouter()
router.register("groups", taxonomy_api.PopulationGroupViewSet, basename="group")
router.register("factors", taxonomy_api.FactorViewSet, basename="factor")
router.register("sdg/goals", taxonomy_api.SDGGoalViewSet, basename="sdg-goal")
router.register("sdg/targets", taxonomy_api.SDGTargetViewSet, basename="sdg-target")
router.register("sdg/indicators", taxonomy_api.SDGIndicatorViewSet, basename="sdg-indicator")
router.register("datasets", analysis_api.DatasetViewSet, basename="dataset")
router.register("indicators", analysis_api.IndicatorViewSet, basename="indicator")
router.register("runs", analysis_api.RunViewSet, basename="run")
# Apps plug their API in with ``<app>/api.py: def register(router)``.
for app in ("consultations", "recommendations", "evidence"):
    try:
        module = importlib.import_module(f"{app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app}.api":
            raise
        continue
    module.register(router)

api_urlpatterns = [
    path("", include(router.urls)),
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]

handler404 = views.page_not_found

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("vocabularies/", include("taxonomy.urls")),
    path("consultations/", include("consultations.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("analysis/", include("analysis.urls")),
    path("groups/", include("evidence.urls")),
    path("what-we-heard/", include("evidence.feedback_urls")),
    path("api/", include((api_urlpatterns, "api"))),
    # Uploaded files are never served as static files, not even with DEBUG: each download
    # goes through the access policy of the record that owns it (lnob_portal/media.py).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.media_download, name="media"),
]

if settings.ENABLE_ADMIN:
    # The admin's own password form would skip the second factor and the rate limits.
    admin.site.login = views.admin_login
    urlpatterns.append(path("admin/", admin.site.urls))
