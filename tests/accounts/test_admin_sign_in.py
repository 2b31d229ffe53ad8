"""H1: the Django admin signs in only through the portal sign-in (second factor, rate limits),
and exists only when ENABLE_ADMIN is set."""

import importlib
import os

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import override_settings
from django.urls import clear_url_caches, reverse

import lnob_portal.urls
from accounts.models import AuditEvent
from lnob_portal.settings import base
from tests.factories import PASSWORD, MembershipFactory, UserFactory


@pytest.fixture
def superuser(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@override_settings(REQUIRE_MFA_FOR_STAFF=True)
def test_admin_password_form_is_gone(superuser, client):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in response["Location"]
    assert client.get("/admin/").status_code == 302, "the password alone signed nobody in"


@override_settings(REQUIRE_MFA_FOR_STAFF=True)
def test_superuser_with_totp_is_asked_for_it_on_the_way_to_admin(superuser, client):
    response = client.post(
        f"{reverse('account_login')}?next=/admin/",
        {"login": superuser.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    admin = client.get("/admin/")
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]


@override_settings(ACCOUNT_RATE_LIMITS=base.ACCOUNT_RATE_LIMITS)
def test_wrong_passwords_for_the_admin_meet_the_sign_in_limits(superuser, client):
    """12 wrong passwords in a row: the admin checks none itself; the portal sign-in refuses."""
    for i in range(12):
        client.post("/admin/login/", {"username": superuser.email, "password": f"wrong-{i}"})
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_FAILED).exists()
    url = f"{reverse('account_login')}?next=/admin/"
    answers = [
        client.post(url, {"login": superuser.email, "password": f"wrong-{i}"}).content
        for i in range(12)
    ]
    assert b"Too many failed login attempts" in answers[-1]
    # even the right password is refused while the limit holds
    response = client.post(url, {"login": superuser.email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


@override_settings(REQUIRE_MFA_FOR_STAFF=True)
@pytest.mark.parametrize("superuser", [True, False])
def test_admin_users_without_mfa_must_set_it_up(db, client, superuser):
    """Superusers and staff (admin access without a portal role) alike."""
    user = UserFactory(is_staff=True, is_superuser=superuser)
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_signed_in_person_without_admin_access_gets_403_not_a_loop(db, client):
    client.force_login(MembershipFactory().user)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_admin_login_ignores_foreign_next(superuser, client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert "evil.example" not in response["Location"]


@pytest.fixture
def urlconf_without_admin():
    with override_settings(ENABLE_ADMIN=False):
        importlib.reload(lnob_portal.urls)
        clear_url_caches()
        yield
    importlib.reload(lnob_portal.urls)
    clear_url_caches()


def test_admin_is_not_mounted_without_enable_admin(urlconf_without_admin, superuser, client):
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404


def test_admin_is_off_unless_enabled():
    if "ENABLE_ADMIN" in os.environ:
        pytest.skip("ENABLE_ADMIN is set in this environment")
    assert base.ENABLE_ADMIN is False
