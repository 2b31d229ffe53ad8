"""The tracker in the browser and the API: filters and search, exports, clusters, access by
role, public pages, query counts, the group selector, the dashboard and the demo data."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from recommendations import selectors, services
from recommendations.models import Action, Assessment, Change, Cluster, Recommendation
from taxonomy.models import PopulationGroup

from .factories import recommendation, tracker

pytestmark = pytest.mark.django_db


def texts(response) -> list[str]:
    return [r.text for r in response.context["page"]]


@pytest.fixture
def listed(people, vocabularies):
    t = tracker(people)
    recommendation(
        external_id="upr3-0003",
        text="Ensure birth registration for all children born in rural areas.",
        groups=["Children", "Persons living in rural areas"],
        targets=["16.9"],
        position="Noted",
        cycle=3,
    )
    recommendation(
        external_id="crc-0004",
        text='=HYPERLINK("http://evil") protect indigenous women from violence',
        body="CRC",
        groups=["Indigenous women"],
        targets=["5.2"],
    )
    return t


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"position": "Noted"}, ["Ensure birth registration"]),
        ({"cycle": "3"}, ["Ensure birth registration"]),
        ({"sdg_target": "5.2"}, ["=HYPERLINK", "Adopt a law"]),
        ({"sdg_target": "5.2", "type": "recommendation", "q": "indigenous"}, ["=HYPERLINK"]),
        ({"q": "birth registration"}, ["Ensure birth registration"]),
        ({"q": "registration", "position": "Supported"}, []),
        ({"status": "partial"}, ["Adopt a law"]),
        ({"status": "none", "sdg_target": "16.9"}, ["Ensure birth registration"]),
    ],
)
def test_filters_and_search_combine(listed, client_for, query, expected):
    response = client_for("rco").get(reverse("recommendations:index"), query)
    assert response.status_code == 200
    found = texts(response)
    assert len(found) == len(expected), found
    for text, prefix in zip(sorted(found), sorted(expected), strict=True):
        assert text.startswith(prefix)


def test_group_filter_includes_intersections_components_and_narrower_groups(listed, client_for):
    # an intersection: recommendations naming it or one of the groups it combines
    women = PopulationGroup.objects.get(name="Indigenous women")
    found = texts(client_for("rco").get(reverse("recommendations:index"), {"group": women.pk}))
    assert sorted(found) == sorted([listed.published.text, found[0] if "indigenous" in found[0]
                                    else found[1]])  # fmt: skip
    assert len(found) == 2
    indigenous = PopulationGroup.objects.get(name="Indigenous peoples")
    found = texts(client_for("rco").get(reverse("recommendations:index"), {"group": indigenous.pk}))
    assert found == []  # an intersection is not pulled in by one of its parts


DEMO = "Demoland"


def for_group(group, *, viewer, country):
    return selectors.recommendations_for_group(group, viewer=viewer, country=country)


def test_recommendations_for_group_counts(listed, people):
    women = PopulationGroup.objects.get(name="Women & girls")
    result = for_group(women, viewer=people.rco, country=DEMO)
    # "Adopt a law…" names Women & girls; intersections are not pulled in by their parts
    assert result.total == 1
    assert result.by_mechanism == (("UPR", 1),)
    assert result.by_position == (("Supported", 1),)
    assert result.by_status == (("Partially implemented", 1),)
    assert result.by_sdg_target == (("5.2", 1),)
    indigenous_women = PopulationGroup.objects.get(name="Indigenous women")
    # itself and its components (Women & girls, Indigenous peoples)
    assert for_group(indigenous_women, viewer=people.rco, country="Demoland").total == 2
    # a partner sees only published recommendations
    assert for_group(women, viewer=people.partner_own, country="Demoland").total == 1
    children = PopulationGroup.objects.get(name="Children")
    assert for_group(children, viewer=people.rco, country=DEMO).total == 1
    assert for_group(children, viewer=people.partner_own, country="Demoland").total == 0


def test_partners_see_only_published_recommendations(listed, client_for):
    assert len(texts(client_for("partner_other").get(reverse("recommendations:index")))) == 1
    assert len(texts(client_for("unct").get(reverse("recommendations:index")))) == 4
    response = client_for("partner_own").get(
        reverse("recommendations:detail", args=[listed.unpublished.pk])
    )
    assert response.status_code == 404


def test_outsiders_and_other_countries_get_404(listed, client, no_role_user, people):
    client.force_login(no_role_user)
    url = reverse("recommendations:detail", args=[listed.published.pk])
    assert client.get(url).status_code == 404
    elsewhere = recommendation("Elsewhere", external_id="else-0001", text="x", published=True)
    client.force_login(people.rco)
    assert client.get(reverse("recommendations:detail", args=[elsewhere.pk])).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_neutralises_formulas_and_is_logged(listed, client_for, fmt):
    response = client_for("rco").get(
        reverse("recommendations:export", args=[fmt]), {"sdg_target": "5.2"}
    )
    assert response.status_code == 200
    if fmt == "csv":
        body = response.content.decode("utf-8-sig")
        assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
        assert len(body.strip().splitlines()) == 3
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        cells = [c.value for row in sheet.iter_rows() for c in row if c.value]
        assert any(str(c).startswith("'=HYPERLINK") for c in cells)
        assert not any(str(c).startswith("=") for c in cells)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert "sdg_target=5.2" in event.data["filters"]


def test_list_page_query_count_does_not_grow_with_rows(
    listed, client_for, django_assert_max_num_queries
):
    client = client_for("rco")
    url = reverse("recommendations:index")
    client.get(url)  # warm up (session, actor)
    with django_assert_max_num_queries(20):
        client.get(url)
    for n in range(30):
        recommendation(
            external_id=f"many-{n:04d}",
            text=f"Recommendation {n}",
            groups=["Children", "Migrants"],
            targets=["4.1", "16.9"],
        )
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert len(response.context["page"]) == 25


def test_cluster_suggestions_group_similar_texts_and_a_person_confirms(people, client_for):
    a = recommendation(
        external_id="a-0001",
        text="Ensure universal free birth registration "
        "for all children, including children of migrants.",
        cycle=2,
    )
    b = recommendation(
        external_id="b-0002",
        text="Guarantee free birth registration for all children, including migrant children.",
        body="CRC",
    )
    c = recommendation(external_id="c-0003", text="Abolish the death penalty.")
    suggestions = services.cluster_suggestions(recommendations=[a, b, c], threshold=0.3)
    assert [set(s.recommendation_ids) for s in suggestions] == [{a.pk, b.pk}]
    assert "birth registration" in suggestions[0].terms or "registration" in suggestions[0].terms
    client = client_for("rco")
    page = client.get(reverse("recommendations:cluster_suggestions"), {"threshold": "0.3"})
    assert page.status_code == 200 and len(page.context["suggestions"]) == 1
    response = client.post(
        reverse("recommendations:cluster_confirm"),
        {"country": "Demoland", "title": "Birth registration", "members": [a.pk, b.pk]},
    )
    cluster = Cluster.objects.get(title="Birth registration")
    assert response["Location"] == cluster.get_absolute_url()
    assert set(cluster.recommendations.all()) == {a, b}
    assert Change.objects.filter(cluster=cluster, verb="created").exists()
    # clustered recommendations are no longer suggested
    assert (
        client.get(reverse("recommendations:cluster_suggestions"), {"threshold": "0.3"}).context[
            "suggestions"
        ]
        == []
    )


# --- access: actions and assessments ----------------------------------------------------


def test_unct_member_of_the_assigned_organisation_updates_an_action(people, client_for):
    t = tracker(people)
    url = reverse("recommendations:action_edit", args=[t.action.pk])
    data = {"title": "Draft the bill", "institution": t.institution.pk, "status": "in_progress",
            "target_date": "2026-09-30", "owner": "Legal unit", "description": ""}  # fmt: skip
    response = client_for("unct").post(url, data)
    assert response.status_code == 302
    t.action.refresh_from_db()
    assert t.action.status == "in_progress" and t.action.updated_by == people.unct
    change = Change.objects.get(target_type="recommendations.action", verb="changed")
    assert change.actor == people.unct and change.fields["status"] == ["planned", "in_progress"]


def test_unct_member_of_another_organisation_cannot_update_the_action(people, client_for):
    t = tracker(people)
    t.institution.organisations.set([people.foreign_org])
    url = reverse("recommendations:action_edit", args=[t.action.pk])
    response = client_for("unct").post(url, {"title": "x", "institution": t.institution.pk,
                                             "status": "completed"})  # fmt: skip
    assert response.status_code == 403
    t.action.refresh_from_db()
    assert t.action.status == "planned"
    # nor add one
    response = client_for("unct").get(
        reverse("recommendations:action_create", args=["recommendation", t.published.pk])
    )
    assert response.status_code == 403


def test_partner_cannot_edit_official_assessments(people, client_for):
    t = tracker(people)
    client = client_for("partner_own")
    url = reverse("recommendations:assessment_edit", args=[t.official.pk])
    assert client.post(url, {"status": "full", "assessed_on": "2025-01-01"}).status_code == 403
    t.official.refresh_from_db()
    assert t.official.status == "partial"
    api = reverse("api:recommendation-assessment-detail", args=[t.official.pk])
    assert client.patch(api, {"status": "full"}, content_type="application/json").status_code in (
        403,
        405,
    )


def test_partner_shadow_assessment_is_attributed_to_the_organisation(people, client_for):
    t = tracker(people)
    client = client_for("partner_other")
    url = reverse("recommendations:assessment_create", args=["recommendation", t.published.pk])
    response = client.post(
        url,
        {
            "status": "not_started",
            "assessed_on": "2025-05-01",
            "evidence_text": "Our monitoring found no shelters.",
            "evidence_link": "https://example.org/report",
            "institution": t.institution.pk,  # ignored: a shadow assessment names no institution
        },
    )
    assert response.status_code == 302
    shadow = Assessment.objects.get(author=people.partner_other)
    assert shadow.kind == "shadow" and shadow.organisation == people.other_partner_org
    assert shadow.institution is None
    page = client_for("unct").get(reverse("recommendations:detail", args=[t.published.pk]))
    body = page.content.decode()
    assert "Youth Forum" in body and "Our monitoring found no shelters." in body
    assert page.context["official"] == [t.official]
    # the other partner may not change it
    edit = reverse("recommendations:assessment_edit", args=[shadow.pk])
    assert client_for("partner_own").get(edit).status_code == 403
    # and a partner cannot assess an unpublished recommendation
    hidden = reverse("recommendations:assessment_create", args=["recommendation", t.unpublished.pk])
    assert client_for("partner_own").get(hidden).status_code == 404


def test_unct_member_records_an_official_assessment_for_an_assigned_institution(people, client_for):
    t = tracker(people)
    url = reverse("recommendations:assessment_create", args=["recommendation", t.published.pk])
    client = client_for("unct")
    response = client.post(url, {"status": "full", "assessed_on": "2025-06-30",
                                 "institution": t.other_institution.pk})  # fmt: skip
    assert response.status_code == 200  # the other institution is not assigned: not offered
    response = client.post(url, {"status": "full", "assessed_on": "2025-06-30",
                                 "institution": t.institution.pk})  # fmt: skip
    assert response.status_code == 302
    assert Assessment.objects.filter(kind="official", status="full", author=people.unct).exists()


def test_api_partner_submission_becomes_a_shadow_assessment(people, client_for):
    t = tracker(people)
    response = client_for("partner_own").post(
        reverse("api:recommendation-assessment-list"),
        {"recommendation": t.published.pk, "status": "unclear", "assessed_on": "2025-02-02"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "shadow"
    assert response.json()["organisation"] == people.partner_org.name


def test_api_unct_updates_an_assigned_action_and_filters(people, client_for):
    t = tracker(people)
    client = client_for("unct")
    url = reverse("api:recommendation-action-detail", args=[t.action.pk])
    response = client.patch(url, {"status": "completed"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert Action.objects.get(pk=t.action.pk).status == "completed"
    found = client.get(reverse("api:recommendation-list"), {"sdg_target": "5.2", "q": "violence"})
    assert [r["external_id"] for r in found.json()["results"]] == ["pub-0001"]


def test_rco_publishes_and_public_pages_show_only_published(people, client_for, client):
    t = tracker(people)
    public = reverse("recommendations:public_detail", args=[t.unpublished.pk])
    client.logout()
    assert client.get(public).status_code == 404
    response = client_for("rco").post(
        reverse("recommendations:publish", args=[t.unpublished.pk]), {"published": "1"}
    )
    assert response.status_code == 302
    client.logout()
    page = client.get(public)
    assert page.status_code == 200 and "domestic workers" in page.content.decode()
    cluster_page = client.get(reverse("recommendations:public_cluster", args=[t.cluster.pk]))
    assert "Adopt a law" in cluster_page.content.decode()
    t.cluster.published = False
    t.cluster.save()
    assert (
        client.get(reverse("recommendations:public_cluster", args=[t.cluster.pk])).status_code
        == 404
    )
    change = Change.objects.get(recommendation=t.unpublished)
    assert change.actor == people.rco and change.fields == {"published": [False, True]}


def test_recommendation_edit_maps_groups_and_keeps_history(people, client_for):
    t = tracker(people)
    migrants = PopulationGroup.objects.get(name="Migrants")
    response = client_for("rco").post(
        reverse("recommendations:edit", args=[t.unpublished.pk]),
        {"groups": [migrants.pk], "upr_position": "", "published": ""},
    )
    assert response.status_code == 302
    assert list(t.unpublished.groups.all()) == [migrants]
    history = client_for("rco").get(reverse("recommendations:detail", args=[t.unpublished.pk]))
    assert "Migrants" in history.content.decode()


def test_overdue_indicators_and_reporting_moves_the_due_date(people, client_for):
    t = tracker(people)
    page = client_for("unct").get(reverse("recommendations:indicator_list"))
    assert list(page.context["overdue"]) == [t.indicator]
    client_for("rco").post(
        reverse("recommendations:indicator_report", args=[t.indicator.pk]),
        {"value": "12", "reported_on": "2025-03-01"},
    )
    t.indicator.refresh_from_db()
    assert t.indicator.next_due == datetime.date(2026, 1, 1)
    assert t.indicator.last_value == "12"


def test_dashboard_counts_and_charts(people, client_for):
    t = tracker(people)
    Assessment.objects.create(
        country="Demoland",
        recommendation=t.unpublished,
        status="full",
        assessed_on=datetime.date(2024, 5, 1),
    )
    response = client_for("rco").get(reverse("recommendations:dashboard"))
    data = response.context["data"]
    assert data["total"] == 2
    assert data["positions"] == {"Supported": 1}
    assert ("Women & girls", 1) in data["per_group"]
    assert list(data["timeline"]) == [2024, datetime.date.today().year]
    assert "<svg" in response.content.decode()


def test_demo_seed_is_idempotent(people, vocabularies):
    from demo import recommendations as demo

    summary = demo.seed()
    count = Recommendation.objects.filter(country="Demoland").count()
    assert 140 <= count <= 200, summary
    demoland = Recommendation.objects.filter(country="Demoland")
    assert {c for c in demoland.values_list("document__upr_cycle", flat=True) if c} == {2, 3, 4}
    assert set(demoland.values_list("mechanism__kind", flat=True)) >= {
        "upr", "treaty_body", "special_procedure", "ilo"}  # fmt: skip
    assert Cluster.objects.filter(country="Demoland").count() >= 2
    assert Assessment.objects.filter(kind="shadow", country=DEMO).exists()
    assert demo.seed().endswith("already loaded")
    assert Recommendation.objects.filter(country="Demoland").count() == count


def test_a_partner_sees_no_staff_records_on_a_published_recommendation(
    people, client_for, vocabularies
):
    from recommendations.models import Cluster

    from .factories import tracker

    t = tracker(people)
    hidden = Cluster.objects.create(country="Demoland", title="Draft cluster not yet public")
    hidden.recommendations.add(t.published)
    partner = client_for("partner_own").get(t.published.get_absolute_url()).content.decode()
    assert "Violence against women" in partner  # a published cluster
    assert "Draft cluster not yet public" not in partner
    assert "Shelters per 100,000 women" not in partner  # indicators are staff records
    rco = client_for("rco").get(t.published.get_absolute_url()).content.decode()
    assert "Draft cluster not yet public" in rco and "Shelters per 100,000 women" in rco


def test_the_actions_api_does_not_reveal_records_of_other_countries(
    people, client_for, vocabularies
):
    elsewhere = recommendation("Elsewhere", external_id="EL#1", text="Not yours")
    client = client_for("unct")
    answers = [
        client.post(
            "/api/recommendation-actions/",
            {"recommendation": pk, "title": "x"},
            content_type="application/json",
        ).json()
        for pk in (elsewhere.pk, 999999)
    ]
    assert answers[0] == answers[1]
