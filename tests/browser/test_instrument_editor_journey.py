"""An RCO officer maintains an instrument on a phone-sized screen, without JavaScript-only
controls: moves a question, rewords an answered one (a new version), previews the form in
French, and is asked to confirm before a question is removed."""

import pytest

from consultations import services
from tests.browser.test_foundation_journeys import sign_in
from tests.consultations.factories import consultation_objects

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rco_maintains_an_instrument(browser, live_server, people, vocabularies, screenshot):
    objs = consultation_objects(people)
    objs.campaign.languages = ["en", "fr"]
    objs.campaign.save()
    spare = services.signifier_add(
        instrument=objs.instrument,
        key="spare",
        kind="dyad",
        question={"en": "Spare", "fr": "Réserve"},
        labels=[{"en": "Left", "fr": "Gauche"}, {"en": "Right", "fr": "Droite"}],
    )
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    sign_in(phone, live_server.url, people.rco.email)
    phone.goto(f"{live_server.url}/consultations/instruments/{objs.instrument.pk}/")
    phone.get_by_role("button", name="Move outcome up").click()
    assert list(objs.instrument.signifiers.values_list("key", flat=True))[0] == "outcome"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "instrument-editor-phone")

    phone.get_by_role("link", name="Edit who").click()
    phone.get_by_label("Question (en)").fill("Who helped you most?")
    phone.get_by_label("Question (fr)").fill("Qui vous a le plus aidé ?")
    screenshot(phone, "question-edit-phone")
    phone.get_by_role("button", name="Save").click()
    assert phone.get_by_text("saved as version 2").is_visible()
    who = objs.instrument.signifiers.get(key="who")
    assert who.version == 2

    phone.get_by_role("link", name="Français").click()
    assert phone.get_by_text("Qui vous a le plus aidé ?").is_visible()
    screenshot(phone, "instrument-preview-fr-phone")

    phone.goto(f"{live_server.url}/consultations/instruments/{objs.instrument.pk}/")
    phone.get_by_role("link", name="Remove spare").click()
    assert phone.get_by_role("heading", name="Remove the question “spare”?").is_visible()
    phone.get_by_role("button", name="Yes, remove it").click()
    assert not objs.instrument.signifiers.filter(pk=spare.pk).exists()
