from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.<str:fmt>", views.export, name="export"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<str:kind>/<int:pk>/actions/add/", views.action_create, name="action_create"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("<str:kind>/<int:pk>/assess/", views.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/edit/", views.assessment_edit, name="assessment_edit"),
    path("<str:kind>/<int:pk>/indicators/add/", views.indicator_create, name="indicator_create"),
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/<int:pk>/report/", views.indicator_report, name="indicator_report"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/template.<str:fmt>", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("imports/<int:pk>/undo/", views.import_undo, name="import_undo"),
    path("themes/", views.theme_list, name="theme_list"),
    path("themes/<int:pk>/", views.theme_edit, name="theme_edit"),
    path("clusters/", views.cluster_list, name="cluster_list"),
    path("clusters/new/", views.cluster_create, name="cluster_create"),
    path("clusters/suggestions/", views.cluster_suggestions, name="cluster_suggestions"),
    path("clusters/confirm/", views.cluster_confirm, name="cluster_confirm"),
    path("clusters/<int:pk>/", views.cluster_detail, name="cluster_detail"),
    path("clusters/<int:pk>/edit/", views.cluster_edit, name="cluster_edit"),
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/new/", views.institution_create, name="institution_create"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("public/<int:pk>/", views.public_recommendation, name="public_detail"),
    path("public/clusters/<int:pk>/", views.public_cluster, name="public_cluster"),
]
