"""Group pages: convergence and gaps, intersections, suppression, access, query counts."""

import io
import uuid

import pytest
from django.urls import reverse

from analysis.models import Dataset, Indicator, LeafGroupLink, Run
from consultations import services as voice
from evidence.models import Cause, Citation, GroupSummary
from evidence.services import summary_for
from evidence.summary import EVERYONE, evidence_for
from taxonomy.models import PopulationGroup, SDGGoal
from tests.consultations.factories import consultation_objects
from tests.recommendations.factories import recommendation


def published_run(*, goal: int, leaf_mean: float, national: float, group) -> Run:
    """A finished, published run whose leaf 2 is linked to the group."""
    dataset = Dataset.objects.create(
        title="S",
        country="Demoland",
        survey_kind="DHS",
        survey_round="2022",
        original_name="x.dta",
        sha256=uuid.uuid4().hex,
        status="ready",
        file="surveys/x.dta",
    )
    indicator = Indicator.objects.create(
        name=f"Indicator {goal}",
        slug=f"ind-{goal}",
        definition={},
        sdg_goal=SDGGoal.objects.get(number=goal),
    )
    result = {
        "mean": national,
        "barrier": False,
        "gap": 0.5,
        "d_index": 0.2,
        "hoi": 0.4,
        "nodes": [
            {
                "id": 1,
                "parent": None,
                "depth": 0,
                "condition": None,
                "n": 1000,
                "weight": 1000,
                "share": 1.0,
                "mean": national,
                "is_leaf": False,
            },
            {
                "id": 2,
                "parent": 1,
                "depth": 1,
                "condition": {"label": "Residence = Rural"},
                "n": 400,
                "weight": 400,
                "share": 0.4,
                "mean": leaf_mean,
                "is_leaf": True,
            },
            {
                "id": 3,
                "parent": 1,
                "depth": 1,
                "condition": {"label": "Residence = Urban"},
                "n": 600,
                "weight": 600,
                "share": 0.6,
                "mean": 0.9,
                "is_leaf": True,
            },
        ],
        "furthest_behind": {"node": 2, "mean": leaf_mean, "share": 0.4, "path": []},
        "furthest_ahead": {"node": 3, "mean": 0.9, "share": 0.6, "path": []},
        "shapley": {"Residence": {"value": 0.2, "share": 1.0}},
        "circumstances": [{"name": "Residence", "kind": "unordered", "order": []}],
    }
    run = Run.objects.create(
        dataset=dataset,
        indicator=indicator,
        batch=uuid.uuid4(),
        definition={},
        status="succeeded",
        result=result,
        dataset_sha256="0" * 64,
        published=True,
    )
    LeafGroupLink.objects.create(run=run, node_id=2, group=group)
    return run


def everyone_sees(group, country="Demoland") -> dict:
    """The group's evidence as RCO staff see it (every item of the country)."""
    return evidence_for(summary_for(group, country).data, EVERYONE)


@pytest.fixture
def rural(vocabularies):
    return PopulationGroup.objects.get(name="Persons living in rural areas")


def test_survey_and_recommendations_without_voice_show_exactly_that_gap(people, rural):
    published_run(goal=7, leaf_mean=0.4, national=0.7, group=rural)
    recommendation(
        external_id="A/HRC/1#1",
        text="Electrify rural areas",
        groups=["Persons living in rural areas"],
        targets=["7.1"],
    )
    data = everyone_sees(rural)
    row = next(r for r in data["matrix"] if r["goal"] == 7)
    assert (row["survey"], row["voice"], row["recommendations"]) == (
        "disadvantage",
        "silent",
        "disadvantage",
    )
    assert [g["stream"] for g in data["gaps"] if g["goal"] is None] == ["voice"]
    assert any(g["stream"] == "voice" and g["goal"] == 7 for g in data["gaps"])
    assert data["headline"]["max_gap"] == pytest.approx(0.5)


def test_a_survey_showing_no_disadvantage_against_a_recommendation_is_flagged(people, rural):
    published_run(goal=6, leaf_mean=0.71, national=0.7, group=rural)
    recommendation(external_id="A/HRC/1#2", text="Water", groups=[rural.name], targets=["6.1"])
    row = next(r for r in everyone_sees(rural)["matrix"] if r["goal"] == 6)
    assert row["survey"] == "none" and row["disagree"]


def test_summaries_are_recomputed_when_evidence_changes(people, rural):
    assert everyone_sees(rural)["recommendations"]["total"] == 0
    recommendation(external_id="A/HRC/1#3", text="x", groups=[rural.name])
    assert everyone_sees(rural)["recommendations"]["total"] == 1


def _story(objs, people, groups, *, quotation=False, text="A story"):
    story, _code = voice.narrative_submit(
        instrument=objs.instrument,
        values={"story": text},
        groups=groups,
        consent={"given": True, "how": "verbal", "quotation": quotation},
        channel="form",
        organisation=people.partner_org,
    )
    voice.submission_review(obj=story, status="approved", note="", user=people.rco)
    return story


