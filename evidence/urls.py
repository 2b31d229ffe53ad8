from django.urls import path

from . import views
from .monitoring import views as monitoring

app_name = "evidence"

urlpatterns = [
    path("", views.index, name="index"),
    path("priorities/", views.priorities, name="priorities"),
    path("circumstance-factors/", views.circumstance_factors, name="circumstance_factors"),
    path(
        "circumstance-factors/<int:pk>/delete/",
        views.circumstance_factor_delete,
        name="circumstance_factor_delete",
    ),
    path("<slug:slug>/", views.group_page, name="group_page"),
    path("<slug:slug>/causes/", views.cause_add, name="cause_add"),
    path("<slug:slug>/causes/<int:pk>/delete/", views.cause_delete, name="cause_delete"),
    path("<slug:slug>/roles/", views.role_add, name="role_add"),
    path("<slug:slug>/capacity-gaps/", views.capacity_gap_add, name="capacity_gap_add"),
    path("<slug:slug>/actions/", views.action_add, name="action_add"),
    path("<slug:slug>/comments/", views.comment_add, name="comment_add"),
    path("<slug:slug>/data-gaps/", views.data_gap_assign, name="data_gap_assign"),
    path("<slug:slug>/data-gaps/<int:pk>/close/", views.data_gap_close, name="data_gap_close"),
    path("<slug:slug>/validate/", views.summary_validate, name="summary_validate"),
    path("<slug:slug>/dossier/", views.dossier, name="dossier"),
    path("<slug:slug>/monitoring/", monitoring.monitoring, name="monitoring"),
    path(
        "<slug:slug>/monitoring/add/",
        monitoring.monitoring_indicator_add,
        name="monitoring_indicator_add",
    ),
    path(
        "<slug:slug>/monitoring/<int:pk>/values/",
        monitoring.monitoring_value_add,
        name="monitoring_value_add",
    ),
    path(
        "<slug:slug>/monitoring/<int:pk>/delete/",
        monitoring.monitoring_indicator_delete,
        name="monitoring_indicator_delete",
    ),
    path("<slug:slug>/dossier.docx", views.dossier_docx, name="dossier_docx"),
]
