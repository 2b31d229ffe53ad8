"""Demo recommendations for `make run`: a realistic generated set for the fictional Demoland
(three UPR cycles with recommending states and positions, treaty-body concluding
observations, two special procedures and an ILO CEACR observation), mapped to groups and SDG
targets, with clusters, institutions, actions, indicators and assessments. Idempotent."""

from __future__ import annotations

import datetime
import random

from accounts.models import Organisation, Role, User
from demo.accounts import DEMO_COUNTRY
from recommendations import services
from recommendations.importer import recommendations_import
from recommendations.models import Institution, Recommendation
from recommendations.parsers import RecommendationRecord

# (theme, affected persons, SDG targets, recommendation wordings)
TOPICS = [
    (
        "Sexual & gender-based violence",
        ["Women & girls"],
        ["5.2", "16.1"],
        [
            "Adopt a comprehensive law criminalising all forms of violence against women, "
            "including marital rape, and ensure adequate shelters in every province",
            "Strengthen the investigation and prosecution of gender-based violence and provide "
            "survivors with legal aid, shelters and psychosocial support",
            "Allocate sufficient resources to the national action plan on violence against "
            "women and girls and train police and judges on its application",
        ],
    ),
    (
        "Right to education",
        ["Children", "Persons living in rural areas"],
        ["4.1", "4.5"],
        [
            "Ensure free and compulsory primary education for all children, including in "
            "remote rural areas, and reduce school drop-out among girls",
            "Increase the education budget and improve school infrastructure and teacher "
            "training in rural and remote districts",
            "Guarantee access to quality secondary education for children living in rural "
            "areas and for children of ethnic minorities in their mother tongue",
        ],
    ),
    (
        "Rights of persons with disabilities",
        ["Persons with disabilities"],
        ["4.5", "10.2"],
        [
            "Adopt a national strategy on inclusive education for children with disabilities "
            "and ensure reasonable accommodation in mainstream schools",
            "Ensure the accessibility of public buildings, transport and information for "
            "persons with disabilities and involve their organisations in decision-making",
            "Replace substituted decision-making with supported decision-making for persons "
            "with disabilities and repeal laws that deprive them of legal capacity",
        ],
    ),
    (
        "Birth registration & right to a name & nationality",
        ["Stateless persons", "Children"],
        ["16.9"],
        [
            "Ensure universal, free birth registration, including for children born to "
            "stateless parents and migrants, and accede to the statelessness conventions",
            "Simplify late birth registration procedures and conduct mobile registration "
            "campaigns in remote areas to reduce the risk of statelessness",
        ],
    ),
    (
        "Right to health",
        ["Women & girls", "Persons living in rural areas"],
        ["3.1", "3.8"],
        [
            "Improve access to maternal health services and skilled birth attendance in rural "
            "areas and reduce maternal mortality",
            "Expand universal health coverage to workers in the informal economy and persons "
            "living in rural areas",
        ],
    ),
    (
        "Rights of indigenous peoples",
        ["Indigenous peoples"],
        ["1.4", "2.3"],
        [
            "Recognise the land rights of indigenous peoples and ensure their free, prior and "
            "informed consent before projects affecting their territories",
            "Adopt a law recognising indigenous peoples and guaranteeing their participation in "
            "decisions that affect their lands and resources",
        ],
    ),
    (
        "Right to work",
        ["Children", "Migrants"],
        ["8.7", "8.8"],
        [
            "Strengthen labour inspection in agriculture and domestic work to eliminate child "
            "labour and protect migrant workers from forced labour",
            "Ratify the ILO Domestic Workers Convention and extend labour protection to "
            "domestic and migrant workers",
        ],
    ),
    (
        "Equality & non-discrimination",
        ["LGBTI persons", "Minorities"],
        ["10.3", "16.b"],
        [
            "Adopt comprehensive anti-discrimination legislation covering all grounds, "
            "including sexual orientation, gender identity and ethnic origin",
            "Combat hate speech and discrimination against ethnic minorities and LGBTI persons "
            "and establish an independent equality body",
        ],
    ),
    (
        "Right to an adequate standard of living",
        ["Persons living in poverty", "Older persons"],
        ["1.3", "1.2"],
        [
            "Extend the social protection floor to older persons and persons living in poverty, "
            "including a universal social pension",
            "Adopt a national poverty reduction strategy targeting the most disadvantaged "
            "provinces and households headed by women",
        ],
    ),
    (
        "National human rights institutions",
        ["General"],
        ["16.a"],
        [
            "Bring the national human rights commission into full compliance with the Paris "
            "Principles and ensure its independence and adequate funding",
        ],
    ),
]
STATES = [
    "Norway", "Uruguay", "Mexico", "Senegal", "Canada", "Germany", "Japan", "Brazil", "Ghana",
    "Portugal", "Fiji", "Chile", "Sweden", "Iceland", "Timor-Leste", "Guinea-Bissau", "Peru",
    "Ireland", "Republic of Korea", "Botswana", "Spain", "Thailand", "New Zealand", "Kenya",
]  # fmt: skip
UPR = [(2, 19, "A/HRC/28/12", datetime.date(2014, 12, 18)),
       (3, 33, "A/HRC/41/9", datetime.date(2019, 4, 1)),
       (4, 47, "A/HRC/56/8", datetime.date(2024, 3, 20))]  # fmt: skip
