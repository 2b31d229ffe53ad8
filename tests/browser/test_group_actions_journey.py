"""A UNCT member adds a cause and a comment on a group page (each form is shown when the
writer asks for it, posts to its own URL and comes back to its section); an RCO analyst
links one leaf to two groups, one after the other, and both links remain."""

import pytest
from playwright.sync_api import expect

from analysis.models import LeafGroupLink
from evidence.models import Cause, Comment, Revision
from tests.browser.test_foundation_journeys import sign_in
from tests.factories import run_with_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unct_member_adds_a_cause_and_a_comment(
    page, live_server, people, vocabularies, screenshot
):
    sign_in(page, live_server.url, people.unct.email)
    page.goto(f"{live_server.url}/groups/migrants/")
    page.get_by_text("Add a cause").click()
    tree = page.get_by_role("region", name="Problem tree")
    tree.get_by_label("Level").select_option("manifestation")
    tree.get_by_label("Statement").fill("Migrants without papers are refused health care")
    page.get_by_role("button", name="Add the cause").click()
    assert page.url.endswith("#tree")
    assert page.get_by_text("Migrants without papers are refused health care").first.is_visible()
    cause = Cause.objects.get()
    page.get_by_role("link", name="Add a comment").click()  # the form is shown on demand
    page.get_by_label("About").select_option(f"cause:{cause.pk}")
    page.locator("#comment_text").fill("The clinic data agree with the stories.")
    page.get_by_role("button", name="Comment", exact=True).click()
    assert page.url.endswith("#discussion")
    assert page.get_by_text("The clinic data agree with the stories.").is_visible()
    assert Comment.objects.get().element == f"cause:{cause.pk}"
    assert Revision.objects.count() == 2
    screenshot(page, "group-page-cause-and-comment")


def test_rco_analyst_links_a_leaf_to_two_groups_one_after_the_other(
    page, live_server, people, vocabularies, screenshot
):
    run = run_with_result(published=True)
    leaf = next(n["id"] for n in run.result["nodes"] if n["is_leaf"])
    sign_in(page, live_server.url, people.rco.email)
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    row = page.locator(f"#node-{leaf}")
    row.get_by_label(f"Add population groups for leaf {leaf}").select_option(
        label="Persons living in poverty"
    )
    row.get_by_role("button", name="Link", exact=True).click()
    # The second link is made after a search (a plain GET form).
    page.get_by_label("Find population groups to link").fill("rural women")
    page.get_by_role("button", name="Search").click()
    row = page.locator(f"#node-{leaf}")
    row.get_by_label(f"Add population groups for leaf {leaf}").select_option(label="Rural women")
    row.get_by_role("button", name="Link", exact=True).click()
    row = page.locator(f"#node-{leaf}")
    assert row.get_by_role("link", name="Persons living in poverty").is_visible()
    assert row.get_by_role("link", name="Rural women").is_visible()
    assert set(LeafGroupLink.objects.values_list("group__name", flat=True)) == {
        "Persons living in poverty",
        "Rural women",
    }
    screenshot(page, "run-leaf-linked-to-two-groups")


IN_VIEW = """el => { const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0
        && r.right <= window.innerWidth; }"""


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_after_a_form_is_swapped_in_focus_is_in_its_first_field(
    viewport, request, live_server, people, vocabularies, screenshot
):
    """The links that load a form with htmx leave focus in that form, in view, not on <body>;
    the confirmation of a save is in the section that changed."""
    page = request.getfixturevalue(viewport)
    sign_in(page, live_server.url, people.unct.email)
    page.goto(f"{live_server.url}/groups/migrants/")
    for link, field in [
        ("Add a cause", "#add-cause select, #add-cause input:not([type=hidden])"),
        ("Add a comment", "#add-comment select"),
        ("Assign a data gap to someone", "#gaps-section select"),
    ]:
        page.get_by_role("link", name=link).click()
        first = page.locator(field).first
        first.wait_for()
        expect(first).to_be_focused()
        assert first.evaluate(IN_VIEW), link
    screenshot(page, f"group-page-focus-after-swap-{viewport}")
    page.locator("#gaps-section select").first.select_option(label=people.unct.email)
    page.locator("#gaps-section").get_by_role("button", name="Assign").first.click()
    saved = page.locator("#gaps-section [role=status]")
    assert saved.inner_text() == "Saved." and saved.evaluate(IN_VIEW)
