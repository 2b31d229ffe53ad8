"""M7: API tokens are hashed, expire, obey REQUIRE_MFA_FOR_STAFF, and die with a password or
role change (and so do the person's other sessions)."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, AuditEvent, Membership, Role
from accounts.services import api_token_create, membership_revoke, membership_set_role
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-new-long-pass-9"


def me(client, key):
    return client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")


@override_settings(REQUIRE_MFA_FOR_STAFF=True)
def test_staff_token_refused_until_mfa_is_set_up(people, client):
    _token, key = api_token_create(user=people.rco, name="script")
    response = me(client, key)
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    TOTP.activate(people.rco, generate_totp_secret())
    assert me(client, key).status_code == 200


@override_settings(REQUIRE_MFA_FOR_STAFF=True)
def test_partner_token_works_without_mfa(people, client):
    _token, key = api_token_create(user=people.partner_own, name="script")
    assert me(client, key).status_code == 200


def test_token_is_stored_hashed_and_records_use(people, client):
    token, key = api_token_create(user=people.unct, name="script")
    assert key not in token.key_hash and token.key_hash == ApiToken.hash_key(key)
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert token.last_used_at is None
    assert me(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_expired_token_is_refused(people, client):
    token, key = api_token_create(user=people.unct, name="script", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert me(client, key).status_code == 401


def test_token_lifetime_is_bounded(people, settings):
    with pytest.raises(Exception, match="between 1 and"):
        api_token_create(user=people.unct, name="forever", days=settings.API_TOKEN_MAX_DAYS + 1)


def _signed_in_elsewhere(user) -> Client:
    other = Client()
    other.force_login(user)
    assert other.get(reverse("accounts:profile")).status_code == 200
    return other


def test_password_change_revokes_tokens_and_other_sessions(people, client):
    _token, key = api_token_create(user=people.unct, name="script")
    elsewhere = _signed_in_elsewhere(people.unct)
    client.force_login(people.unct)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-pass-9",
            "password2": "a-new-long-pass-9",
        },
    )
    assert response.status_code == 302
    assert me(Client(), key).status_code == 401
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200, "this session stays"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.TOKEN_REVOKED, data__reason="password_changed"
    ).exists()


def test_password_reset_revokes_tokens_and_sessions(people):
    _token, key = api_token_create(user=people.unct, name="script")
    elsewhere = _signed_in_elsewhere(people.unct)
    people.unct.set_password("reset-by-link-123")  # what allauth's reset flow does
    people.unct.save()
    assert me(Client(), key).status_code == 401
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302


def test_role_change_in_the_django_admin_revokes_tokens(people, client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    user = people.partner_own
    _token, key = api_token_create(user=user, name="script")
    membership = Membership.objects.get(user=user)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": str(membership.pk),
        "memberships-0-user": str(user.pk),
        "memberships-0-organisation": str(membership.organisation_id),
        "memberships-0-role": Role.UNCT_MEMBER,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert Membership.objects.get(pk=membership.pk).role == Role.UNCT_MEMBER
    assert me(Client(), key).status_code == 401


@pytest.mark.parametrize("change", ["changed", "granted", "revoked"])
def test_role_change_revokes_tokens_and_sessions(people, change):
    user = people.partner_own
    _token, key = api_token_create(user=user, name="script")
    elsewhere = _signed_in_elsewhere(user)
    membership = Membership.objects.get(user=user)
    if change == "changed":
        membership_set_role(
            by=people.rco, user=user, organisation=membership.organisation, role=Role.UNCT_MEMBER
        )
    elif change == "granted":
        membership_set_role(
            by=people.rco, user=user, organisation=people.unct_org, role=Role.UNCT_MEMBER
        )
    else:
        membership_revoke(by=people.rco, membership=membership)
    assert me(Client(), key).status_code == 401
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SESSIONS_REVOKED).exists()


def test_hasher_upgrade_on_sign_in_keeps_tokens(people):
    """Django re-hashes a password on sign-in when the hasher changes; that is no change."""
    _token, key = api_token_create(user=people.unct, name="script")
    people.unct.check_password(PASSWORD)
    people.unct.save()
    assert me(Client(), key).status_code == 200


def test_tokens_listed_and_revoked_on_the_account_page(people, client_for):
    client = client_for("unct")
    response = client.post(reverse("accounts:api_token_create"), {"name": "R script", "days": 30})
    assert response.status_code == 302
    token = ApiToken.objects.get(user=people.unct)
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=30)).date()
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "R script" in page and token.hint in page
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302 and not ApiToken.objects.exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert AuditEvent.Action.TOKEN_CREATED in actions
    assert AuditEvent.Action.TOKEN_REVOKED in actions


def test_another_persons_token_cannot_be_revoked(people, client_for):
    token, _key = api_token_create(user=people.partner_own, name="script")
    response = client_for("rco").post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404 and ApiToken.objects.filter(pk=token.pk).exists()
