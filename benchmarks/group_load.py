"""A realistic country load for the group-page benchmark (issue 6, "Speed").

``seed_load`` fills an empty database with one country's evidence — population groups
(the seeded vocabulary plus country-specific groups and intersections), published survey
runs with regression-tree results linked to groups, approved stories with self-signification
and focus groups with quotes, recommendations with their tags and official assessments — the
way the three streams would store them, but with ``bulk_create`` so that 20,000 stories take
seconds rather than an hour of service calls. Deterministic for a given seed.

Only for a scratch database (``manage.py bench_group_pages`` creates one); no signals fire, so
summaries must be computed afterwards (``evidence.services.summaries_refresh``).
"""

from __future__ import annotations

import datetime
import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Organisation, Role, User
from analysis.models import Dataset, Indicator, LeafGroupLink, Run
from consultations.models import (
    Campaign,
    FocusGroup,
    FocusGroupTheme,
    Instrument,
    Narrative,
    Quote,
    Signifier,
    Theme,
)
from consultations.services import campaign_save
from demo import accounts as accounts_demo
from recommendations.models import Assessment, Mechanism, Recommendation, SourceDocument
from taxonomy.models import Factor, PopulationGroup, SDGGoal, SDGTarget
from taxonomy.services import vocabularies_load

COUNTRY = accounts_demo.DEMO_COUNTRY
BATCH = 2000

COUNTRY_GROUPS = [
    "Highland ethnic minorities",
    "Coastal fishing communities",
    "Residents of informal settlements",
    "People in the Northern Province",
    "Persons without a national identity card",
    "Internal migrants without registration",
    "Tea estate workers",
    "Landless agricultural labourers",
    "Female-headed households",
    "Out-of-school adolescents",
    "Returnees from abroad",
    "Linguistic minorities",
    "Persons with psychosocial disabilities",
    "Households without birth registration",
    "Pastoralist communities",
    "Workers in the informal economy",
]
# Intersections beyond the seeded ones: (component, component).
EXTRA_INTERSECTIONS = [
    ("Older persons", "Persons living in rural areas"),
    ("Children", "Persons living in poverty"),
    ("Youth & juveniles", "Persons with disabilities"),
    ("Migrants", "Children"),
    ("Indigenous peoples", "Children"),
    ("Older persons", "Women & girls"),
    ("Persons living in poverty", "Persons with disabilities"),
    ("Youth & juveniles", "Women & girls"),
]

