"""Every URL the project defines, requested by every role, gets the expected status.

A new URL without an entry in MATRIX fails ``test_every_url_has_a_matrix_entry``: whoever adds
a page decides who may see it. Roles: anonymous; a CSO partner whose organisation owns the
object in the URL ("partner_own") and one from another organisation ("partner_other"); a
UNCT member; RCO staff.
"""

import importlib

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Membership
from accounts.services import api_token_create
from tests.factories import run_with_result

from .conftest import FOREIGN_ROLES, ROLES
from .url_matrix_base import (
    ANON_ONLY,
    API_MEMBERS,
    API_PUBLIC,
    API_RCO_OBJECT,
    MEMBERS,
    PUBLIC,
    RCO_OBJECT,
    RCO_ONLY,
    READ_ONLY_POST,
    STEWARD_ONLY,
    Entry,
    statuses,
)

# The partner organisation's own objects: its page, one of its memberships.
OWN_ORG = statuses(302, 200, 404, 404, 200)
# A partner sees their own membership but may not change their own role.
OWN_MEMBERSHIP_POST = statuses(302, 403, 404, 404, 302)


def published_run(p):
    return {"pk": run_with_result(published=True).pk}


def dataset_of_run(p):
    return {"pk": run_with_result(published=False).dataset_id}


def leaf_link_of_published_run(p):
    from analysis.services import leaf_group_link
    from taxonomy.models import PopulationGroup

    run = run_with_result(published=True)
    leaf = next(n["id"] for n in run.result["nodes"] if n["is_leaf"])
    group = PopulationGroup.objects.get(slug="migrants")
    return {
        "pk": run.pk,
        "link_pk": leaf_group_link(run=run, node_id=leaf, group=group, user=None).pk,
    }


def own_token(p):
    return {"pk": api_token_create(user=p.partner_own, name="script")[0].pk}


def own_membership(p):
    return {"pk": Membership.objects.get(user=p.partner_own).pk}


