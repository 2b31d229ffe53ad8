"""RCO staff import an OHCHR UPR matrix, confirm the preview, and read the recommendations by
population group; then classify, publish and see the public page."""

from pathlib import Path

import pytest

from accounts.models import Organisation, Role
from tests.browser.test_foundation_journeys import sign_in
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHINA = (
    Path(__file__).resolve().parents[1]
    / "recommendations"
    / "parsers"
    / "data"
    / "upr_matrix_china_2018.docx"
)


def test_rco_imports_a_upr_matrix_and_sees_it_by_group(
    page, live_server, people, vocabularies, screenshot
):
    china = Organisation.objects.create(
        name="RCO China", country="China", kind=Organisation.Kind.RCO
    )
    MembershipFactory(user=people.rco, organisation=china, role=Role.RCO_STAFF)
    sign_in(page, live_server.url, people.rco.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Recommendations").click()
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Format").select_option(label="OHCHR UPR matrix (.docx)")
    page.get_by_label("Country").select_option("China")
    page.get_by_label("File").set_input_files(str(CHINA))
    page.get_by_role("button", name="Upload and preview").click()
    assert page.get_by_text("Ready to import").is_visible()
    assert page.get_by_role("row", name="Added 346").is_visible()
    screenshot(page, "recommendations-import-preview")
    page.get_by_role("button", name="Confirm the import").click()
    assert page.get_by_text("Imported", exact=True).is_visible()
    page.get_by_role("link", name="See the recommendations").click()
    assert page.get_by_text("346 recommendations").is_visible()
    page.get_by_label("Population group").select_option(label="Persons with disabilities")
    page.get_by_label("UPR position").select_option("Supported")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_text("recommendations", exact=False).first.is_visible()
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    assert "Persons with disabilities" in rows.first.inner_text()
    screenshot(page, "recommendations-by-group")
    rows.first.get_by_role("link").click()
    assert page.get_by_role("heading", name="Implementation").is_visible()
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="public page").click()
    assert page.get_by_text("Persons with disabilities", exact=True).is_visible()
    assert page.get_by_text("Supported", exact=True).is_visible()
    screenshot(page, "recommendations-public-page")
