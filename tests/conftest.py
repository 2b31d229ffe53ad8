"""Shared fixtures: one person per role, and the vocabularies."""

from dataclasses import dataclass

import pytest

from accounts.models import Organisation, Role, User
from taxonomy.models import SDGGoal
from taxonomy.services import vocabularies_load

from .factories import MembershipFactory, OrganisationFactory, UserFactory

ROLES = ("anonymous", "partner_own", "partner_other", "unct", "rco")
# One person per role in a second country ("Elsewhere"): they must never reach Demoland's
# objects (the role × URL matrix and tests/test_country_isolation.py).
FOREIGN_ROLES = ("foreign_partner", "foreign_unct", "foreign_rco")


@dataclass
class People:
    rco: User
    unct: User
    partner_own: User
    partner_other: User
    rco_org: Organisation
    unct_org: Organisation
    partner_org: Organisation
    other_partner_org: Organisation
    foreign_org: Organisation
    foreign_rco: User | None = None
    foreign_unct: User | None = None
    foreign_partner: User | None = None
    foreign_unct_org: Organisation | None = None
    foreign_partner_org: Organisation | None = None

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture
def people(db) -> People:
    rco_org = OrganisationFactory(name="RCO Demoland", kind=Organisation.Kind.RCO)
    unct_org = OrganisationFactory(name="UNFPA Demoland", kind=Organisation.Kind.UN_AGENCY)
    partner_org = OrganisationFactory(name="Women's Network")
    other_partner_org = OrganisationFactory(name="Youth Forum")
    foreign_org = OrganisationFactory(
        name="RCO Elsewhere", country="Elsewhere", kind=Organisation.Kind.RCO
    )
    foreign_unct_org = OrganisationFactory(
        name="UNFPA Elsewhere", country="Elsewhere", kind=Organisation.Kind.UN_AGENCY
    )
    foreign_partner_org = OrganisationFactory(name="Elsewhere Women's Network", country="Elsewhere")
    return People(
        foreign_rco=MembershipFactory(organisation=foreign_org, role=Role.RCO_STAFF).user,
        foreign_unct=MembershipFactory(organisation=foreign_unct_org, role=Role.UNCT_MEMBER).user,
        foreign_partner=MembershipFactory(
            organisation=foreign_partner_org, role=Role.CSO_PARTNER
        ).user,
        foreign_unct_org=foreign_unct_org,
        foreign_partner_org=foreign_partner_org,
        rco=MembershipFactory(organisation=rco_org, role=Role.RCO_STAFF).user,
        unct=MembershipFactory(organisation=unct_org, role=Role.UNCT_MEMBER).user,
        partner_own=MembershipFactory(organisation=partner_org, role=Role.CSO_PARTNER).user,
        partner_other=MembershipFactory(organisation=other_partner_org, role=Role.CSO_PARTNER).user,
        rco_org=rco_org,
        unct_org=unct_org,
        partner_org=partner_org,
        other_partner_org=other_partner_org,
        foreign_org=foreign_org,
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the vocabularies once per test database (tests roll back around them)."""
    with django_db_blocker.unblock():
        vocabularies_load()


@pytest.fixture
def vocabularies(db):
    # Transactional tests flush the database; reload when that happened.
    if not SDGGoal.objects.exists():
        vocabularies_load()


@pytest.fixture
def client_for(client, people):
    """client_for(role) -> a test client signed in as that role (or anonymous)."""

    def make(role: str):
        client.logout()
        user = people.user(role)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def no_role_user(db) -> User:
    return UserFactory()


@pytest.fixture
def steward(db) -> User:
    """A vocabulary steward: a global curator of the shared vocabularies, no portal role."""
    return UserFactory(is_vocabulary_steward=True)
