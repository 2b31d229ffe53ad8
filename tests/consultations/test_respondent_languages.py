"""Issue 13, the respondent's side: every text in every campaign language, consent recorded
with its version and language, the form's error summary and fieldsets, the triad 0/0/0, and
the campaign's dates (a friendly page when its link is not open)."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultations import services
from consultations.models import Campaign, Narrative
from demo import consultations as demo
from taxonomy.models import PopulationGroup

from .factories import consultation_objects

TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The public form allows 20 stories an hour per address; each test starts afresh."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def trilingual(people, vocabularies):
    groups = list(
        PopulationGroup.objects.filter(name__in=["Persons with disabilities", "Migrants"])
    )
    campaign, instrument = demo.trilingual_campaign_build(
        rco=people.rco, partners=[people.partner_org], groups=groups
    )
    return campaign, instrument


def public_url(campaign, **query):
    url = reverse("consultations:public_tell", args=[campaign.public_token])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


class Elements(HTMLParser):
    """The start tags of a page with their attributes and the text each one directly holds."""

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[dict] = []
        self.items: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        item = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": list(self.stack)}
        self.items.append(item)
        if tag not in ("input", "br", "meta", "link", "img"):
            self.stack.append(item)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for item in self.stack:
            item["text"] += data


# --- every text in every language ---------------------------------------------------------


def test_the_demo_campaign_has_every_text_in_english_french_and_spanish(trilingual):
    campaign, instrument = trilingual
    assert campaign.status == Campaign.Status.OPEN
    assert services.campaign_missing_translations(campaign) == []
    assert {c.language for c in campaign.consent_texts.all()} == {"en", "fr", "es"}
    assert "Démoland" in campaign.consent_for("fr").text
    assert "Demolandia" in campaign.consent_for("es").text


def test_seeded_groups_have_french_and_spanish_names(vocabularies):
    group = PopulationGroup.objects.get(name="Persons with disabilities")
    assert group.name_in("fr") == "Personnes handicapées"
    assert group.name_in("es") == "Personas con discapacidad"
    assert PopulationGroup.objects.get(name="Women & girls").name_in("es") == "Mujeres y niñas"


def test_a_campaign_cannot_open_while_a_language_lacks_a_text(trilingual):
    campaign, instrument = trilingual
    campaign.purpose_translations = {
        k: v for k, v in campaign.purpose_translations.items() if k != "fr"
    }
    signifier = instrument.signifiers.get(key="outcome")
    signifier.question = {"en": "How did it end?", "fr": "Comment cela a fini ?"}
    signifier.save()
    untranslated = PopulationGroup.objects.create(name="Boat people", slug="boat-people")
    instrument.group_choices.add(untranslated)
    campaign.consent_texts.filter(language="es").delete()

    with pytest.raises(ValidationError) as error:
        services.campaign_save(campaign=campaign, user=None)
    message = " ".join(error.value.messages)
    assert "cannot open" in message
    for missing in (
        "French: purpose",
        "Spanish: consent text",
        "Spanish: question “outcome”",
        "French: group “Boat people”",
        "Spanish: group “Boat people”",
    ):
        assert missing in message
    assert "English:" not in message
    campaign.refresh_from_db()
    assert "fr" in campaign.purpose_translations  # nothing was saved

    campaign.status = Campaign.Status.DRAFT
    services.campaign_save(campaign=campaign, user=None)  # a draft may be incomplete


def test_the_public_form_is_french_from_top_to_bottom(trilingual, client):
    campaign, instrument = trilingual
    html = client.get(public_url(campaign), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in html
    for french in (
        "Partagez votre histoire",
        "Racontez-nous une fois où vous-même",  # purpose
        "Nous recueillons des témoignages",  # consent
        "Racontez-nous une fois où vous n&#x27;avez pas pu",  # prompt
        "qui a fait la plus grande différence",
        "Famille et communauté",
        "Bien pire",
        "Papiers d&#x27;identité et documents",
        "Personnes handicapées",
        "Envoyer mon histoire",
    ):
        assert french in html, french
    for english in ("Family and community", "We collect stories", "Persons with disabilities"):
        assert english not in html
    # The other languages are offered, each marked with its own language.
    assert 'lang="es" hreflang="es">español<' in html
    assert 'lang="en" hreflang="en">English<' in html
    # The portal's language menu then decides: it returns to the link without ?lang=.
    spanish_link = client.get(public_url(campaign, lang="es")).content.decode()
    assert f'name="next" type="hidden" value="{public_url(campaign)}"' in spanish_link
    client.post(reverse("set_language"), {"language": "en", "next": public_url(campaign)})
    assert '<html lang="en">' in client.get(public_url(campaign)).content.decode()
    # The places are one list in the campaign's first language, and say so.
    assert '<option value="Central Plains" lang="en">Central Plains</option>' in html
    spanish = client.get(public_url(campaign, lang="es")).content.decode()
    assert '<html lang="es">' in spanish and "Recogemos historias" in spanish


def test_a_text_missing_in_the_language_is_marked_with_its_own_language(trilingual, client):
    campaign, instrument = trilingual
    group = PopulationGroup.objects.get(name="Migrants")
    group.labels = {"es": "Migrantes"}  # the French name was removed after the campaign opened
    group.save()
    html = client.get(public_url(campaign, lang="fr")).content.decode()
    assert '<span lang="en">Migrants</span>' in html


def french_post(client, campaign, **values):
    page = client.get(public_url(campaign, lang="fr")).content.decode()
    return {
        "submission_token": hidden(page, "submission_token"),
        "consent_version": hidden(page, "consent_version"),
        "story": "Le centre de santé a fermé et nous marchons jusqu'en ville.",
        "consent": "on",
        **values,
    }


def test_a_story_records_the_consent_version_and_language_it_agreed_to(trilingual, client):
    campaign, instrument = trilingual
    data = french_post(client, campaign, sig_who_helped_0="20", sig_who_helped_1="30")
    # The French consent changes while the respondent is writing: the story keeps what they read.
    services.campaign_save(
        campaign=campaign,
        user=None,
        consent_texts={"fr": campaign.consent_for("fr").text + " Nouvelle phrase."},
    )
    assert campaign.consent_for("fr").version == 2
    response = client.post(public_url(campaign, lang="fr"), data)
    html = response.content.decode()
    assert '<html lang="fr">' in html and "Votre code de reçu" in html
    story = Narrative.objects.get(story__startswith="Le centre de santé")
    assert story.language == "fr"
    assert (story.consent_text.language, story.consent_text.version) == ("fr", 1)
    assert story.answers["who_helped"] == pytest.approx([0.4, 0.6, 0.0])
    # The receipt sends the teller to the withdrawal page in their language.
    assert f"{reverse('consultations:withdraw')}?lang=fr" in html
    code = re.search(r"<strong>([A-Z0-9-]{14})</strong>", html).group(1)
    withdraw = client.get(reverse("consultations:withdraw") + "?lang=fr").content.decode()
    assert '<html lang="fr">' in withdraw and "Retirer votre histoire" in withdraw
    done = client.post(reverse("consultations:withdraw") + "?lang=fr", {"code": code})
    assert '<html lang="fr">' in done.content.decode()
    assert not Narrative.objects.filter(pk=story.pk).exists()


# --- form quality -------------------------------------------------------------------------


def test_errors_are_summarised_at_the_top_with_links_and_answers_are_kept(trilingual, client):
    campaign, instrument = trilingual
    data = french_post(client, campaign, sig_who_helped_0="0", sig_who_helped_1="0")
    data.pop("consent")
    data["sig_outcome"] = "140"
    response = client.post(public_url(campaign, lang="fr"), data)
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[
        html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))
    ]
    assert "3 problèmes" in summary
    # One link per field with an error, in the order of the form, to the control itself.
    anchors = re.findall(r'href="#([^"]+)"', summary)
    assert anchors == ["id_sig_who_helped_0", "id_sig_outcome", "id_consent"]
    for anchor in anchors:
        assert f'id="{anchor}"' in html
    # 0/0/0 is explained, not dropped.
    assert "Vous avez donné 0 à chaque sommet" in summary
    # What was typed is still there.
    assert "Le centre de santé a fermé et nous marchons jusqu&#x27;en ville." in html
    assert 'name="sig_outcome" value="140"' in html
    assert not Narrative.objects.filter(story__startswith="Le centre").exists()


def test_a_triad_left_empty_or_not_applicable_is_not_an_error(trilingual, client):
    campaign, instrument = trilingual
    client.post(
        public_url(campaign, lang="fr"), french_post(client, campaign, sig_who_helped_na="on")
    )
    story = Narrative.objects.get(story__startswith="Le centre de santé")
    assert story.answers["who_helped"] is None


def test_multiple_choice_and_groups_are_fieldsets_with_a_legend(trilingual, client):
    campaign, instrument = trilingual
    html = client.get(public_url(campaign, lang="fr")).content.decode()
    elements = Elements(html).items
    for name, legend in (
        ("sig_barriers", "Qu'est-ce qui vous a fait obstacle"),
        ("groups", "À quels groupes vous identifiez-vous"),
    ):
        boxes = [e for e in elements if e["tag"] == "input" and e["attrs"].get("name") == name]
        assert len(boxes) >= 2
        for box in boxes:
            fieldset = [p for p in box["parents"] if p["tag"] == "fieldset"][-1]
            legends = [e for e in elements if e["tag"] == "legend" and fieldset in e["parents"]]
            assert legends and legends[0]["text"].strip().startswith(legend), legends
    # No label tied to no control (the old single-checkbox branch wrote one).
    ids = {e["attrs"].get("id") for e in elements}
    orphans = [e for e in elements if e["tag"] == "label" and e["attrs"].get("for") not in ids]
    assert orphans == []
    # The enhanced widgets find their fields.
    assert 'data-kind="triad"' in html and 'data-kind="dyad"' in html
    assert 'data-left="Bien pire"' in html and 'data-right="Bien mieux"' in html
    assert "js/signification.js" in html


# --- the campaign's dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [(5, 30, "opens on"), (-30, -1, "closed on")],
)
def test_no_story_outside_the_campaign_dates(people, vocabularies, starts, ends, message):
    objs = consultation_objects(people)
    campaign = objs.campaign
    campaign.starts_on = TODAY + datetime.timedelta(days=starts)
    campaign.ends_on = TODAY + datetime.timedelta(days=ends)
    campaign.save()
    with pytest.raises(ValidationError, match=message):
        services.narrative_submit(
            instrument=objs.instrument,
            values={"story": "Too early or too late."},
            consent={"given": True, "how": "verbal"},
            channel="form",
            organisation=people.partner_org,
            user=people.partner_own,
        )


def test_a_closed_campaign_link_says_so_in_the_campaign_language(trilingual, client):
    campaign, instrument = trilingual
    campaign.starts_on = TODAY - datetime.timedelta(days=60)
    campaign.ends_on = TODAY - datetime.timedelta(days=2)
    campaign.save()
    response = client.get(public_url(campaign, lang="es"))
    assert response.status_code == 410
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Esta consulta está cerrada" in html
    assert "Cuéntenos una ocasión en la que usted o su familia" in html  # what it was
    assert f"{reverse('consultations:withdraw')}?lang=es" in html
    assert 'name="story"' not in html
    # A closed status closes the link too, even before the end date.
    campaign.ends_on = TODAY + datetime.timedelta(days=10)
    campaign.status = Campaign.Status.CLOSED
    campaign.save()
    assert client.get(public_url(campaign, lang="fr")).status_code == 410


def test_a_campaign_not_open_yet_says_when_it_opens(trilingual, client):
    campaign, instrument = trilingual
    campaign.starts_on = TODAY + datetime.timedelta(days=7)
    campaign.save()
    response = client.get(public_url(campaign, lang="fr"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cette consultation n'est pas encore ouverte" in html
    assert str(campaign.starts_on.year) in html and 'name="story"' not in html
    response = client.post(public_url(campaign, lang="fr"), {"story": "x", "consent": "on"})
    assert not Narrative.objects.filter(story="x").exists()


# --- the staff form -----------------------------------------------------------------------


def test_rco_writes_each_language_and_cannot_open_with_one_missing(
    people, vocabularies, client_for
):
    client = client_for("rco")
    data = {
        "title": "Voix 2027",
        "country": "Demoland",
        "location_level": "region",
        "locations": "",
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + datetime.timedelta(days=60)).isoformat(),
        "languages": ["en", "fr"],
        "retention_days": "1000",
        "status": "open",
        "public_link_enabled": "on",
        "purpose_en": "Tell us what stops you.",
        "consent_en": "We keep your story for three years.",
    }
    response = client.post(reverse("consultations:campaign_create"), data)
    html = response.content.decode()
    assert "French: purpose" in html and "French: consent text" in html
    assert not Campaign.objects.filter(title="Voix 2027").exists()

    data |= {
        "purpose_fr": "Dites-nous ce qui vous en empêche.",
        "consent_fr": "Nous gardons votre histoire trois ans.",
    }
    response = client.post(reverse("consultations:campaign_create"), data)
    assert response.status_code == 302
    campaign = Campaign.objects.get(title="Voix 2027")
    assert campaign.status == "open"
    assert campaign.purpose_translations["fr"] == "Dites-nous ce qui vous en empêche."
    assert [(c.language, c.version) for c in campaign.latest_consents()] == [
        ("en", 1),
        ("fr", 1),
    ]
    # Changing only the French consent makes a new French version; English stays v1.
    edit = reverse("consultations:campaign_edit", args=[campaign.pk])
    client.post(edit, data | {"consent_fr": "Nous gardons votre histoire deux ans."})
    assert [(c.language, c.version) for c in campaign.latest_consents()] == [
        ("en", 1),
        ("fr", 2),
    ]
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert '<p lang="fr">' in page and "deux ans" in page


def test_a_steward_names_a_group_in_french_and_spanish(vocabularies, steward):
    from taxonomy.forms import PopulationGroupForm
    from taxonomy.services import group_save

    group = PopulationGroup.objects.get(name="Migrants")
    form = PopulationGroupForm(
        {"name": "Migrants", "name_fr": "Personnes migrantes", "name_es": ""}, instance=group
    )
    assert form.is_valid(), form.errors
    group_save(form=form, user=steward)
    group.refresh_from_db()
    assert group.name_in("fr") == "Personnes migrantes"
    assert group.name_in("es") == ""  # emptied: a campaign offering it cannot open in Spanish
    # A write that does not send the names (the API) keeps them.
    form = PopulationGroupForm({"name": "Migrants", "description": "x"}, instance=group)
    assert form.is_valid(), form.errors
    group_save(form=form, user=steward)
    group.refresh_from_db()
    assert group.name_in("fr") == "Personnes migrantes"