def test_an_intersection_collects_the_evidence_of_its_parts(people, vocabularies):
    objs = consultation_objects(people)
    women = PopulationGroup.objects.get(name="Women & girls")
    rural_group = PopulationGroup.objects.get(name="Persons living in rural areas")
    rural_women = PopulationGroup.objects.get(name="Rural women")
    for _ in range(5):
        _story(objs, people, [women, rural_group])
    _story(objs, people, [women])  # a woman in town: not at the intersection
    _story(objs, people, [rural_women])  # chose the intersection itself
    recommendation(
        external_id="CEDAW#1",
        body="CEDAW",
        text="Rural women's land rights",
        groups=["Women & girls"],
    )
    published_run(goal=5, leaf_mean=0.2, national=0.5, group=rural_group)
    data = everyone_sees(rural_women)
    assert data["voice"]["count"] == 6
    assert data["recommendations"]["total"] == 1
    assert data["survey"] == []  # the leaf is linked to "rural" only, not to "women"


def test_suppression_on_the_page_and_in_the_docx(people, client_for, vocabularies):
    objs = consultation_objects(people)
    migrants = PopulationGroup.objects.get(name="Migrants")
    for i in range(3):  # quotable: only suppression keeps them off the page
        _story(objs, people, [migrants], quotation=True, text=f"Secret story number {i}")
    page = client_for("unct").get(reverse("evidence:group_page", args=["migrants"]))
    html = page.content.decode()
    assert "Fewer than 5 approved stories" in html and "Secret story" not in html
    docx = client_for("unct").get(reverse("evidence:dossier_docx", args=["migrants"]))
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "fewer than 5" in text and "Secret story" not in text


def test_docx_quotes_only_stories_with_quotation_consent(people, client_for, vocabularies):
    objs = consultation_objects(people)
    migrants = PopulationGroup.objects.get(name="Migrants")
    for i in range(5):
        _story(objs, people, [migrants], quotation=i == 0, text=f"Story {i} of the river")
    docx = client_for("unct").get(reverse("evidence:dossier_docx", args=["migrants"]))
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Story 0 of the river" in text
    assert not any(f"Story {i} of the river" in text for i in range(1, 5))


def test_partners_read_but_do_not_write_the_analyses(people, client_for, vocabularies):
    url = reverse("evidence:cause_add", args=["migrants"])
    data = {"level": "manifestation", "text": "Left behind"}
    assert client_for("partner_own").post(url, data).status_code == 403
    assert client_for("unct").post(url, data).status_code == 302
    assert Cause.objects.get().text == "Left behind"
    html = client_for("partner_own").get(reverse("evidence:group_page", args=["migrants"]))
    assert "Left behind" in html.content.decode() and "Add a cause" not in html.content.decode()


def test_a_cause_cites_a_story_and_withdrawal_removes_the_citation(
    people, client_for, vocabularies
):
    objs = consultation_objects(people)
    migrants = PopulationGroup.objects.get(name="Migrants")
    stories = [_story(objs, people, [migrants], quotation=True) for _ in range(5)]
    client_for("unct").post(
        reverse("evidence:cause_add", args=["migrants"]),
        {"level": "immediate", "text": "No papers", "cite_story": [stories[0].pk]},
    )
    assert Citation.objects.get().narrative == stories[0]
    stories[0].delete()
    assert not Citation.objects.exists() and Cause.objects.get().text == "No papers"


def test_group_page_queries_do_not_grow_with_the_data(people, client_for, rural):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("unct")
    url = reverse("evidence:group_page", args=[rural.slug])
    published_run(goal=1, leaf_mean=0.3, national=0.6, group=rural)
    recommendation(external_id="X#first", text="t", groups=[rural.name], targets=["1.4"])
    client.get(url)  # compute the summary once
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for goal in (2, 3, 4, 6, 7):
        published_run(goal=goal, leaf_mean=0.3, national=0.6, group=rural)
    for i in range(20):
        recommendation(external_id=f"X#{i}", text="t", groups=[rural.name], targets=["1.4"])
    client.get(url)  # recomputed once after the change
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) <= len(small.captured_queries) < 30


def test_overview_is_sortable(people, client_for, rural):
    published_run(goal=7, leaf_mean=0.2, national=0.7, group=rural)
    html = client_for("unct").get(reverse("evidence:index") + "?sort=gap").content.decode()
    first_row = html[html.index("<tbody>") :]
    assert first_row.index("Persons living in rural areas") < first_row.index("Migrants")


def test_data_gap_is_assigned_and_closed(people, client_for, rural):
    client = client_for("unct")
    client.post(
        reverse("evidence:data_gap_assign", args=[rural.slug]),
        {
            "stream": "voice",
            "sdg_goal": "",
            "description": "No community voice",
            "assigned_to": people.unct.pk,
            "note": "Ask the OPD partner",
        },
    )
    from evidence.models import DataGap

    gap = DataGap.objects.get()
    assert gap.assigned_to == people.unct and gap.is_open
    client.post(reverse("evidence:data_gap_close", args=[rural.slug, gap.pk]))
    gap.refresh_from_db()
    assert not gap.is_open and gap.closed_at
    assert rural.evidence_revisions.count() == 2


