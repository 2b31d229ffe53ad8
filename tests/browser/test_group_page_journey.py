"""A UNCT member opens a group page, adds a cause citing a story, and exports the dossier."""

import pytest

from consultations import services as voice
from evidence.models import Citation
from taxonomy.models import PopulationGroup
from tests.browser.test_foundation_journeys import sign_in
from tests.consultations.factories import consultation_objects

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unct_member_builds_the_problem_tree_and_exports(
    page, live_server, people, vocabularies, screenshot, tmp_path
):
    objs = consultation_objects(people)
    migrants = PopulationGroup.objects.get(name="Migrants")
    for i in range(5):
        story, _ = voice.narrative_submit(
            instrument=objs.instrument,
            values={"title": f"Papers {i}", "story": "Without papers the clinic sent us away."},
            groups=[migrants],
            consent={"given": True, "how": "verbal", "quotation": True},
            channel="form",
            organisation=people.partner_org,
        )
        voice.submission_review(obj=story, status="approved", note="", user=people.rco)
    sign_in(page, live_server.url, people.unct.email)
    page.goto(f"{live_server.url}/groups/")
    page.get_by_role("link", name="Migrants", exact=True).click()
    assert page.get_by_role(
        "heading", name="Where the evidence agrees, disagrees or is silent"
    ).is_visible()
    # The evidence to cite is found with the page's search (no full lists), then cited.
    page.get_by_label("Find evidence to cite").fill("Papers 0")
    page.get_by_role("button", name="Find", exact=True).click()
    page.get_by_text("Add a cause").click()
    tree = page.get_by_role("region", name="Problem tree")
    tree.get_by_label("Level").select_option("manifestation")
    tree.get_by_label("Statement").fill("Migrants without papers are refused health care")
    tree.get_by_label("Rights implicated").fill("right to health")
    page.get_by_role("region", name="Problem tree").get_by_label("Story: Papers 0").check()
    page.get_by_role("button", name="Add the cause").click()
    assert page.get_by_text("Migrants without papers are refused health care").first.is_visible()
    assert Citation.objects.filter(narrative__title="Papers 0").exists()
    screenshot(page, "group-page-migrants")
    with page.expect_download() as download:
        page.get_by_role("link", name="Dossier (DOCX)").click()
    path = tmp_path / "dossier.docx"
    download.value.save_as(path)
    from docx import Document

    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert "Migrants without papers are refused health care" in text
