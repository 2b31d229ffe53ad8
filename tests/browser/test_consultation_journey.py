"""A partner's data collector records a story on a phone; an RCO reviewer approves it."""

import pytest

from consultations.models import Narrative
from tests.browser.test_foundation_journeys import sign_in
from tests.consultations.factories import consultation_objects

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_submits_on_a_phone_and_rco_approves(
    browser, live_server, people, vocabularies, screenshot
):
    objs = consultation_objects(people)
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    sign_in(phone, live_server.url, people.partner_own.email)
    phone.goto(f"{live_server.url}{objs.campaign.get_absolute_url()}")
    phone.get_by_role("link", name=f"Record a story for {people.partner_org.name}").first.click()
    phone.get_by_role("textbox", name="Your story (required)").fill(
        "The health post closed and we walk to town now."
    )
    # The triangle has a plain alternative: the three shares as numbers.
    phone.get_by_role("button", name="Type numbers instead").first.click()
    phone.get_by_label("Myself").fill("70")
    phone.get_by_label("Family").fill("30")
    phone.get_by_label("I agree to share my story").check()
    phone.get_by_label("How was consent given?").select_option("verbal")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "story-form-phone")
    phone.get_by_role("button", name="Send my story").click()
    assert phone.get_by_text("Your receipt code:").is_visible()
    screenshot(phone, "story-receipt-phone")
    story = Narrative.objects.get(story__startswith="The health post")
    assert story.review_status == "pending"

    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(desk, live_server.url, people.rco.email)
    desk.goto(f"{live_server.url}/consultations/campaigns/{objs.campaign.pk}/review/")
    desk.get_by_role("link", name="Untitled story").first.click()
    if "health post" not in desk.content():
        desk.goto(f"{live_server.url}{story.get_absolute_url()}")
    desk.get_by_role("radio", name="Approved", exact=True).check()
    desk.get_by_role("button", name="Save the review").click()
    story.refresh_from_db()
    assert story.review_status == "approved"
    screenshot(desk, "story-approved")


def test_partner_uploads_a_kobo_export_checks_it_and_imports_it_once(
    browser, live_server, people, vocabularies, screenshot
):
    """The upload journey with workers: the request stores the file, the worker (eager here)
    reads it; the partner maps, previews, imports, and the import button is gone after."""
    from pathlib import Path

    from consultations.models import ColumnMapping, Instrument, Signifier, Upload
    from tests.consultations.test_uploads import KOBO

    objs = consultation_objects(people)
    instrument = Instrument.objects.create(campaign=objs.campaign, name="Kobo form")
    Signifier.objects.create(
        instrument=instrument,
        key="triad_1",
        kind="triad",
        labels=[{"en": "Money"}, {"en": "Family"}, {"en": "Luck"}],
    )
    Signifier.objects.create(
        instrument=instrument, key="dyad_1", kind="dyad", labels=[{"en": "Worse"}, {"en": "Better"}]
    )
    ColumnMapping.objects.create(  # saved from an earlier upload
        campaign=objs.campaign,
        organisation=people.partner_org,
        instrument=instrument,
        export_format="kobo_csv",
        mapping=KOBO,
    )
    data = Path(__file__).parents[1] / "consultations" / "data" / "kobo_export.csv"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server.url, people.partner_own.email)
    page.goto(f"{live_server.url}/consultations/campaigns/{objs.campaign.pk}/uploads/new/")
    page.get_by_label("Instrument").select_option(label="Kobo form")
    page.get_by_label("Export file").set_input_files(str(data))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Check the rows").click()
    page.get_by_text("can be imported").wait_for()
    screenshot(page, "upload-preview")
    page.get_by_role("button", name="Import 3 stories").click()
    page.get_by_text("stories imported").wait_for()
    assert page.get_by_role("button", name="Import 3 stories").count() == 0
    upload = Upload.objects.get(instrument=instrument)
    assert upload.status == "imported" and not upload.file
    assert Narrative.objects.filter(instrument=instrument).count() == 3
