"""The writes that lived in consultations views go through services: the views call them,
and the behaviour a person sees is the services' (focus-group record, story tags, the
public form's consent and idempotency)."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import AuditEvent
from consultations import services
from consultations.models import FocusGroup, Narrative, Theme

from .factories import consultation_objects


@pytest.fixture
def objs(people, vocabularies):
    return consultation_objects(people)


def _spy(monkeypatch, name):
    calls = []
    real = getattr(services, name)

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, name, spy)
    return calls


def test_a_focus_group_record_is_stored_by_the_service(objs, people, client_for, monkeypatch):
    calls = _spy(monkeypatch, "focus_group_record")
    response = client_for("partner_own").post(
        reverse("consultations:focus_group_new", args=[objs.campaign.pk]),
        {
            "held_on": "2026-06-02",
            "place": "South",
            "languages": "en",
            "women": 7,
            "men": 3,
            "other_sex": 0,
            "age_under_18": 0,
            "age_18_34": 6,
            "age_35_64": 4,
            "age_65_plus": 0,
            "with_disability": 2,
            "consent_how": "written",
            "use_quotation": "on",
            "consent_obtained": "Read aloud by the facilitator, signed sheets.",
            "questions": "What stops you reaching the clinic?",
            "themes_text": "Transport costs | geography | 3.8",
            "quotes_text": "The bus costs a day's wage | a young mother",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(calls) == 1
    record = FocusGroup.objects.get(place="South")
    assert record.organisation == people.partner_org and record.recorded_by == people.partner_own
    assert record.consent_text == objs.campaign.current_consent
    assert (record.consent_how, record.consent_date) == ("written", datetime.date(2026, 6, 2))
    assert record.use_quotation and not record.use_publication
    assert record.retain_until == datetime.date(2026, 6, 2) + datetime.timedelta(
        days=objs.campaign.retention_days
    )
    assert record.participants["sex"] == {"female": 7, "male": 3, "other": 0}
    theme = record.themes.get()
    assert theme.summary == "Transport costs"
    assert [t.code for t in theme.sdg_targets.all()] == ["3.8"]
    quote = record.quotes.get()
    assert (quote.text, quote.speaker_group) == ("The bus costs a day's wage", "a young mother")


def test_story_tags_are_saved_by_the_service(objs, client_for, monkeypatch):
    calls = _spy(monkeypatch, "narrative_tag")
    rco = client_for("rco")
    url = reverse("consultations:narrative_tag", args=[objs.narrative.pk])
    rco.post(url, {"themes": "Transport, Health costs, Transport", "sdg_targets": "3.8"})
    assert len(calls) == 1
    story = Narrative.objects.get(pk=objs.narrative.pk)
    assert sorted(t.name for t in story.themes.all()) == ["Health costs", "Transport"]
    assert [t.code for t in story.sdg_targets.all()] == ["3.8"]
    # A rejected form (unknown target) creates no theme.
    rco.post(url, {"themes": "Never saved", "sdg_targets": "99.9"})
    assert not Theme.objects.filter(name="Never saved").exists()
    event = AuditEvent.objects.filter(summary=f"story {story.pk} tagged").get()
    assert "Transport" not in str(event.data)


def test_the_public_form_stores_a_story_once_with_its_consent(objs, client, monkeypatch):
    calls = _spy(monkeypatch, "narrative_submit_once")
    cache.clear()
    url = reverse("consultations:public_tell", args=[objs.campaign.public_token])
    form = {
        "story": "The clinic asked for a fee I could not pay.",
        "consent": "on",
        "use_publication": "on",
        "submission_token": "t" * 32,
    }
    first = client.post(url, form)
    assert first.status_code == 200 and "receipt" in first.content.decode().lower()
    story = Narrative.objects.get(story=form["story"])
    assert story.channel == "public" and story.consent_how == "self"
    assert story.use_analysis and story.use_publication and not story.use_quotation
    assert story.consent_text == objs.campaign.current_consent
    # The same form sent again (a double tap, a re-sent page) is not stored twice.
    again = client.post(url, form, follow=True)
    assert "not saved twice" in again.content.decode()
    assert Narrative.objects.filter(story=form["story"]).count() == 1
    assert len(calls) == 2


def test_a_rejected_story_frees_its_token(objs, monkeypatch):
    cache.clear()
    objs.campaign.status = "closed"
    objs.campaign.save()
    with pytest.raises(Exception, match="not open"):
        services.narrative_submit_once(
            token="r" * 32,
            instrument=objs.instrument,
            values={"story": "Told while closed."},
            form_consent={"consent": True},
            channel="public",
        )
    objs.campaign.status = "open"
    objs.campaign.save()
    story, _code = services.narrative_submit_once(
        token="r" * 32,
        instrument=objs.instrument,
        values={"story": "Told when open."},
        form_consent={"consent": True},
        channel="public",
    )
    assert story.pk and story.consent_how == "self"


def test_an_instrument_is_saved_by_the_service(objs, client_for, monkeypatch):
    from consultations.models import Instrument
    from taxonomy.models import PopulationGroup

    calls = _spy(monkeypatch, "instrument_save")
    objs.campaign.languages = ["en", "es"]
    objs.campaign.save()
    group = PopulationGroup.objects.order_by("name").first()
    response = client_for("rco").post(
        reverse("consultations:instrument_create", args=[objs.campaign.pk]),
        {
            "name": "Water points",
            "prompt_en": "Tell us about fetching water.",
            "prompt_es": "Cuéntenos cómo consigue el agua.",
            "ask_groups": "on",
            "group_choices": [group.pk],
        },
    )
    assert response.status_code == 302 and len(calls) == 1
    instrument = Instrument.objects.get(name="Water points")
    assert instrument.prompt_text("es") == "Cuéntenos cómo consigue el agua."
    assert list(instrument.group_choices.all()) == [group]
    assert instrument.ask_groups and not instrument.ask_age