# name, SDG goal, barrier (a higher rate is worse)
INDICATORS = [
    ("Access to electricity", 7, False),
    ("Clean cooking fuel", 7, False),
    ("Basic drinking water", 6, False),
    ("Basic sanitation", 6, False),
    ("Skilled birth attendance", 3, False),
    ("Health insurance coverage", 3, False),
    ("Modern contraceptive use", 3, False),
    ("Stunting in children under 5", 2, True),
    ("Household food insecurity", 2, True),
    ("Child marriage", 5, True),
    ("Intimate partner violence", 5, True),
    ("Secondary school completion", 4, False),
    ("Early childhood education attendance", 4, False),
    ("Account at a financial institution", 8, False),
    ("Youth not in employment or education", 8, True),
    ("Mobile phone ownership", 9, False),
    ("Internet use", 17, False),
    ("Overcrowded housing", 11, True),
    ("Birth registration", 16, False),
    ("Multidimensional poverty", 1, True),
    ("Social protection coverage", 1, False),
    ("Women's decision-making on own health", 10, False),
]
SURVEYS = [("DHS", "2014"), ("MICS", "2017"), ("DHS", "2019"), ("MICS", "2022")]
REGIONS = ["Capital", "North", "South", "East", "West"]
CIRCUMSTANCES = {
    "Wealth": ["Bottom 40%", "Top 60%"],
    "Residence": ["Rural", "Urban"],
    "Education": ["No education", "Primary", "Secondary", "Higher"],
    "Region": REGIONS,
    "Sex of household head": ["Female", "Male"],
    "Age": ["15-24", "25-34", "35-49", "50+"],
    "Ethnicity": ["Majority", "Highland minority", "Coastal minority"],
    "Religion": ["Majority faith", "Minority faith"],
    "Disability status": ["With disability", "Without disability"],
    "Language": ["National language", "Minority language"],
}
MECHANISMS = [
    ("UPR", "Universal Periodic Review", Mechanism.Kind.UPR),
    ("CRC", "Committee on the Rights of the Child", Mechanism.Kind.TREATY_BODY),
    ("CEDAW", "Committee on the Elimination of Discrimination against Women", "treaty_body"),
    ("CESCR", "Committee on Economic, Social and Cultural Rights", "treaty_body"),
    ("CCPR", "Human Rights Committee", "treaty_body"),
    ("CRPD", "Committee on the Rights of Persons with Disabilities", "treaty_body"),
    ("CERD", "Committee on the Elimination of Racial Discrimination", "treaty_body"),
    ("CAT", "Committee against Torture", "treaty_body"),
    ("CMW", "Committee on Migrant Workers", "treaty_body"),
    ("SR education", "Special Rapporteur on the right to education", "special_procedure"),
    ("SR poverty", "Special Rapporteur on extreme poverty", "special_procedure"),
    ("ILO CEACR", "ILO Committee of Experts", Mechanism.Kind.ILO),
]
THEMES = [
    "Distance to services",
    "Cost of health care",
    "Discrimination by officials",
    "Lack of documents",
    "Land and housing",
    "Water and sanitation",
    "School drop-out",
    "Early marriage",
    "Violence at home",
    "Unpaid care work",
    "Informal work and wages",
    "Access to credit",
    "Disaster and climate shocks",
    "Food prices",
    "Language barriers",
    "Accessibility of buildings",
    "Mental health",
    "Police and justice",
    "Participation in local decisions",
    "Digital exclusion",
    "Transport",
    "Electricity supply",
    "Social assistance",
    "Stigma",
    "Migration and remittances",
    "Youth unemployment",
    "Maternal health",
    "Child nutrition",
    "Old-age income",
    "Corruption",
]
WORDS = (
    "we the village school clinic road water market rain harvest money children mother "
    "father work town office paper card fee walk hours far nobody listened waited again "
    "bus price land house river field debt loan help family neighbour teacher nurse doctor "
    "officer queue language chief meeting women men youth elders job wage season flood "
    "drought fire sick medicine food rice fish goat cattle phone signal light night fear"
).split()
SIGNIFIERS = [
    # key, kind, question, labels
    (
        "triad_why",
        "triad",
        "What made the difference in your story?",
        ["Money", "Who you know", "Rules and papers"],
    ),
    ("dyad_heard", "dyad", "How much were you listened to?", ["Not at all", "Fully"]),
]


