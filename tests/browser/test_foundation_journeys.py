"""A person signs in with e-mail and password, sees what their role may do, and moves around."""

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base_url}/")


def test_rco_staff_signs_in_and_curates_a_group(
    page, live_server, people, vocabularies, screenshot
):
    sign_in(page, live_server.url, people.rco.email)
    assert page.get_by_role("heading", name="What your role lets you do").is_visible()
    screenshot(page, "home-rco")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vocabularies").click()
    page.get_by_role("link", name="Add a group").click()
    page.get_by_label("Name").first.fill("Ex-bonded labourers")
    page.get_by_label("Synonyms").fill("Kamaiya\nHaliya")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("heading", name="Ex-bonded labourers").is_visible()
    assert (
        page.get_by_text("Kamaiya; Haliya").is_visible()
        or page.get_by_text("Haliya; Kamaiya").is_visible()
    )
    screenshot(page, "group-created")


def test_keyboard_user_can_skip_to_content(page, live_server, db):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()  # visible when focused


def test_partner_on_a_phone_sees_a_usable_home(phone_page, live_server, people, screenshot):
    sign_in(phone_page, live_server.url, people.partner_own.email)
    assert phone_page.get_by_text("Submit stories").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scrolling on a phone"
    screenshot(phone_page, "home-partner-phone")


def test_language_switcher_without_javascript(browser, live_server, db, screenshot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    assert page.get_by_role("link", name="Aller au contenu principal").count() == 1
    screenshot(page, "home-anonymous-fr-nojs")
    context.close()
