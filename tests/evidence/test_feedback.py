"""The public "what we heard and what is happening" page of a campaign: only quotes whose
tellers agreed to quotation *and* publication, counts below 5 hidden, in each of the
campaign's languages; drafts stay private; RCO staff of the country write it."""

import datetime
import secrets

import pytest
from django.urls import reverse

from consultations import services as consultation_services
from consultations.models import Campaign, FocusGroup, Instrument, Narrative, Quote, Theme
from evidence.feedback import feedback_save
from evidence.models import CampaignFeedback, Cause, Citation, GroupAction
from taxonomy.models import PopulationGroup

pytestmark = pytest.mark.django_db

PUBLISHABLE = "The bus to the clinic stopped running and nobody asked us."
QUOTE_ONLY = "My neighbour was refused because of her papers."
NOT_QUOTABLE = "I would rather this stayed between us."
FG_PUBLIC = "We walk four hours to the nearest school."
FG_PRIVATE = "The chief decides who gets the aid."


def _story(campaign, instrument, text, *, groups=(), themes=(), quote=False, publish=False):
    story = Narrative.objects.create(
        campaign=campaign,
        instrument=instrument,
        story=text,
        language="en",
        consent_text=campaign.current_consent,
        consent_how="self",
        consent_date=datetime.date(2026, 3, 1),
        use_analysis=True,
        use_quotation=quote,
        use_publication=publish,
        retain_until=datetime.date(2029, 3, 1),
        receipt_hash=secrets.token_hex(32),
        review_status="approved",
    )
    story.groups.set(groups)
    story.themes.set(themes)
    return story


def _focus_group(campaign, quote_text, *, publish):
    record = FocusGroup.objects.create(
        campaign=campaign,
        held_on=datetime.date(2026, 4, 1),
        place="North",
        languages="en",
        participants={"sex": {"female": 7, "male": 5}},
        consent_obtained="verbal",
        questions="What stops you?",
        consent_text=campaign.current_consent,
        consent_how="verbal",
        consent_date=datetime.date(2026, 4, 1),
        retain_until=datetime.date(2029, 4, 1),
        review_status="approved",
        use_quotation=True,
        use_publication=publish,
    )
    return Quote.objects.create(focus_group=record, text=quote_text, speaker_group="older women")


@pytest.fixture
def heard(people, vocabularies):
    campaign = Campaign(
        title="Health on the move",
        purpose="Tell us",
        country="Demoland",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 6, 30),
        languages=["en", "fr", "es"],
        status=Campaign.Status.CLOSED,
    )
    consultation_services.campaign_save(
        campaign=campaign, consent_text="We keep it safe.", user=people.rco, partners=[]
    )
    instrument = Instrument.objects.create(campaign=campaign, name="Stories", prompt={"en": "?"})
    migrants = PopulationGroup.objects.get(slug="migrants")
    older = PopulationGroup.objects.get(slug="older-persons")
    transport, papers = Theme.objects.create(name="Transport"), Theme.objects.create(name="Papers")
    stories = [
        _story(
            campaign,
            instrument,
            PUBLISHABLE,
            groups=[migrants],
            themes=[transport],
            quote=True,
            publish=True,
        ),
        _story(campaign, instrument, QUOTE_ONLY, groups=[migrants], themes=[papers], quote=True),
        _story(campaign, instrument, NOT_QUOTABLE, groups=[migrants, older], themes=[transport]),
    ]
    for i in range(3):
        stories.append(
            _story(campaign, instrument, f"Story {i}", groups=[migrants], themes=[transport])
        )
    _focus_group(campaign, FG_PUBLIC, publish=True)
    private_quote = _focus_group(campaign, FG_PRIVATE, publish=False)
    cause = Cause.objects.create(group=migrants, country="Demoland", level="root", text="No bus")
    Citation.objects.create(cause=cause, narrative=stories[2])
    action = GroupAction.objects.create(
        group=migrants,
        country="Demoland",
        title="Restore the clinic bus line",
        kind="services",
        owner="Ministry of Transport",
        status="in_progress",
        ends_on=datetime.date(2026, 12, 1),
    )
    action.causes.add(cause)
    other_cause = Cause.objects.create(group=older, country="Demoland", level="root", text="X")
    Citation.objects.create(cause=other_cause, quote=private_quote)
    unrelated = GroupAction.objects.create(
        group=older, country="Demoland", title="Unrelated census work", kind="services", owner="NSO"
    )
    unrelated.causes.add(
        Cause.objects.create(group=older, country="Demoland", level="root", text="Y")
    )
    texts = {
        "en": ("We heard about buses.", "The ministry is acting."),
        "fr": ("Nous avons entendu parler des bus.", "Le ministère agit."),
        "es": ("Escuchamos sobre los autobuses.", "El ministerio actúa."),
    }
    for language, (what, happening) in texts.items():
        feedback_save(
            campaign=campaign,
            language=language,
            values={
                "heard": what,
                "happening": happening,
                "easy_read": "We listened.\nWe are acting.",
                "next_update": datetime.date(2026, 9, 15),
                "status": "published",
            },
            user=people.rco,
        )
    return campaign


