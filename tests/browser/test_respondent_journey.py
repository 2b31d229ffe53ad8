"""A French-speaking respondent on a 390 px phone: public link, French consent, the triad
point dragged by touch and moved with the keyboard, the dyad slider, submit, receipt,
withdrawal. Screenshots in test-artifacts/respondent-fr-*.png."""

import json
import os
from pathlib import Path

import pytest

from consultations.models import Narrative
from demo import consultations as demo
from taxonomy.models import PopulationGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# axe-core, when the repository vendors it (AXE_PATH overrides, for a local check).
AXE = Path(
    os.environ.get(
        "AXE_PATH",
        Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js",
    )
)


def _touch_drag(page, start, end, steps=8):
    """A finger on the screen: touchstart, moves, touchend (Chromium turns them into
    pointer events of type "touch", as on a phone)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [start]})
    for i in range(1, steps + 1):
        point = {
            "x": start["x"] + (end["x"] - start["x"]) * i / steps,
            "y": start["y"] + (end["y"] - start["y"]) * i / steps,
        }
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _shares(page):
    return [
        int(page.locator(f'input[name="sig_who_helped_{i}"]').input_value() or -1) for i in range(3)
    ]


def test_a_french_respondent_tells_drags_the_triangle_and_withdraws(
    browser, live_server, people, vocabularies, screenshot
):
    groups = list(
        PopulationGroup.objects.filter(name__in=["Persons with disabilities", "Migrants"])
    )
    campaign, _instrument = demo.trilingual_campaign_build(
        rco=people.rco, partners=[people.partner_org], groups=groups
    )
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="fr-FR"
    )
    page = context.new_page()
    problems = []  # script errors and CSP violations (console errors)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # (a form sent back with errors answers 400, which Chromium also logs: not a problem)
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.goto(f"{live_server.url}/consultations/c/{campaign.public_token}/")

    # French from the top: the page, the consent, the question.
    assert page.locator("html").get_attribute("lang") == "fr"
    consent = page.locator(".consent-text")
    assert "Nous recueillons des témoignages" in consent.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "respondent-fr-1-form")

    # The triad: a triangle replaced the three number boxes.
    pad = page.get_by_role("slider", name="Dans votre histoire, qui a fait la plus grande")
    assert pad.is_visible()
    assert not page.locator('input[name="sig_who_helped_0"]').is_visible()
    assert pad.get_attribute("aria-valuetext") == "Pas encore de réponse"
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    # A vertical swipe over the triangle scrolls the page and answers nothing.
    scrolled = page.evaluate("window.scrollY")
    _touch_drag(
        page,
        {"x": box["x"] + box["width"] * 0.5, "y": box["y"] + box["height"] * 0.8},
        {"x": box["x"] + box["width"] * 0.5, "y": box["y"] + box["height"] * 0.2},
    )
    assert _shares(page) == [-1, -1, -1]
    assert page.evaluate("window.scrollY") > scrolled
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    # A tap places the point; then a finger drags it to the bottom-left corner.
    middle = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] * 0.6}
    _touch_drag(page, middle, middle, steps=0)
    assert sum(_shares(page)) == 100
    _touch_drag(
        page,
        middle,
        {"x": box["x"] + box["width"] * 0.1, "y": box["y"] + box["height"] * 0.92},
    )
    after_touch = _shares(page)
    assert sum(after_touch) == 100 and after_touch[1] >= 70, after_touch
    assert "Services publics" in pad.get_attribute("aria-valuetext")
    screenshot(page, "respondent-fr-2-triad-touch")

    # The keyboard moves the same point: up, towards "Famille et communauté".
    pad.focus()
    for _ in range(12):
        page.keyboard.press("ArrowUp")
    after_keys = _shares(page)
    assert sum(after_keys) == 100 and after_keys[0] > after_touch[0] + 20, after_keys
    spoken = pad.get_attribute("aria-valuetext").replace("\u202f", " ").replace("\xa0", " ")
    assert f"Famille et communauté {after_keys[0]} %" in spoken, spoken  # French typography
    screenshot(page, "respondent-fr-3-triad-keys")

    # The dyad: a slider, by keyboard.
    slider = page.get_by_role("slider", name="Comment les choses ont-elles tourné")
    slider.focus()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    assert page.locator('input[name="sig_outcome"]').input_value() == "70"

    # Multiple choice and groups are groups with a name (what a screen reader announces).
    tree = page.locator("#story-form").aria_snapshot()
    assert "group \"Qu'est-ce qui vous a fait obstacle" in tree, tree
    assert 'group "À quels groupes vous identifiez-vous' in tree, tree
    assert 'checkbox "Personnes handicapées"' in tree
    if AXE.exists():
        page.evaluate(AXE.read_text() + "\n;0")  # not a <script> tag: the CSP forbids inline
        result = page.evaluate(
            "async () => (await axe.run('#story-form', {runOnly: ['wcag2a', 'wcag2aa']}))"
            ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' '))"
        )
        assert result == [], json.dumps(result, ensure_ascii=False)

    page.get_by_role("textbox", name="Votre histoire (obligatoire)").fill(
        "Le centre de santé a fermé ; nous marchons deux heures jusqu'en ville."
    )
    page.get_by_role("checkbox", name="Personnes handicapées").check()
    # Sent without agreeing: the summary at the top says why, and nothing typed is lost.
    page.get_by_role("button", name="Envoyer mon histoire").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "Sans votre accord" in summary.inner_text()
    assert (
        "deux heures"
        in page.get_by_role("textbox", name="Votre histoire (obligatoire)").input_value()
    )
    assert _shares(page) == after_keys
    assert page.locator('input[name="sig_outcome"]').input_value() == "70"
    assert page.get_by_role("checkbox", name="Personnes handicapées").is_checked()
    screenshot(page, "respondent-fr-4-errors")
    summary.get_by_role("link").first.click()
    assert page.evaluate("location.hash") == "#id_consent"
    page.get_by_label("J'accepte de partager mon histoire").check()
    page.get_by_role("button", name="Envoyer mon histoire").click()

    # The receipt, in French.
    assert page.locator("html").get_attribute("lang") == "fr"
    code = page.locator(".receipt-code strong").inner_text()
    assert len(code) == 14
    screenshot(page, "respondent-fr-5-receipt")
    story = Narrative.objects.get(story__startswith="Le centre de santé")
    assert story.language == "fr"
    assert (story.consent_text.language, story.consent_text.version) == ("fr", 1)
    assert story.answers["who_helped"] == pytest.approx([s / 100 for s in after_keys], abs=0.011)
    assert story.answers["outcome"] == 0.7

    assert problems == []

    # Withdrawal, in French.
    page.get_by_role("link", name="Page de retrait").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_label("Votre code de reçu").fill(code)
    page.get_by_role("button", name="Supprimer mon histoire").click()
    assert page.get_by_role("status").first.is_visible()
    screenshot(page, "respondent-fr-6-withdrawn")
    assert not Narrative.objects.filter(pk=story.pk).exists()

    # Once the campaign has closed, its link says so, in French.
    campaign.status = campaign.Status.CLOSED
    campaign.save(update_fields=["status"])
    page.goto(f"{live_server.url}/consultations/c/{campaign.public_token}/")
    assert page.get_by_role("heading", name="Cette consultation est close").is_visible()
    assert page.get_by_role("link", name="Retirer mon histoire").is_visible()
    screenshot(page, "respondent-fr-7-closed")
    context.close()
