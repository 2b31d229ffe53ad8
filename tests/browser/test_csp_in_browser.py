"""Item 7: Chromium reports no Content-Security-Policy violation on the portal's pages, and
Swagger UI still renders under its own policy."""

import pytest

from tests.factories import run_with_result

from .test_foundation_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_pages_load_without_csp_violations(page, live_server, people, vocabularies):
    violations = watch_csp(page)
    run = run_with_result(published=True)
    sign_in(page, live_server.url, people.rco.email)
    for path in (
        "/",
        "/profile/",
        "/organisations/",
        "/groups/",
        f"/analysis/runs/{run.pk}/",
        f"/analysis/datasets/{run.dataset_id}/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == []


def test_swagger_ui_renders_under_its_policy(page, live_server, db):
    violations = watch_csp(page)
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info").wait_for(timeout=15_000)
    assert violations == []
