"""Demo organisations and one account per role, for `make run`. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from accounts.models import Organisation, Role, User
from accounts.services import membership_set_role

DEMO_COUNTRY = "Demoland"
DEMO_STEWARD = "steward@demo.lnob.example"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: str
    organisation: str
    kind: str


DEMO_ACCOUNTS = [
    DemoAccount(
        "rco@demo.lnob.example",
        "Rania Coordinator",
        Role.RCO_STAFF,
        "Resident Coordinator Office Demoland",
        Organisation.Kind.RCO,
    ),
    DemoAccount(
        "unct@demo.lnob.example",
        "Uma Agency",
        Role.UNCT_MEMBER,
        "UNICEF Demoland",
        Organisation.Kind.UN_AGENCY,
    ),
    DemoAccount(
        "partner@demo.lnob.example",
        "Pita Partner",
        Role.CSO_PARTNER,
        "Rural Women's Network",
        Organisation.Kind.CSO,
    ),
    DemoAccount(
        "partner2@demo.lnob.example",
        "Dina Advocate",
        Role.CSO_PARTNER,
        "Demoland Disability Alliance",
        Organisation.Kind.OPD,
    ),
]


@transaction.atomic
def seed() -> list[DemoAccount]:
    for account in DEMO_ACCOUNTS:
        organisation, _ = Organisation.objects.get_or_create(
            name=account.organisation, country=DEMO_COUNTRY, defaults={"kind": account.kind}
        )
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = User.objects.create_user(
                email=account.email, password=settings.DEMO_PASSWORD, full_name=account.full_name
            )
        membership_set_role(by=None, user=user, organisation=organisation, role=account.role)
    # The shared vocabularies' curator: a global role, no country, no membership.
    if not User.objects.filter(email=DEMO_STEWARD).exists():
        User.objects.create_user(
            email=DEMO_STEWARD,
            password=settings.DEMO_PASSWORD,
            full_name="Vera Steward",
            is_vocabulary_steward=True,
        )
    return DEMO_ACCOUNTS
