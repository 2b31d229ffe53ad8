"""A partner, on a phone (390 px) and in French, connects a KoboToolbox project, pulls it,
sees the submission the checks rejected wait for a fix at source, fixes it (the local kpi
stub then answers with the corrected submission) and pulls again. Screenshots go to
/tmp/syncui-*.png so a person can look at them."""

import pytest

from consultations.models import ColumnMapping, PartnerSync, SyncRowIssue
from tests.browser.test_foundation_journeys import sign_in
from tests.consultations.factories import consultation_objects
from tests.consultations.test_sync import ASSET, TOKEN, _kobo_result
from tests.consultations.test_sync_page import MAPPING, _KoboServer, kobo  # noqa: F401 (the stub fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    """Nothing wider than the phone: a mobile browser widens its layout viewport to fit a
    too-wide element, so compare with the phone's 390 px, not with innerWidth."""
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_partner_connects_pulls_and_follows_the_queue_on_a_phone_in_french(
    browser,  # noqa: F811
    live_server,
    people,
    vocabularies,
    kobo,  # noqa: F811
):
    objs = consultation_objects(people)
    ColumnMapping.objects.create(
        campaign=objs.campaign,
        organisation=people.partner_org,
        instrument=objs.instrument,
        export_format="kobo_csv",
        mapping={k: v for k, v in MAPPING.items() if k != "groups"},
    )
    _KoboServer.results = [
        _kobo_result(1, "Le dispensaire a fermé.", "women"),
        _kobo_result(3, "", "women"),  # no story: rejected
    ]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, live_server.url, people.partner_own.email)
    context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])

    page.goto(f"{live_server.url}{objs.campaign.get_absolute_url()}")
    page.get_by_role("link", name="Synchroniser depuis KoboToolbox ou ODK Central").click()
    page.get_by_label("Adresse du serveur").fill(kobo)
    page.get_by_label("Identifiant du projet KoboToolbox (asset uid)").fill(ASSET)
    page.get_by_label("Votre jeton d’API").fill(TOKEN)
    assert page.get_by_text("Paramètres du compte → Sécurité → Clé API").count() == 1
    assert _fits(page)
    page.screenshot(path="/tmp/syncui-connect-fr-390.png", full_page=True)
    page.get_by_role("button", name="Connecter", exact=True).click()
    page.get_by_role("button", name="Récupérer maintenant").wait_for()
    sync = PartnerSync.objects.get()
    assert page.url.split("#")[0] == f"{live_server.url}/consultations/syncs/{sync.pk}/"
    assert TOKEN not in page.content()
    assert page.get_by_text("conservé chiffré ; jamais affiché").count() == 1
    page.get_by_role("button", name="Récupérer maintenant").click()
    page.get_by_text("1 soumission attend une correction à la source").wait_for()
    issue = SyncRowIssue.objects.get()
    assert page.get_by_text(issue.submission_key).count() == 1
    assert "le champ obligatoire « story » est vide" in page.inner_text("main")
    assert _fits(page)
    page.screenshot(path="/tmp/syncui-queue-fr-390.png", full_page=True)

    # The partner fills the story in Kobo and pulls again: the queue empties.
    _KoboServer.results = [
        _kobo_result(1, "Le dispensaire a fermé.", "women"),
        _kobo_result(3, "Le bus ne passe plus.", "women"),
    ]
    page.get_by_role("button", name="Récupérer maintenant").click()
    page.get_by_text("0 soumission attend une correction à la source").wait_for()
    assert page.get_by_text("corrigée le").count() == 1
    assert page.get_by_text("2 nouveaux récits attendent que vous les importiez").count() == 1
    assert _fits(page)
    page.screenshot(path="/tmp/syncui-fixed-fr-390.png", full_page=True)

    page.goto(f"{live_server.url}/consultations/campaigns/{objs.campaign.pk}/syncs/")
    assert _fits(page)
    page.screenshot(path="/tmp/syncui-list-fr-390.png", full_page=True)

    page.get_by_role("link", name="KoboToolbox · aSAvYreNzVEkrWg5Gdcvg").click()
    page.get_by_role("link", name="Déconnecter", exact=True).click()
    assert _fits(page)
    page.screenshot(path="/tmp/syncui-disconnect-fr-390.png", full_page=True)
    page.get_by_label("Déconnecter ce formulaire").check()
    page.get_by_role("button", name="Déconnecter", exact=True).click()
    page.get_by_text("Aucun formulaire n’est encore connecté.").wait_for()
    assert not PartnerSync.objects.exists()
    context.close()
