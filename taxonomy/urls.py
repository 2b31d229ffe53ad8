from django.urls import path

from . import views

app_name = "taxonomy"

urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<slug:slug>/", views.group_detail, name="group_detail"),
    path("groups/<slug:slug>/edit/", views.group_edit, name="group_edit"),
    path("groups/<slug:slug>/merge/", views.group_merge_view, name="group_merge"),
    path("sdgs/", views.sdg_list, name="sdg_list"),
    path("sdgs/<int:number>/", views.sdg_goal_detail, name="sdg_goal_detail"),
    path("factors/", views.factor_list, name="factor_list"),
]
