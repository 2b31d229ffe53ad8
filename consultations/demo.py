"""Demo community voice for `make run`: one open campaign in Demoland with an instrument,
300 approved stories from two partners with varied self-identification, and focus groups.
All stories are synthetic, assembled from sentence templates. Idempotent."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from accounts.demo import DEMO_COUNTRY
from accounts.models import Organisation, Role, User
from taxonomy.models import Factor, PopulationGroup, SDGTarget

from . import services
from .models import Campaign, FocusGroup, FocusGroupTheme, Instrument, Quote, Signifier, Theme

CONSENT = (
    "We collect stories to understand who is left behind in Demoland and why. Your story is "
    "kept by the UN Resident Coordinator Office and the partner who records it, for three "
    "years. It is read by a small team and used, without your name, in the UN's analysis. "
    "You may skip any question and withdraw your story at any time with your receipt code."
)
GROUPS = [
    "Women & girls",
    "Persons with disabilities",
    "Persons living in rural areas",
    "Indigenous peoples",
    "Youth & juveniles",
    "Older persons",
    "Migrants",
    "Persons living in poverty",
]
OPENINGS = [
    "Last year I needed to see a doctor",
    "When my daughter started school",
    "After the floods destroyed our field",
    "When I went to register my child's birth",
    "I tried to get a job at the market",
    "When the clinic moved to the district town",
    "My neighbour helped me apply for the cash transfer",
    "When the bus stopped coming",
]
MIDDLES = [
    "but the office asked for papers I did not have",
    "and nobody spoke my language there",
    "and the building had no ramp for my wheelchair",
    "but it cost more than we earn in a week",
    "and the women's group explained my rights to me",
    "and the teacher came to our house",
    "but they told me to come back another day, again and again",
    "and the community leader spoke for us",
]
ENDINGS = [
    "In the end I gave up.",
    "Now things are a little better.",
    "We still wait for an answer.",
    "My family helped me through it.",
    "I learnt that we can claim what is ours.",
    "It made me feel invisible.",
]
ABOUT_TARGETS = {
    "health": "3.8",
    "education": "4.1",
    "work": "8.5",
    "documents": "16.9",
    "safety": "16.1",
}
THEMES = [
    "Access to health care",
    "Civil registration",
    "Accessibility",
    "Language barriers",
    "Cost of services",
    "Disaster recovery",
    "Decent work",
]


def _choices(rng: random.Random, items, k_max: int):
    return rng.sample(items, rng.randint(0, k_max))


@transaction.atomic
def seed() -> str:
    if Campaign.objects.filter(country=DEMO_COUNTRY).exists():
        return "consultation demo data already loaded"
    rng = random.Random(2026)
    rco = User.objects.filter(memberships__role=Role.RCO_STAFF).order_by("pk").first()
    partners = list(
        Organisation.objects.filter(country=DEMO_COUNTRY, kind__in=["cso", "opd"]).order_by("pk")
    )
    groups = {g.name: g for g in PopulationGroup.objects.filter(name__in=GROUPS)}
    campaign = Campaign(
        title="Voices of Demoland 2026",
        purpose="Tell us about a time when you or your family could not get something you "
        "needed — a service, a right, a chance — so that the UN and the government can act.",
        country=DEMO_COUNTRY,
        location_level=Campaign.LocationLevel.REGION,
        locations="Capital\nCentral Plains\nEastern Coast\nNorthern Highlands\n"
        "Southern Delta\nWestern Mountains",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 12, 31),
        languages=["en", "fr"],
        status=Campaign.Status.OPEN,
        public_link_enabled=True,
    )
    services.campaign_save(
        campaign=campaign,
        consent_text=CONSENT,
        user=rco,
        target_groups=list(groups.values()),
        partners=partners,
    )
    instrument = Instrument.objects.create(
        campaign=campaign,
        name="Micro-narrative 2026",
        ask_washington_group=True,
        prompt={
            "en": "Tell us about a time when you could not get something you needed.",
            "fr": "Racontez-nous une fois où vous n'avez pas pu obtenir ce dont vous aviez besoin.",
        },
    )
    instrument.group_choices.set(groups.values())
    Signifier.objects.create(
        instrument=instrument,
        order=1,
        key="who_helped",
        kind="triad",
        question={
            "en": "In your story, who made the biggest difference?",
            "fr": "Dans votre histoire, qui a fait la plus grande différence ?",
        },
        labels=[
            {"en": "Family and community", "fr": "Famille et communauté"},
            {"en": "Government services", "fr": "Services publics"},
            {"en": "Myself", "fr": "Moi-même"},
        ],
    )
    Signifier.objects.create(
        instrument=instrument,
        order=2,
        key="outcome",
        kind="dyad",
        question={"en": "How did things turn out?", "fr": "Comment les choses ont-elles tourné ?"},
        labels=[{"en": "Much worse", "fr": "Bien pire"}, {"en": "Much better", "fr": "Bien mieux"}],
    )
    Signifier.objects.create(
        instrument=instrument,
        order=3,
        key="about",
        kind="single",
        allow_other=True,
        question={
            "en": "What was your story mostly about?",
            "fr": "De quoi parlait surtout votre histoire ?",
        },
        labels=[
            {"value": v, "label": {"en": v.capitalize()}}
            for v in ("health", "education", "work", "documents", "safety")
        ],
    )
    themes = [Theme.objects.get_or_create(name=name)[0] for name in THEMES]
    factors = list(Factor.objects.all())
    targets = {t.code: t for t in SDGTarget.objects.filter(code__in=ABOUT_TARGETS.values())}
    consent_text = campaign.current_consent
    regions = campaign.location_choices()
    for i in range(300):
        own = rng.sample(list(groups.values()), rng.randint(0, 3))
        disadvantaged = any(
            g.name
            in ("Persons with disabilities", "Indigenous peoples", "Persons living in rural areas")
            for g in own
        )
        government = rng.uniform(0.05, 0.35 if disadvantaged else 0.7)
        family = rng.uniform(0.1, 0.8)
        triad = services_triad(family, government, rng.uniform(0.05, 0.6))
        story = f"{rng.choice(OPENINGS)}, {rng.choice(MIDDLES)}. {rng.choice(ENDINGS)}"
        narrative, _code = services.narrative_submit(
            instrument=instrument,
            values={
                "title": story.split(",")[0][:80],
                "story": story,
                "language": rng.choice(["en", "en", "fr"]),
                "location": rng.choice(regions),
                "age_band": rng.choice(["18_24", "25_34", "35_49", "50_64", "65_plus"]),
                "sex": rng.choice(["female", "female", "male", "other", "prefer_not"]),
                "groups_prefer_not": not own and rng.random() < 0.3,
                "answers": {
                    "who_helped": list(triad),
                    "outcome": round(rng.betavariate(2, 4 if disadvantaged else 2), 3),
                    "about": rng.choice(["health", "education", "work", "documents", "safety"]),
                },
                "washington_group": {
                    "walking": rng.choice(
                        ["no_difficulty", "no_difficulty", "some_difficulty", "a_lot_of_difficulty"]
                    )
                },
            },
            consent={
                "given": True,
                "how": "verbal",
                "text": consent_text,
                "quotation": rng.random() < 0.7,
                "publication": rng.random() < 0.3,
            },
            channel="form",
            organisation=partners[i % len(partners)],
            user=None,
            groups=own,
        )
        narrative.review_status = "approved" if i % 10 else "pending"
        narrative.save(update_fields=["review_status"])
        narrative.themes.set(_choices(rng, themes, 2))
        narrative.factors.set(_choices(rng, factors, 2))
        target = targets.get(ABOUT_TARGETS[narrative.answers["about"]])
        if target:
            narrative.sdg_targets.set([target])
    for j, place in enumerate(regions[:4]):
        record = FocusGroup.objects.create(
            campaign=campaign,
            organisation=partners[j % len(partners)],
            recorded_by=rco,
            held_on=datetime.date(2026, 5, 10 + j),
            place=place,
            languages="Demolandic, French",
            interpretation="community interpreter",
            accommodations=["accessible_venue", "transport"],
            participants={
                "sex": {"female": 7, "male": 4, "other": 0},
                "age": {"under_18": 0, "18_34": 5, "35_64": 4, "65_plus": 2},
                "disability": {"with": 3},
            },
            consent_obtained="Verbal consent, read aloud by the facilitator before starting.",
            questions="What stops people here from getting health care? Who helps?",
            feedback="Summary shared back at the village meeting in June.",
            consent_text=consent_text,
            consent_how="verbal",
            consent_date=datetime.date(2026, 5, 10 + j),
            use_quotation=True,
            retain_until=datetime.date(2029, 5, 10),
            review_status="approved",
        )
        record.groups.set(rng.sample(list(groups.values()), 3))
        theme = FocusGroupTheme.objects.create(
            focus_group=record, summary="Distance and cost keep people from the clinic"
        )
        theme.factors.set([f for f in factors if f.code in ("geography", "socio_economic_status")])
        Quote.objects.create(
            focus_group=record,
            text="The clinic is a day's walk; we go only when it is too late.",
            speaker_group="an older woman from a rural village",
        )
    return "1 campaign, 300 stories (270 approved), 4 focus groups"


def services_triad(a: float, b: float, c: float) -> tuple[float, float, float]:
    from .signifiers import normalise_triad

    return normalise_triad(a, b, c)
