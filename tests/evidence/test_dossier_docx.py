"""The group dossier DOCX is a CCA chapter: country and date on the title, the sections with
content (never an empty heading), the tree and trend figures as images, "Page N of M" field
codes, document properties, the 10 most recent recommendations with the rest in an annex,
sources, and each quote once."""

import datetime
import io

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from analysis.services import leaf_group_link
from consultations import services as voice
from evidence.models import Cause, Citation, GroupAction, RoleEntry
from recommendations.models import SourceDocument
from taxonomy.models import PopulationGroup
from tests.consultations.factories import consultation_objects
from tests.factories import run_with_result
from tests.recommendations.factories import recommendation

pytestmark = pytest.mark.django_db

TWICE = "The clinic sent us away because we had no papers."


def _story(objs, people, group, text, quotation=True):
    story, _code = voice.narrative_submit(
        instrument=objs.instrument,
        values={"story": text},
        groups=[group],
        consent={"given": True, "how": "verbal", "quotation": quotation},
        channel="form",
        organisation=people.partner_org,
    )
    voice.submission_review(obj=story, status="approved", note="", user=people.rco)
    return story


@pytest.fixture
def migrants_evidence(people, vocabularies):
    objs = consultation_objects(people)
    migrants = PopulationGroup.objects.get(slug="migrants")
    stories = [_story(objs, people, migrants, TWICE), _story(objs, people, migrants, TWICE)]
    stories += [_story(objs, people, migrants, f"Story {i} of the border") for i in range(4)]
    for year, run in (
        (2017, run_with_result(published=True)),
        (2022, run_with_result(published=True)),
    ):
        run.dataset.survey_round = str(year)
        run.dataset.save()
        leaf_group_link(
            run=run, node_id=run.result["furthest_behind"]["node"], group=migrants, user=None
        )
    for i in range(12):
        rec = recommendation(
            external_id=f"UPR-{i:02d}",
            text=f"Recommendation number {i} on migrants",
            published=True,
            groups=["Migrants"],
            targets=["10.7"],
        )
        rec.document = SourceDocument.objects.create(
            country="Demoland",
            mechanism=rec.mechanism,
            symbol=f"A/HRC/{40 + i}/9",
            publication_date=datetime.date(2010 + i, 1, 1),
        )
        rec.save()
    cause = Cause.objects.create(
        group=migrants, country="Demoland", level="manifestation", text="Refused care"
    )
    Citation.objects.create(cause=cause, narrative=stories[0])
    RoleEntry.objects.create(
        group=migrants,
        country="Demoland",
        kind="duty_bearer",
        name="Ministry of Health",
        claims_or_obligations="Care for all",
    )
    GroupAction.objects.create(
        group=migrants, country="Demoland", title="Clinic outreach", kind="services", owner="MoH"
    )
    return migrants


def _blocks(document):
    """Body paragraphs and tables in order: ("heading", level, text) or ("text", …)."""
    out = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            out.append(("table", None, ""))
        elif child.tag == qn("w:p"):
            style = (
                child.pPr.pStyle.val
                if child.pPr is not None and child.pPr.pStyle is not None
                else ""
            )
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            has_picture = bool(list(child.iter(qn("w:drawing"))))
            if style.startswith("Heading") and style[7:].strip().isdigit():
                out.append(("heading", int(style[7:]), text))
            elif style == "Title":
                out.append(("heading", 0, text))
            elif text.strip() or has_picture:
                out.append(("text", None, text))
    return out


def test_the_dossier_is_a_paste_ready_cca_chapter(client, people, migrants_evidence):
    client.force_login(people.rco)
    response = client.get(reverse("evidence:dossier_docx", args=["migrants"]))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    blocks = _blocks(document)
    headings = [text for kind, _level, text in blocks if kind == "heading"]
    assert headings[0] == "Group dossier: Migrants"
    for section in (
        "Summary",
        "Survey evidence",
        "Community voice",
        "Recommendations",
        "Convergence and data gaps",
        "Problem tree",
        "Roles and capacity gaps",
        "Actions",
        "Sources",
        "Annex: all 12 recommendations naming Migrants",
    ):
        assert section in headings
    # No empty heading: each is followed by content before the next heading of its level.
    for index, (kind, level, text) in enumerate(blocks):
        if kind != "heading":
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        assert following is not None, f"{text!r} ends the document"
        assert following[0] != "heading" or following[1] > level, f"{text!r} is empty"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Demoland" in document.paragraphs[1].text
    assert f"{datetime.date.today():%Y}" in document.paragraphs[1].text
    # Figures: two trees (one per round, same indicator: one drawn) and the trend.
    assert len(document.inline_shapes) >= 2
    assert "Trend: Electricity" in text and "Who is furthest behind: Electricity" in text
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and 'w:fldCharType="begin"' in footer
    properties = document.core_properties
    assert properties.title == "Group dossier: Migrants (Demoland)"
    assert properties.author == "RCO Demoland"
    assert properties.created.date() == datetime.date.today()
    assert "The 10 most recent of 12; the full list is in the annex." in text
    body = text[: text.index("Annex: all 12")]
    assert "Recommendation number 11 " in body and "Recommendation number 1 " not in body
    assert all(f"Recommendation number {i} " in text for i in range(12))
    assert text.count(TWICE) == 1
    matrix = document.tables[0]
    assert [c.text for c in matrix.rows[1].cells][0].startswith("10. ")
    assert "SDG 10: other evidence shows disadvantage, the survey is silent" in text
    assert "A/HRC/51/9" in text and "Voices" in text and "analysis run" in text


