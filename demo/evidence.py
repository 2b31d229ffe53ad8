"""Demo analyses for `make run`: a problem tree, roles, a capacity gap and an action for
rural people in Demoland, citing the demo survey run, a story and a recommendation."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from analysis.models import LeafGroupLink
from consultations.models import Campaign, Narrative
from demo.accounts import DEMO_COUNTRY
from evidence.models import (
    CampaignFeedback,
    CapacityGap,
    Cause,
    Citation,
    GroupAction,
    MonitoringIndicator,
    MonitoringValue,
    RoleEntry,
)
from evidence.services import summaries_refresh
from recommendations.models import Recommendation
from taxonomy.models import PopulationGroup


def _monitoring(group: PopulationGroup, country: str, author) -> None:
    """Two monitoring indicators for rural people, both closing their gap too slowly for
    the 2030 target: clean cooking fuel from the published runs of the 2017 and 2022 rounds
    (the rural leaf linked in both), and a sanitation series entered by hand."""
    if MonitoringIndicator.objects.filter(group=group, country=country).exists():
        return
    MonitoringIndicator.objects.create(
        group=group,
        country=country,
        name="Households using clean cooking fuel",
        source=MonitoringIndicator.Source.RUN,
        analysis_indicator="dhs-clean-cooking-fuel",
        target_group=30.0,
        target_others=60.0,
        floor=20.0,
        floor_label="every region",
        created_by=author,
    )
    sanitation = MonitoringIndicator.objects.create(
        group=group,
        country=country,
        name="Households with basic sanitation",
        source=MonitoringIndicator.Source.MANUAL,
        source_note="Demoland DHS 2017 and 2022 final reports, table 2.3 (demo figures)",
        target_group=75.0,
        target_others=85.0,
        milestones=[
            {"year": 2022, "group": 45.0, "others": 66.0},
            {"year": 2026, "group": 60.0, "others": 75.0},
        ],
        floor=50.0,
        floor_label="every district",
        created_by=author,
    )
    for year, mine, theirs, ci in (
        (2017, 31.0, 58.0, (28.4, 33.7)),
        (2022, 37.0, 62.0, (34.6, 39.5)),
    ):
        MonitoringValue.objects.create(
            indicator=sanitation,
            year=year,
            group_value=mine,
            others_value=theirs,
            group_ci_low=ci[0],
            group_ci_high=ci[1],
            source=f"DHS {year}",
        )


FEEDBACK = {
    "en": {
        "heard": "People in rural areas told us that the grid and clean cooking fuel do not "
        "reach their villages, that clinics are far away, and that nobody asks them when "
        "roads and power lines are planned.",
        "happening": "The UN team and the Ministry of Energy are planning to extend "
        "off-grid solar power to remote villages, and community meetings will be held "
        "before the next infrastructure plan is adopted.",
        "easy_read": "You told us power and clean fuel do not reach your village.\n"
        "You told us nobody asks you about new roads and power lines.\n"
        "We are working on solar power for remote villages.\n"
        "There will be meetings in villages before the next plan.",
    },
    "fr": {
        "heard": "Les habitants des zones rurales nous ont dit que le réseau électrique et les "
        "combustibles de cuisson propres n’atteignent pas leurs villages, que les centres de "
        "santé sont loin et que personne ne les consulte quand on prévoit des routes et des "
        "lignes électriques.",
        "happening": "L’équipe des Nations Unies et le ministère de l’Énergie préparent "
        "l’extension de l’énergie solaire hors réseau aux villages isolés, et des réunions "
        "communautaires auront lieu avant l’adoption du prochain plan d’infrastructures.",
        "easy_read": "Vous nous avez dit que l’électricité et le combustible propre "
        "n’arrivent pas dans votre village.\n"
        "Vous nous avez dit que personne ne vous consulte sur les routes et les lignes "
        "électriques.\n"
        "Nous travaillons à l’énergie solaire pour les villages isolés.\n"
        "Il y aura des réunions dans les villages avant le prochain plan.",
    },
    "es": {
        "heard": "Las personas de las zonas rurales nos dijeron que la red eléctrica y los "
        "combustibles limpios para cocinar no llegan a sus aldeas, que los centros de salud "
        "están lejos y que nadie les consulta cuando se planifican carreteras y líneas "
        "eléctricas.",
        "happening": "El equipo de las Naciones Unidas y el Ministerio de Energía preparan la "
        "extensión de la energía solar fuera de la red a las aldeas remotas, y habrá "
        "reuniones comunitarias antes de aprobar el próximo plan de infraestructuras.",
        "easy_read": "Nos dijeron que la electricidad y el combustible limpio no llegan a su "
        "aldea.\n"
        "Nos dijeron que nadie les consulta sobre carreteras y líneas eléctricas.\n"
        "Trabajamos en energía solar para las aldeas remotas.\n"
        "Habrá reuniones en las aldeas antes del próximo plan.",
    },
}


def _feedback(country: str, author) -> None:
    """Published "what we heard and what is happening" pages for the demo's campaigns, in
    each of their languages (written by hand in English, French and Spanish)."""
    today = timezone.now().date()
    for campaign in Campaign.objects.filter(country=country, public_link_enabled=True):
        for language in campaign.languages or ["en"]:
            if language not in FEEDBACK:
                continue
            CampaignFeedback.objects.get_or_create(
                campaign=campaign,
                language=language,
                defaults={
                    **FEEDBACK[language],
                    "status": CampaignFeedback.Status.PUBLISHED,
                    "published_at": timezone.now(),
                    "next_update": today + datetime.timedelta(days=90),
                    "updated_by": author,
                },
            )


@transaction.atomic
def seed() -> str:
    group = PopulationGroup.objects.filter(name="Persons living in rural areas").first()
    if group is not None:
        author = (
            User.objects.filter(
                memberships__role=Role.UNCT_MEMBER,
                memberships__organisation__country=DEMO_COUNTRY,
            )
            .order_by("pk")
            .first()
        )
        _monitoring(group, DEMO_COUNTRY, author)
        _feedback(DEMO_COUNTRY, author)
    if group is None or Cause.objects.filter(group=group, country=DEMO_COUNTRY).exists():
        summaries_refresh()
        return "group analyses already loaded"
    author = (
        User.objects.filter(
            memberships__role=Role.UNCT_MEMBER, memberships__organisation__country=DEMO_COUNTRY
        )
        .order_by("pk")
        .first()
    )
    country = DEMO_COUNTRY
    link = (
        LeafGroupLink.objects.filter(
            group=group, run__published=True, run__region="", run__dataset__country=country
        )
        .select_related("run")
        .first()
    )
    story = Narrative.objects.filter(
        groups=group, review_status="approved", use_quotation=True, campaign__country=country
    ).first()
    rec = Recommendation.objects.filter(groups=group, country=country).first()
    manifestation = Cause.objects.create(
        group=group,
        country=country,
        level="manifestation",
        created_by=author,
        rights="adequate standard of living; health",
        text="Rural households are furthest behind in access to electricity and clean cooking fuel",
    )
    immediate = Cause.objects.create(
        group=group,
        country=country,
        parent=manifestation,
        level="immediate",
        created_by=author,
        text="The grid does not reach remote villages",
    )
    underlying = Cause.objects.create(
        group=group,
        country=country,
        parent=immediate,
        level="underlying",
        created_by=author,
        text="The electrification budget covers district towns only",
    )
    Cause.objects.create(
        group=group,
        country=country,
        parent=underlying,
        level="root",
        created_by=author,
        text="Rural communities have no voice in infrastructure planning",
    )
    if link:
        Citation.objects.create(cause=manifestation, run=link.run)
    if story:
        Citation.objects.create(cause=immediate, narrative=story)
    if rec:
        Citation.objects.create(cause=underlying, recommendation=rec)
    RoleEntry.objects.create(
        group=group,
        country=country,
        kind="rights_holder",
        name="Rural households",
        claims_or_obligations="Affordable, reliable energy for cooking, light and livelihoods",
    )
    ministry = RoleEntry.objects.create(
        group=group,
        country=country,
        kind="duty_bearer",
        name="Ministry of Energy",
        level="central",
        claims_or_obligations="Plan and finance universal access, consulting the people concerned",
    )
    gap = CapacityGap.objects.create(
        role=ministry,
        dimension="resources_financial",
        severity="high",
        description="No budget line for off-grid solutions",
    )
    action = GroupAction.objects.create(
        group=group,
        country=country,
        title="Support community consultations on the rural electrification plan",
        kind="community_empowerment",
        owner="UNDP Demoland",
        status="planned",
    )
    action.causes.set([underlying])
    action.capacity_gaps.set([gap])
    if rec:
        action.recommendations.set([rec])
    summaries_refresh()
    return "problem tree, roles and an action for rural people"
