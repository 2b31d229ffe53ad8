from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/api-tokens/", views.api_token_create_view, name="api_token_create"),
    path(
        "profile/api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"
    ),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("memberships/<int:pk>/", views.membership_change, name="membership_change"),
    path("audit/", views.audit_log, name="audit_log"),
]
