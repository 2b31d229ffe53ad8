"""Countries are isolated from each other (issue 9, findings M1, M2, H2).

Two countries, each with one campaign, story, focus group, quote, upload, published run,
dataset, published recommendation with an action and an assessment, group-page analyses
(cause, role, capacity gap, action, comment, data gap) and an audit event. Six identities
(RCO staff, UNCT member, CSO partner × 2 countries) walk every object of the other country
through the pages and the API (detail and list), and try to write to them: nothing of the
other country is ever read or changed. Every object carries its country's marker text, so
a list that leaks is caught by its content.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.services import audit_record
from consultations import services as voice
from consultations.models import Campaign, FocusGroup, Instrument, Narrative, Quote
from consultations.uploads import upload_store
from evidence.models import CapacityGap, Cause, Comment, DataGap, GroupAction, RoleEntry
from recommendations.models import Action, Assessment, Institution
from taxonomy.models import PopulationGroup
from tests.factories import run_with_result
from tests.recommendations.factories import recommendation

COUNTRIES = ("Demoland", "Elsewhere")
ROLES = ("rco", "unct", "partner")
IDENTITIES = [(country, role) for country in COUNTRIES for role in ROLES]


def secret(country: str) -> str:
    return f"SECRET-{country.upper()}"


def _user(people, country: str, role: str):
    if country == "Demoland":
        return {"rco": people.rco, "unct": people.unct, "partner": people.partner_own}[role]
    return {
        "rco": people.foreign_rco,
        "unct": people.foreign_unct,
        "partner": people.foreign_partner,
    }[role]


def _partner_org(people, country: str):
    return people.partner_org if country == "Demoland" else people.foreign_partner_org


@dataclass
class CountryObjects:
    country: str
    # (page url name, api detail url name, kwargs) for each object
    urls: list[tuple[str | None, str | None, dict]] = field(default_factory=list)
    # POST url name, kwargs, data: writes another country must not make
    writes: list[tuple[str, dict, dict]] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)


def build(people, country: str) -> CountryObjects:
    mark = secret(country)
    rco, partner = _user(people, country, "rco"), _user(people, country, "partner")
    partner_org = _partner_org(people, country)
    group = PopulationGroup.objects.get(slug="migrants")
    campaign = Campaign(
        title=f"{mark} campaign",
        purpose="Tell us",
        country=country,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        languages=["en"],
        status=Campaign.Status.OPEN,
        location_level=Campaign.LocationLevel.REGION,
        locations="North\nSouth",
    )
    voice.campaign_save(
        campaign=campaign, consent_text="Kept safe.", user=rco, partners=[partner_org]
    )
    instrument = Instrument.objects.create(campaign=campaign, name="Stories", prompt={"en": "Tell"})
    story, _code = voice.narrative_submit(
        instrument=instrument,
        values={"story": f"{mark} story", "answers": {}},
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=partner_org,
        user=partner,
        groups=[group],
    )
    # Approved, but the teller refused quotation: identities never go out row by row.
    Narrative.objects.filter(pk=story.pk).update(
        review_status="approved",
        use_quotation=False,
        age_band="25_34",
        sex="female",
        location="North",
        has_disability=True,
    )
    record = FocusGroup.objects.create(
        campaign=campaign,
        organisation=partner_org,
        held_on=datetime.date(2026, 5, 1),
        place="North",
        languages="en",
        participants={"sex": {"female": 6}},
        consent_obtained="verbal",
        questions=f"{mark} questions",
        consent_text=campaign.current_consent,
        consent_how="verbal",
        consent_date=datetime.date(2026, 5, 1),
        retain_until=datetime.date(2029, 5, 1),
        review_status="approved",
        use_quotation=True,
    )
    Quote.objects.create(focus_group=record, text=f"{mark} quote")
    upload = upload_store(
        uploaded=SimpleUploadedFile(
            "kobo.csv",
            b'"_uuid";"meta/rootUuid";"_submission_time";"story";"consent"\n'
            b'"u1";"uuid:1";"2026-05-01T10:00:00";"A story";"yes"\n',
        ),
        instrument=instrument,
        organisation=partner_org,
        user=partner,
        consent_how="verbal",
    )
    run = run_with_result(published=True, country=country)
    rec = recommendation(
        country, external_id=f"{country}-0001", text=f"{mark} recommendation", published=True
    )
    institution = Institution.objects.create(country=country, name=f"{mark} ministry")
    action = Action.objects.create(
        country=country,
        recommendation=rec,
        institution=institution,
        title=f"{mark} action",
        target_date=datetime.date(2026, 6, 30),
    )
    assessment = Assessment.objects.create(
        country=country, recommendation=rec, status="partial", institution=institution
    )
    cause = Cause.objects.create(group=group, country=country, level="root", text=f"{mark} cause")
    role = RoleEntry.objects.create(
        group=group,
        country=country,
        kind="duty_bearer",
        name=f"{mark} role",
        claims_or_obligations="Protect",
    )
    CapacityGap.objects.create(role=role, dimension="authority", severity="high", description="x")
    lnob_action = GroupAction.objects.create(
        group=group, country=country, title=f"{mark} lnob action", kind="advocacy", owner="UN"
    )
    Comment.objects.create(group=group, country=country, element="page", text=f"{mark} comment")
    DataGap.objects.create(
        group=group, country=country, stream="voice", description=f"{mark} data gap"
    )
    audit_record(
        action=AuditEvent.Action.EXPORT, actor=rco, target=campaign, summary=f"{mark} export"
    )

    objects = CountryObjects(country)
    objects.ids = {"cause": cause.pk, "role": role.pk, "lnob_action": lnob_action.pk}
    objects.urls = [
        ("consultations:campaign_detail", "api:campaign-detail", {"pk": campaign.pk}),
        ("consultations:campaign_analysis", None, {"pk": campaign.pk}),
        ("consultations:campaign_export", None, {"pk": campaign.pk, "fmt": "csv"}),
        ("consultations:instrument_detail", "api:instrument-detail", {"pk": instrument.pk}),
        ("consultations:narrative_detail", "api:story-detail", {"pk": story.pk}),
        ("consultations:focus_group_detail", "api:focus-group-detail", {"pk": record.pk}),
        ("consultations:upload_detail", None, {"pk": upload.pk}),
        ("consultations:receipt_cards", None, {"pk": campaign.pk}),
        ("consultations:narrative_delete", None, {"pk": story.pk}),
        ("consultations:focus_group_delete", None, {"pk": record.pk}),
        ("consultations:focus_group_edit", None, {"pk": record.pk}),
        ("analysis:run_detail", "api:run-detail", {"pk": run.pk}),
        ("analysis:run_download", None, {"pk": run.pk, "fmt": "csv"}),
        ("analysis:dataset_detail", "api:dataset-detail", {"pk": run.dataset_id}),
        ("recommendations:detail", "api:recommendation-detail", {"pk": rec.pk}),
        ("recommendations:institution_detail", "api:institution-detail", {"pk": institution.pk}),
        ("recommendations:action_edit", "api:recommendation-action-detail", {"pk": action.pk}),
        (
            "recommendations:assessment_edit",
            "api:recommendation-assessment-detail",
            {"pk": assessment.pk},
        ),
        (None, "api:cause-detail", {"pk": cause.pk}),
        (None, "api:role-detail", {"pk": role.pk}),
        (None, "api:lnob-action-detail", {"pk": lnob_action.pk}),
    ]
    objects.writes = [
        ("consultations:narrative_review", {"pk": story.pk}, {"decision": "reject"}),
        ("consultations:focus_group_review", {"pk": record.pk}, {"decision": "reject"}),
        ("analysis:run_publish", {"pk": run.pk}, {"published": ""}),
        ("recommendations:publish", {"pk": rec.pk}, {}),
    ]
    return objects


@pytest.fixture
def world(people, vocabularies, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return {country: build(people, country) for country in COUNTRIES}


def _other(country: str) -> str:
    return COUNTRIES[1] if country == COUNTRIES[0] else COUNTRIES[0]


def test_no_object_of_another_country_is_readable(world, people, client):
    for country, role in IDENTITIES:
        client.force_login(_user(people, country, role))
        _walk_reads(client, world[_other(country)])


def _walk_reads(client, theirs):
    for page, api, kwargs in theirs.urls:
        if page:
            response = client.get(reverse(page, kwargs=kwargs))
            assert response.status_code == 404, (page, response.status_code)
        if api:
            response = client.get(reverse(api, kwargs=kwargs))
            assert response.status_code == 404, (api, response.status_code)


def test_no_object_of_another_country_is_writable(world, people, client):
    for country, role in IDENTITIES:
        client.force_login(_user(people, country, role))
        _walk_writes(client, world[_other(country)])


def _walk_writes(client, theirs):
    for name, kwargs, data in theirs.writes:
        response = client.post(reverse(name, kwargs=kwargs), data)
        assert response.status_code == 404, (name, response.status_code)
    # The group page is shared: writing on it acts in the writer's own country only.
    delete = reverse("evidence:cause_delete", args=["migrants", theirs.ids["cause"]])
    for url in (delete, delete + f"?country={theirs.country}"):
        assert client.post(url).status_code == 404
    comment = reverse("evidence:comment_add", args=["migrants"])
    their_comments = Comment.objects.filter(country=theirs.country).count()
    for data in (
        {"element": f"cause:{theirs.ids['cause']}", "text": "intruder"},
        {"element": "page", "text": "intruder", "country": theirs.country},
    ):
        client.post(comment + f"?country={theirs.country}", data)
        client.post(comment, data)
    assert Cause.objects.filter(pk=theirs.ids["cause"]).exists()
    assert Comment.objects.filter(country=theirs.country).count() == their_comments
    for api, pk in (("api:cause-detail", theirs.ids["cause"]),):
        response = client.delete(reverse(api, kwargs={"pk": pk}))
        assert response.status_code in (404, 405)
    assert Cause.objects.filter(pk=theirs.ids["cause"]).exists()


LIST_PAGES = [
    ("consultations:index", {}),
    ("analysis:index", {}),
    ("recommendations:index", {}),
    ("recommendations:export", {"fmt": "csv"}),
    ("recommendations:institution_list", {}),
    ("evidence:index", {}),
    ("evidence:priorities", {}),
    ("evidence:group_page", {"slug": "migrants"}),
    ("evidence:dossier", {"slug": "migrants"}),
    ("evidence:participation", {}),
    ("evidence:country_report", {}),
    ("accounts:audit_log", {}),
]
LIST_APIS = [
    "api:campaign-list",
    "api:instrument-list",
    "api:story-list",
    "api:focus-group-list",
    "api:run-list",
    "api:dataset-list",
    "api:recommendation-list",
    "api:institution-list",
    "api:recommendation-action-list",
    "api:recommendation-assessment-list",
    "api:cause-list",
    "api:role-list",
    "api:lnob-action-list",
    "api:evidence-list",
]


def test_lists_show_nothing_of_another_country(world, people, client):
    for country, role in IDENTITIES:
        client.force_login(_user(people, country, role))
        _walk_lists(client, country)


def _walk_lists(client, country):
    foreign = secret(_other(country))
    for name, kwargs in LIST_PAGES:
        for suffix in ("", f"?country={_other(country)}"):
            response = client.get(reverse(name, kwargs=kwargs) + suffix)
            assert response.status_code in (200, 403), (name, response.status_code)
            assert foreign not in response.content.decode(), name
    for name in LIST_APIS:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert foreign not in response.content.decode(), name
        assert f'"country":"{_other(country)}"' not in response.content.decode(), name


def test_each_country_sees_its_own(world, people, client):
    """The walk above could pass by showing nothing; members do see their own country."""
    for country in COUNTRIES:
        client.force_login(_user(people, country, "unct"))
        mine = secret(country)
        assert mine in client.get(reverse("api:story-list")).content.decode()
        assert mine in client.get(reverse("api:cause-list")).content.decode()
        page = client.get(reverse("evidence:group_page", args=["migrants"])).content.decode()
        assert f"{mine} cause" in page and f"{mine} comment" in page
        client.force_login(_user(people, country, "partner"))
        assert client.get(reverse("api:run-list")).json()["count"] == 1
        client.force_login(_user(people, country, "rco"))
        assert f"{mine} export" in client.get(reverse("accounts:audit_log")).content.decode()


# ---------------------------------------------------------------------------
# Regression tests for the review's findings
# ---------------------------------------------------------------------------


def test_m1_api_serves_no_row_level_identities_to_unct(world, people, client):
    """M1: the stories API gave UNCT members the age band, sex, groups, disability and
    place of tellers who refused quotation, row by row."""
    client.force_login(people.unct)
    rows = client.get(reverse("api:story-list")).json()["results"]
    assert rows, "the UNCT member reads their country's approved story"
    for row in rows:
        assert row["age_band"] is None and row["sex"] is None and row["location"] is None
        assert row["groups"] == [] and row["has_disability"] is None
    record = client.get(reverse("api:focus-group-list")).json()["results"][0]
    assert record["participants"] is None and record["groups"] == []
    # RCO staff of the country and the partner that collected the story still see them.
    for user in (people.rco, people.partner_own):
        client.force_login(user)
        row = client.get(reverse("api:story-list")).json()["results"][0]
        assert row["age_band"] == "25_34" and row["groups"] == ["migrants"]


def test_m1_published_runs_are_read_in_their_country_only(world, people, client):
    client.force_login(people.foreign_partner)
    runs = client.get(reverse("api:run-list")).json()["results"]
    [elsewhere_run] = [
        kwargs["pk"]
        for name, _api, kwargs in world["Elsewhere"].urls
        if name == "analysis:run_detail"
    ]
    assert [r["id"] for r in runs] == [elsewhere_run]


def test_m2_audit_log_shows_only_the_rco_countrys_events(world, people, client):
    client.force_login(people.foreign_rco)
    page = client.get(reverse("accounts:audit_log")).content.decode()
    assert secret("Elsewhere") in page and secret("Demoland") not in page
    assert AuditEvent.objects.filter(summary__startswith=secret("Demoland")).get().country == (
        "Demoland"
    )


def test_m2_events_without_a_country_follow_their_actor(people, client):
    """An event with no country (e.g. a sign-in) is shown to RCO staff of the actor's
    countries only."""
    AuditEvent.objects.create(action=AuditEvent.Action.SIGN_IN, actor=people.unct, summary="in")
    client.force_login(people.rco)
    assert ">in<" in client.get(reverse("accounts:audit_log")).content.decode().replace(" ", "")
    client.force_login(people.foreign_rco)
    assert ">in<" not in client.get(reverse("accounts:audit_log")).content.decode().replace(" ", "")


def test_group_page_is_per_country_with_a_selector_limited_to_the_viewers(world, people, client):
    from accounts.models import Membership, Role

    Membership.objects.create(
        user=people.unct, organisation=people.foreign_unct_org, role=Role.UNCT_MEMBER
    )
    client.force_login(people.unct)
    url = reverse("evidence:group_page", args=["migrants"])
    first = client.get(url).content.decode()
    assert f"{secret('Demoland')} cause" in first and secret("Elsewhere") not in first
    assert 'name="country"' in first
    second = client.get(url + "?country=Elsewhere").content.decode()
    assert f"{secret('Elsewhere')} cause" in second and secret("Demoland") not in second
    # A country that is not theirs falls back to their first.
    client.force_login(people.rco)
    page = client.get(url + "?country=Elsewhere").content.decode()
    assert secret("Elsewhere") not in page


def test_rco_of_one_country_holds_no_rco_power_where_they_are_only_a_member(world, people, client):
    """Roles are per country: RCO staff of Demoland who is a UNCT member in Elsewhere reads
    Elsewhere's approved evidence but reviews, publishes and administers nothing there."""
    from accounts.models import Membership, Role
    from accounts.policy import Action as Do
    from accounts.policy import can

    Membership.objects.create(
        user=people.rco, organisation=people.foreign_unct_org, role=Role.UNCT_MEMBER
    )
    elsewhere = world["Elsewhere"]
    story_pk = next(
        k["pk"] for page, _api, k in elsewhere.urls if page == "consultations:narrative_detail"
    )
    client.force_login(people.rco)
    assert client.get(reverse("consultations:narrative_detail", args=[story_pk])).status_code == 200
    for name, kwargs, data in elsewhere.writes:
        assert client.post(reverse(name, kwargs=kwargs), data).status_code in (403, 404), name
    assert Narrative.objects.get(pk=story_pk).review_status == "approved"
    assert not can(people.rco, Do.CHANGE, people.foreign_unct_org)
    own = Membership.objects.get(user=people.rco, organisation=people.foreign_unct_org)
    assert not can(people.rco, Do.CHANGE, own)
    assert can(people.rco, Do.CHANGE, people.rco_org)


def test_m1_story_page_shows_no_row_level_identities_to_unct(world, people, client):
    story_pk = next(
        k["pk"]
        for page, _api, k in world["Demoland"].urls
        if page == "consultations:narrative_detail"
    )
    url = reverse("consultations:narrative_detail", args=[story_pk])
    client.force_login(people.unct)
    page = client.get(url).content.decode()
    assert "25_34" not in page and "25–34" not in page and "North" not in page
    client.force_login(people.rco)
    assert "25–34" in client.get(url).content.decode()  # the age band's label
