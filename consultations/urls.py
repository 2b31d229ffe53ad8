from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("", views.index, name="index"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/instruments/new/", views.instrument_create, name="instrument_create"),
    path("campaigns/<int:pk>/analysis/", views.campaign_analysis, name="campaign_analysis"),
    path("campaigns/<int:pk>/export.<str:fmt>", views.campaign_export, name="campaign_export"),
    path("campaigns/<int:pk>/review/", views.review_queue, name="review_queue"),
    path("campaigns/<int:pk>/focus-groups/new/", views.focus_group_new, name="focus_group_new"),
    path("instruments/<int:pk>/", views.instrument_detail, name="instrument_detail"),
    path("instruments/<int:pk>/edit/", views.instrument_edit, name="instrument_edit"),
    path("instruments/<int:pk>/signifiers/", views.signifier_add, name="signifier_add"),
    path("instruments/<int:pk>/tell/<int:org>/", views.narrative_new, name="narrative_new"),
    path("signifiers/<int:pk>/delete/", views.signifier_delete, name="signifier_delete"),
    path("signifiers/<int:pk>/edit/", views.signifier_edit, name="signifier_edit"),
    path("signifiers/<int:pk>/move/", views.signifier_move, name="signifier_move"),
    path("instruments/<int:pk>/preview/", views.instrument_preview, name="instrument_preview"),
    path("stories/<int:pk>/", views.narrative_detail, name="narrative_detail"),
    path("stories/<int:pk>/review/", views.narrative_review, name="narrative_review"),
    path("stories/<int:pk>/redact/", views.narrative_redact, name="narrative_redact"),
    path("stories/<int:pk>/tags/", views.narrative_tag, name="narrative_tag"),
    path("stories/<int:pk>/delete/", views.narrative_delete, name="narrative_delete"),
    path("focus-groups/<int:pk>/", views.focus_group_detail, name="focus_group_detail"),
    path("focus-groups/<int:pk>/review/", views.focus_group_review, name="focus_group_review"),
    path("campaigns/<int:pk>/uploads/new/", views.upload_new, name="upload_new"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("c/<str:token>/", views.public_tell, name="public_tell"),
    path("withdraw/", views.withdraw, name="withdraw"),
]