TREATY = [
    ("CRC", "CRC/C/DML/CO/5-6", datetime.date(2021, 10, 5), [0, 1, 3, 6]),
    ("CEDAW", "CEDAW/C/DML/CO/9", datetime.date(2022, 3, 1), [0, 4, 7]),
    ("CRPD", "CRPD/C/DML/CO/1", datetime.date(2020, 9, 20), [2]),
    ("CERD", "CERD/C/DML/CO/18-20", datetime.date(2019, 12, 10), [5, 7]),
    ("CESCR", "E/C.12/DML/CO/3", datetime.date(2023, 10, 16), [4, 6, 8]),
    ("SR on the right to education", "A/HRC/50/32/Add.1", datetime.date(2022, 6, 15), [1]),
    ("SR on extreme poverty and human rights", "A/HRC/53/33/Add.2", datetime.date(2023, 5, 30),
     [8]),
    ("CEACR", "CEACR observation C138 (2023)", datetime.date(2023, 2, 10), [6]),
]  # fmt: skip
INSTITUTIONS = [
    ("Ministry of Women and Social Affairs", "ministry", [0, 8]),
    ("Ministry of Education", "ministry", [1, 2]),
    ("Ministry of Health", "ministry", [4]),
    ("Ministry of Justice", "ministry", [3, 7, 9]),
    ("Ministry of Labour", "ministry", [6]),
    ("National Commission on Indigenous Peoples", "other", [5]),
]


def _records(rng: random.Random) -> list[RecommendationRecord]:
    records = []
    for cycle, session, symbol, date in UPR:
        number = 0
        for topic_no, (theme, groups, targets, texts) in enumerate(TOPICS):
            for text in texts:
                repeats = 2 if cycle == 4 or topic_no in (0, 1, 2, 4) else 1
                for _ in range(repeats):
                    number += 1
                    states = tuple(rng.sample(STATES, rng.choice([1, 1, 1, 2])))
                    position = "Supported" if rng.random() < 0.75 else "Noted"
                    paragraph = f"{120 + cycle}.{number}"
                    wording = (
                        text if _ == 0 else "Continue efforts to " + text[0].lower() + text[1:]
                    )
                    body = f"{paragraph} {wording} ({'); ('.join(states)});"
                    records.append(_record(
                        f"demo-upr{cycle}-{number}", "UPR", symbol, date, paragraph, body, theme,
                        groups, targets, cycle=cycle, session=session, position=position,
                        states=states,
                    ))  # fmt: skip
    for body, symbol, date, topics in TREATY:
        paragraph_no = 8
        for topic_no in topics:
            theme, groups, targets, texts = TOPICS[topic_no]
            for text in texts[:2]:
                paragraph_no += 2
                concern = (
                    f"{paragraph_no}. The Committee is concerned that measures to {text[0].lower()}"
                    f"{text[1:]} have not been taken."
                )
                records.append(_record(
                    f"demo-{body.split()[0].lower()}-{symbol}-{paragraph_no}", body, symbol, date,
                    str(paragraph_no), concern, theme, groups, targets, kind="concern",
                ))  # fmt: skip
                records.append(_record(
                    f"demo-{body.split()[0].lower()}-{symbol}-{paragraph_no + 1}", body, symbol,
                    date, str(paragraph_no + 1),
                    f"{paragraph_no + 1}. The Committee recommends that the State party: {text}.",
                    theme, groups, targets,
                ))  # fmt: skip
    return records


def _record(external_id, body, symbol, date, paragraph, text, theme, groups, targets, *,
            kind="recommendation", cycle=None, session=None, position="", states=()):  # fmt: skip
    return RecommendationRecord(
        external_id=external_id,
        annotation_type=kind,
        body=body,
        countries=(DEMO_COUNTRY,),
        document_id=symbol,
        symbol=symbol,
        publication_date=date,
        publication_date_on_uhri=date + datetime.timedelta(days=60),
        regions=("Asia and the Pacific",),
        sdg_goals=tuple(sorted({int(t.split(".")[0]) for t in targets})),
        sdg_targets=tuple(targets),
        text_html="",
        text=text,
        paragraph=paragraph,
        themes=(theme,),
        affected_persons=tuple(groups),
        upr_cycle=cycle,
        upr_session=session,
        upr_position=position,
        recommending_states=tuple(states),
        recommending_regions=(),
        source_of_position=f"{symbol}/Add.1 - Para. 3" if cycle else "",
    )


