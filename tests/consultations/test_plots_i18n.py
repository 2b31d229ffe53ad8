"""The consultation charts speak the reader's language: legends, the small-count note, the
``<desc>``, zone names, the instrument's question and poles and the group's name, on the
campaign analysis page and on a group page (French and Spanish readers, English unchanged)."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from consultations import services
from consultations.models import Signifier
from consultations.plots import histogram_svg, ternary_svg, zone_names
from taxonomy.models import PopulationGroup

from .factories import consultation_objects

SVG = "{http://www.w3.org/2000/svg}"

QUESTION = {
    "en": "How did things turn out?",
    "fr": "Comment les choses ont-elles tourné ?",
    "es": "¿Cómo salieron las cosas?",
}
POLES = [
    {"en": "Much worse", "fr": "Bien pire", "es": "Mucho peor"},
    {"en": "Much better", "fr": "Bien meilleur", "es": "Mucho mejor"},
]
TRIAD = {
    "en": "In your story, who made the biggest difference?",
    "fr": "Dans votre histoire, qui a fait la plus grande différence ?",
    "es": "En su historia, ¿quién marcó la mayor diferencia?",
}
CORNERS = [
    {"en": "Family and community", "fr": "Famille et communauté", "es": "Familia y comunidad"},
    {"en": "Public services", "fr": "Services publics", "es": "Servicios públicos"},
    {"en": "Myself", "fr": "Moi-même", "es": "Yo mismo"},
]
EXPECTED = {
    "fr": {
        "stories": "histoires",
        "group": "Personnes vivant en milieu rural",
        "desc": "Histogramme de 10 barres",
        "share": "Hauteur des barres",
    },
    "es": {
        "stories": "historias",
        "group": "Personas que viven en zonas rurales",
        "desc": "Histograma de 10 barras",
        "share": "Altura de las barras",
    },
}


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg .*?</svg>", html, flags=re.S)


def visible_text(svg: str) -> str:
    root = ET.fromstring(svg)
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def desc(svg: str) -> str:
    return ET.fromstring(svg).find(f"{SVG}desc").text


@pytest.fixture
def voiced(people, vocabularies):
    """Five approved stories from rural people and five from others, answering a dyad and a
    triad whose wording exists in English, French and Spanish."""
    objs = consultation_objects(people)
    Signifier.objects.create(
        instrument=objs.instrument, key="turn", kind="dyad", order=3, question=QUESTION,
        labels=POLES,
    )  # fmt: skip
    Signifier.objects.create(
        instrument=objs.instrument, key="difference", kind="triad", order=4, question=TRIAD,
        labels=CORNERS,
    )  # fmt: skip
    rural = PopulationGroup.objects.get(name="Persons living in rural areas")
    for i in range(10):
        story, _code = services.narrative_submit(
            instrument=objs.instrument,
            values={
                "story": f"Story {i}",
                "answers": {"turn": 0.1 if i < 5 else 0.9, "difference": [0.8, 0.1, 0.1]},
            },
            groups=[rural] if i < 5 else [],
            consent={"given": True, "how": "verbal"},
            channel="form",
            organisation=people.partner_org,
            user=people.partner_own,
        )
        services.submission_review(obj=story, status="approved", note="", user=people.rco)
    return objs, rural


def page(client_for, url: str, language: str | None) -> str:
    client = client_for("rco")
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    else:
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def chart(html: str, title: str) -> str:
    found = [svg for svg in svgs(html) if f">{title}</title>" in svg]
    assert found, f"no chart titled {title!r}"
    return found[0]


@pytest.mark.parametrize("language", ["fr", "es"])
def test_campaign_analysis_charts_in_the_readers_language(client_for, voiced, language):
    objs, rural = voiced
    url = reverse("consultations:campaign_analysis", args=[objs.campaign.pk])
    html = page(client_for, f"{url}?group={rural.slug}", language)
    expected = EXPECTED[language]

    dyad = chart(html, QUESTION[language])
    text = visible_text(dyad)
    assert POLES[0][language] in text and POLES[1][language] in text
    assert f"{expected['group']} (5 {expected['stories']})" in text
    assert expected["share"] in text
    assert "stories" not in text and "Much worse" not in text
    assert desc(dyad).startswith(expected["desc"])
    assert "stories" not in desc(dyad)

    triad = chart(html, TRIAD[language])
    text = visible_text(triad)
    assert f"{expected['group']} (5 {expected['stories']})" in text
    assert CORNERS[0][language] in text and "Family and community" not in text
    assert "stories" not in desc(triad) and "mostly" not in desc(triad)

    # The group table names the group in the reader's language too.
    assert f'<th scope="row">{expected["group"]}</th>' in html
    assert '<th scope="row">Persons living in rural areas</th>' not in html


def test_an_english_reader_after_a_french_one_reads_english(client_for, voiced):
    objs, rural = voiced
    url = reverse("consultations:campaign_analysis", args=[objs.campaign.pk])
    page(client_for, f"{url}?group={rural.slug}", "fr")
    html = page(client_for, f"{url}?group={rural.slug}", None)
    text = visible_text(chart(html, QUESTION["en"]))
    assert "Persons living in rural areas (5 stories)" in text
    assert "histoires" not in html and "Bien pire" not in html


def test_the_export_note_names_the_configured_minimum_in_french(client_for, voiced, settings):
    settings.SMALL_COUNT_MIN = 7
    objs, _rural = voiced
    url = reverse("consultations:campaign_analysis", args=[objs.campaign.pk])
    html = page(client_for, url, "fr")
    note = re.search(r"les identités communs à moins de 7 histoires[^<]*", html)
    assert note and "moins de 7" in note.group(0) and "5" not in note.group(0)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_group_page_voice_chart_in_the_readers_language(client_for, voiced, language):
    _objs, rural = voiced
    url = reverse("evidence:group_page", args=[rural.slug])
    html = page(client_for, f"{url}?country=Demoland", language)
    expected = EXPECTED[language]
    plots = [svg for svg in svgs(html) if 'class="lnob-plot"' in svg]
    assert plots
    legends = " ".join(visible_text(svg) for svg in plots)
    assert expected["stories"] in legends and "stories" not in legends
    assert expected["share"] in legends
    assert all("stories" not in desc(svg) for svg in plots)
    # An English reader afterwards is not served the French words from any cache.
    english = page(client_for, f"{url}?country=Demoland", None)
    legends = " ".join(visible_text(svg) for svg in svgs(english) if "lnob-plot" in svg)
    assert "stories" in legends and expected["stories"] not in legends
    # The stored summary the first (French or Spanish) reader caused to be computed holds
    # no words of that reader's language: titles, poles and zone rows stay English for others.
    assert QUESTION[language] not in english and POLES[0][language] not in english
    assert CORNERS[0][language] not in english
    assert f"mostly {CORNERS[0]['en']}" in english


def test_group_page_chart_title_and_group_name_in_french(client_for, voiced):
    _objs, rural = voiced
    url = reverse("evidence:group_page", args=[rural.slug])
    html = page(client_for, f"{url}?country=Demoland", "fr")
    dyad = chart(html, QUESTION["fr"])
    text = visible_text(dyad)
    assert "Personnes vivant en milieu rural (5 histoires)" in text
    assert POLES[0]["fr"] in text and POLES[1]["fr"] in text and "Much worse" not in text
    # the triad's zone table: its caption and zone names in French too
    assert f"<caption>{TRIAD['fr']}" in html
    assert f"<td>surtout {CORNERS[0]['fr']}</td>" in html
    assert "mostly" not in html
    # the summary is shared by readers of every language: the next English reader reads English
    english = page(client_for, f"{url}?country=Demoland", None)
    assert QUESTION["en"] in english and f"<td>mostly {CORNERS[0]['en']}</td>" in english
    assert QUESTION["fr"] not in english


def test_plot_words_follow_the_active_language():
    with translation.override("fr"):
        names = zone_names(("Argent", "Famille", "Chance"))
        svg = histogram_svg([1, 2, 3], left_label="Pire", right_label="Mieux", title="T")
        small = ternary_svg([(0.2, 0.3, 0.5)], labels=("A", "B", "C"), title="T")
    assert names["corner_a"] == "surtout Argent"
    assert names["edge_ab"] == "entre Argent et Famille"
    assert names["centre"] == "un équilibre entre les trois" and names["other"] == "ailleurs"
    assert "Histoires (6 histoires)" in visible_text(svg)
    assert desc(svg).startswith("Histogramme de 3 barres, de Pire (à gauche)")
    assert "Moins de 5 histoires" in visible_text(small)
    assert "moins de 5 histoires, non affichées" in visible_text(small)
    with translation.override("en"):
        assert zone_names(("Money", "Family", "Luck"))["corner_a"] == "mostly Money"
