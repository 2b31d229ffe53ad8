"""Consultation objects for tests: an open campaign that invites the `people` partner."""

import datetime
from dataclasses import dataclass

from consultations import services
from consultations.models import Campaign, FocusGroup, Instrument, Narrative, Signifier


@dataclass
class ConsultationObjects:
    campaign: Campaign
    instrument: Instrument
    narrative: Narrative  # the partner's own, waiting for review
    focus_group: FocusGroup
    receipt: str


def consultation_objects(people) -> ConsultationObjects:
    """Created once per test and cached on the People fixture."""
    cached = getattr(people, "_consultations", None)
    if cached:
        return cached
    campaign = Campaign(
        title="Voices",
        purpose="Tell us",
        country="Demoland",
        # Open today whenever the tests run (stories are refused outside the dates).
        starts_on=datetime.date.today() - datetime.timedelta(days=200),
        ends_on=datetime.date.today() + datetime.timedelta(days=200),
        languages=["en"],
        status=Campaign.Status.OPEN,
        public_link_enabled=True,
        location_level=Campaign.LocationLevel.REGION,
        locations="North\nSouth",
    )
    services.campaign_save(
        campaign=campaign,
        consent_text="We keep your story safely.",
        user=people.rco,
        partners=[people.partner_org],
    )
    instrument = Instrument.objects.create(
        campaign=campaign, name="Stories", prompt={"en": "Tell us about a time…"}
    )
    Signifier.objects.create(
        instrument=instrument,
        key="who",
        kind="triad",
        order=1,
        question={"en": "Who helped?"},
        labels=[{"en": "Family"}, {"en": "State"}, {"en": "Myself"}],
    )
    Signifier.objects.create(
        instrument=instrument,
        key="outcome",
        kind="dyad",
        order=2,
        question={"en": "Outcome"},
        labels=[{"en": "Worse"}, {"en": "Better"}],
    )
    narrative, receipt = services.narrative_submit(
        instrument=instrument,
        values={
            "story": "Call me on +44 7700 900123 about the clinic.",
            "answers": {"who": [0.7, 0.2, 0.1], "outcome": 0.3},
        },
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=people.partner_org,
        user=people.partner_own,
    )
    focus_group = FocusGroup.objects.create(
        campaign=campaign,
        organisation=people.partner_org,
        held_on=datetime.date(2026, 5, 1),
        place="North",
        languages="en",
        participants={"sex": {"female": 6}},
        consent_obtained="verbal",
        questions="What helps?",
        consent_text=campaign.current_consent,
        consent_how="verbal",
        consent_date=datetime.date(2026, 5, 1),
        retain_until=datetime.date(2029, 5, 1),
    )
    people._consultations = ConsultationObjects(
        campaign, instrument, narrative, focus_group, receipt
    )
    return people._consultations
