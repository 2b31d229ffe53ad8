"""The group page and the country report in the reader's language: the data gaps per SDG,
the recommendation tables' positions and statuses; the saved message beside its section."""

import html as html_lib

import pytest
from django.urls import reverse
from django.utils import translation

from evidence.models import DataGap
from recommendations.models import Assessment
from taxonomy.models import PopulationGroup, SDGGoal
from tests.evidence.test_group_pages import published_run
from tests.recommendations.factories import recommendation


@pytest.fixture
def rural(vocabularies):
    return PopulationGroup.objects.get(name="Persons living in rural areas")


@pytest.fixture
def reader(client_for, settings):
    """A UNCT member's client reading in a language; the request's language is reset after."""

    def read(language):
        client = client_for("unct")
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    yield read
    translation.activate(settings.LANGUAGE_CODE)


def _page(client, group, **params) -> str:
    url = reverse("evidence:group_page", args=[group.slug])
    return html_lib.unescape(client.get(url, {"country": "Demoland", **params}).content.decode())


def _electrified(rural):
    """SDG 7: the survey and a recommendation show disadvantage, community voice is silent."""
    published_run(goal=7, leaf_mean=0.4, national=0.7, group=rural)
    return recommendation(
        external_id="A/HRC/1#1",
        text="Electrify rural areas",
        groups=[rural.name],
        targets=["7.1"],
    )


GAP = {
    "en": "SDG 7: other evidence shows disadvantage, community voice is silent",
    "fr": "ODD 7 : d’autres données montrent un désavantage, la voix des communautés est muette",
    "es": "ODS 7: otras evidencias muestran desventaja, la voz de las comunidades calla",
}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_sdg_gap_is_in_the_readers_language_on_the_page_and_in_the_report(
    language, people, reader, rural
):
    _electrified(rural)
    client = reader(language)
    page = _page(client, rural)
    gaps = page[page.index('id="gaps-section"') : page.index('id="tree"')]
    assert GAP[language] in gaps
    assert "other evidence shows disadvantage" not in page

    report = client.get(
        reverse("evidence:country_report"), {"country": "Demoland", "groups": rural.slug}
    )
    text = html_lib.unescape(report.content.decode())
    assert GAP[language] in text and "other evidence shows disadvantage" not in text


def test_an_assigned_sdg_gap_is_shown_in_the_readers_language(people, reader, rural):
    """An assigned gap stores the English text; the page renders it from its goal and stream."""
    _electrified(rural)
    DataGap.objects.create(
        group=rural,
        country="Demoland",
        stream="voice",
        sdg_goal=SDGGoal.objects.get(number=7),
        description="SDG 7: other evidence shows disadvantage, voice is silent",
        assigned_to=people.unct,
    )
    page = _page(reader("fr"), rural)
    assigned = page[page.index(">Lacunes attribuées<") : page.index('id="tree"')]
    assert GAP["fr"] in assigned


def test_the_english_page_keeps_the_english_gap(people, reader, rural):
    _electrified(rural)
    assert GAP["en"] in _page(reader("en"), rural)


def test_the_recommendation_tables_show_the_translated_labels(people, reader, rural):
    rec = _electrified(rural)
    Assessment.objects.create(
        country="Demoland", recommendation=rec, status=Assessment.Status.PARTIAL
    )
    recommendation(external_id="A/HRC/1#2", text="Roads", groups=[rural.name], position="Noted")
    page = _page(reader("fr"), rural)

    def rows(caption):
        table = page[page.index(caption) :]
        table = table[: table.index("</table>")]
        return [cell.split("<")[0] for cell in table.split('<th scope="row">')[1:]]

    assert sorted(rows("Par position à l'EPU")) == ["Acceptée", "Notée"]
    assert sorted(rows("Par état de la mise en œuvre")) == [
        "Non évaluée",
        "Partiellement mise en œuvre",
    ]


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'<h2 id="{heading_id}">')
    return page[start : page.index("</section>", start)]


def test_the_saved_message_is_shown_in_the_section_that_changed(people, client_for, rural):
    """Without JavaScript: the write redirects to its section, which says "Saved." itself."""
    client = client_for("unct")
    response = client.post(
        reverse("evidence:data_gap_assign", args=[rural.slug]),
        {
            "stream": "voice",
            "sdg_goal": "",
            "description": "No community voice",
            "assigned_to": people.unct.pk,
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#gaps")
    page = client.get(response["Location"]).content.decode()
    message = '<p class="message message-success" role="status" id="saved">Saved.</p>'
    assert message in _section(page, "gaps")
    assert page.count("Saved.") == 1  # not also at the top of the page

    response = client.post(
        reverse("evidence:comment_add", args=[rural.slug]), {"element": "page", "text": "Agree"}
    )
    page = client.get(response["Location"]).content.decode()
    assert message in _section(page, "discussion") and message not in _section(page, "gaps")


def test_a_saved_address_naming_no_section_shows_no_message(people, client_for, rural):
    page = _page(client_for("unct"), rural, saved="main")
    assert "Saved." not in page


@pytest.mark.parametrize(
    ("stored", "language", "shown"),
    [
        ("Partially implemented", "fr", "Partiellement mise en œuvre"),
        # a summary computed while a French reader's request was active stores French labels
        ("Partiellement mise en œuvre", "es", "Parcialmente aplicada"),
        ("Non évaluée", "en", "Not assessed"),
        ("Supported/Noted", "es", "Aceptada/Tomada en consideración"),
    ],
)
def test_a_stored_status_label_is_shown_in_the_readers_language(stored, language, shown):
    from evidence.templatetags.evidence_states import recommendation_label

    field = "position" if "/" in stored else "status"
    with translation.override(language):
        assert recommendation_label(stored, field) == shown