def seed() -> str:
    if Recommendation.objects.filter(country=DEMO_COUNTRY).exists():
        return "recommendations demo data already loaded"
    rng = random.Random(2026)
    rco = User.objects.filter(memberships__role=Role.RCO_STAFF).order_by("pk").first()
    report = recommendations_import(
        country=DEMO_COUNTRY, records=_records(rng), actor=rco, source="Demo data"
    )
    unct_orgs = list(
        Organisation.objects.filter(country=DEMO_COUNTRY, kind=Organisation.Kind.UN_AGENCY)
    )
    recommendations = list(
        Recommendation.objects.filter(country=DEMO_COUNTRY).prefetch_related("themes")
    )
    topic_of = {theme: n for n, (theme, *_rest) in enumerate(TOPICS)}
    by_topic: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        for theme in rec.themes.all():
            if theme.name in topic_of:
                by_topic.setdefault(topic_of[theme.name], []).append(rec)
    institutions = []
    for name, kind, topics in INSTITUTIONS:
        institution = services.institution_save(
            actor=rco,
            country=DEMO_COUNTRY,
            data={"name": name, "kind": kind, "focal_point_name": f"Focal point, {name}"},
            organisations=unct_orgs if topics[0] in (0, 1, 2) else [],
        )
        institutions.append(institution)
        for topic in topics:
            for rec in by_topic.get(topic, []):
                rec.institutions.add(institution)
    # publish the supported UPR recommendations of the latest cycle and the CRC ones
    Recommendation.objects.filter(country=DEMO_COUNTRY).filter(
        document__upr_cycle=4, upr_position="Supported"
    ).update(published=True)
    Recommendation.objects.filter(country=DEMO_COUNTRY, mechanism__code="CRC").update(
        published=True
    )
    # clusters: the strongest text-similarity suggestions, confirmed
    suggestions = services.cluster_suggestions(recommendations=recommendations, threshold=0.5)
    by_pk = {r.pk: r for r in recommendations}
    clusters = []
    for suggestion in suggestions[:4]:
        members = [by_pk[pk] for pk in suggestion.recommendation_ids]
        clusters.append(
            services.cluster_save(
                actor=rco,
                country=DEMO_COUNTRY,
                title=suggestion.title,
                recommendations=members,
                published=len(clusters) == 0,
            )
        )
    # actions, assessments over time, indicators
    statuses = ["not_started", "partial", "partial", "full", "unclear"]
    today = datetime.date.today()
    for n, rec in enumerate(by_topic.get(0, [])[:6] + by_topic.get(1, [])[:6]):
        institution = rec.institutions.first() or institutions[0]
        services.action_save(
            actor=rco,
            recommendation=rec,
            data={
                "title": ["Draft the implementing regulation", "Train provincial staff",
                          "Budget the national plan"][n % 3],
                "institution": institution,
                "target_date": today + datetime.timedelta(days=90 * (n - 3)),
                "status": ["planned", "in_progress", "completed"][n % 3],
                "owner": institution.focal_point_name,
            },
        )  # fmt: skip
        for year in (2022, 2024):
            services.assessment_submit(
                actor=rco,
                recommendation=rec,
                data={
                    "status": statuses[(n + year) % len(statuses)],
                    "assessed_on": datetime.date(year, 6, 30),
                    "institution": institution,
                    "evidence_text": "Report of the inter-ministerial follow-up committee.",
                },
            )
        if n < 3:
            services.indicator_save(
                actor=rco,
                country=DEMO_COUNTRY,
                data={
                    "name": "Cases of gender-based violence prosecuted per year",
                    "recommendation": rec,
                    "institution": institution,
                    "frequency": "annual",
                    "next_due": today + datetime.timedelta(days=-30 if n == 0 else 120),
                },
            )
    partner = Organisation.objects.filter(country=DEMO_COUNTRY, kind=Organisation.Kind.CSO).first()
    published = Recommendation.objects.filter(
        country=DEMO_COUNTRY, published=True, themes__name=TOPICS[0][0]
    ).first()
    if partner and published:
        author = User.objects.filter(memberships__organisation=partner).first()
        services.assessment_submit(
            actor=author,
            recommendation=published,
            kind="shadow",
            organisation=partner,
            data={
                "status": "not_started",
                "assessed_on": today,
                "evidence_text": "No shelter has opened in the northern provinces; "
                "our members documented 40 unanswered requests.",
            },
        )
    if clusters:
        services.assessment_submit(
            actor=rco,
            cluster=clusters[0],
            data={"status": "partial", "assessed_on": today},
        )
    return (
        f"{report.added} recommendations, {len(clusters)} clusters, "
        f"{Institution.objects.filter(country=DEMO_COUNTRY).count()} institutions"
    )
