"""Intersections say what they count; circumstances map to factors by an explicit table."""

import pytest
from django.urls import reverse

from evidence.circumstances import (
    DEFAULT_CIRCUMSTANCE_FACTORS,
    circumstance_factor_table,
    factor_for_circumstance,
)
from evidence.intersections import intersection_counts
from evidence.models import CircumstanceFactor
from recommendations.models import Recommendation
from taxonomy.models import PopulationGroup
from tests.recommendations.factories import recommendation

CHILDREN, DISABILITIES = "Children", "Persons with disabilities"
INTERSECTION = "Children with disabilities"


@pytest.fixture
def constructed(vocabularies):
    """1 names the intersection, 2 name both components, 3 only children, 4 only
    disabilities; 1 in another country."""
    recommendation(external_id="I#1", text="a", groups=[INTERSECTION])
    for i in range(2):
        recommendation(external_id=f"B#{i}", text="b", groups=[CHILDREN, DISABILITIES])
    for i in range(3):
        recommendation(external_id=f"C#{i}", text="c", groups=[CHILDREN])
    for i in range(4):
        recommendation(external_id=f"D#{i}", text="d", groups=[DISABILITIES])
    recommendation("Elsewhere", external_id="E#1", text="e", groups=[INTERSECTION])


def test_intersection_counts_by_kind(constructed):
    group = PopulationGroup.objects.get(name=INTERSECTION)
    counts = intersection_counts(
        group=group, recommendations=Recommendation.objects.filter(country="Demoland")
    )
    assert counts.naming_intersection == 1
    assert counts.naming_all_components == 2
    assert dict(counts.by_component) == {CHILDREN: 5, DISABILITIES: 6}
    assert counts.naming_any == 10
    ordinary = PopulationGroup.objects.get(name="Migrants")
    assert intersection_counts(group=ordinary, recommendations=Recommendation.objects.all()) is None


def test_the_group_page_shows_what_the_counts_mean(constructed, people, client_for):
    slug = PopulationGroup.objects.get(name=INTERSECTION).slug
    html = client_for("unct").get(reverse("evidence:group_page", args=[slug])).content.decode()
    section = html[html.index("What the counts mean") :]
    assert "Name “Children with disabilities” itself</th><td>1<" in section
    assert "but not the intersection</th><td>2<" in section


@pytest.mark.parametrize(
    "name,expected",
    [
        ("village_type", None),
        ("Village type", None),
        ("Marital status", "discrimination"),
        ("  residence ", "geography"),
        ("Wealth", "socio_economic_status"),
        ("Mother's education", "socio_economic_status"),
        ("Age group", "discrimination"),
        ("Births in last 5 years", None),
    ],
)
def test_factor_for_circumstance_matches_exact_names_only(name, expected):
    assert factor_for_circumstance(name, DEFAULT_CIRCUMSTANCE_FACTORS) == expected


def test_every_escap_preset_circumstance_is_decided():
    from analysis.indicators import ESCAP_PRESETS

    names = {c.name for p in ESCAP_PRESETS.values() for c in p.circumstances}
    undecided = {
        n for n in names if factor_for_circumstance(n, DEFAULT_CIRCUMSTANCE_FACTORS) is None
    }
    # Demographic counts are not one of the five factors (decided, not forgotten).
    assert undecided == {"Births in last 5 years", "Children under 5"}


@pytest.mark.django_db
def test_the_table_is_seeded_and_a_country_row_wins(people):
    if not CircumstanceFactor.objects.filter(country="").exists():  # flushed by another test
        for name, factor in DEFAULT_CIRCUMSTANCE_FACTORS.items():
            CircumstanceFactor.objects.create(circumstance=name, factor=factor)
    CircumstanceFactor.objects.create(
        circumstance="age group", country="Demoland", factor="governance"
    )
    table = circumstance_factor_table(country="Demoland")
    assert factor_for_circumstance("Age group", table) == "governance"
    assert factor_for_circumstance("Age group", circumstance_factor_table(country="Elsewhere")) == (
        "discrimination"
    )


