"""Every number on the group surfaces equals what the viewer could list in the stream itself
(role × surface), invalidation touches only the groups a change touches, and the overview
never recomputes in the request."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from consultations import services as voice
from consultations.selectors import evidence_narratives
from evidence.models import GroupAction, GroupSummary
from evidence.services import summary_for
from taxonomy.models import PopulationGroup
from tests.consultations.factories import consultation_objects
from tests.evidence.test_group_pages import published_run
from tests.recommendations.factories import recommendation

VIEWERS = ("rco", "unct", "partner_own", "partner_other", "foreign_rco", "foreign_partner")


def _story(objs, org, groups, *, user):
    story, _code = voice.narrative_submit(
        instrument=objs.instrument,
        values={"story": "A story"},
        groups=groups,
        consent={"given": True, "how": "verbal", "quotation": True},
        channel="form",
        organisation=org,
    )
    voice.submission_review(obj=story, status="approved", note="", user=user)
    return story


@pytest.fixture
def evidence(people, vocabularies):
    """Migrants in Demoland: 6 published and 16 unpublished recommendations (the
    unpublished ones on SDG 4), 6 approved stories from one partner and 3 from another; a
    published run; 2 published recommendations in Elsewhere."""
    migrants = PopulationGroup.objects.get(slug="migrants")
    objs = consultation_objects(people)
    objs.campaign.partners.add(people.other_partner_org)
    for i in range(6):
        recommendation(
            external_id=f"P#{i}",
            text=f"published {i}",
            published=True,
            groups=[migrants.name],
            targets=["1.3"],
        )
    for i in range(16):
        recommendation(
            external_id=f"U#{i}", text=f"unpublished {i}", groups=[migrants.name], targets=["4.1"]
        )
    for i in range(2):
        recommendation(
            "Elsewhere",
            external_id=f"E#{i}",
            text=f"elsewhere {i}",
            published=True,
            groups=[migrants.name],
        )
    for _ in range(6):
        _story(objs, people.partner_org, [migrants], user=people.rco)
    for _ in range(3):
        _story(objs, people.other_partner_org, [migrants], user=people.rco)
    published_run(goal=8, leaf_mean=0.3, national=0.6, group=migrants)
    GroupAction.objects.create(
        group=migrants, country="Demoland", title="Act", kind="advocacy", owner="UNCT"
    )
    return migrants


def _country(people, role) -> str:
    return "Elsewhere" if role.startswith("foreign") else "Demoland"


def _listed(client, people, role, group) -> dict:
    """What the viewer could list in the streams' own pages and selectors."""
    user = people.user(role)
    country = _country(people, role)
    page = client.get(reverse("recommendations:index"), {"group": group.pk}).context["page"]
    stories = evidence_narratives(user=user).filter(campaign__country=country, groups=group).count()
    return {
        "recommendations": page.paginator.count,
        "voices": stories if stories >= 5 or not stories else None,
    }


@pytest.mark.parametrize("role", VIEWERS)
def test_every_surface_counts_what_the_viewer_could_list(evidence, people, client_for, role):
    client = client_for(role)
    expected = _listed(client, people, role, evidence)
    country = _country(people, role)
    q = {"country": country}

    rows = client.get(reverse("evidence:index"), q).context["rows"]
    row = next(r for r in rows if r["group"] == evidence)
    assert (row["h"]["recommendations"], row["h"]["voices"]) == (
        expected["recommendations"],
        expected["voices"],
    ), "overview"

    page = client.get(reverse("evidence:group_page", args=[evidence.slug]), q).context
    headline = page["data"]["headline"]
    assert (headline["recommendations"], headline["voices"]) == (
        expected["recommendations"],
        expected["voices"],
    ), "group page"
    # the convergence matrix: SDG 4 is driven by unpublished recommendations only
    goal_4 = next((r for r in page["data"]["matrix"] if r["goal"] == 4), None)
    sees_goal_4 = expected["recommendations"] > 6 and country == "Demoland"
    assert (goal_4 is not None and goal_4["recommendations"] == "disadvantage") == sees_goal_4
    assert len(page["recommendations"]) == min(expected["recommendations"], 8)

    api = client.get(f"/api/evidence/{evidence.slug}/", q).json()["headline"]
    assert (api["recommendations"], api["voices"]) == (
        expected["recommendations"],
        expected["voices"],
    ), "API"
    listed_api = client.get("/api/evidence/", q | {"page_size": 200}).json()["results"]
    api_row = next(r for r in listed_api if r["slug"] == evidence.slug)["headline"]
    assert api_row["recommendations"] == expected["recommendations"], "API list"

    dossier = client.get(reverse("evidence:dossier", args=[evidence.slug]), q).context
    assert dossier["data"]["headline"]["recommendations"] == expected["recommendations"]
    docx = client.get(reverse("evidence:dossier_docx", args=[evidence.slug]), q)
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert f"{expected['recommendations']} recommendations name this group." in text
    stories = "fewer than 5" if expected["voices"] is None else str(expected["voices"])
    assert f"Approved stories: {stories};" in text

    priorities = client.get(reverse("evidence:priorities")).context
    if country == "Demoland":
        assert priorities["gaps"][evidence.pk, "Demoland"] == pytest.approx(0.6)


