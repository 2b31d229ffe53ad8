"""An RCO analyst uploads a Stata file, runs an ESCAP indicator and publishes the tree."""

import pytest

from demo.synthetic import generate_dhs_like
from tests.browser.test_foundation_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload_household_file(page, live_server, people, tmp_path) -> None:
    path = tmp_path / "DEMOHR71.dta"
    generate_dhs_like(seed=3, n_households=1200)["HR"].write_dta(path)
    sign_in(page, live_server.url, people.rco.email)
    page.goto(live_server.url + "/analysis/")
    page.get_by_role("link", name="Upload a survey file").click()
    page.get_by_label("Survey file").set_input_files(str(path))
    page.get_by_label("Title").fill("Demoland DHS 2022 households")
    page.get_by_label("Survey programme").select_option("DHS")
    page.get_by_label("Survey round (year)").fill("2022")
    page.get_by_role("button", name="Upload").click()
    assert page.get_by_role("heading", name="Columns").is_visible()


def test_analyst_goes_from_dta_upload_to_published_tree(
    page, live_server, people, vocabularies, screenshot, tmp_path
):
    upload_household_file(page, live_server, people, tmp_path)
    page.get_by_label("Start from an ESCAP indicator").select_option("dhs-electricity")
    page.get_by_role("button", name="Use this indicator").click()
    page.get_by_role("button", name="Run the analysis").click()
    assert page.get_by_role("heading", name="Tree", exact=True).is_visible()
    assert page.locator("svg").first.is_visible()
    page.get_by_role("button", name="Publish this run").click()
    assert page.get_by_text("Published: UNCT members").is_visible()
    screenshot(page, "analysis-run-published")


def test_analyst_adjusts_the_wealth_recode_without_json(
    page, live_server, people, vocabularies, screenshot, tmp_path
):
    upload_household_file(page, live_server, people, tmp_path)
    page.get_by_label("Start from an ESCAP indicator").select_option("dhs-electricity")
    page.get_by_role("button", name="Use this indicator").click()
    wealth = page.get_by_role("group", name="Circumstance 1")
    assert wealth.get_by_label("Column").input_value() == "hv270"
    assert wealth.get_by_text("Values of hv270 in this file: 1 = Poorest").is_visible()
    assert not page.get_by_label("Definition (JSON)").is_visible()  # JSON is tucked away
    wealth.get_by_label("Recode (optional)").fill("1 → Poorest 20%\n2, 3, 4, 5 → Top 80%")
    page.get_by_role("button", name="Run the analysis").click()
    # the level order still names the old levels: the message sits by that field
    assert page.get_by_role("alert").get_by_text("The analysis did not start").is_visible()
    problem = wealth.get_by_text("to the level order: the recode produces them")
    assert problem.is_visible()
    order = wealth.get_by_label("Level order (ordered only)")
    assert order.get_attribute("aria-invalid") == "true"
    screenshot(page, "analysis-indicator-editor-error")
    order.fill("Poorest 20%, Top 80%")
    page.get_by_role("button", name="Run the analysis").click()
    assert page.get_by_role("heading", name="Tree", exact=True).is_visible()
    assert page.get_by_text("Poorest 20%").first.is_visible()
    screenshot(page, "analysis-adjusted-recode-run")


@pytest.mark.parametrize("language", ["fr", "es"])
def test_a_run_page_fits_a_phone_in_french_and_spanish(
    browser, live_server, people, vocabularies, screenshot, tmp_path, language
):
    """On a 390 px phone the run page (facts, leaf table with its link forms) and the dataset
    page's editor never scroll sideways; wide tables scroll inside themselves."""
    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desktop.new_page()
    upload_household_file(page, live_server, people, tmp_path)
    dataset_url = page.url
    page.get_by_label("Start from an ESCAP indicator").select_option("dhs-electricity")
    page.get_by_role("button", name="Use this indicator").click()
    page.get_by_role("button", name="Run the analysis").click()
    run_url = page.url
    cookies = desktop.cookies()
    desktop.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.add_cookies(cookies)
    page = phone.new_page()
    page.goto(live_server.url + "/")
    page.select_option("#language-select", language)
    page.locator("form.lang-form button").first.click()
    for url, name in ((run_url, "run"), (dataset_url, "dataset")):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        screenshot(page, f"phone-{name}-{language}")
        assert width <= 390, f"{name} page is {width}px wide on a 390px phone ({language})"
    phone.close()
