"""Small tracker data sets for the recommendations tests and the role × URL matrix."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from recommendations.models import (
    Action,
    Assessment,
    Cluster,
    ImportJob,
    Institution,
    Mechanism,
    Recommendation,
    SourceDocument,
    TrackingIndicator,
)
from taxonomy.models import PopulationGroup, SDGTarget


@dataclass(frozen=True)
class Record:
    """Shaped like ``recommendations.parsers.RecommendationRecord``."""

    external_id: str
    text: str
    body: str = "UPR"
    annotation_type: str = "recommendation"
    countries: tuple = ("Demoland",)
    document_id: str = "doc-1"
    symbol: str = "A/HRC/52/10"
    publication_date: datetime.date | None = datetime.date(2023, 1, 4)
    publication_date_on_uhri: datetime.date | None = datetime.date(2023, 3, 1)
    regions: tuple = ("Asia-Pacific",)
    sdg_goals: tuple = ()
    sdg_targets: tuple = ()
    text_html: str = ""
    paragraph: str = ""
    themes: tuple = ()
    affected_persons: tuple = ()
    upr_cycle: int | None = 4
    upr_session: int | None = 42
    upr_position: str = "Supported"
    recommending_states: tuple = ("Norway",)
    recommending_regions: tuple = ("WEOG",)
    source_of_position: str = ""

    def but(self, **changes) -> Record:
        return replace(self, **changes)


@dataclass
class Tracker:
    published: Recommendation
    unpublished: Recommendation
    institution: Institution
    other_institution: Institution
    action: Action
    official: Assessment
    shadow: Assessment
    cluster: Cluster
    indicator: TrackingIndicator
    job: ImportJob


def recommendation(
    country="Demoland",
    *,
    external_id,
    text,
    published=False,
    body="UPR",
    position="Supported",
    groups=(),
    targets=(),
    cycle=4,
) -> Recommendation:
    mechanism, _ = Mechanism.objects.get_or_create(
        code=body, defaults={"kind": Mechanism.Kind.UPR if body == "UPR" else "treaty_body"}
    )
    document, _ = SourceDocument.objects.get_or_create(
        country=country,
        mechanism=mechanism,
        symbol=f"{body}/{country}/{cycle}",
        defaults={"upr_cycle": cycle if body == "UPR" else None},
    )
    rec = Recommendation.objects.create(
        country=country,
        external_id=external_id,
        mechanism=mechanism,
        document=document,
        text=text,
        paragraph=external_id[-4:],
        upr_position=position if body == "UPR" else "",
        published=published,
    )
    if groups:
        rec.groups.set(PopulationGroup.objects.filter(name__in=groups))
    if targets:
        rec.sdg_targets.set(SDGTarget.objects.filter(code__in=targets))
    return rec


def tracker(p) -> Tracker:
    """Published and unpublished recommendations of Demoland with their tracking; one
    institution assigned to the UNCT member's organisation."""
    cached = getattr(p, "_tracker", None)
    if cached is not None:
        return cached
    published = recommendation(
        external_id="pub-0001",
        text="Adopt a law on violence against women and girls.",
        published=True,
        groups=["Women & girls"],
        targets=["5.2"],
    )
    unpublished = recommendation(
        external_id="unp-0002", text="Ratify the Convention on domestic workers.", body="CEDAW"
    )
    institution = Institution.objects.create(country="Demoland", name="Ministry of Justice")
    institution.organisations.add(p.unct_org)
    other = Institution.objects.create(country="Demoland", name="Ministry of Labour")
    published.institutions.add(institution)
    action = Action.objects.create(
        country="Demoland",
        recommendation=published,
        institution=institution,
        title="Draft the bill",
        target_date=datetime.date(2026, 6, 30),
    )
    official = Assessment.objects.create(
        country="Demoland", recommendation=published, status="partial", institution=institution
    )
    shadow = Assessment.objects.create(
        country="Demoland",
        recommendation=published,
        status="not_started",
        kind="shadow",
        organisation=p.partner_org,
        author=p.partner_own,
    )
    cluster = Cluster.objects.create(
        country="Demoland", title="Violence against women", published=True
    )
    cluster.recommendations.add(published)
    indicator = TrackingIndicator.objects.create(
        country="Demoland",
        name="Shelters per 100,000 women",
        recommendation=published,
        frequency="annual",
        next_due=datetime.date(2020, 1, 1),
    )
    job = ImportJob.objects.create(
        country="Demoland", kind="template", original_name="x.csv", status="failed"
    )
    p._tracker = Tracker(
        published,
        unpublished,
        institution,
        other,
        action,
        official,
        shadow,
        cluster,
        indicator,
        job,
    )
    return p._tracker