def test_a_partner_sees_counts_of_its_own_stories_suppressed_below_five(evidence, people):
    from accounts.policy import actor_for
    from evidence.summary import Audience, evidence_for

    data = summary_for(evidence, "Demoland").data
    other = evidence_for(data, Audience.of(actor_for(people.partner_other), "Demoland"))
    assert other["voice"]["count"] is None  # 3 stories: fewer than 5 after the filter
    own = evidence_for(data, Audience.of(actor_for(people.partner_own), "Demoland"))
    assert own["voice"]["count"] == 6
    rco = evidence_for(data, Audience.of(actor_for(people.rco), "Demoland"))
    assert rco["voice"]["count"] == 9


@pytest.mark.parametrize("role", VIEWERS)
def test_the_stored_headline_gives_each_viewer_what_the_full_summary_gives(evidence, people, role):
    """The overview and the API list derive from the stored headline alone; for every viewer
    its headline, matrix, data gaps and factor profile equal those of the full summary."""
    from accounts.policy import actor_for
    from evidence.summary import Audience, evidence_for, overview_for

    country = _country(people, role)
    stored = summary_for(evidence, country)
    audience = Audience.of(actor_for(people.user(role)), country)
    full = evidence_for(stored.data, audience, full=False)
    light = overview_for(stored.headline, audience)
    for key in ("headline", "matrix", "gaps", "factors", "voice", "recommendations"):
        assert light[key] == full[key], key
    assert len(str(stored.headline)) < len(str(stored.data))


def test_the_overview_and_api_list_read_only_the_stored_headlines(
    evidence, people, client_for, settings
):
    settings.EVIDENCE_REFRESH = "thread"  # serve what is stored, as in production
    for group in PopulationGroup.objects.all():
        summary_for(group, "Demoland")
    client = client_for("rco")
    for url in (reverse("evidence:index"), "/api/evidence/"):
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"country": "Demoland"})
        assert response.status_code == 200
        reads = [q["sql"] for q in queries if '"evidence_groupsummary"' in q["sql"]]
        assert len(reads) == 1, reads
        assert '"evidence_groupsummary"."headline"' in reads[0]
        assert '"evidence_groupsummary"."data"' not in reads[0], url
    rows = client.get(reverse("evidence:index"), {"country": "Demoland"}).context["rows"]
    row = next(r for r in rows if r["group"] == evidence)
    assert row["computed"] and row["h"]["recommendations"] == 6 + 16


# ---------------------------------------------------------------------------
# Invalidation touches only the groups of the change
# ---------------------------------------------------------------------------


def _stale() -> set[tuple[str, str]]:
    return set(GroupSummary.objects.filter(stale=True).values_list("group__slug", "country"))


@pytest.fixture
def computed(evidence, people):
    """Fresh summaries of four groups in both countries."""
    slugs = ["migrants", "women-girls", "children", "persons-living-in-rural-areas"]
    groups = list(PopulationGroup.objects.filter(slug__in=slugs))
    assert len(groups) == 4
    for group in groups:
        for country in ("Demoland", "Elsewhere"):
            summary_for(group, country)
    assert not _stale()
    return {g.slug: g for g in groups}


