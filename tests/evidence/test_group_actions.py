"""One URL per action of the group page: each goes through its service, which checks the
policy in the page's country, validates, writes in one transaction and records a Revision.
Invalid input is a form error (400), never a 500."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evidence import services
from evidence.models import (
    CapacityGap,
    Cause,
    Citation,
    Comment,
    DataGap,
    GroupAction,
    GroupSummary,
    Revision,
    RoleEntry,
)
from taxonomy.models import PopulationGroup
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def migrants(vocabularies):
    return PopulationGroup.objects.get(slug="migrants")


def _cause(group, country="Demoland", **kw):
    return Cause.objects.create(
        group=group, country=country, level=kw.get("level", "manifestation"), text="Left behind"
    )


def _role(group, country="Demoland"):
    return RoleEntry.objects.create(
        group=group, country=country, kind="duty_bearer", name="Ministry", claims_or_obligations="x"
    )


def _valid_post(name, group, people):
    """A valid form for each create URL, and the model it creates."""
    if name == "capacity_gap_add":
        role = _role(group)
        return {
            "role": role.pk,
            "dimension": "authority",
            "severity": "high",
            "description": "No mandate",
        }, CapacityGap
    return {
        "cause_add": ({"level": "manifestation", "text": "Refused care"}, Cause),
        "role_add": (
            {"kind": "duty_bearer", "name": "Ministry of Health", "claims_or_obligations": "Care"},
            RoleEntry,
        ),
        "action_add": (
            {"title": "Clinic outreach", "kind": "services", "owner": "WHO", "status": "planned"},
            None,
        ),
        "comment_add": ({"element": "page", "text": "Check the figures"}, Comment),
        "data_gap_assign": (
            {"stream": "voice", "description": "No voice", "assigned_to": people.rco.pk},
            DataGap,
        ),
        "summary_validate": (
            {"validated_on": "2026-01-10", "validated_how": "Community meetings"},
            GroupSummary,
        ),
    }[name]


CREATE_URLS = [
    "cause_add",
    "role_add",
    "capacity_gap_add",
    "action_add",
    "comment_add",
    "data_gap_assign",
    "summary_validate",
]


@pytest.mark.parametrize("name", CREATE_URLS)
@pytest.mark.parametrize(
    "role,status,writes",
    [("unct", 302, True), ("rco", 302, True), ("partner_own", 403, False)],
)
def test_each_action_has_its_url_policy_and_revision(
    name, role, status, writes, people, client_for, migrants
):
    data, _model = _valid_post(name, migrants, people)
    before = Revision.objects.count()
    response = client_for(role).post(reverse(f"evidence:{name}", args=["migrants"]), data)
    assert response.status_code == status
    if writes:
        anchor = response["Location"].rsplit("#", 1)[1]
        assert anchor in {"tree", "roles", "actions", "discussion", "gaps"}
        assert "country=Demoland" in response["Location"]
        revision = Revision.objects.order_by("-pk").first()
        assert Revision.objects.count() == before + 1
        assert revision.country == "Demoland" and revision.author == people.user(role)
    else:
        assert Revision.objects.count() == before
    if name == "action_add" and writes:
        assert GroupAction.objects.get().title == "Clinic outreach"


@pytest.mark.parametrize(
    "name,data",
    [
        ("data_gap_assign", {"stream": "rumours", "description": "x"}),
        ("data_gap_assign", {"stream": "voice", "description": "x", "sdg_goal": "99"}),
        ("cause_add", {"level": "cosmic", "text": "x"}),
        ("cause_add", {"level": "root", "text": "x", "parent": "999999"}),
        ("cause_add", {"level": "root", "text": "x", "cite_run": "999999"}),
        ("comment_add", {"element": "cause:999999", "text": "x"}),
        ("action_add", {"title": "x", "kind": "services", "owner": "y", "causes": "abc"}),
        ("summary_validate", {"validated_on": "yesterday", "validated_how": "x"}),
        ("capacity_gap_add", {"role": "1", "dimension": "authority", "severity": "huge"}),
    ],
)
def test_invalid_input_is_a_form_error_not_a_500(name, data, people, client_for, migrants):
    response = client_for("unct").post(reverse(f"evidence:{name}", args=["migrants"]), data)
    assert response.status_code == 400
    assert "Not saved" in response.content.decode()
    assert not Revision.objects.exists()


def test_an_action_ending_before_it_starts_is_a_form_error(people, client_for, migrants):
    response = client_for("rco").post(
        reverse("evidence:action_add", args=["migrants"]),
        {
            "title": "x",
            "kind": "services",
            "owner": "y",
            "starts_on": "2026-05-01",
            "ends_on": "2026-01-01",
            "status": "planned",
        },
    )
    assert response.status_code == 400 and not GroupAction.objects.exists()
    assert "cannot end before it starts" in response.content.decode()


def test_a_cause_and_its_citations_are_saved_together(people, client_for, migrants):
    from tests.factories import run_with_result

    run = run_with_result(published=True)
    response = client_for("unct").post(
        reverse("evidence:cause_add", args=["migrants"]),
        {"level": "immediate", "text": "No clinic", "cite_run": [run.pk]},
    )
    assert response.status_code == 302
    cause = Cause.objects.get()
    assert Citation.objects.get().run == run and Citation.objects.get().cause == cause
    assert cause.created_by == people.unct
    assert Revision.objects.get().element == f"cause:{cause.pk}"


def test_a_run_of_another_country_cannot_be_cited(people, client_for, migrants):
    from tests.factories import run_with_result

    theirs = run_with_result(published=True, country="Elsewhere")
    response = client_for("rco").post(
        reverse("evidence:cause_add", args=["migrants"]),
        {"level": "immediate", "text": "No clinic", "cite_run": [theirs.pk]},
    )
    assert response.status_code == 400 and not Cause.objects.exists()


def test_cause_delete_records_a_revision_and_is_country_scoped(people, client_for, migrants):
    mine, theirs = _cause(migrants), _cause(migrants, country="Elsewhere")
    assert (
        client_for("partner_own")
        .post(reverse("evidence:cause_delete", args=["migrants", mine.pk]))
        .status_code
        == 403
    )
    assert (
        client_for("unct")
        .post(reverse("evidence:cause_delete", args=["migrants", theirs.pk]))
        .status_code
        == 404
    )
    response = client_for("unct").post(reverse("evidence:cause_delete", args=["migrants", mine.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#tree")
    assert not Cause.objects.filter(pk=mine.pk).exists()
    assert Cause.objects.filter(pk=theirs.pk).exists()
    revision = Revision.objects.get()
    assert revision.change == "deleted" and revision.before["text"] == "Left behind"


def test_data_gap_close_is_recorded_and_not_repeated(people, client_for, migrants):
    gap = DataGap.objects.create(
        group=migrants, country="Demoland", stream="voice", description="No voice"
    )
    url = reverse("evidence:data_gap_close", args=["migrants", gap.pk])
    assert client_for("partner_own").post(url).status_code == 403
    assert client_for("rco").post(url).status_code == 302
    gap.refresh_from_db()
    assert not gap.is_open and gap.closed_at
    with pytest.raises(ValidationError):
        services.data_gap_close(gap=gap, user=people.rco)
    assert Revision.objects.count() == 1


def test_data_gaps_are_assigned_only_to_writers_of_the_pages_country(people, client_for, migrants):
    elsewhere = people.foreign_rco
    partner = people.partner_own
    assignable = set(services.assignable_people(country="Demoland"))
    assert assignable == {people.rco, people.unct}
    # Someone with a CSO role in Demoland and RCO role elsewhere is still not assignable.
    both = MembershipFactory(organisation=OrganisationFactory(country="Demoland")).user
    MembershipFactory(user=both, organisation=people.foreign_org, role="rco_staff")
    assert both not in set(services.assignable_people(country="Demoland"))
    url = reverse("evidence:group_page", args=["migrants"])
    page = client_for("unct").get(url).content.decode()
    # The page links to the assignment forms; following the link shows them.
    assert people.rco.email not in page and "open=assign#gaps" in page
    html = client_for("unct").get(url, {"country": "Demoland", "open": "assign"}).content.decode()
    assert people.rco.email in html
    assert elsewhere.email not in html and partner.email not in html
    for user in (elsewhere, partner, both):
        response = client_for("unct").post(
            reverse("evidence:data_gap_assign", args=["migrants"]),
            {"stream": "voice", "description": "No voice", "assigned_to": user.pk},
        )
        assert response.status_code == 400
    assert not DataGap.objects.exists()
    with pytest.raises(ValidationError):
        services.data_gap_assign(
            group=migrants,
            country="Demoland",
            user=people.unct,
            stream="voice",
            description="x",
            assigned_to=elsewhere,
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda g, u: services.cause_add(
            group=g, country="Demoland", user=u, level="root", text="x"
        ),
        lambda g, u: services.comment_add(
            group=g, country="Demoland", user=u, element="page", text="x"
        ),
        lambda g, u: services.summary_validate(
            group=g,
            country="Demoland",
            user=u,
            validated_on=datetime.date(2026, 1, 1),
            validated_how="x",
        ),
        lambda g, u: services.data_gap_assign(
            group=g, country="Demoland", user=u, stream="voice", description="x"
        ),
    ],
)
@pytest.mark.parametrize("role", ["partner_own", "foreign_unct", "foreign_rco"])
def test_services_refuse_people_who_do_not_write_in_that_country(call, role, people, migrants):
    with pytest.raises(PermissionDenied):
        call(migrants, people.user(role))
    assert not Revision.objects.exists()


def test_a_parent_cause_of_another_group_is_refused(people, migrants):
    other = _cause(PopulationGroup.objects.get(slug="stateless-persons"))
    with pytest.raises(ValidationError):
        services.cause_add(
            group=migrants,
            country="Demoland",
            user=people.unct,
            level="immediate",
            text="x",
            parent=other,
        )
    assert not Revision.objects.exists()


def test_a_capacity_gap_takes_its_roles_country(people, migrants):
    with pytest.raises(PermissionDenied):
        services.capacity_gap_add(
            role=_role(migrants, country="Elsewhere"),
            user=people.unct,
            dimension="legal",
            severity="low",
            description="x",
        )
    gap = services.capacity_gap_add(
        role=_role(migrants), user=people.unct, dimension="legal", severity="low", description="x"
    )
    assert gap.country == "Demoland" and Revision.objects.get().element == f"capacitygap:{gap.pk}"


@pytest.mark.parametrize(
    "name,form_action",
    [
        ("cause", "cause_add"),
        ("role", "role_add"),
        ("capacity_gap", "capacity_gap_add"),
        ("action", "action_add"),
        ("comment", "comment_add"),
        ("validate", "summary_validate"),
    ],
)
def test_a_writer_opens_each_form_by_a_link_that_works_without_javascript(
    name, form_action, people, client_for, migrants
):
    """The page links to its forms (rendering them all for every view was most of its
    time); the link is a plain GET of the page with that form open, which htmx may swap in."""
    url = reverse("evidence:group_page", args=["migrants"])
    posts_to = f'action="{reverse(f"evidence:{form_action}", args=["migrants"])}?country=Demoland"'
    page = client_for("unct").get(url).content.decode()
    link = f"{url}?country=Demoland&amp;open={name}"
    assert f'href="{link}#' in page and f'hx-get="{link}"' in page
    assert posts_to not in page
    opened = client_for("unct").get(url, {"country": "Demoland", "open": name})
    assert opened.status_code == 200 and posts_to in opened.content.decode()
    assert f'href="{link}#' not in opened.content.decode()
    partner = client_for("partner_own").get(url, {"country": "Demoland", "open": name})
    assert partner.status_code == 200 and 'hx-get="' not in partner.content.decode()
    assert posts_to not in partner.content.decode()


def test_a_rejected_write_shows_its_form_open_with_what_was_typed(people, client_for, migrants):
    response = client_for("rco").post(
        reverse("evidence:cause_add", args=["migrants"]) + "?country=Demoland",
        {"level": "cosmic", "text": "Typed by hand"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert '<details id="add-cause" open>' in html and "Typed by hand" in html
