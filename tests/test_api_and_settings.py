import io
import os
import subprocess
import sys
import warnings

import pytest
from django.core.management import call_command

from accounts.models import Membership, Organisation, User
from accounts.services import api_token_create
from taxonomy.models import GroupSynonym, PopulationGroup


def test_openapi_schema_builds_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    text = out.read_text()
    assert "/api/groups/" in text and "/api/me/" in text


def test_token_authentication(people, client):
    _token, key = api_token_create(user=people.partner_own, name="script")
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["memberships"][0]["organisation"] == people.partner_org.name
    assert client.get("/api/me/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_api_lists_are_paginated(people, client_for, vocabularies):
    data = client_for("unct").get("/api/sdg/targets/").json()
    assert data["count"] == 169 and len(data["results"]) == 50 and data["next"]


def test_setup_is_idempotent(db):
    """`make run` prepares with `migrate` and `seed_demo`; running them twice changes nothing."""
    models = (User, Organisation, Membership, PopulationGroup, GroupSynonym)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    first = [m.objects.count() for m in models]
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    assert [m.objects.count() for m in models] == first
    # one account per demo role, and the vocabulary steward
    assert User.objects.filter(email__endswith="@demo.lnob.example").count() == 5


def _run_production(args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "SECRET_KEY",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "SENTRY_DSN",
            "ADMINS",
        )
    }
    full_env.update(DJANGO_SETTINGS_MODULE="lnob_portal.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DATABASE_URL": "postgres://u@localhost/x", "ALLOWED_HOSTS": "x"}, "SECRET_KEY"),
        ({"SECRET_KEY": "k" * 10 + "abcdefghij" * 5, "ALLOWED_HOSTS": "x"}, "DATABASE_URL"),
        (
            {
                "SECRET_KEY": "k" * 10 + "abcdefghij" * 5,
                "DATABASE_URL": "postgres://u@h/x",
                "ALLOWED_HOSTS": "x",
            },
            "CELERY_BROKER_URL",
        ),
        (
            {
                "SECRET_KEY": "k" * 10 + "abcdefghij" * 5,
                "DATABASE_URL": "postgres://u@h/x",
                "ALLOWED_HOSTS": "x",
                "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            },
            "CACHE_URL",
        ),
        (
            {"SECRET_KEY": "short", "DATABASE_URL": "postgres://u@h/x", "ALLOWED_HOSTS": "x"},
            "SECRET_KEY",
        ),
    ],
)
def test_production_refuses_to_start_without_secrets(env, message):
    result = _run_production(["check"], **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_passes_deploy_checks():
    result = _run_production(
        ["check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY="x7Gq-very-long-random-production-secret-key-0123456789-abcdefghijkl",
        DATABASE_URL="postgres://lnob@127.0.0.1:5432/lnob",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CACHE_URL="redis://127.0.0.1:6379/2",
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stderr


PRODUCTION_ENV = {
    "SECRET_KEY": "x7Gq-very-long-random-production-secret-key-0123456789-abcdefghijkl",
    "DATABASE_URL": "postgres://lnob@127.0.0.1:5432/lnob",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/2",
    "ALLOWED_HOSTS": "portal.example.org",
}


def test_production_mails_errors_to_admins_without_request_details():
    probe = (
        "from django.conf import settings as s; import logging; "
        "h = [x for x in logging.getLogger('django.request').handlers "
        "if type(x).__name__ == 'AdminEmailHandler']; "
        "print(s.ADMINS, s.CACHES['default']['BACKEND'], len(h), h[0].include_html)"
    )
    result = _run_production(
        ["shell", "-c", probe],
        **PRODUCTION_ENV,
        ADMINS="Ops Desk <ops@rco.example.org>, Ana Pérez <ana@rco.example.org>",
    )
    assert result.returncode == 0, result.stderr
    assert (
        "[('Ops Desk', 'ops@rco.example.org'), ('Ana Pérez', 'ana@rco.example.org')] "
        "django.core.cache.backends.redis.RedisCache 1 False"
    ) in result.stdout


def test_production_reports_to_sentry_only_when_configured_and_without_personal_data():
    probe = (
        "import sentry_sdk; c = sentry_sdk.get_client(); "
        "print(c.is_active(), c.options.get('send_default_pii'), "
        "c.options.get('max_request_body_size'))"
    )
    without = _run_production(["shell", "-c", probe], **PRODUCTION_ENV)
    assert without.returncode == 0, without.stderr
    assert without.stdout.split()[-3] == "False"
    with_dsn = _run_production(
        ["shell", "-c", probe], **PRODUCTION_ENV, SENTRY_DSN="https://public@127.0.0.1:9/1"
    )
    assert with_dsn.returncode == 0, with_dsn.stderr
    assert with_dsn.stdout.split()[-3:] == ["True", "False", "never"]