def test_a_recommendation_touches_its_groups_in_its_country(computed):
    rec = recommendation(external_id="N#1", text="new", groups=["Children"])
    assert _stale() == {("children", "Demoland")}
    GroupSummary.objects.update(stale=False)
    rec.text = "changed"
    rec.save()
    assert _stale() == {("children", "Demoland")}


def test_a_story_touches_its_groups_and_a_pending_one_nothing(computed, people):
    objs = consultation_objects(people)
    women = computed["women-girls"]
    story, _code = voice.narrative_submit(
        instrument=objs.instrument,
        values={"story": "new"},
        groups=[women],
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=people.partner_org,
    )
    assert _stale() == set()  # waiting for review: not evidence yet
    voice.submission_review(obj=story, status="approved", note="", user=people.rco)
    assert _stale() == {("women-girls", "Demoland")}


def test_a_run_touches_nothing_until_published(computed):
    run = published_run(goal=3, leaf_mean=0.2, national=0.5, group=computed["children"])
    GroupSummary.objects.update(stale=False)
    run.published = False
    run.save()
    assert _stale() == {("children", "Demoland")}  # unpublishing removes evidence
    GroupSummary.objects.update(stale=False)
    run.status = "failed"
    run.save()
    assert _stale() == set()  # an unpublished run's status changes touch nothing
    run.status, run.published = "succeeded", True
    run.save()
    assert _stale() == {("children", "Demoland")}


def test_a_leaf_link_touches_its_group(computed):
    from analysis.models import LeafGroupLink

    run = published_run(goal=3, leaf_mean=0.2, national=0.5, group=computed["children"])
    GroupSummary.objects.update(stale=False)
    LeafGroupLink.objects.create(run=run, node_id=3, group=computed["women-girls"])
    assert _stale() == {("women-girls", "Demoland")}


# ---------------------------------------------------------------------------
# Off the request path
# ---------------------------------------------------------------------------


def test_the_overview_after_an_edit_serves_stored_summaries_without_recomputing(
    computed, people, client_for, settings, monkeypatch
):
    from evidence import refresh, summary

    settings.EVIDENCE_REFRESH = "thread"
    for group in PopulationGroup.objects.all():
        summary_for(group, "Demoland")
    recommendation(external_id="N#2", text="new", groups=["Migrants"])
    assert ("migrants", "Demoland") in _stale()
    computed_calls = []
    monkeypatch.setattr(summary, "compute_summary", lambda *a, **k: computed_calls.append(a) or {})
    monkeypatch.setattr(refresh, "compute_summary", summary.compute_summary)
    client = client_for("unct")
    client.get(reverse("evidence:index"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("evidence:index"))
    assert response.status_code == 200
    assert computed_calls == []
    assert len(queries) <= 12, [q["sql"][:80] for q in queries]
    row = next(r for r in response.context["rows"] if r["group"].slug == "migrants")
    assert row["refreshing"] and row["h"]["recommendations"] == 16 + 6  # the last computed
    assert "refreshing" in response.content.decode()
    api = client.get("/api/evidence/migrants/")
    assert api.status_code == 200 and computed_calls == []


def test_in_process_mode_refreshes_after_the_commit(computed, settings):
    from evidence import refresh

    settings.EVIDENCE_REFRESH = "thread"
    calls = []
    refresh_pairs = []
    original = refresh._enqueue_local
    refresh._enqueue_local = lambda pairs: refresh_pairs.append(pairs) or calls.append(1)
    try:
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            recommendation(external_id="N#3", text="new", groups=["Children"])
    finally:
        refresh._enqueue_local = original
    assert refresh_pairs and set().union(*refresh_pairs) == {(computed["children"].pk, "Demoland")}


def test_in_process_refreshes_asked_for_in_a_request_start_after_the_response(monkeypatch):
    from evidence import refresh

    started = []
    monkeypatch.setattr(refresh, "_start", started.append)
    refresh._request_started()
    refresh._enqueue_local({(1, "Demoland")})
    refresh._enqueue_local({(2, "Demoland")})
    assert started == []
    refresh._request_finished()
    assert started == [{(1, "Demoland"), (2, "Demoland")}]
    refresh._enqueue_local({(3, "Demoland")})  # outside a request: at once
    assert started[-1] == {(3, "Demoland")}
