"""Linking tree leaves to population groups: additive, removable, recorded, rights-holders
first, searchable without JavaScript, with the run's reference population."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from analysis.indicators import ESCAP_PRESETS, reference_population_text
from analysis.models import LeafGroupLink
from taxonomy.models import PopulationGroup
from tests.factories import run_with_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(vocabularies):
    run = run_with_result(published=True)
    run.definition = ESCAP_PRESETS["dhs-skilled-birth-attendance"].to_dict()
    run.save(update_fields=["definition"])
    return run


def _leaf(run) -> int:
    return next(n["id"] for n in run.result["nodes"] if n["is_leaf"])


def _group(name):
    return PopulationGroup.objects.get(name=name)


def test_links_are_added_one_after_the_other_and_all_remain(run, people, client_for):
    client, leaf = client_for("rco"), _leaf(run)
    url = reverse("analysis:run_link_groups", args=[run.pk])
    client.post(url, {"node": leaf, "groups": [_group("Persons living in poverty").pk]})
    client.post(url, {"node": leaf, "groups": [_group("Rural women").pk]})
    links = LeafGroupLink.objects.filter(run=run, node_id=leaf)
    assert {link.group.name for link in links} == {"Persons living in poverty", "Rural women"}
    assert all(link.created_by == people.rco and link.created_at for link in links)
    assert AuditEvent.objects.filter(summary__startswith="linked leaf").count() == 2
    html = client.get(run.get_absolute_url()).content.decode()
    assert "Persons living in poverty" in html and "Rural women" in html
    assert "Remove the link of leaf" in html


def test_a_link_is_removed_by_its_own_url_and_the_others_stay(run, people, client_for):
    from analysis.services import leaf_group_link

    leaf = _leaf(run)
    poverty = leaf_group_link(
        run=run, node_id=leaf, group=_group("Persons living in poverty"), user=people.rco
    )
    leaf_group_link(run=run, node_id=leaf, group=_group("Rural women"), user=people.rco)
    url = reverse("analysis:run_unlink_group", args=[run.pk, poverty.pk])
    assert client_for("unct").post(url).status_code == 403
    response = client_for("rco").post(url)
    assert response.status_code == 302 and response["Location"].endswith(f"#node-{leaf}")
    assert [link.group.name for link in LeafGroupLink.objects.all()] == ["Rural women"]
    assert AuditEvent.objects.filter(summary__startswith="unlinked leaf").exists()


def test_invalid_link_requests_are_messages_not_errors(run, people, client_for):
    url = reverse("analysis:run_link_groups", args=[run.pk])
    client = client_for("rco")
    for data in ({"node": 999, "groups": [1]}, {"node": "x"}, {"node": _leaf(run)}, {}):
        assert client.post(url, data).status_code == 302
    assert not LeafGroupLink.objects.exists()


def test_the_reference_population_is_recorded(run, people):
    from analysis.services import leaf_group_link

    link = leaf_group_link(
        run=run, node_id=_leaf(run), group=_group("Women & girls"), user=people.rco
    )
    assert link.reference_population == "all women 15-49 where v208 > 0"


@pytest.mark.parametrize(
    "definition,region,expected",
    [
        ({"unit": "woman 15-49"}, "", "all women 15-49"),
        ({"unit": "household"}, "Coast", "all households in Coast"),
        ({"unit": "child under 5"}, "", "all children under 5"),
        (
            {
                "unit": "household member",
                "population_filter": [{"column": "hv105", "op": "between", "value": [20, 35]}],
            },
            "",
            "all household members where hv105 20–35",
        ),
        ({}, "", "everyone surveyed"),
    ],
)
def test_reference_population_text(definition, region, expected):
    assert reference_population_text(definition, region) == expected


def test_rights_holders_are_offered_first_and_actors_apart(run, people, client_for):
    assert (
        not _group("Media").rights_holder
        and not _group("Judges, lawyers and prosecutors").rights_holder
    )
    assert _group("Migrants").rights_holder
    html = client_for("rco").get(run.get_absolute_url()).content.decode()
    rights = html.index('label="Rights-holders"')
    actors = html.index('label="Other categories')
    assert rights < html.index(">Migrants</option>") < actors < html.index(">Media</option>")


def test_the_group_search_works_without_javascript(run, people, client_for):
    html = client_for("rco").get(run.get_absolute_url() + "?q=disab").content.decode()
    start = html.index("<select multiple")
    select = html[start : html.index("</select>", start)]
    assert "Persons with disabilities" in select and "Children with disabilities" in select
    assert "Migrants" not in select and "Media" not in select
    # synonyms match too: "journalists" is a synonym of Media
    html = client_for("rco").get(run.get_absolute_url() + "?q=journalists").content.decode()
    start = html.index("<select multiple")
    select = html[start : html.index("</select>", start)]
    assert ">Media</option>" in select


def test_the_data_migration_marks_actors(vocabularies):
    """The flag is set on the seeded vocabularies as by the migration."""
    not_rights_holders = set(
        PopulationGroup.objects.filter(rights_holder=False).values_list("name", flat=True)
    )
    assert {
        "Civil society",
        "Media",
        "Law enforcement / police & prison officials",
        "Judges, lawyers and prosecutors",
        "Public officials",
    } <= not_rights_holders
    assert "Children with disabilities" not in not_rights_holders


def test_linking_from_a_search_comes_back_to_the_search(run, people, client_for):
    response = client_for("rco").post(
        reverse("analysis:run_link_groups", args=[run.pk]),
        {"node": _leaf(run), "groups": [_group("Rural women").pk], "q": "rural"},
    )
    assert response["Location"].endswith(f"?q=rural#node-{_leaf(run)}")