def _get(client, campaign, version="full", lang="en"):
    return client.get(reverse(f"feedback:{version}", args=[campaign.pk]), {"lang": lang})


@pytest.mark.parametrize(
    ("lang", "own_words", "title"),
    [
        ("en", "We heard about buses.", "What we heard and what is happening"),
        (
            "fr",
            "Nous avons entendu parler des bus.",
            "Ce que nous avons entendu et ce qui se passe",
        ),
        ("es", "Escuchamos sobre los autobuses.", "Lo que escuchamos y lo que está pasando"),
    ],
)
def test_each_language_shows_only_publishable_quotes_and_suppressed_counts(
    client, heard, lang, own_words, title
):
    response = _get(client, heard, lang=lang)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html and title in html and own_words in html
    assert PUBLISHABLE in html and FG_PUBLIC in html
    for hidden in (QUOTE_ONLY, NOT_QUOTABLE, FG_PRIVATE):
        assert hidden not in html
    table = html[html.index("<caption>") :]
    # Six stories: 5 say "Transport" (shown), 1 says "Papers" (hidden); the "older persons"
    # cell has one story and the total of six is shown.
    fewer = {"en": "fewer than 5", "fr": "moins de 5", "es": "menos de 5"}[lang]
    rows = {"Transport": "<td>5</td>", "Papers": f"<td>{fewer}</td>"}
    for theme, cell in rows.items():
        assert f'<th scope="row">{theme}</th>{cell}' in table
    # Group names in the page's language (the vocabulary's translations).
    older = PopulationGroup.objects.get(slug="older-persons")
    older_name = older.name_in(lang) or older.name
    assert lang == "en" or older_name != older.name  # fr/es names are seeded
    assert f"{older_name}</th><td>" in table
    assert f"{older_name}</th><td>1<" not in table and "<td>6</td>" in table
    assert "Restore the clinic bus line" in html and "Unrelated census work" not in html
    status = {"en": "In progress", "fr": "En cours", "es": "En curso"}[lang]
    assert f"<strong>{status}</strong>" in html


def test_easy_read_and_large_print_carry_the_same_facts(client, heard):
    easy = _get(client, heard, "easy").content.decode()
    assert "<li>We listened.</li>" in easy and "Restore the clinic bus line" in easy
    assert "<li>6 people told us their story.</li>" in easy
    printed = _get(client, heard, "print", "fr").content.decode()
    assert 'class="large-print"' in printed and PUBLISHABLE in printed
    assert QUOTE_ONLY not in printed


def test_a_draft_is_seen_by_its_writers_only(client, heard, people):
    page = CampaignFeedback.objects.get(campaign=heard, language="es")
    feedback_save(campaign=heard, language="es", values={"status": "draft"}, user=people.rco)
    page.refresh_from_db()
    assert page.published_at is None
    anonymous = _get(client, heard, lang="es")
    assert "Escuchamos" not in anonymous.content.decode()
    assert anonymous["Content-Language"] == "en"  # the first published language instead
    client.force_login(people.rco)
    assert "Escuchamos" in _get(client, heard, lang="es").content.decode()


def test_only_rco_staff_of_the_country_write_it(client, heard, people):
    url = reverse("feedback:edit", args=[heard.pk])
    client.force_login(people.unct)
    assert client.get(url).status_code == 404
    client.force_login(people.foreign_rco)
    assert client.post(url, {"lang": "en", "heard": "x", "happening": "y"}).status_code == 404
    client.force_login(people.rco)
    response = client.post(
        url,
        {"lang": "fr", "heard": "Changé", "happening": "Rien", "status": "published"},
    )
    assert response.status_code == 302
    assert CampaignFeedback.objects.get(campaign=heard, language="fr").heard == "Changé"
    assert client.post(url, {"lang": "fr", "heard": ""}).status_code == 400


def test_the_receipt_links_to_the_page(client, people):
    from tests.consultations.factories import consultation_objects

    campaign = consultation_objects(people).campaign
    url = reverse("consultations:public_tell", args=[campaign.public_token])
    from tests.consultations.test_consultations import form_data

    data = form_data(client, url)
    data.pop("consent_how")
    response = client.post(url, data)
    assert "receipt code" in response.content.decode()
    html = response.content.decode()
    assert reverse("feedback:full", args=[campaign.pk]) + "?lang=en" in html


def test_draft_campaigns_have_no_public_page(client, heard):
    heard.status = Campaign.Status.DRAFT
    heard.save()
    assert _get(client, heard).status_code == 404


def test_publishing_and_withdrawing_a_page_is_in_the_audit_log(heard, people):
    """A page shown to the public is a write of the RCO: who published or withdrew it, and
    when, is recorded (never the page's words)."""
    from accounts.models import AuditEvent

    page = feedback_save(campaign=heard, language="es", values={"status": "draft"}, user=people.rco)
    events = AuditEvent.objects.filter(
        target_type="evidence.campaignfeedback", target_id=str(page.pk)
    ).order_by("pk")
    assert events.exists()
    latest = events.last()
    assert latest.actor == people.rco and latest.action == AuditEvent.Action.CHANGE
    assert "es" in latest.summary and "draft" in latest.summary.lower()
    assert "autobuses" not in str(latest.data) + latest.summary
