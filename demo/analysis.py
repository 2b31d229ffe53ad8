"""Demo survey data for `make run`: a synthetic DHS-like survey of the fictional Demoland in
two rounds, with finished and published runs of several ESCAP indicators. Idempotent."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role, User
from analysis import services
from analysis.indicators import ESCAP_PRESETS
from analysis.models import Dataset, Run
from demo.accounts import DEMO_COUNTRY
from demo.synthetic import generate_dhs_like
from taxonomy.models import PopulationGroup

ROUNDS = (("2017", 20170611), ("2022", 20220611))
RUNS = {
    "HR": ["dhs-electricity", "dhs-clean-cooking-fuel", "dhs-basic-sanitation"],
    "IR": ["dhs-skilled-birth-attendance", "dhs-child-marriage"],
    "KR": ["dhs-stunting"],
}
UNITS = {"HR": "household", "IR": "woman 15–49", "KR": "child under 5"}
# Which population group a demo leaf is linked to when its path mentions a circumstance.
PATH_GROUPS = {"Rural": "Persons living in rural areas", "Bottom 40%": "Persons living in poverty"}
UNIT_GROUPS = {"IR": "Women & girls", "KR": "Children"}


# A made-up map of Demoland's six regions (lon/lat polygons), for the comparison page's
# choropleth: [west, south] corners of 2° × 2° cells, nudged so borders are not a grid.
DEMO_MAP = {
    "Capital": [[100.0, 12.0], [102.0, 12.3], [102.0, 14.0], [100.2, 14.0]],
    "Central Plains": [[102.0, 12.3], [104.0, 12.0], [104.0, 14.2], [102.0, 14.0]],
    "Eastern Coast": [[104.0, 12.0], [106.0, 12.4], [105.6, 14.0], [104.0, 14.2]],
    "Southern Delta": [[100.0, 12.0], [100.4, 10.0], [104.0, 10.2], [104.0, 12.0], [102.0, 12.3]],
    "Northern Highlands": [
        [100.2, 14.0],
        [102.0, 14.0],
        [104.0, 14.2],
        [103.0, 16.0],
        [100.5, 15.6],
    ],
    "Western Mountains": [[98.0, 11.0], [100.4, 10.0], [100.0, 12.0], [100.2, 14.0], [98.3, 13.5]],
}


def region_map_seed() -> None:
    """The demo country's map of regions (idempotent)."""
    from analysis.models import RegionMap

    RegionMap.objects.get_or_create(
        country=DEMO_COUNTRY,
        defaults={
            "shapes": {name: [ring + [ring[0]]] for name, ring in DEMO_MAP.items()},
            "name_property": "name",
            "original_name": "demoland-regions.geojson",
        },
    )


def seed() -> str:
    region_map_seed()
    if Dataset.objects.filter(country=DEMO_COUNTRY).exists():
        return "survey demo data already loaded"
    analyst = User.objects.filter(memberships__role=Role.RCO_STAFF).order_by("pk").first()
    groups = {g.name: g for g in PopulationGroup.objects.all()}
    runs = 0
    for survey_round, seed_value in ROUNDS:
        files = generate_dhs_like(seed=seed_value, n_households=2500)
        for recode, slugs in RUNS.items():
            if survey_round == "2017" and recode != "HR":
                continue  # the earlier round only gives a household trend
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"DEMO{recode}{survey_round}.dta"
                files[recode].write_dta(path)
                upload = SimpleUploadedFile(path.name, path.read_bytes())
            dataset = services.dataset_upload(
                uploaded=upload,
                title=f"Demoland DHS {survey_round} — {files[recode].title}",
                country=DEMO_COUNTRY,
                survey_kind="DHS",
                survey_round=survey_round,
                unit=UNITS[recode],
                user=analyst,
            )
            dataset.refresh_from_db()
            if dataset.status == Dataset.Status.PROFILING:  # no in-process task ran
                services.dataset_profile(dataset=dataset)
            for slug in slugs:
                batch = services.runs_start(
                    dataset=dataset,
                    definition=ESCAP_PRESETS[slug].to_dict(),
                    user=analyst,
                    subnational=slug == "dhs-electricity" and survey_round == "2022",
                    preset=slug,
                )
                for run in batch:
                    run.refresh_from_db()
                    services.run_execute(run=run)  # no-op when the task already ran
                    if run.status != Run.Status.SUCCEEDED:
                        continue
                    services.run_publish(run=run, user=analyst)
                    runs += 1
                    if run.region:
                        continue
                    leaf = run.result["furthest_behind"]
                    linked = [
                        groups[name]
                        for key, name in PATH_GROUPS.items()
                        if any(key in step for step in leaf["path"]) and name in groups
                    ]
                    if recode in UNIT_GROUPS and UNIT_GROUPS[recode] in groups:
                        linked.append(groups[UNIT_GROUPS[recode]])
                    if linked:
                        services.leaf_groups_link(
                            run=run, node_id=leaf["node"], groups=linked, user=analyst
                        )
    return f"{Dataset.objects.count()} survey files, {runs} published runs"
