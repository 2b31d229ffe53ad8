"""The group page's citation choices come from a search (GET, no JavaScript) over the
evidence of the page's country that the writer may see, never from full lists; a POST
still accepts only that evidence."""

from django.urls import reverse

from consultations import services as voice
from evidence.forms import CITE_PAGE_SIZE
from evidence.models import Cause, Citation
from taxonomy.models import PopulationGroup
from tests.consultations.factories import consultation_objects
from tests.recommendations.factories import recommendation


def _approved_story(objs, people, text):
    story, _code = voice.narrative_submit(
        instrument=objs.instrument,
        values={"story": text},
        groups=[PopulationGroup.objects.get(name="Migrants")],
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=people.partner_org,
    )
    voice.submission_review(obj=story, status="approved", note="", user=people.rco)
    return story


def _page(client, **params):
    url = reverse("evidence:group_page", args=["migrants"])
    return client.get(url, {"country": "Demoland", **params}).content.decode()


def _choice(name, pk) -> str:
    return f'name="{name}" value="{pk}"'


def test_a_writer_finds_a_story_and_a_recommendation_and_cites_them(
    people, client_for, vocabularies
):
    objs = consultation_objects(people)
    story = _approved_story(objs, people, "The border clinic refused us without papers")
    _approved_story(objs, people, "Nothing about that here")
    rec = recommendation(external_id="R#1", text="Give migrants access to clinics")
    client = client_for("unct")

    before = _page(client)
    assert 'id="cite"' in before and 'name="cite_q"' in before
    assert _choice("cite_story", story.pk) not in before  # no list before a search

    found = _page(client, cite_q="clinic")
    assert found.count(_choice("cite_story", story.pk)) == 2  # cause and capacity-gap forms
    assert _choice("cite_rec", rec.pk) in found
    assert "Nothing about that here" not in found

    only_recs = _page(client, cite_q="clinic", cite_kind="cite_rec")
    assert _choice("cite_story", story.pk) not in only_recs
    assert _choice("cite_rec", rec.pk) in only_recs

    response = client.post(
        reverse("evidence:cause_add", args=["migrants"]) + "?country=Demoland",
        {
            "level": "immediate",
            "text": "Clinics turn away people without papers",
            "cite_story": [story.pk],
            "cite_rec": [rec.pk],
        },
    )
    assert response.status_code == 302
    cited = Citation.objects.filter(cause=Cause.objects.get())
    assert {(c.narrative_id, c.recommendation_id) for c in cited} == {
        (story.pk, None),
        (None, rec.pk),
    }


def test_evidence_of_another_country_or_not_visible_is_neither_found_nor_accepted(
    people, client_for, vocabularies
):
    objs = consultation_objects(people)  # its story ("…the clinic.") waits for review
    elsewhere = recommendation("Elsewhere", external_id="X#1", text="Open the clinic")
    client = client_for("unct")

    found = _page(client, cite_q="clinic")
    assert _choice("cite_rec", elsewhere.pk) not in found
    assert _choice("cite_story", objs.narrative.pk) not in found
    assert "No evidence you may cite matches your search." in found

    for field, pk in (("cite_rec", elsewhere.pk), ("cite_story", objs.narrative.pk)):
        response = client.post(
            reverse("evidence:cause_add", args=["migrants"]) + "?country=Demoland",
            {"level": "root", "text": "Refused", field: [pk]},
        )
        assert response.status_code == 400
    assert not Cause.objects.exists() and not Citation.objects.exists()


def test_matches_are_paged(people, client_for, vocabularies):
    recs = [
        recommendation(external_id=f"P#{i}", text=f"Register births, item {i}")
        for i in range(CITE_PAGE_SIZE + 2)
    ]
    client = client_for("rco")
    first = _page(client, cite_q="register births", cite_kind="cite_rec")
    shown = [r for r in recs if _choice("cite_rec", r.pk) in first]
    assert len(shown) == CITE_PAGE_SIZE and "Next matches" in first
    second = _page(client, cite_q="register births", cite_kind="cite_rec", cite_page=2)
    assert {r.pk for r in recs if _choice("cite_rec", r.pk) in second} == {
        r.pk for r in recs if r not in shown
    }
    assert "Next matches" not in second


def test_a_published_run_is_found_by_its_indicator(people, client_for, vocabularies):
    from tests.evidence.test_group_pages import published_run

    rural = PopulationGroup.objects.get(name="Persons living in rural areas")
    run = published_run(goal=6, leaf_mean=0.4, national=0.7, group=rural)
    found = _page(client_for("rco"), cite_q="indicator 6", cite_kind="cite_run")
    assert found.count(_choice("cite_run", run.pk)) == 2
    assert "Survey: Indicator 6 — S" in found
