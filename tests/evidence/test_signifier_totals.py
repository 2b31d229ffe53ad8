"""The country-wide signifier totals ("everyone else" on a group page's plots) are read once
per country and reused by every group's recomputation until a story of the country changes."""

import pytest

from consultations import services as voice
from evidence import summary as summary_module
from evidence.refresh import compute_now
from evidence.summary import EVERYONE, evidence_for
from taxonomy.models import PopulationGroup
from tests.consultations.factories import consultation_objects


def _story(objs, people, groups, outcome: float):
    story, _code = voice.narrative_submit(
        instrument=objs.instrument,
        values={"story": "A story", "answers": {"who": [0.7, 0.2, 0.1], "outcome": outcome}},
        groups=groups,
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=people.partner_org,
    )
    voice.submission_review(obj=story, status="approved", note="", user=people.rco)
    return story


def _outcome(group) -> dict:
    data = evidence_for(compute_now(group, "Demoland").data, EVERYONE)
    return next(s for s in data["voice"]["signifiers"] if s["key"] == "outcome")


@pytest.fixture
def counted(monkeypatch):
    """Count the full reads of the country's stories for the totals."""
    calls = []
    real = summary_module.signifier_totals

    def counting(**kwargs):
        calls.append(kwargs["country"])
        return real(**kwargs)

    monkeypatch.setattr(summary_module, "signifier_totals", counting)
    return calls


def test_totals_are_read_once_for_many_groups_and_again_after_a_story_changes(
    people, vocabularies, counted
):
    objs = consultation_objects(people)
    rural = PopulationGroup.objects.get(name="Persons living in rural areas")
    migrants = PopulationGroup.objects.get(name="Migrants")
    rural_stories = [_story(objs, people, [rural], 0.05) for _ in range(5)]
    for _ in range(5):
        _story(objs, people, [migrants], 0.95)

    before = len(counted)
    rural_outcome = _outcome(rural)
    migrant_outcome = _outcome(migrants)
    assert len(counted) == before + 1  # one read of the country for both groups
    # The group's own histogram and everyone else's, from the shared totals.
    assert rural_outcome["group"][0] == 5 and rural_outcome["others"][9] == 5
    assert migrant_outcome["group"][9] == 5 and migrant_outcome["others"][0] == 5

    # A teller changes an answer: no story added or removed, so only the generation that
    # the save bumped makes the next recomputation read the country again.
    story = rural_stories[0]
    story.answers = {"who": [0.7, 0.2, 0.1], "outcome": 0.55}
    story.save()
    rural_outcome = _outcome(rural)
    assert len(counted) == before + 2
    assert rural_outcome["group"][0] == 4 and rural_outcome["group"][5] == 1


def test_a_new_approved_story_misses_the_cache_even_without_a_signal(people, vocabularies, counted):
    """Stories stored in bulk (no post_save) change the stamp: counted again."""
    objs = consultation_objects(people)
    rural = PopulationGroup.objects.get(name="Persons living in rural areas")
    migrants = PopulationGroup.objects.get(name="Migrants")
    for _ in range(5):
        _story(objs, people, [rural], 0.05)
    assert _outcome(rural)["others"] == [0] * 10
    story = _story(objs, people, [migrants], 0.95)
    from consultations.models import Narrative

    # Replace it by a copy written with a queryset update (no signal fires).
    Narrative.objects.filter(pk=story.pk).update(review_status="pending")
    calls = len(counted)
    _outcome(rural)
    Narrative.objects.filter(pk=story.pk).update(review_status="approved")
    assert _outcome(rural)["others"][9] == 1
    assert len(counted) == calls + 2