def test_a_group_without_evidence_has_no_empty_section(client, people, vocabularies):
    client.force_login(people.unct)
    response = client.get(reverse("evidence:dossier_docx", args=["stateless-persons"]))
    blocks = _blocks(Document(io.BytesIO(response.content)))
    headings = [text for kind, _level, text in blocks if kind == "heading"]
    assert "Recommendations" not in headings and "Survey evidence" not in headings
    assert "Convergence and data gaps" in headings  # silence is a finding: the data gaps
    for index, (kind, level, text) in enumerate(blocks):
        if kind == "heading":
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            assert following and (following[0] != "heading" or following[1] > level), text


def test_the_country_report_collects_the_chosen_groups_and_participation(
    client, people, migrants_evidence
):
    client.force_login(people.unct)
    query = {"groups": ["migrants", "stateless-persons"]}
    response = client.get(reverse("evidence:country_report_docx"), query)
    document = Document(io.BytesIO(response.content))
    blocks = _blocks(document)
    headings = [(level, text) for kind, level, text in blocks if kind == "heading"]
    assert headings[0] == (0, "Leave no one behind: country report, Demoland")
    assert (1, "Participation: who was heard, and who was not") in headings
    assert (1, "Migrants") in headings and (1, "Stateless persons") in headings
    assert (1, "Older persons") not in headings
    for index, (kind, level, text) in enumerate(blocks):
        if kind == "heading":
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            assert following and (following[0] != "heading" or following[1] > level), text
    assert len(document.inline_shapes) >= 2
    assert document.core_properties.author == "UNFPA Demoland"
    assert "NUMPAGES" in document.sections[0].footer._element.xml
    # The participation table names Migrants among the groups heard.
    heard = next(t for t in document.tables if t.rows[0].cells[0].text == "Group")
    assert "Migrants" in [row.cells[0].text for row in heard.rows]

    page = client.get(reverse("evidence:country_report"), query)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Annex: all 12 recommendations naming Migrants" in html
    assert html.count('src="data:image/png;base64,') >= 2
    assert 'id="unheard-heading"' in html and html.count(TWICE) == 1


def test_the_printable_dossier_says_what_the_docx_says(client, people, migrants_evidence):
    client.force_login(people.rco)
    html = client.get(reverse("evidence:dossier", args=["migrants"])).content.decode()
    assert "<h2>Annex: all 12 recommendations naming Migrants</h2>" in html
    assert "The 10 most recent of 12; the full list is in the annex." in html
    assert html.count('src="data:image/png;base64,') >= 2 and html.count(TWICE) == 1
    assert "Demoland" in html and "RCO Demoland" in html


@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        ("fr", "Dossier du groupe : Migrants", "Résumé"),
        ("es", "Expediente del grupo: Migrants", "Resumen"),
    ],
)
def test_the_dossier_is_written_in_the_readers_language(
    client, people, migrants_evidence, settings, language, title, summary
):
    from django.utils import translation

    client.force_login(people.rco)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    try:
        response = client.get(reverse("evidence:dossier_docx", args=["migrants"]))
    finally:
        # The locale middleware leaves the request's language active in this thread.
        translation.activate(settings.LANGUAGE_CODE)
    document = Document(io.BytesIO(response.content))
    headings = [text for kind, _level, text in _blocks(document) if kind == "heading"]
    assert headings[0] == title and summary in headings
    assert "NUMPAGES" in document.sections[0].footer._element.xml


def test_the_monitoring_table_comes_from_the_monitoring_indicators(client, people, vocabularies):
    from tests.evidence.test_monitoring import _sanitation

    group = PopulationGroup.objects.get(slug="persons-living-in-rural-areas")
    _sanitation(group, people)
    client.force_login(people.unct)
    response = client.get(reverse("evidence:dossier_docx", args=[group.slug]))
    document = Document(io.BytesIO(response.content))
    headings = [text for kind, _level, text in _blocks(document) if kind == "heading"]
    assert "Monitoring" in headings
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Indicator")
    row = [c.text for c in table.rows[1].cells]
    assert row[:4] == [
        "Improved sanitation",
        "2015: 40% (everyone else 70%)",
        "2030: 77% (everyone else 85%)",
        "2020: 46% (everyone else 73%)",
    ]
    assert row[4].startswith("The gap is closing, but too slowly")
