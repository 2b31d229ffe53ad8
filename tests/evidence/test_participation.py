"""Participation indicators: who was heard, and who was not although recommendations name
them or a tree found them furthest behind; per viewer; accessibility and languages."""

import datetime
import secrets

import pytest
from django.urls import reverse

from analysis.services import leaf_group_link
from consultations.models import FocusGroup, Narrative
from evidence.participation import participation_indicators
from taxonomy.models import PopulationGroup
from tests.consultations.factories import consultation_objects
from tests.factories import run_with_result
from tests.recommendations.factories import recommendation

pytestmark = pytest.mark.django_db


def _stories(objs, organisation, group, n, language="en"):
    for i in range(n):
        story = Narrative.objects.create(
            campaign=objs.campaign,
            instrument=objs.instrument,
            organisation=organisation,
            story=f"Story {i}",
            language=language,
            consent_text=objs.campaign.current_consent,
            consent_how="self",
            consent_date=datetime.date(2026, 3, 1),
            retain_until=datetime.date(2029, 3, 1),
            receipt_hash=secrets.token_hex(32),
            review_status="approved",
        )
        story.groups.add(group)


@pytest.fixture
def country(people, vocabularies):
    objs = consultation_objects(people)
    migrants = PopulationGroup.objects.get(slug="migrants")
    youth = PopulationGroup.objects.get(name="Youth & juveniles")
    _stories(objs, people.partner_org, migrants, 6)
    _stories(objs, people.other_partner_org, youth, 2, language="fr")
    record = objs.focus_group
    record.review_status = "approved"
    record.accommodations = ["sign_language"]
    record.save()
    record.groups.add(migrants)
    FocusGroup.objects.create(
        campaign=objs.campaign,
        organisation=people.partner_org,
        held_on=datetime.date(2026, 5, 2),
        place="South",
        languages="en, Demolandic",
        participants={"sex": {"female": 3, "male": 3}},
        consent_obtained="verbal",
        questions="?",
        consent_text=objs.campaign.current_consent,
        consent_how="verbal",
        consent_date=datetime.date(2026, 5, 2),
        retain_until=datetime.date(2029, 5, 2),
        review_status="approved",
    )
    recommendation(
        external_id="rec-pwd-1",
        text="Ensure inclusive schools",
        published=True,
        groups=["Persons with disabilities"],
    )
    recommendation(
        external_id="rec-pwd-2", text="Unpublished draft", groups=["Persons with disabilities"]
    )
    recommendation(
        external_id="rec-mig", text="Protect migrants", published=True, groups=["Migrants"]
    )
    run = run_with_result(published=True)
    behind = run.result["furthest_behind"]["node"]
    older = PopulationGroup.objects.get(slug="older-persons")
    leaf_group_link(run=run, node_id=behind, group=older, user=None)
    objs.campaign.target_groups.add(PopulationGroup.objects.get(name="Stateless persons"))
    return objs


def test_a_group_with_recommendations_but_no_voice_is_listed_as_not_heard(country, people):
    ind = participation_indicators(viewer=people.unct, country="Demoland")
    not_heard = {g.name: g for g in ind.not_heard}
    assert not_heard["Persons with disabilities"].recommendations == 2
    assert not_heard["Older persons"].furthest_behind == ("Electricity",)
    assert not_heard["Stateless persons"].wanted
    assert "Migrants" not in not_heard and "Youth & juveniles" not in not_heard
    heard = {g.name: g for g in ind.participation.heard}
    assert (heard["Migrants"].stories, heard["Migrants"].participants) == (6, 6)
    assert heard["Youth & juveniles"].stories is None  # two stories: fewer than 5
    p = ind.participation
    assert (p.focus_groups, p.accessible_focus_groups) == (2, 1)
    assert dict(p.accommodations) == {"sign_language": 1}
    # 8 stories are shown in total, so hiding "fr" (2) alone would reveal it: "en" goes too.
    assert p.stories == 8 and dict(p.story_languages) == {"en": None, "fr": None}
    assert dict(p.focus_group_languages) == {"en": 2, "Demolandic": 1}


def test_counts_are_what_the_viewer_may_list(country, people):
    own = participation_indicators(viewer=people.partner_own, country="Demoland")
    # The partner lists its own organisation's stories (6 migrants), not the other's, and
    # the published recommendation only.
    assert {g.name for g in own.participation.heard} == {"Migrants"}
    assert {g.name: g.recommendations for g in own.not_heard}["Persons with disabilities"] == 1
    other = participation_indicators(viewer=people.partner_other, country="Demoland")
    assert "Migrants" in {g.name for g in other.not_heard}
    assert other.participation.stories is None


def test_the_page_shows_the_unheard_group_for_a_campaign(country, people, client):
    client.force_login(people.unct)
    response = client.get(reverse("evidence:participation"), {"campaign": country.campaign.pk})
    html = response.content.decode()
    assert response.status_code == 200
    unheard = html[html.index('id="unheard-heading"') :]
    assert "Persons with disabilities</a></th><td>2</td>" in unheard
    assert "Older persons</a></th><td>0</td><td>Electricity</td>" in unheard
    assert client.get(reverse("evidence:participation"), {"campaign": 99999}).status_code == 404
    edit = reverse("feedback:edit", args=[country.campaign.pk])
    assert reverse("feedback:full", args=[country.campaign.pk]) in html and edit not in html
    client.force_login(people.rco)
    assert edit in client.get(reverse("evidence:participation")).content.decode()


def test_groups_wanted_only_by_campaigns_the_viewer_cannot_list_are_not_shown(country, people):
    """A draft campaign (or one a partner is not invited to) is unknown to the viewer: the
    groups it sets out to hear must not appear as "wanted" on the viewer's page."""
    from consultations.models import Campaign

    hidden = Campaign.objects.create(
        title="Planned: displacement",
        purpose="Not yet opened",
        country="Demoland",
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 6, 1),
        languages=["en"],
        status=Campaign.Status.DRAFT,
    )
    hidden.target_groups.add(PopulationGroup.objects.get(name="Internally displaced persons"))
    for viewer in (people.unct, people.partner_own):
        shown = participation_indicators(viewer=viewer, country="Demoland")
        assert "Internally displaced persons" not in {g.name for g in shown.not_heard}
        assert "Internally displaced persons" not in {
            name for _pk, _slug, name in shown.participation.target_groups
        }
        assert "Stateless persons" in {g.name for g in shown.not_heard}
    rco = participation_indicators(viewer=people.rco, country="Demoland")
    assert "Internally displaced persons" in {g.name for g in rco.not_heard}


def test_a_deployments_higher_minimum_cell_size_is_applied(country, people, settings):
    """SMALL_COUNT_MIN is the one suppression rule: with 10, six stories are "fewer than 10"
    on the participation indicators and on the public feedback page alike."""
    from consultations.selectors import campaign_heard

    settings.SMALL_COUNT_MIN = 10
    ind = participation_indicators(viewer=people.unct, country="Demoland")
    heard = {g.name: g for g in ind.participation.heard}
    assert heard["Migrants"].stories is None
    assert ind.participation.stories is None
    public = campaign_heard(country.campaign)
    assert public.stories is None
    assert {name: n for _pk, name, n in public.groups}["Migrants"] is None
