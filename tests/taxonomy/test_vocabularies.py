import pytest
from django.urls import reverse
from django.utils import translation

from taxonomy.models import Factor, GroupSynonym, PopulationGroup, SDGGoal, SDGIndicator, SDGTarget
from taxonomy.selectors import group_for_label
from taxonomy.services import vocabularies_load


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_sdgs_load_17_goals_and_169_targets_in_each_language(vocabularies, language):
    field = f"title_{language}"
    assert SDGGoal.objects.exclude(**{field: ""}).count() == 17
    assert SDGTarget.objects.exclude(**{field: ""}).count() == 169
    assert SDGIndicator.objects.exclude(**{field: ""}).count() > 200


def test_sdg_titles_follow_the_active_language(vocabularies):
    goal = SDGGoal.objects.get(number=1)
    with translation.override("fr"):
        assert goal.title.startswith("Éliminer la pauvreté")
    with translation.override("es"):
        assert "pobreza" in goal.title.lower()
    assert goal.title.startswith("End poverty")


def test_lettered_targets_follow_numbered_ones(vocabularies):
    codes = list(SDGTarget.objects.filter(goal__number=1).values_list("code", flat=True))
    assert codes == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.a", "1.b"]


def test_loading_twice_duplicates_nothing(vocabularies):
    before = [
        m.objects.count()
        for m in (SDGGoal, SDGTarget, SDGIndicator, PopulationGroup, GroupSynonym, Factor)
    ]
    vocabularies_load()
    after = [
        m.objects.count()
        for m in (SDGGoal, SDGTarget, SDGIndicator, PopulationGroup, GroupSynonym, Factor)
    ]
    assert before == after


def test_five_factors_in_order(vocabularies):
    assert list(Factor.objects.values_list("code", flat=True)) == [
        "discrimination",
        "geography",
        "governance",
        "socio_economic_status",
        "shocks_and_fragility",
    ]


@pytest.mark.parametrize(
    "label,expected",
    [
        ("- Women & girls", "Women & girls"),
        ("women", "Women & girls"),
        ("Lesbian, gay, bisexual and transgender and intersex persons (LGBTI)", "LGBTI persons"),
        ("persons with disabilities", "Persons with disabilities"),
        ("Refugees and asylum-seekers", "Refugees & asylum seekers"),
        ("rural women", "Rural women"),
        ("human rights defenders", "Human rights defenders"),
        ("Minorities/ racial, ethnic, linguistic, religious or descent-based groups", "Minorities"),
    ],
)
def test_labels_from_uhri_and_older_matrices_find_their_group(vocabularies, label, expected):
    assert group_for_label(label).name == expected


def test_unknown_label_finds_nothing(vocabularies):
    assert group_for_label("Left-handed lighthouse keepers") is None


def test_intersections_are_combinations_of_groups(vocabularies):
    group = PopulationGroup.objects.get(name="Indigenous women")
    assert set(group.components.values_list("name", flat=True)) == {
        "Indigenous peoples",
        "Women & girls",
    }


def test_hierarchy(vocabularies):
    assert PopulationGroup.objects.get(name="Human rights defenders").parent.name == "Civil society"


def test_rco_adds_a_country_specific_group_with_synonyms(people, client_for, vocabularies):
    client = client_for("rco")
    minorities = PopulationGroup.objects.get(name="Minorities")
    response = client.post(
        reverse("taxonomy:group_create"),
        {
            "name": "Dalits",
            "description": "",
            "parent": minorities.pk,
            "synonyms_text": "Scheduled castes\nwomen",  # "women" already names another group
        },
    )
    assert response.status_code == 302
    dalits = PopulationGroup.objects.get(name="Dalits")
    assert dalits.parent == minorities
    assert group_for_label("scheduled castes") == dalits
    assert group_for_label("women").name == "Women & girls"


def test_intersection_needs_two_groups(people, client_for, vocabularies):
    one = PopulationGroup.objects.get(name="Migrants")
    response = client_for("rco").post(
        reverse("taxonomy:group_create"), {"name": "Odd", "components": [one.pk]}
    )
    assert response.status_code == 200
    assert "at least two groups" in response.content.decode()


def test_a_group_cannot_be_its_own_ancestor(steward, client, vocabularies):
    civil = PopulationGroup.objects.get(name="Civil society")
    hrd = PopulationGroup.objects.get(name="Human rights defenders")
    client.force_login(steward)
    response = client.post(
        reverse("taxonomy:group_edit", args=[civil.slug]),
        {"name": "Civil society", "parent": hrd.pk},
    )
    assert "cannot be inside itself" in response.content.decode()


def test_partner_cannot_edit_vocabulary_through_api(people, client_for, vocabularies):
    client = client_for("partner_own")
    response = client.post("/api/groups/", {"name": "Made up"}, content_type="application/json")
    assert response.status_code == 403
    response = client.patch(
        "/api/groups/migrants/", {"description": "x"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_rco_edits_vocabulary_through_api(people, client_for, vocabularies):
    response = client_for("rco").post(
        "/api/groups/", {"name": "Ex-bonded labourers"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert PopulationGroup.objects.filter(slug="ex-bonded-labourers").exists()
