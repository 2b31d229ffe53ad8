"""The daily review digest is written in the language of the organisation's own campaign,
found by the campaign itself, not by its title: two campaigns may share a title."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from consultations import services
from consultations.models import Campaign, Instrument, ReviewStatus
from consultations.notifications import review_digest_send

pytestmark = pytest.mark.django_db

TITLE = "Health on the move"


def _campaign(people, language: str, starts_days_ago: int) -> Instrument:
    today = datetime.date.today()
    campaign = Campaign(
        title=TITLE,
        purpose="Tell us",
        country="Demoland",
        starts_on=today - datetime.timedelta(days=starts_days_ago),
        ends_on=today + datetime.timedelta(days=200),
        languages=[language],
        status=Campaign.Status.OPEN,
    )
    services.campaign_save(
        campaign=campaign,
        consent_text="We keep your story safely.",
        user=people.rco,
        partners=[people.partner_org],
    )
    return Instrument.objects.create(
        campaign=campaign, name="Stories", prompt={language: "Racontez / Cuéntenos…"}
    )


def _reviewed_story(people, instrument, status=ReviewStatus.APPROVED):
    narrative, _code = services.narrative_submit(
        instrument=instrument,
        values={"story": "The clinic is far away."},
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=people.partner_org,
        user=people.partner_own,
    )
    services.submission_review(obj=narrative, status=status, note="", user=people.rco)


def test_the_digest_is_in_the_language_of_the_campaign_reviewed(people):
    # The French campaign started later, so it is listed first among campaigns of that title;
    # only the Spanish one had stories reviewed.
    _campaign(people, "fr", starts_days_ago=10)
    spanish = _campaign(people, "es", starts_days_ago=100)
    _reviewed_story(people, spanish)
    _reviewed_story(people, spanish, ReviewStatus.NOT_APPROVED)
    mail.outbox.clear()
    assert review_digest_send(day=timezone.localdate()) == 1
    (message,) = mail.outbox
    assert message.to == [people.partner_own.email]
    assert message.subject.startswith("Resultados de la revisión del ")
    assert f"• {TITLE} — historias: " in message.body
    assert "Résultats" not in message.subject


def test_two_campaigns_of_the_same_title_are_two_lines(people):
    french = _campaign(people, "fr", starts_days_ago=10)
    spanish = _campaign(people, "es", starts_days_ago=100)
    _reviewed_story(people, french)
    _reviewed_story(people, spanish)
    _reviewed_story(people, spanish)
    mail.outbox.clear()
    assert review_digest_send(day=timezone.localdate()) == 1
    body = mail.outbox[0].body
    fr_campaign, es_campaign = french.campaign, spanish.campaign
    # Ordered by title, then by campaign: the French one (created first) sets the language.
    assert mail.outbox[0].subject.startswith("Résultats de l'examen du ")
    assert (
        f"• {TITLE} ({fr_campaign.starts_on} – {fr_campaign.ends_on}) — histoires: Approuvé" in body
    )
    assert f"• {TITLE} ({es_campaign.starts_on} – {es_campaign.ends_on}) — histoires: " in body
    assert ": 2" in body.splitlines()[3] and ": 1" in body.splitlines()[2]
