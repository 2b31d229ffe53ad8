"""H2: shared vocabularies are changed by vocabulary stewards only, and a population group
is never deleted while something refers to it (it is merged instead)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from consultations.models import Narrative
from evidence.models import Cause
from taxonomy.models import PopulationGroup
from taxonomy.services import group_merge, group_references
from tests.consultations.factories import consultation_objects


@pytest.fixture
def migrants_in_use(people, vocabularies):
    objects = consultation_objects(people)
    migrants = PopulationGroup.objects.get(slug="migrants")
    objects.narrative.groups.add(migrants)
    Cause.objects.create(group=migrants, country="Demoland", level="root", text="Root")
    return migrants


@pytest.mark.parametrize("role", ["rco", "unct", "partner_own"])
def test_h2_portal_roles_cannot_change_or_delete_a_group_through_the_api(
    migrants_in_use, client_for, role
):
    client = client_for(role)
    url = reverse("api:group-detail", args=["migrants"])
    assert client.patch(url, {"name": "X"}, content_type="application/json").status_code == 403
    assert client.delete(url).status_code == 403
    assert PopulationGroup.objects.filter(slug="migrants", name="Migrants").exists()
    assert Narrative.objects.filter(groups=migrants_in_use).exists()


def test_h2_a_referenced_group_is_never_deleted(migrants_in_use, steward, client):
    client.force_login(steward)
    response = client.delete(reverse("api:group-detail", args=["migrants"]))
    assert response.status_code == 409
    assert "merge" in response.json()["detail"]
    assert response.json()["references"]["consultations.narrative_groups"] == 1
    assert PopulationGroup.objects.filter(slug="migrants").exists()
    assert Cause.objects.filter(group=migrants_in_use).exists()


def test_an_unreferenced_group_is_deleted_by_a_steward_and_audited(steward, client, vocabularies):
    PopulationGroup.objects.create(name="Typo group")
    client.force_login(steward)
    assert client.delete(reverse("api:group-detail", args=["typo-group"])).status_code == 204
    assert not PopulationGroup.objects.filter(slug="typo-group").exists()
    assert AuditEvent.objects.filter(action="delete", summary__contains="Typo group").exists()


def test_rco_proposes_a_group_for_review(people, client_for, vocabularies):
    response = client_for("rco").post(
        reverse("api:group-list"), {"name": "Ex-bonded labourers"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert PopulationGroup.objects.get(slug="ex-bonded-labourers").needs_review


def test_steward_edits_through_the_service_keeping_synonyms(steward, client, vocabularies):
    client.force_login(steward)
    group = PopulationGroup.objects.get(slug="migrants")
    synonyms = set(group.synonyms.values_list("label", flat=True))
    response = client.patch(
        reverse("api:group-detail", args=["migrants"]),
        {"description": "People who moved"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    group.refresh_from_db()
    assert group.description == "People who moved"
    assert set(group.synonyms.values_list("label", flat=True)) == synonyms
    assert AuditEvent.objects.filter(summary__contains="population group changed").exists()
    # The form's checks apply to the API too.
    civil = PopulationGroup.objects.get(name="Civil society")
    hrd = PopulationGroup.objects.get(name="Human rights defenders")
    response = client.patch(
        reverse("api:group-detail", args=[civil.slug]),
        {"parent": hrd.pk},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_merge_repoints_everything_and_keeps_the_name_as_a_synonym(
    migrants_in_use, steward, client, people
):
    target = PopulationGroup.objects.get(slug="stateless-persons")
    story = consultation_objects(people).narrative
    story.groups.add(target)  # already linked to both: kept once
    client.force_login(steward)
    response = client.post(
        reverse("api:group-merge", args=["migrants"]),
        {"into": target.slug},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert not PopulationGroup.objects.filter(slug="migrants").exists()
    assert list(story.groups.all()) == [target]
    assert Cause.objects.get(text="Root").group == target
    assert "Migrants" in target.synonyms.values_list("label", flat=True)
    assert AuditEvent.objects.filter(summary__contains="merged: Migrants").exists()


def test_merge_page_for_stewards(migrants_in_use, steward, client):
    target = PopulationGroup.objects.get(slug="stateless-persons")
    client.force_login(steward)
    page = client.get(reverse("taxonomy:group_detail", args=["migrants"])).content.decode()
    assert "Merge into" in page
    response = client.post(
        reverse("taxonomy:group_merge", args=["migrants"]), {"into": target.slug}
    )
    assert response.status_code == 302
    assert group_references(target)


def test_merge_service_refuses_a_group_into_itself(migrants_in_use, steward):
    with pytest.raises(ValueError):
        group_merge(source=migrants_in_use, target=migrants_in_use, user=steward)