@pytest.mark.parametrize(
    ("field", "value"), [("stream", "bogus"), ("sdg_goal", "99"), ("assigned_to", "abc")]
)
def test_a_tampered_data_gap_is_a_form_error(field, value, people, client_for, rural):
    """The data-gap form's values come from hidden fields; a bad one is not a server error."""
    data = {"stream": "voice", "description": "No community voice"}
    response = client_for("unct").post(
        reverse("evidence:data_gap_assign", args=[rural.slug]), {**data, field: value}
    )
    assert response.status_code == 400  # the page again, with the error beside the field
    assert not rural.data_gaps.exists()


def test_comments_attach_to_an_element_of_the_analysis(people, client_for, rural):
    cause = Cause.objects.create(
        group=rural, country="Demoland", level="root", text="No voice in planning"
    )
    url = reverse("evidence:comment_add", args=[rural.slug])
    client = client_for("unct")
    client.post(url, {"element": f"cause:{cause.pk}", "text": "Agree"})
    assert client.post(url, {"element": "cause:999999", "text": "Nowhere"}).status_code == 400
    assert [(c.element, c.text) for c in rural.evidence_comments.all()] == [
        (f"cause:{cause.pk}", "Agree")
    ]
    html = client.get(reverse("evidence:group_page", args=[rural.slug])).content.decode()
    assert "Root cause: No voice in planning" in html and "Agree" in html


def test_a_duty_bearer_is_linked_to_the_recommendations_addressing_it(people, client_for, rural):
    rec = recommendation(
        external_id="CRC#9",
        body="CRC",
        text="Build rural schools",
        groups=[rural.name],
        targets=["4.1"],
    )
    client_for("unct").post(
        reverse("evidence:role_add", args=[rural.slug]),
        {
            "kind": "duty_bearer",
            "name": "Ministry of Education",
            "level": "central",
            "claims_or_obligations": "Provide schools",
            "cite_rec": [rec.pk],
        },
    )
    role = rural.roles.get()
    assert list(role.recommendations.all()) == [rec]
    html = client_for("unct").get(reverse("evidence:group_page", args=[rural.slug]))
    assert f"?group={rural.pk}&amp;sdg_goal=4" in html.content.decode()


def test_with_a_worker_a_change_queues_one_refresh_of_the_groups_it_touches(
    people, rural, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from evidence import tasks

    calls = []
    monkeypatch.setattr(tasks.summary_refresh_task, "delay", lambda *args: calls.append(args))
    settings.EVIDENCE_REFRESH = "celery"
    cache.delete(f"evidence-refresh:{rural.pk}:Demoland")
    summary_for(rural, "Demoland")
    with django_capture_on_commit_callbacks(execute=True):
        recommendation(external_id="Q#1", text="a", groups=[rural.name])
        recommendation(external_id="Q#2", text="b", groups=[rural.name])
    assert calls == [(rural.pk, "Demoland")]
    assert GroupSummary.objects.get(group=rural).stale


def test_a_cause_cannot_cite_evidence_the_author_may_not_see(people, client_for, vocabularies):
    objs = consultation_objects(people)  # its story waits for review: UNCT may not see it
    response = client_for("unct").post(
        reverse("evidence:cause_add", args=["migrants"]),
        {"level": "immediate", "text": "Something", "cite_story": [objs.narrative.pk]},
    )
    # A form error, shown with what was typed; nothing is saved.
    assert response.status_code == 400 and "Something" in response.content.decode()
    assert not Cause.objects.exists() and not Citation.objects.exists()


def test_pending_submissions_do_not_invalidate_summaries_but_tags_do(people, rural):
    objs = consultation_objects(people)
    summary_for(rural, "Demoland")
    voice.narrative_submit(
        instrument=objs.instrument,
        values={"story": "new"},
        groups=[rural],
        consent={"given": True, "how": "self"},
        channel="public",
    )
    from evidence.models import GroupSummary

    assert not GroupSummary.objects.get(group=rural).stale
    story = _story(objs, people, [rural])
    summary_for(rural, "Demoland")
    from taxonomy.models import Factor

    story.factors.set(Factor.objects.filter(code="geography"))
    assert GroupSummary.objects.get(group=rural).stale


def test_a_quote_without_quotation_consent_cannot_be_cited(people, client_for, vocabularies):
    from consultations.models import Quote

    objs = consultation_objects(people)
    record = objs.focus_group
    record.review_status, record.use_quotation = "approved", False
    record.save()
    quote = Quote.objects.create(
        focus_group=record, text="Do not quote me", speaker_group="a farmer"
    )
    response = client_for("rco").post(
        reverse("evidence:cause_add", args=["migrants"]),
        {"level": "root", "text": "Cause", "cite_quote": [quote.pk]},
    )
    assert response.status_code == 400
    assert not Citation.objects.exists()
