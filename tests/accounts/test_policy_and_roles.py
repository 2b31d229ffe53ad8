import re

import pytest
from django.db import IntegrityError
from django.urls import reverse

from accounts import policy
from accounts.models import AuditEvent, Membership, Organisation, Role
from accounts.policy import Action
from taxonomy.models import PopulationGroup
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory


def test_partner_lists_only_own_organisation(people):
    visible = policy.scope(people.partner_own, Organisation.objects.all(), Action.LIST)
    assert list(visible) == [people.partner_org]


def test_rco_staff_administer_only_their_country(people):
    visible = set(policy.scope(people.rco, Organisation.objects.all(), Action.LIST))
    assert people.partner_org in visible and people.foreign_org not in visible
    assert policy.can(people.rco, Action.CHANGE, people.partner_org)
    assert not policy.can(people.rco, Action.CHANGE, people.foreign_org)


def test_outsider_gets_404_not_403(people, client_for):
    response = client_for("partner_other").get(
        reverse("accounts:organisation_detail", args=[people.partner_org.pk])
    )
    assert response.status_code == 404


def test_a_user_without_role_sees_no_vocabulary(no_role_user, client, vocabularies):
    client.force_login(no_role_user)
    assert client.get(reverse("taxonomy:group_detail", args=["migrants"])).status_code == 404
    assert not policy.can(no_role_user, Action.VIEW, PopulationGroup)


def test_user_in_several_organisations_gets_the_union_of_roles(people):
    MembershipFactory(user=people.partner_own, organisation=people.unct_org, role=Role.UNCT_MEMBER)
    actor = policy.actor_for(type(people.partner_own).objects.get(pk=people.partner_own.pk))
    assert actor.is_cso_partner and actor.is_unct_member and not actor.is_rco_staff


def test_model_without_a_rule_is_closed(people):
    from django.contrib.sessions.models import Session

    assert not policy.can(people.rco, Action.VIEW, Session)
    assert policy.scope(people.rco, Session.objects.all()).query.is_empty()


def test_rco_grants_and_changes_roles_with_audit(people, client_for):
    client = client_for("rco")
    url = reverse("accounts:organisation_detail", args=[people.partner_org.pk])
    response = client.post(url, {"email": "New.Person@Example.org", "role": "cso_partner"})
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.person@example.org")
    assert membership.role == Role.CSO_PARTNER
    client.post(
        reverse("accounts:membership_change", args=[membership.pk]), {"role": "unct_member"}
    )
    membership.refresh_from_db()
    assert membership.role == Role.UNCT_MEMBER
    actions = list(AuditEvent.objects.filter(actor=people.rco).values_list("action", flat=True))
    assert AuditEvent.Action.ROLE_GRANTED in actions and AuditEvent.Action.ROLE_CHANGED in actions
    client.post(reverse("accounts:membership_change", args=[membership.pk]), {"revoke": "1"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_REVOKED).exists()


def test_partner_cannot_grant_roles(people, client_for):
    url = reverse("accounts:organisation_detail", args=[people.partner_org.pk])
    response = client_for("partner_own").post(url, {"email": "x@example.org", "role": "rco_staff"})
    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="x@example.org").exists()


def test_sign_in_and_failed_sign_in_are_audited(people, client):
    response = client.post(
        reverse("account_login"), {"login": people.unct.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="sign_in", actor=people.unct).exists()
    client.logout()
    client.post(reverse("account_login"), {"login": people.unct.email, "password": "wrong"})
    failed = AuditEvent.objects.get(action="sign_in_failed")
    assert failed.summary == people.unct.email and "wrong" not in str(failed.data)


def test_signup_is_closed(client, db):
    client.post(
        reverse("account_signup"),
        {
            "email": "self@example.org",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    from accounts.models import User

    assert not User.objects.filter(email="self@example.org").exists()


@pytest.mark.parametrize("role,redirected", [("rco", True), ("unct", False)])
def test_mfa_required_for_rco_staff_when_configured(settings, people, client_for, role, redirected):
    settings.REQUIRE_MFA_FOR_STAFF = True
    response = client_for(role).get(reverse("taxonomy:group_list"))
    if redirected:
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    else:
        assert response.status_code == 200


def test_mfa_not_required_by_default(people, client_for):
    assert client_for("rco").get(reverse("taxonomy:group_list")).status_code == 200


def test_rco_of_another_country_cannot_see_this_country(people, client):
    foreign_staff = MembershipFactory(organisation=people.foreign_org, role=Role.RCO_STAFF).user
    client.force_login(foreign_staff)
    url = reverse("accounts:organisation_detail", args=[people.partner_org.pk])
    assert client.get(url).status_code == 404


def test_api_token_is_shown_once(people, client_for):
    client = client_for("unct")
    client.post(reverse("accounts:api_token_create"), {"name": "script", "days": 30})
    first = client.get(reverse("accounts:profile")).content.decode()
    second = client.get(reverse("accounts:profile")).content.decode()
    match = re.search(r'value="(lnob_[^"]+)"', first)
    assert match, "the new key is shown once"
    assert match.group(1) not in second and "script" in second


def test_organisation_names_unique_per_country(db):
    OrganisationFactory(name="Same", country="A")
    OrganisationFactory(name="Same", country="B")
    with pytest.raises(IntegrityError):
        OrganisationFactory(name="Same", country="A")


def test_user_model_uses_email(db):
    user = UserFactory(email="someone@example.org")
    assert user.get_username() == "someone@example.org"


def test_rco_adds_an_organisation_in_their_country_only(people, client_for):
    client = client_for("rco")
    url = reverse("accounts:organisation_create")
    response = client.post(url, {"name": "Youth Voices", "kind": "cso", "country": "Demoland"})
    assert response.status_code == 302
    assert Organisation.objects.get(name="Youth Voices").country == "Demoland"
    response = client.post(url, {"name": "Elsewhere CSO", "kind": "cso", "country": "Elsewhere"})
    assert response.status_code == 200
    assert not Organisation.objects.filter(name="Elsewhere CSO").exists()
