"""A partner prints receipt cards, imports a Kobo file carrying the codes, a teller withdraws
one with their card; the partner follows its submissions on "our submissions"."""

import re

import pytest

from consultations.models import Narrative, ReceiptCard, Upload
from tests.browser.test_foundation_journeys import sign_in
from tests.consultations.factories import consultation_objects
from tests.consultations.test_receipts import kobo_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


def test_partner_prints_cards_imports_codes_and_a_teller_withdraws(
    browser, live_server, people, vocabularies, screenshot, tmp_path
):
    objs = consultation_objects(people)
    objs.campaign.languages = ["en", "fr", "es"]
    objs.campaign.save()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server.url, people.partner_own.email)
    page.goto(f"{live_server.url}{objs.campaign.get_absolute_url()}")
    page.get_by_role("link", name="Print receipt cards").click()
    page.get_by_label("Number of cards").fill("10")
    page.get_by_role("button", name="Print the cards").click()
    cards = page.locator(".receipt-card")
    assert cards.count() == 10
    codes = [CODE.search(cards.nth(i).inner_text()).group(0) for i in range(10)]
    assert len(set(codes)) == 10
    screenshot(page, "receipt-cards-screen")
    page.emulate_media(media="print")
    page.pdf(path=str(tmp_path / "cards.pdf"), format="A4")  # lays out as printed
    screenshot(page, "receipt-cards-print")
    page.emulate_media(media="screen")

    # The enumerator recorded two codes in the Kobo form; the partner uploads the export.
    export = tmp_path / "field_export.csv"
    export.write_bytes(
        kobo_csv([("The road to the clinic flooded.", codes[0]), ("No bus since May.", codes[1])])
    )
    page.goto(f"{live_server.url}/consultations/campaigns/{objs.campaign.pk}/uploads/new/")
    page.get_by_label("Export file").set_input_files(str(export))
    page.get_by_role("button", name="Upload").click()
    assert page.locator("#map-receipt_code").input_value() == "story_group/receipt_code"
    page.locator("#map-title").select_option("story_group/story_title")
    page.locator("#map-sex").select_option("")  # the suggestion takes Kobo's "end" for sex
    page.get_by_role("button", name="Check the rows").click()
    page.get_by_text("can be imported").wait_for()
    assert "yes (code hidden)" in page.content(), page.inner_text("main")
    assert codes[0] not in page.content()
    page.get_by_role("button", name="Import 2 stories").click()
    page.get_by_text("stories imported").wait_for()
    assert page.locator("p.message-success").count() == 1
    assert Upload.objects.get(original_name="field_export.csv").status == "imported"
    assert ReceiptCard.objects.filter(used_at__isnull=False).count() == 2

    # "Our submissions": every status, with a search.
    page.goto(f"{live_server.url}/consultations/ours/")
    assert page.get_by_role("link", name="Story 1").count() == 1
    page.get_by_label("Review status").select_option("pending")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_text("3 stories").count() == 1
    screenshot(page, "our-submissions")
    page.goto(f"{live_server.url}/consultations/ours/uploads/")
    assert page.get_by_role("link", name="field_export.csv").count() == 1
    screenshot(page, "our-uploads")

    # The teller withdraws with the card (no account), typing the code as printed.
    teller = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    teller.goto(f"{live_server.url}/consultations/withdraw/")
    teller.get_by_label("Receipt code").fill(codes[1])
    teller.get_by_role("button", name="Delete my story").click()
    assert teller.get_by_text("have been deleted").is_visible()
    assert not Narrative.objects.filter(story="No bus since May.").exists()
    assert Narrative.objects.filter(story="The road to the clinic flooded.").exists()


def test_sign_in_page_is_styled_and_offers_no_closed_sign_up(browser, live_server, screenshot):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("link", name=re.compile("sign up", re.I)).count() == 0
    button = page.get_by_role("button", name="Sign in")
    # The portal's button style, not the browser's default grey button.
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 79, 138)"
    screenshot(page, "sign-in")
    assert page.get_by_label("Password").is_visible()
    assert page.get_by_role("textbox", name=re.compile("mail", re.I)).is_visible()
