from django.urls import path

from .views import (
    analysis,
    campaigns,
    exports,
    focus_groups,
    instruments,
    partners,
    public,
    review,
    stories,
    syncs,
    uploads,
)

app_name = "consultations"

urlpatterns = [
    path("", campaigns.index, name="index"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path(
        "campaigns/<int:pk>/instruments/new/",
        instruments.instrument_create,
        name="instrument_create",
    ),
    path("campaigns/<int:pk>/analysis/", analysis.campaign_analysis, name="campaign_analysis"),
    path("campaigns/<int:pk>/export.<str:fmt>", exports.campaign_export, name="campaign_export"),
    path("campaigns/<int:pk>/review/", review.review_queue, name="review_queue"),
    path(
        "campaigns/<int:pk>/focus-groups/new/", focus_groups.focus_group_new, name="focus_group_new"
    ),
    path("instruments/<int:pk>/", instruments.instrument_detail, name="instrument_detail"),
    path("instruments/<int:pk>/edit/", instruments.instrument_edit, name="instrument_edit"),
    path("instruments/<int:pk>/signifiers/", instruments.signifier_add, name="signifier_add"),
    path("instruments/<int:pk>/tell/<int:org>/", public.narrative_new, name="narrative_new"),
    path("signifiers/<int:pk>/delete/", instruments.signifier_delete, name="signifier_delete"),
    path("signifiers/<int:pk>/edit/", instruments.signifier_edit, name="signifier_edit"),
    path("signifiers/<int:pk>/move/", instruments.signifier_move, name="signifier_move"),
    path(
        "instruments/<int:pk>/preview/", instruments.instrument_preview, name="instrument_preview"
    ),
    path("stories/<int:pk>/", stories.narrative_detail, name="narrative_detail"),
    path("stories/<int:pk>/review/", review.narrative_review, name="narrative_review"),
    path("stories/<int:pk>/redact/", stories.narrative_redact, name="narrative_redact"),
    path("stories/<int:pk>/tags/", stories.narrative_tag, name="narrative_tag"),
    path("stories/<int:pk>/delete/", stories.narrative_delete, name="narrative_delete"),
    path("focus-groups/<int:pk>/", focus_groups.focus_group_detail, name="focus_group_detail"),
    path("focus-groups/<int:pk>/review/", review.focus_group_review, name="focus_group_review"),
    path("focus-groups/<int:pk>/edit/", focus_groups.focus_group_edit, name="focus_group_edit"),
    path(
        "focus-groups/<int:pk>/delete/", focus_groups.focus_group_delete, name="focus_group_delete"
    ),
    path("ours/", partners.our_submissions, name="our_submissions"),
    path("ours/uploads/", partners.our_uploads, name="our_uploads"),
    path("campaigns/<int:pk>/receipts/", partners.receipt_cards, name="receipt_cards"),
    path("campaigns/<int:pk>/uploads/new/", uploads.upload_new, name="upload_new"),
    path("campaigns/<int:pk>/syncs/", syncs.sync_list, name="sync_list"),
    path("syncs/<int:pk>/", syncs.sync_detail, name="sync_detail"),
    path("syncs/<int:pk>/disconnect/", syncs.sync_delete, name="sync_delete"),
    path("syncs/<int:pk>/login/", syncs.sync_login, name="sync_login"),
    path("uploads/<int:pk>/", uploads.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/undo/", uploads.upload_undo_view, name="upload_undo"),
    path("c/<str:token>/", public.public_tell, name="public_tell"),
    path("withdraw/", public.withdraw, name="withdraw"),
]