MATRIX: dict[str, Entry] = {
    "home": Entry(PUBLIC),
    "healthz": Entry(PUBLIC),
    # uploaded files: an unknown name is 404 for everyone (tests/test_media.py for real files)
    "media": Entry(statuses(404, 404, 404, 404, 404), kwargs=lambda p: {"path": "no/such.csv"}),
    "set_language": Entry(statuses(302, 302, 302, 302, 302), method="post"),
    # django-allauth
    "account_login": Entry(ANON_ONLY),
    "account_logout": Entry(statuses(302, 200, 200, 200, 200)),
    "account_inactive": Entry(PUBLIC),
    "account_signup": Entry(ANON_ONLY),
    "account_reauthenticate": Entry(MEMBERS),
    "account_email": Entry(MEMBERS),
    "account_email_verification_sent": Entry(PUBLIC),
    "account_change_password": Entry(MEMBERS),
    "account_set_password": Entry(statuses(302, 302, 302, 302, 302)),
    "account_reset_password": Entry(PUBLIC),
    "account_confirm_login_code": Entry(statuses(302, 302, 302, 302, 302)),
    "account_confirm_email": Entry(PUBLIC, kwargs=lambda p: {"key": "not-a-key"}),
    "account_reset_password_from_key_done": Entry(PUBLIC),
    "account_reset_password_from_key": Entry(
        PUBLIC, kwargs=lambda p: {"uidb36": "zz", "key": "not-a-key"}
    ),
    "account_reset_password_done": Entry(PUBLIC),
    "mfa_index": Entry(MEMBERS),
    "mfa_authenticate": Entry(statuses(302, 302, 302, 302, 302)),
    "mfa_reauthenticate": Entry(statuses(302, 302, 302, 302, 302)),
    "mfa_activate_totp": Entry(statuses(302, 302, 302, 302, 302)),
    "mfa_deactivate_totp": Entry(statuses(302, 404, 404, 404, 404)),
    "mfa_view_recovery_codes": Entry(statuses(302, 404, 404, 404, 404)),
    "mfa_generate_recovery_codes": Entry(statuses(302, 302, 302, 302, 302)),
    "mfa_download_recovery_codes": Entry(statuses(302, 404, 404, 404, 404)),
    # accounts
    "accounts:profile": Entry(MEMBERS),
    # an empty form re-renders the account page with its errors
    "accounts:api_token_create": Entry(MEMBERS, method="post"),
    # each person revokes their own tokens only
    "accounts:api_token_revoke": Entry(
        statuses(302, 302, 404, 404, 404), kwargs=own_token, method="post"
    ),
    "accounts:organisation_list": Entry(MEMBERS),
    "accounts:organisation_create": Entry(RCO_ONLY),
    "accounts:organisation_detail": Entry(OWN_ORG, kwargs=lambda p: {"pk": p.partner_org.pk}),
    "accounts:membership_change": Entry(OWN_MEMBERSHIP_POST, kwargs=own_membership, method="post"),
    "accounts:audit_log": Entry(RCO_ONLY),
    # taxonomy
    "taxonomy:group_list": Entry(MEMBERS),
    "taxonomy:group_create": Entry(RCO_ONLY),
    "taxonomy:group_detail": Entry(MEMBERS, kwargs=lambda p: {"slug": "migrants"}),
    # Shared vocabularies: RCO staff propose groups (saved as needs_review); only vocabulary
    # stewards (no portal role; see tests/taxonomy) change and merge them.
    "taxonomy:group_edit": Entry(STEWARD_ONLY, kwargs=lambda p: {"slug": "migrants"}),
    "taxonomy:group_merge": Entry(
        STEWARD_ONLY, kwargs=lambda p: {"slug": "migrants"}, method="post"
    ),
    "taxonomy:sdg_list": Entry(MEMBERS),
    "taxonomy:sdg_goal_detail": Entry(MEMBERS, kwargs=lambda p: {"number": 5}),
    "taxonomy:factor_list": Entry(MEMBERS),
    # sections filled by later issues
    "consultations:index": Entry(MEMBERS),
    "recommendations:index": Entry(MEMBERS),
    "analysis:index": Entry(MEMBERS),
    # Comparisons of published runs: every member, their own countries only.
    "analysis:compare_country": Entry(MEMBERS),
    "analysis:compare_countries": Entry(MEMBERS),
    "analysis:region_map_upload": Entry(READ_ONLY_POST, method="post"),
    "evidence:index": Entry(MEMBERS),
    # survey analysis: raw files are RCO-only; published runs are read by every member
    "analysis:dataset_upload": Entry(RCO_ONLY),
    "analysis:dataset_detail": Entry(RCO_OBJECT, kwargs=dataset_of_run),
    "analysis:run_start": Entry(
        statuses(302, 404, 404, 404, 400), kwargs=dataset_of_run, method="post"
    ),
    "analysis:dataset_reprofile": Entry(
        statuses(302, 404, 404, 404, 302), kwargs=dataset_of_run, method="post"
    ),
    "analysis:run_detail": Entry(MEMBERS, kwargs=published_run),
    "analysis:run_retry": Entry(READ_ONLY_POST, kwargs=published_run, method="post"),
    "analysis:run_publish": Entry(READ_ONLY_POST, kwargs=published_run, method="post"),
    "analysis:run_link_groups": Entry(READ_ONLY_POST, kwargs=published_run, method="post"),
    "analysis:run_unlink_group": Entry(
        READ_ONLY_POST, kwargs=leaf_link_of_published_run, method="post"
    ),
    "analysis:run_download": Entry(MEMBERS, kwargs=lambda p: {**published_run(p), "fmt": "csv"}),
    # API
    "api:api-root": Entry(API_MEMBERS),
    "api:me": Entry(API_MEMBERS),
    "api:schema": Entry(API_PUBLIC),
    "api:docs": Entry(API_PUBLIC),
    "api:group-list": Entry(API_MEMBERS),
    "api:group-detail": Entry(API_MEMBERS, kwargs=lambda p: {"slug": "migrants"}),
    "api:group-merge": Entry(
        statuses(401, 403, 403, 403, 403), kwargs=lambda p: {"slug": "migrants"}, method="post"
    ),
    "api:factor-list": Entry(API_MEMBERS),
    "api:factor-detail": Entry(API_MEMBERS, kwargs=lambda p: {"code": "geography"}),
    "api:sdg-goal-list": Entry(API_MEMBERS),
    "api:sdg-goal-detail": Entry(API_MEMBERS, kwargs=lambda p: {"number": 5}),
    "api:sdg-target-list": Entry(API_MEMBERS),
    "api:sdg-target-detail": Entry(API_MEMBERS, kwargs=lambda p: {"code": "5.1"}),
    "api:sdg-indicator-list": Entry(API_MEMBERS),
    "api:sdg-indicator-detail": Entry(API_MEMBERS, kwargs=lambda p: {"code": "5.1.1"}),
    "api:dataset-list": Entry(API_MEMBERS),
    "api:dataset-detail": Entry(API_RCO_OBJECT, kwargs=dataset_of_run),
    "api:indicator-list": Entry(API_MEMBERS),
    "api:indicator-detail": Entry(
        API_MEMBERS, kwargs=lambda p: {"pk": run_with_result(published=True).indicator_id}
    ),
    "api:run-list": Entry(API_MEMBERS),
    "api:run-detail": Entry(API_MEMBERS, kwargs=published_run),
}


# Each app's tests may add ``tests/<app>/url_matrix.py`` with a MATRIX dict of its URLs.
for _app in ("consultations", "recommendations", "evidence"):
    try:
        MATRIX.update(importlib.import_module(f"tests.{_app}.url_matrix").MATRIX)
    except ModuleNotFoundError as exc:
        if exc.name not in (f"tests.{_app}", f"tests.{_app}.url_matrix"):
            raise