@dataclass(frozen=True)
class LoadSize:
    stories: int = 20_000
    recommendations: int = 5_000
    runs: int = 200
    groups: int = 60
    focus_groups: int = 0  # 0: one per ~70 stories (a few hundred at full size)

    @property
    def focus_group_count(self) -> int:
        return self.focus_groups or max(20, self.stories // 70)


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def _bulk(model, objs: list) -> list:
    return model.objects.bulk_create(objs, batch_size=BATCH)


def _through(field, rows: list[tuple[int, int]]) -> int:
    """Bulk-create M2M rows through the field's auto-created through model."""
    through = field.through
    source = field.field.m2m_field_name() + "_id"
    target = field.field.m2m_reverse_field_name() + "_id"
    objs = [through(**{source: a, target: b}) for a, b in rows]
    through.objects.bulk_create(objs, batch_size=5000, ignore_conflicts=True)
    return len(objs)


def _groups(size: LoadSize, rng: random.Random) -> list[PopulationGroup]:
    """The seeded groups plus country-specific groups and intersections, up to ``size.groups``."""
    existing = list(PopulationGroup.objects.all())
    missing = size.groups - len(existing)
    if missing <= 0:
        return existing
    by_name = {g.name: g for g in existing}
    n_intersections = min(len(EXTRA_INTERSECTIONS), missing // 3)
    names = [n for n in COUNTRY_GROUPS if n not in by_name][: missing - n_intersections]
    n_intersections = missing - len(names)
    new = [
        PopulationGroup(
            name=name,
            slug=slugify(name),
            source=PopulationGroup.Source.COUNTRY,
            description=f"A country-specific group of {COUNTRY}.",
        )
        for name in names
    ]
    pairs = []
    for a, b in EXTRA_INTERSECTIONS[:n_intersections]:
        name = f"{a.split(' & ')[0]} — {b}"
        new.append(
            PopulationGroup(
                name=name, slug=slugify(name), source=PopulationGroup.Source.INTERSECTION
            )
        )
        pairs.append((name, a, b))
    created = {g.name: g for g in _bulk(PopulationGroup, new)}
    _through(
        PopulationGroup.components,
        [(created[n].pk, by_name[c].pk) for n, a, b in pairs for c in (a, b)],
    )
    return list(PopulationGroup.objects.prefetch_related("components"))


def _tree(rng: random.Random, barrier: bool, circumstances: list[str]) -> dict:
    """A regression-tree result in the engine's JSON shape (``result_to_dict`` + bridge)."""
    target_nodes = rng.choice([5, 7, 9, 11, 13, 15])
    national = rng.uniform(0.15, 0.85)
    n = rng.randint(3000, 30000)
    nodes = {
        1: {
            "id": 1,
            "parent": None,
            "depth": 0,
            "condition": None,
            "n": n,
            "weight": float(n),
            "share": 1.0,
            "mean": national,
            "is_leaf": True,
            "deviance": national * (1 - national) * n,
        }
    }
    remaining = {1: {c: list(CIRCUMSTANCES[c]) for c in circumstances}}
    while len(nodes) < target_nodes:
        leaves = [
            i
            for i, node in nodes.items()
            if node["is_leaf"]
            and node["depth"] < 4
            and any(len(v) > 1 for v in remaining[i].values())
        ]
        if not leaves:
            break
        parent_id = rng.choice(leaves)
        parent = nodes[parent_id]
        name = rng.choice([c for c, levels in remaining[parent_id].items() if len(levels) > 1])
        levels = remaining[parent_id][name]
        cut = rng.randint(1, len(levels) - 1)
        low_levels, high_levels = levels[:cut], levels[cut:]
        fraction = rng.uniform(0.25, 0.75)
        spread = rng.uniform(0.03, 0.25)
        low_mean = max(0.01, parent["mean"] - spread * (1 - fraction))
        high_mean = min(0.99, parent["mean"] + spread * fraction)
        parent["is_leaf"] = False
        for child_id, child_levels, share, mean in (
            (2 * parent_id, low_levels, fraction, low_mean),
            (2 * parent_id + 1, high_levels, 1 - fraction, high_mean),
        ):
            label = (
                f"{name} = {child_levels[0]}"
                if len(child_levels) == 1
                else f"{name} in {{{', '.join(child_levels)}}}"
            )
            child_n = max(30, int(parent["n"] * share))
            nodes[child_id] = {
                "id": child_id,
                "parent": parent_id,
                "depth": parent["depth"] + 1,
                "condition": {"circumstance": name, "levels": child_levels, "label": label},
                "n": child_n,
                "weight": float(child_n),
                "share": parent["share"] * share,
                "mean": mean,
                "is_leaf": True,
                "deviance": mean * (1 - mean) * child_n,
            }
            remaining[child_id] = {**remaining[parent_id], name: child_levels}
    ordered = [nodes[i] for i in sorted(nodes)]
    leaves = [node for node in ordered if node["is_leaf"]]

    def path(node: dict) -> list[str]:
        out = []
        while node["condition"]:
            out.append(node["condition"]["label"])
            node = nodes[node["parent"]]
        return list(reversed(out))

    worst = (max if barrier else min)(leaves, key=lambda node: node["mean"])
    best = (min if barrier else max)(leaves, key=lambda node: node["mean"])
    used = sorted({node["condition"]["circumstance"] for node in ordered if node["condition"]})
    weights = {c: rng.uniform(0.2, 1.0) for c in used} or {circumstances[0]: 1.0}
    total = sum(weights.values())
    d_index = rng.uniform(0.02, 0.3)
    return {
        "n": n,
        "weighted_n": float(n),
        "mean": national,
        "params": {"minbucket": 50, "minsplit": 100, "cp": 0.001, "max_depth": 4},
        "nodes": ordered,
        "furthest_behind": {
            "node": worst["id"],
            "mean": worst["mean"],
            "share": worst["share"],
            "path": path(worst),
        },
        "furthest_ahead": {
            "node": best["id"],
            "mean": best["mean"],
            "share": best["share"],
            "path": path(best),
        },
        "gap": abs(best["mean"] - worst["mean"]),
        "d_index": d_index,
        "hoi": national * (1 - d_index),
        "shapley": {
            c: {"value": d_index * w / total, "share": w / total} for c, w in weights.items()
        },
        "dropped": {"missing_outcome": 12, "missing_weight": 0, "missing_circumstance": 31},
        "barrier": barrier,
        "engine_version": "1.0.0",
        "single_d": {c: d_index * rng.uniform(0.2, 0.9) for c in circumstances},
        "d_on_complement": barrier,
        "circumstances": [{"name": c, "kind": "unordered", "order": []} for c in circumstances],
        "dimensions": {
            c: [
                {
                    "name": level,
                    "estimate": rng.uniform(0.05, 0.95),
                    "population": rng.uniform(100, 5000),
                    "order": None,
                    "reference": False,
                }
                for level in CIRCUMSTANCES[c]
            ]
            for c in circumstances
        },
        "sample": {
            "n_reference": n,
            "n_excluded_by_filter": 0,
            "n_missing_outcome": 12,
            "n_missing_weight": 0,
            "n_missing_circumstances": 31,
            "messages": [],
        },
    }


def _survey(
    size: LoadSize, rng: random.Random, groups: list[PopulationGroup], analyst: User
) -> dict:
    goals = {g.number: g for g in SDGGoal.objects.all()}
    datasets = _bulk(
        Dataset,
        [
            Dataset(
                title=f"{COUNTRY} {kind} {year}",
                country=COUNTRY,
                survey_kind=kind,
                survey_round=year,
                unit="household",
                file=f"surveys/bench-{kind}-{year}.dta",
                original_name=f"bench-{kind}-{year}.dta",
                size=50_000_000,
                sha256=hashlib.sha256(f"{kind}{year}".encode()).hexdigest(),
                status=Dataset.Status.READY,
                row_count=12_000,
                uploaded_by=analyst,
            )
            for kind, year in SURVEYS
        ],
    )
    indicators = _bulk(
        Indicator,
        [
            Indicator(
                name=name,
                slug=slugify(name)[:100],
                definition={"name": name, "barrier": barrier},
                sdg_goal=goals.get(goal),
                created_by=analyst,
            )
            for name, goal, barrier in INDICATORS
        ],
    )
    barrier_of = {name: barrier for name, _goal, barrier in INDICATORS}
    now = timezone.now()
    runs = []
    for i in range(size.runs):
        indicator = indicators[i % len(indicators)]
        dataset = datasets[(i // len(indicators)) % len(datasets)]
        # Every fourth pass over the indicators is subnational.
        region = REGIONS[i % len(REGIONS)] if (i // len(indicators)) % 4 == 3 else ""
        circumstances = rng.sample(list(CIRCUMSTANCES), rng.randint(3, 6))
        if region and "Region" in circumstances:
            circumstances.remove("Region")
        runs.append(
            Run(
                dataset=dataset,
                indicator=indicator,
                batch=uuid.UUID(int=rng.getrandbits(128)),
                region=region,
                definition={"name": indicator.name, "circumstances": circumstances},
                params={},
                status=Run.Status.SUCCEEDED,
                result=_tree(rng, barrier_of[indicator.name], circumstances),
                dataset_sha256=dataset.sha256,
                engine_version="1.0.0",
                published=True,
                created_by=analyst,
                started_at=now,
                finished_at=now,
            )
        )
    runs = _bulk(Run, runs)
    # Analysts link some leaves of each run to groups: mostly plain groups (a few never get
    # survey evidence: data gaps), sometimes both components of an intersection, sometimes
    # the intersection itself.
    plain = [g for g in groups if not g.components.all()]
    intersections = [g for g in groups if g.components.all()]
    linkable = plain[: max(1, len(plain) - 6)]
    links = set()
    for run in runs:
        leaves = [n["id"] for n in run.result["nodes"] if n["is_leaf"]]
        chosen = rng.sample(leaves, min(len(leaves), rng.randint(1, 3)))
        for node_id in chosen:
            roll = rng.random()
            if roll < 0.15 and intersections:
                target = rng.choice(intersections)
                links.update((run.pk, node_id, c.pk) for c in target.components.all())
            elif roll < 0.2 and intersections:
                links.add((run.pk, node_id, rng.choice(intersections).pk))
            else:
                links.add((run.pk, node_id, rng.choice(linkable).pk))
    _bulk(
        LeafGroupLink,
        [
            LeafGroupLink(run_id=r, node_id=n, group_id=g, created_by=analyst)
            for r, n, g in sorted(links)
        ],
    )
    return {"datasets": len(datasets), "runs": len(runs), "leaf links": len(links)}


def _voice(
    size: LoadSize,
    rng: random.Random,
    groups: list[PopulationGroup],
    rco: User,
    partners: list[Organisation],
) -> dict:
    today = timezone.localdate()
    targets = list(SDGTarget.objects.values_list("pk", flat=True))
    factors = list(Factor.objects.values_list("pk", flat=True))
    themes = _bulk(Theme, [Theme(name=name) for name in THEMES])
    theme_ids = [t.pk for t in themes]
    instruments = []
    for number in (1, 2):
        campaign = campaign_save(
            campaign=Campaign(
                title=f"Voices of {COUNTRY} {2022 + number}",
                purpose="Hear from the people the statistics miss.",
                country=COUNTRY,
                starts_on=datetime.date(2022 + number, 1, 1),
                ends_on=datetime.date(2022 + number, 12, 31),
                languages=["en"],
                status=Campaign.Status.OPEN,
            ),
            consent_text="You may stop at any time. We will not record your name.",
            user=rco,
            partners=partners,
        )
        instrument = Instrument.objects.create(
            campaign=campaign,
            name=f"Micro-narrative {number}",
            prompt={"en": "Tell us about a time you could not get what you needed."},
        )
        for order, (key, kind, question, labels) in enumerate(SIGNIFIERS):
            Signifier.objects.create(
                instrument=instrument,
                order=order,
                key=f"{key}_{number}",
                kind=kind,
                question={"en": question},
                labels=[{"en": label} for label in labels],
            )
        instruments.append((campaign, instrument, campaign.current_consent, number))

    # Self-identification is skewed: a few groups tell thousands of stories, many tell
    # dozens, a handful fewer than five (suppressed) and three none at all (a data gap).
    plain = [g for g in groups if not g.components.all()]
    intersections = [g for g in groups if g.components.all()]
    rng.shuffle(plain)
    voiced = plain[:-3]
    weights = [1 / (k + 1) ** 1.1 for k in range(len(voiced))]
    weights[-3:] = [0.00005] * 3
    narratives, group_rows = [], []
    for i in range(size.stories):
        campaign, instrument, consent, number = instruments[i % len(instruments)]
        chosen = {g.pk for g in rng.choices(voiced, weights=weights, k=rng.choice([1, 1, 2, 2, 3]))}
        if intersections and rng.random() < 0.02:
            chosen.add(rng.choice(intersections).pk)
        a, b = rng.random(), rng.random()
        a, b = min(a, b), max(a, b)
        answers = {
            f"triad_why_{number}": [round(a, 4), round(b - a, 4), round(1 - b, 4)]
            if rng.random() > 0.05
            else None,
            f"dyad_heard_{number}": round(rng.betavariate(2, 3), 3)
            if rng.random() > 0.05
            else None,
        }
        given = today - datetime.timedelta(days=rng.randint(0, 700))
        narratives.append(
            Narrative(
                campaign=campaign,
                instrument=instrument,
                organisation=rng.choice(partners) if rng.random() < 0.4 else None,
                channel=rng.choice(["form", "form", "public", "upload"]),
                language="en",
                title=_sentence(rng, 3, 8)[:200],
                story=_sentence(rng, 60, 180),
                location=rng.choice(REGIONS),
                age_band=rng.choice(Narrative.AGE_BANDS),
                sex=rng.choice(["female", "male", "female", "other", "prefer_not"]),
                answers=answers,
                consent_text=consent,
                consent_how=rng.choice(["self", "verbal", "written"]),
                consent_date=given,
                use_analysis=True,
                use_quotation=rng.random() < 0.35,
                use_publication=rng.random() < 0.1,
                retain_until=given + datetime.timedelta(days=3 * 365),
                review_status="approved",
                reviewed_by=rco,
                reviewed_at=timezone.now(),
                receipt_hash=hashlib.sha256(f"bench-story-{i}".encode()).hexdigest(),
            )
        )
        group_rows.append(chosen)
    narratives = _bulk(Narrative, narratives)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # spread the stories over two years
            cursor.execute(
                f"UPDATE {Narrative._meta.db_table} "
                "SET created_at = created_at - random() * interval '700 days'"
            )
    m2m = {"groups": 0, "themes": 0, "factors": 0, "sdg_targets": 0}
    m2m["groups"] = _through(
        Narrative.groups,
        [(n.pk, g) for n, gs in zip(narratives, group_rows, strict=True) for g in gs],
    )
    m2m["themes"] = _through(
        Narrative.themes,
        [(n.pk, t) for n in narratives for t in set(rng.sample(theme_ids, rng.randint(1, 3)))],
    )
    m2m["factors"] = _through(
        Narrative.factors,
        [(n.pk, f) for n in narratives for f in rng.sample(factors, rng.randint(1, 2))],
    )
    m2m["sdg_targets"] = _through(
        Narrative.sdg_targets,
        [(n.pk, t) for n in narratives for t in rng.sample(targets, rng.randint(1, 2))],
    )

    focus_groups = []
    for i in range(size.focus_group_count):
        campaign, _instrument, consent, _number = instruments[i % len(instruments)]
        held = today - datetime.timedelta(days=rng.randint(0, 700))
        women = rng.randint(2, 10)
        men = rng.randint(0, 8)
        focus_groups.append(
            FocusGroup(
                campaign=campaign,
                organisation=rng.choice(partners),
                recorded_by=rco,
                held_on=held,
                place=f"{rng.choice(REGIONS)} district {rng.randint(1, 12)}",
                languages="en",
                participants={"sex": {"female": women, "male": men}},
                consent_obtained="Verbal consent of each participant, recorded by the facilitator.",
                questions="What stops you from getting the services you need?",
                consent_text=consent,
                consent_how="verbal",
                consent_date=held,
                use_analysis=True,
                use_quotation=rng.random() < 0.7,
                retain_until=held + datetime.timedelta(days=3 * 365),
                review_status="approved",
                reviewed_by=rco,
                reviewed_at=timezone.now(),
            )
        )
    focus_groups = _bulk(FocusGroup, focus_groups)
    fg_groups = {
        fg.pk: {g.pk for g in rng.choices(voiced, weights=weights, k=rng.randint(1, 2))}
        for fg in focus_groups
    }
    _through(FocusGroup.groups, [(fg, g) for fg, gs in fg_groups.items() for g in gs])
    fg_themes = _bulk(
        FocusGroupTheme,
        [
            FocusGroupTheme(focus_group=fg, summary=rng.choice(THEMES))
            for fg in focus_groups
            for _ in range(rng.randint(2, 4))
        ],
    )
    _through(FocusGroupTheme.factors, [(t.pk, rng.choice(factors)) for t in fg_themes])
    _through(FocusGroupTheme.sdg_targets, [(t.pk, rng.choice(targets)) for t in fg_themes])
    quotes = _bulk(
        Quote,
        [
            Quote(
                focus_group=fg,
                text=_sentence(rng, 10, 40),
                speaker_group=rng.choice(["a young woman", "an older man", "a mother of three"]),
            )
            for fg in focus_groups
            for _ in range(rng.randint(2, 6))
        ],
    )
    _through(
        Quote.groups,
        [(q.pk, g) for q in quotes for g in list(fg_groups[q.focus_group_id])[:1]],
    )
    return {
        "stories": len(narratives),
        "story tags": sum(m2m.values()),
        "focus groups": len(focus_groups),
        "quotes": len(quotes),
    }


def _recommendations(
    size: LoadSize, rng: random.Random, groups: list[PopulationGroup], author: User
) -> dict:
    targets = list(SDGTarget.objects.values_list("pk", "goal_id"))
    factors = list(Factor.objects.values_list("pk", flat=True))
    mechanisms = [
        Mechanism.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0]
        for code, name, kind in MECHANISMS
    ]
    documents = _bulk(
        SourceDocument,
        [
            SourceDocument(
                mechanism=mechanism,
                symbol=f"{mechanism.code}/C/DML/CO/{cycle}",
                country=COUNTRY,
                publication_date=datetime.date(2010 + 3 * cycle, 6, 1),
                upr_cycle=cycle if mechanism.code == "UPR" else None,
            )
            for mechanism in mechanisms
            for cycle in range(1, 5)
        ],
    )
    plain = [g for g in groups if not g.components.all()]
    rng.shuffle(plain)
    named = plain[:-2]  # two groups no mechanism ever named
    weights = [1 / (k + 1) ** 0.8 for k in range(len(named))]
    recs, rec_groups = [], []
    for i in range(size.recommendations):
        document = documents[rng.randrange(len(documents))]
        is_upr = document.mechanism.code == "UPR"
        recs.append(
            Recommendation(
                country=COUNTRY,
                external_id=f"BENCH/{i}",
                mechanism_id=document.mechanism_id,
                document=document,
                type="recommendation" if rng.random() < 0.85 else "concern",
                paragraph=f"{rng.randint(5, 160)}.{rng.randint(1, 30)}",
                text=_sentence(rng, 25, 90),
                upr_position=rng.choice(["Supported", "Supported", "Noted"]) if is_upr else "",
                recommending_states=["Norway"] if is_upr else [],
                publication_date=document.publication_date,
                published=rng.random() < 0.6,
            )
        )
        rec_groups.append({g.pk for g in rng.choices(named, weights=weights, k=rng.randint(1, 3))})
    recs = _bulk(Recommendation, recs)
    _through(
        Recommendation.groups,
        [(r.pk, g) for r, gs in zip(recs, rec_groups, strict=True) for g in gs],
    )
    rec_targets = {r.pk: rng.sample(targets, rng.randint(1, 2)) for r in recs}
    _through(Recommendation.sdg_targets, [(r, t) for r, ts in rec_targets.items() for t, _ in ts])
    _through(Recommendation.sdg_goals, [(r, ts[0][1]) for r, ts in rec_targets.items()])
    _through(Recommendation.factors, [(r.pk, rng.choice(factors)) for r in recs])
    assessments = []
    for rec in recs:
        if rng.random() < 0.35:
            for k in range(rng.randint(1, 2)):
                assessments.append(
                    Assessment(
                        country=COUNTRY,
                        recommendation=rec,
                        kind=Assessment.Kind.OFFICIAL,
                        status=rng.choice(Assessment.Status.values),
                        assessed_on=datetime.date(2023 + k, rng.randint(1, 12), 1),
                        author=author,
                        evidence_text="Reported in the national implementation plan.",
                    )
                )
    _bulk(Assessment, assessments)
    return {
        "recommendations": len(recs),
        "documents": len(documents),
        "official assessments": len(assessments),
    }


def seed_load(
    size: LoadSize, *, seed: int = 2026, log: Callable[[str], None] = print
) -> dict[str, float]:
    """Fill an empty (migrated) database with the load; return seconds per stage."""
    rng = random.Random(seed)
    timings: dict[str, float] = {}

    def stage(name: str, work: Callable[[], dict | None]) -> None:
        start = time.perf_counter()
        with transaction.atomic():
            counts = work()
        timings[name] = time.perf_counter() - start
        detail = ", ".join(f"{v:,} {k}" for k, v in (counts or {}).items())
        log(f"  {name:<16} {timings[name]:6.1f} s  {detail}")

    stage("vocabularies", vocabularies_load)
    stage("demo accounts", lambda: {"accounts": len(accounts_demo.seed())})
    rco = User.objects.get(email="rco@demo.lnob.example")
    unct = User.objects.get(email="unct@demo.lnob.example")
    partners = list(Organisation.objects.filter(memberships__role=Role.CSO_PARTNER).distinct())
    groups: list[PopulationGroup] = []

    def make_groups() -> dict:
        groups.extend(_groups(size, rng))
        return {
            "groups": len(groups),
            "intersections": sum(1 for g in groups if g.components.all()),
        }

    stage("groups", make_groups)
    stage("survey runs", lambda: _survey(size, rng, groups, rco))
    stage("community voice", lambda: _voice(size, rng, groups, rco, partners))
    stage("recommendations", lambda: _recommendations(size, rng, groups, unct))
    if connection.vendor == "postgresql":
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        timings["analyze"] = time.perf_counter() - start
    return timings
