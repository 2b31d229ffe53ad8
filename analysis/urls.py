from django.urls import path

from . import compare_views, views

app_name = "analysis"

urlpatterns = [
    path("", views.index, name="index"),
    path("compare/", compare_views.compare_country, name="compare_country"),
    path("compare/countries/", compare_views.compare_countries, name="compare_countries"),
    path("compare/map/", compare_views.region_map_upload, name="region_map_upload"),
    path("datasets/upload/", views.dataset_upload, name="dataset_upload"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset_detail"),
    path("datasets/<int:pk>/run/", views.run_start, name="run_start"),
    path("datasets/<int:pk>/reprofile/", views.dataset_reprofile, name="dataset_reprofile"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run_publish"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run_retry"),
    path("runs/<int:pk>/groups/", views.run_link_groups, name="run_link_groups"),
    path(
        "runs/<int:pk>/groups/<int:link_pk>/remove/",
        views.run_unlink_group,
        name="run_unlink_group",
    ),
    path("runs/<int:pk>/download.<str:fmt>", views.run_download, name="run_download"),
]