@pytest.mark.django_db
def test_rco_staff_edit_their_countrys_rows_only(people, vocabularies, client_for):
    url = reverse("evidence:circumstance_factors") + "?country=Demoland"
    data = {"circumstance": "Village type", "factor": "geography"}
    assert client_for("unct").post(url, data).status_code == 403
    assert client_for("unct").get(url).status_code == 200
    assert client_for("rco").post(url, data).status_code == 302
    row = CircumstanceFactor.objects.get(circumstance="Village type")
    assert row.country == "Demoland" and row.created_by == people.rco
    assert client_for("rco").post(url, {**data, "factor": "nonsense"}).status_code == 400
    # changing the same name (any case) replaces the row
    client_for("rco").post(url, {"circumstance": "village TYPE", "factor": "governance"})
    assert CircumstanceFactor.objects.filter(country="Demoland").count() == 1
    delete = reverse("evidence:circumstance_factor_delete", args=[row.pk])
    client_for("foreign_rco").post(delete)
    assert CircumstanceFactor.objects.filter(pk=row.pk).exists()
    assert client_for("rco").post(delete).status_code == 302
    assert not CircumstanceFactor.objects.filter(pk=row.pk).exists()


def test_the_group_summary_maps_circumstances_through_the_table(people, vocabularies):
    """A survey leaf split on "village_type" says nothing about discrimination (the old
    substring rule read "age" in it); one split on "Residence" speaks to geography."""
    from evidence.summary import compute_summary
    from taxonomy.models import PopulationGroup
    from tests.evidence.test_group_pages import published_run

    rural = PopulationGroup.objects.get(name="Persons living in rural areas")
    run = published_run(goal=6, leaf_mean=0.3, national=0.6, group=rural)
    run.result["circumstances"] = [
        {"name": "village_type", "kind": "unordered", "order": []},
        {"name": "Residence", "kind": "unordered", "order": []},
    ]
    run.result["nodes"][1]["condition"]["label"] = "village_type = remote; Residence = Rural"
    run.save(update_fields=["result"])
    data = compute_summary(rural, "Demoland")
    (row,) = data["survey"]
    assert row["circumstance_factors"] == {"village_type": None, "Residence": "geography"}


def test_the_overview_ranks_an_intersection_by_the_recommendations_about_it(
    constructed, people, client_for
):
    """3 recommendations are about "children with disabilities" for certain (1 naming it, 2
    naming both groups); 10 name it or either group. Migrants, named by 5, rank above it."""
    for i in range(5):
        recommendation(external_id=f"M#{i}", text="m", groups=["Migrants"])
    client = client_for("unct")
    html = client.get(reverse("evidence:index") + "?sort=recommendations").content.decode()
    rows = html[html.index("<tbody>") :].split("<tr>")
    order = [next((n for n in ("Migrants", INTERSECTION) if f">{n}</a>" in r), None) for r in rows]
    order = [n for n in order if n]
    assert order == ["Migrants", INTERSECTION]
    row = next(r for r in rows if f">{INTERSECTION}</a>" in r)
    assert "<td>3 <a" in row and "(10 naming it or any group it combines)" in row
    migrants = next(r for r in rows if ">Migrants</a>" in r)
    assert "<td>5</td>" in migrants  # an ordinary group: no second number
    slug = PopulationGroup.objects.get(name=INTERSECTION).slug
    headline = client.get(f"/api/evidence/{slug}/").json()["headline"]
    assert (headline["recommendations_strict"], headline["recommendations"]) == (3, 10)


@pytest.mark.parametrize("role", ["unct", "rco", "partner_own"])
def test_stored_intersection_counts_equal_what_the_viewer_could_list(constructed, people, role):
    """The page reads the counts from the stored summary (no counting in the request); for
    each viewer they equal the counts over the recommendations that viewer may list: a
    partner reads the published ones only."""
    from accounts import policy
    from accounts.policy import Action, actor_for
    from evidence.intersections import stored_intersection_counts
    from evidence.refresh import compute_now
    from evidence.summary import Audience, evidence_for

    Recommendation.objects.filter(external_id__in=["I#1", "B#0", "C#0", "C#1", "D#0"]).update(
        published=True
    )
    group = PopulationGroup.objects.get(name=INTERSECTION)
    user = people.user(role)
    stored = compute_now(group, "Demoland").data
    seen = evidence_for(stored, Audience.of(actor_for(user), "Demoland"))
    counted = intersection_counts(
        group=group,
        recommendations=policy.scope(
            user, Recommendation.objects.filter(country="Demoland"), Action.LIST
        ),
    )
    assert stored_intersection_counts(group=group, recommendations=seen["recommendations"]) == (
        counted
    )
    if role == "partner_own":  # 1 naming it, 1 naming both, 2 only children, 1 disabilities
        assert (counted.naming_intersection, counted.naming_all_components) == (1, 1)
        assert dict(counted.by_component) == {CHILDREN: 3, DISABILITIES: 2}
        assert counted.naming_any == 5
    else:
        assert counted.naming_any == 10
