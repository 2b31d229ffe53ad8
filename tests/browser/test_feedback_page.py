"""A respondent reads the campaign's "what we heard and what is happening" page: on a
desktop and on a 390 px phone, without JavaScript, with no axe-core violations."""

from pathlib import Path

import pytest

from tests.evidence.test_feedback import PUBLISHABLE, QUOTE_ONLY, heard  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.x A/AA rules on the page as it is shown."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize(
    ("version", "lang", "width"),
    [("", "fr", 1280), ("", "es", 390), ("easy-read/", "en", 390), ("large-print/", "en", 1280)],
)
def test_the_feedback_page_reads_well_and_is_accessible(
    browser,
    live_server,
    heard,  # noqa: F811
    screenshot,
    version,
    lang,
    width,  # noqa: F811
):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/what-we-heard/{heard.pk}/{version}?lang={lang}")
    text = page.inner_text("main")
    assert PUBLISHABLE in text or version == "easy-read/"
    assert QUOTE_ONLY not in text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"feedback-{version.strip('/') or 'page'}-{lang}-{width}")
    context.close()
    checker = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = checker.new_page()
    page.goto(f"{live_server.url}/what-we-heard/{heard.pk}/{version}?lang={lang}")
    assert axe_violations(page) == []
    checker.close()
