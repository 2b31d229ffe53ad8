"""A French reader on a phone (390 px) opens a campaign's analysis, compares a group with
everyone else and reads the charts in French; nothing is wider than the phone. The
screenshot goes to /tmp/plots-analysis-fr-390.png so a person can look at it."""

import pytest
from django.urls import reverse

from tests.browser.test_foundation_journeys import sign_in
from tests.consultations.test_plots_i18n import voiced  # noqa: F401 (the stories fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_french_reader_reads_the_charts_in_french_on_a_phone(
    browser,  # noqa: F811
    live_server,
    people,
    voiced,  # noqa: F811
):
    objs, rural = voiced
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, live_server.url, people.rco.email)
    context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    url = reverse("consultations:campaign_analysis", args=[objs.campaign.pk])
    page.goto(f"{live_server.url}{url}?group={rural.slug}")
    figure = page.locator("figure.chart").filter(has_text="Comment les choses ont-elles tourné")
    assert "Personnes vivant en milieu rural (5 histoires)" in figure.inner_text()
    assert "Hauteur des barres" in figure.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/plots-analysis-fr-390.png", full_page=True)
    context.close()
