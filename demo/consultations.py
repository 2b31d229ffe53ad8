"""Demo community voice for `make run`: one open campaign in Demoland with an instrument,
300 approved stories from two partners with varied self-identification, and focus groups.
All stories are synthetic, assembled from sentence templates. Idempotent."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from accounts.models import Organisation, Role, User
from consultations import services
from consultations.models import (
    Campaign,
    FocusGroup,
    FocusGroupTheme,
    Instrument,
    Quote,
    Signifier,
    Theme,
)
from demo.accounts import DEMO_COUNTRY
from taxonomy.models import Factor, PopulationGroup, SDGTarget

# Every text a respondent reads, written by hand in the campaign's three languages.
PURPOSE = {
    "en": "Tell us about a time when you or your family could not get something you needed — "
    "a service, a right, a chance — so that the UN and the government can act.",
    "fr": "Racontez-nous une fois où vous-même ou votre famille n'avez pas pu obtenir ce dont "
    "vous aviez besoin — un service, un droit, une chance — afin que l'ONU et le gouvernement "
    "puissent agir.",
    "es": "Cuéntenos una ocasión en la que usted o su familia no pudieron obtener algo que "
    "necesitaban —un servicio, un derecho, una oportunidad— para que las Naciones Unidas y el "
    "Gobierno puedan actuar.",
}
CONSENT_TEXTS = {
    "en": "We collect stories to understand who is left behind in Demoland and why. Your story "
    "is kept by the UN Resident Coordinator Office and the partner who records it, for three "
    "years. It is read by a small team and used, without your name, in the UN's analysis. "
    "You may skip any question and withdraw your story at any time with your receipt code.",
    "fr": "Nous recueillons des témoignages pour comprendre qui est laissé de côté au Démoland "
    "et pourquoi. Votre histoire est conservée pendant trois ans par le Bureau de la "
    "coordonnatrice résidente des Nations Unies et par le partenaire qui l'enregistre. Elle "
    "est lue par une petite équipe et utilisée, sans votre nom, dans les analyses de l'ONU. "
    "Vous pouvez ne pas répondre à une question et retirer votre histoire à tout moment grâce "
    "à votre code de reçu.",
    "es": "Recogemos historias para entender quién se está quedando atrás en Demolandia y por "
    "qué. La Oficina de la Coordinadora Residente de las Naciones Unidas y la organización "
    "que registra su historia la conservan durante tres años. La lee un equipo reducido y se "
    "utiliza, sin su nombre, en los análisis de las Naciones Unidas. Puede dejar sin responder "
    "cualquier pregunta y retirar su historia en cualquier momento con su código de recibo.",
}
CONSENT = CONSENT_TEXTS["en"]
PROMPT = {
    "en": "Tell us about a time when you could not get something you needed.",
    "fr": "Racontez-nous une fois où vous n'avez pas pu obtenir ce dont vous aviez besoin.",
    "es": "Cuéntenos una ocasión en la que no pudo obtener algo que necesitaba.",
}
SIGNIFIERS = [
    {
        "key": "who_helped",
        "kind": "triad",
        "question": {
            "en": "In your story, who made the biggest difference?",
            "fr": "Dans votre histoire, qui a fait la plus grande différence ?",
            "es": "En su historia, ¿quién marcó la mayor diferencia?",
        },
        "labels": [
            {
                "en": "Family and community",
                "fr": "Famille et communauté",
                "es": "Familia y comunidad",
            },
            {"en": "Government services", "fr": "Services publics", "es": "Servicios públicos"},
            {"en": "Myself", "fr": "Moi-même", "es": "Yo mismo o misma"},
        ],
    },
    {
        "key": "outcome",
        "kind": "dyad",
        "question": {
            "en": "How did things turn out?",
            "fr": "Comment les choses ont-elles tourné ?",
            "es": "¿Cómo terminaron las cosas?",
        },
        "labels": [
            {"en": "Much worse", "fr": "Bien pire", "es": "Mucho peor"},
            {"en": "Much better", "fr": "Bien mieux", "es": "Mucho mejor"},
        ],
    },
    {
        "key": "about",
        "kind": "single",
        "allow_other": True,
        "question": {
            "en": "What was your story mostly about?",
            "fr": "De quoi parlait surtout votre histoire ?",
            "es": "¿De qué trataba sobre todo su historia?",
        },
        "labels": [
            {"value": "health", "label": {"en": "Health", "fr": "Santé", "es": "Salud"}},
            {
                "value": "education",
                "label": {"en": "Education", "fr": "Éducation", "es": "Educación"},
            },
            {"value": "work", "label": {"en": "Work", "fr": "Travail", "es": "Trabajo"}},
            {
                "value": "documents",
                "label": {
                    "en": "Identity papers and documents",
                    "fr": "Papiers d'identité et documents",
                    "es": "Documentos de identidad y trámites",
                },
            },
            {"value": "safety", "label": {"en": "Safety", "fr": "Sécurité", "es": "Seguridad"}},
        ],
    },
    {
        "key": "barriers",
        "kind": "multiple",
        "question": {
            "en": "What stood in your way? (choose any)",
            "fr": "Qu'est-ce qui vous a fait obstacle ? (plusieurs réponses possibles)",
            "es": "¿Qué se lo impidió? (puede elegir varias)",
        },
        "labels": [
            {
                "value": "distance",
                "label": {"en": "Distance", "fr": "La distance", "es": "La distancia"},
            },
            {"value": "cost", "label": {"en": "Cost", "fr": "Le coût", "es": "El costo"}},
            {
                "value": "language",
                "label": {"en": "Language", "fr": "La langue", "es": "El idioma"},
            },
            {
                "value": "papers",
                "label": {
                    "en": "Missing papers",
                    "fr": "Des papiers manquants",
                    "es": "La falta de documentos",
                },
            },
            {
                "value": "treatment",
                "label": {
                    "en": "How I was treated",
                    "fr": "La façon dont on m'a traité",
                    "es": "El trato que recibí",
                },
            },
        ],
    },
]
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


def trilingual_campaign_build(*, rco, partners, groups) -> tuple[Campaign, Instrument]:
    """The demo campaign, open, with every text in English, French and Spanish (its public
    link serves each language; ``campaign_missing_translations`` finds nothing)."""
    today = datetime.date.today()
    campaign = Campaign(
        title="Voices of Demoland 2026",
        purpose=PURPOSE["en"],
        purpose_translations=PURPOSE,
        country=DEMO_COUNTRY,
        location_level=Campaign.LocationLevel.REGION,
        locations="Capital\nCentral Plains\nEastern Coast\nNorthern Highlands\n"
        "Southern Delta\nWestern Mountains",
        # Open whenever the demo is loaded (stories are refused outside the dates).
        starts_on=min(datetime.date(2026, 3, 1), today - datetime.timedelta(days=90)),
        ends_on=max(datetime.date(2026, 12, 31), today + datetime.timedelta(days=90)),
        languages=["en", "fr", "es"],
        status=Campaign.Status.DRAFT,
        public_link_enabled=True,
    )
    services.campaign_save(
        campaign=campaign,
        consent_texts=CONSENT_TEXTS,
        user=rco,
        target_groups=groups,
        partners=partners,
    )
    instrument = Instrument.objects.create(
        campaign=campaign,
        name="Micro-narrative 2026",
        ask_washington_group=True,
        prompt=PROMPT,
    )
    instrument.group_choices.set(groups)
    for order, spec in enumerate(SIGNIFIERS, start=1):
        Signifier.objects.create(instrument=instrument, order=order, **spec)
    campaign.status = Campaign.Status.OPEN
    services.campaign_save(campaign=campaign, user=rco)  # refuses if a text is missing
    return campaign, instrument


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
    campaign, instrument = trilingual_campaign_build(
        rco=rco, partners=partners, groups=list(groups.values())
    )
    themes = [Theme.objects.get_or_create(name=name)[0] for name in THEMES]
    factors = list(Factor.objects.all())
    targets = {t.code: t for t in SDGTarget.objects.filter(code__in=ABOUT_TARGETS.values())}
    consent_text = campaign.current_consent
    consent_by_language = {code: campaign.consent_for(code) for code in campaign.languages}
    barriers = [option["value"] for option in SIGNIFIERS[3]["labels"]]
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
        language = rng.choice(["en", "en", "fr"])
        narrative, _code = services.narrative_submit(
            instrument=instrument,
            values={
                "title": story.split(",")[0][:80],
                "story": story,
                "language": language,
                "location": rng.choice(regions),
                "age_band": rng.choice(["18_24", "25_34", "35_49", "50_64", "65_plus"]),
                "sex": rng.choice(["female", "female", "male", "other", "prefer_not"]),
                "groups_prefer_not": not own and rng.random() < 0.3,
                "answers": {
                    "who_helped": list(triad),
                    "outcome": round(rng.betavariate(2, 4 if disadvantaged else 2), 3),
                    "about": rng.choice(["health", "education", "work", "documents", "safety"]),
                    # Derived from the index, so the random sequence (and the demo) is unchanged.
                    "barriers": barriers[i % 5 : i % 5 + 1 + i % 2],
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
                "text": consent_by_language[language],
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
    from consultations.signifiers import normalise_triad

    return normalise_triad(a, b, c)