def project_url_names() -> set[str]:
    """Every named URL in the project (admin checked separately below)."""
    names: set[str] = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                walk(
                    pattern.url_patterns,
                    f"{namespace}:{ns}" if namespace and ns else ns or namespace,
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return {n for n in names if not n.startswith("admin:")}


def test_every_url_has_a_matrix_entry():
    missing = project_url_names() - MATRIX.keys()
    assert not missing, f"Decide who may see these URLs and add them to MATRIX: {sorted(missing)}"
    stale = MATRIX.keys() - project_url_names()
    assert not stale, f"MATRIX lists URLs that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_matrix(name, people, vocabularies, client_for):
    entry = MATRIX[name]
    url = reverse(name, kwargs=entry.kwargs(people))
    observed = {}
    for role in ROLES:
        client = client_for(role)
        response = getattr(client, entry.method)(url)
        observed[role] = response.status_code
    assert observed == entry.expected, f"{name} ({url})"


def test_admin_is_closed_to_every_portal_role(people, client_for):
    """The Django admin is for technical administrators only, never a portal role."""
    admin_names = [
        "admin:index",
        "admin:accounts_user_changelist",
        "admin:accounts_organisation_changelist",
        "admin:accounts_auditevent_changelist",
        "admin:taxonomy_populationgroup_changelist",
    ]
    for role in ROLES:
        client = client_for(role)
        for name in admin_names:
            response = client.get(reverse(name))
            assert response.status_code == 302, (role, name)
            assert "/admin/login/" in response["Location"]


# Users of another country ("Elsewhere": RCO staff, a UNCT member, a CSO partner) asking for
# Demoland's objects get 404, as if the objects did not exist. The URLs below are the
# exceptions, each decided: shared vocabularies (read by every member, changed by stewards
# only), public pages, and pages about the visitor themselves.
VOCABULARY_READ = {r: 200 for r in FOREIGN_ROLES}
STEWARD_ONLY_FOREIGN = {r: 403 for r in FOREIGN_ROLES}
FOREIGN: dict[str, dict[str, int]] = {
    "taxonomy:group_detail": VOCABULARY_READ,
    "taxonomy:group_edit": STEWARD_ONLY_FOREIGN,
    "taxonomy:group_merge": STEWARD_ONLY_FOREIGN,
    "taxonomy:sdg_goal_detail": VOCABULARY_READ,
    "api:group-detail": VOCABULARY_READ,
    "api:group-merge": STEWARD_ONLY_FOREIGN,
    "api:factor-detail": VOCABULARY_READ,
    "api:sdg-goal-detail": VOCABULARY_READ,
    "api:sdg-target-detail": VOCABULARY_READ,
    "api:sdg-indicator-detail": VOCABULARY_READ,
    "api:indicator-detail": VOCABULARY_READ,
    "recommendations:theme_edit": STEWARD_ONLY_FOREIGN,
    # Group pages are about a shared group; each visitor sees their own country's evidence
    # and analyses there (content checked in tests/test_country_isolation.py), and UNCT/RCO
    # write into their own country's analyses.
    "evidence:group_page": VOCABULARY_READ,
    "evidence:dossier": VOCABULARY_READ,
    "evidence:monitoring": VOCABULARY_READ,
    "evidence:dossier_docx": VOCABULARY_READ,
    "api:evidence-detail": VOCABULARY_READ,
    **{
        f"evidence:{name}": {"foreign_partner": 403, "foreign_unct": 400, "foreign_rco": 400}
        for name in (
            "cause_add",
            "role_add",
            "capacity_gap_add",
            "action_add",
            "comment_add",
            "data_gap_assign",
            "summary_validate",
            "monitoring_indicator_add",
        )
    },
    # Lists and templates named by their format: the visitor's own country's rows.
    "recommendations:export": VOCABULARY_READ,
    "recommendations:import_template": {
        "foreign_partner": 403,
        "foreign_unct": 403,
        "foreign_rco": 200,
    },
    # Published for the public (no sign-in needed).
    "recommendations:public_detail": VOCABULARY_READ,
    "recommendations:public_cluster": VOCABULARY_READ,
}


def _object_urls() -> list[str]:
    """Entries whose URL names something (they pass kwargs)."""
    no_kwargs = Entry.__dataclass_fields__["kwargs"].default
    return sorted(name for name, entry in MATRIX.items() if entry.kwargs is not no_kwargs)


FOREIGN_SKIP = {
    # Public or about the visitor themselves, not Demoland's objects.
    "account_confirm_email",
    "account_reset_password_from_key",
    "consultations:public_tell",
}


@pytest.mark.parametrize("name", [n for n in _object_urls() if n not in FOREIGN_SKIP])
def test_other_country_gets_404_on_this_countrys_objects(name, people, vocabularies, client):
    entry = MATRIX[name]
    url = reverse(name, kwargs=entry.kwargs(people))
    observed = {}
    for role in FOREIGN_ROLES:
        client.logout()
        client.force_login(people.user(role))
        observed[role] = getattr(client, entry.method)(url).status_code
    expected = FOREIGN.get(name, {r: 404 for r in FOREIGN_ROLES})
    assert observed == expected, f"{name} ({url})"
