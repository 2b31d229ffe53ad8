"""Schemathesis against the API, once per role, on the demo data.

The schema is the one the running app serves at /api/schema/; every operation in it is
exercised (none excluded) through the WSGI application, inside pytest-django's throwaway
test database, so POST/PUT/PATCH/DELETE change nothing outside this test. The checks: no
5xx, the status code is one the schema documents, and the body matches the schema.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections, transaction
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Role, User
from demo.accounts import DEMO_ACCOUNTS
from lnob_portal.wsgi import application

COVERAGE = os.environ.get("SCHEMATHESIS_COVERAGE", "1") == "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Role -> the demo account that plays it (None: no credentials).
ROLES = {
    "rco": Role.RCO_STAFF,
    "unct": Role.UNCT_MEMBER,
    "partner": Role.CSO_PARTNER,
    "anonymous": None,
}


def api_token_for(user: User) -> str:
    """The key an API client sends as ``Authorization: Token <key>``."""
    from accounts.services import api_token_create

    return api_token_create(user=user, name="schemathesis")[1]


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo data, loaded once for this module and rolled back after it.

    Requests go through the real WSGI handler, whose request signals would close the
    database connection (and with it this transaction, on PostgreSQL); Django's test client
    disconnects them in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        atomics = [transaction.atomic(using=alias) for alias in connections]
        for atomic in atomics:
            atomic.__enter__()
        try:
            call_command("seed_demo", verbosity=0)
            yield
        finally:
            for alias in connections:
                transaction.set_rollback(True, using=alias)
            for atomic in reversed(atomics):
                atomic.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def auth_headers(role: str) -> dict[str, str]:
    if ROLES[role] is None:
        return {}
    email = next(account.email for account in DEMO_ACCOUNTS if account.role == ROLES[role])
    return {"Authorization": f"Token {api_token_for(User.objects.get(email=email))}"}


# Small, deterministic budget: CI runs this on two cores. The coverage phase (boundary and
# invalid values of each parameter) runs without its unexpected-method probes.
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "max-examples": 5, "deterministic": True},
        "phases": {
            "coverage": {
                "enabled": COVERAGE,
                "unexpected-methods": [],
                "generate-duplicate-query-parameters": False,
            },
            "stateful": {"enabled": False},
        },
    }
)
# The schema the app serves (building it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, role, demo_data):
    case.call_and_validate(headers=auth_headers(role), checks=CHECKS)
