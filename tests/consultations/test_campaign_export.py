"""Exports for analysis: a column per triad corner and per dyad, the codebook, and working vs
publication exports per role (suppression and the audit log)."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from consultations import services

from .factories import consultation_objects


@pytest.fixture
def campaign_stories(people, vocabularies):
    """The matrix campaign (triad "who", dyad "outcome") in English and French with six
    approved stories; one teller is 65 or older (a rare value), one came from a Kobo upload."""
    objs = consultation_objects(people)
    campaign = objs.campaign
    campaign.languages = ["en", "fr"]
    campaign.save()
    who = objs.instrument.signifiers.get(key="who")
    who.question = {"en": "Who helped?", "fr": "Qui a aidé ?"}
    who.labels = [
        {"en": "Family", "fr": "Famille"},
        {"en": "State", "fr": "État"},
        {"en": "Myself", "fr": "Moi-même"},
    ]
    who.save()
    stories = []
    for index in range(6):
        story, _code = services.narrative_submit(
            instrument=objs.instrument,
            values={
                "story": f"Export story {index}: the road to the market floods.",
                "location": "North",
                "age_band": "65_plus" if index == 0 else "25_34",
                "answers": {"who": [0.5, 0.25, 0.25], "outcome": 0.75},
            },
            consent={"given": True, "how": "verbal", "quotation": index % 2 == 0},
            channel="form",
            organisation=people.partner_org,
            user=people.partner_own,
            external_key=f"uuid:kobo-{index}" if index == 1 else "",
        )
        services.submission_review(obj=story, status="approved", note="", user=people.rco)
        stories.append(story)
    # The question is reworded after these stories: version 2, pooled with version 1.
    services.signifier_update(
        signifier=who,
        question={"en": "Who helped you?", "fr": "Qui vous a aidé ?"},
        labels=who.labels,
        allow_other=False,
        same_meaning=True,
    )
    return objs, stories


def _xlsx(response):
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return {
        name: [list(row) for row in book[name].iter_rows(values_only=True)]
        for name in book.sheetnames
    }


def _url(objs, fmt):
    return reverse("consultations:campaign_export", args=[objs.campaign.pk, fmt])


def test_working_export_has_a_column_per_corner_and_dyad_and_a_codebook(
    campaign_stories, client_for
):
    objs, stories = campaign_stories
    response = client_for("rco").get(_url(objs, "xlsx") + "?purpose=working")
    assert response.status_code == 200
    sheets = _xlsx(response)
    header, *rows = sheets["data"]
    for column in (
        "triad_who_family",
        "triad_who_state",
        "triad_who_myself",
        "version_who",
        "dyad_outcome",
        "version_outcome",
        "location",
        "consent_analysis",
        "consent_quotation",
        "consent_publication",
        "consent_version",
        "review_status",
        "source_id",
    ):
        assert column in header, column
    assert len(rows) == 6
    by_id = {row[header.index("story_id")]: dict(zip(header, row, strict=True)) for row in rows}
    first = by_id[stories[0].pk]
    assert (first["triad_who_family"], first["triad_who_state"]) == (0.5, 0.25)
    assert first["dyad_outcome"] == 0.75 and first["version_who"] == 1
    assert first["age_band"] == "65_plus" and first["location"] == "North"
    assert first["review_status"] == "approved" and first["consent_quotation"] == 1
    assert by_id[stories[1].pk]["source_id"] == "uuid:kobo-1"
    assert by_id[stories[1].pk]["text"].startswith("Export story 1")  # working: all texts

    codebook_header, *codebook = sheets["codebook"]
    entries = [dict(zip(codebook_header, row, strict=True)) for row in codebook]
    family = [e for e in entries if e["variable"] == "triad_who_family"]
    # Every version × language: v1 and v2, English and French.
    assert {(e["version"], e["language"]) for e in family} == {
        (1, "en"),
        (1, "fr"),
        (2, "en"),
        (2, "fr"),
    }
    assert {e["label"] for e in family} == {"Family", "Famille"}
    questions = {(e["version"], e["language"]): e["question"] for e in family}
    assert questions[(1, "fr")] == "Qui a aidé ?" and questions[(2, "en")] == "Who helped you?"
    assert {e["combined_in_analysis"] for e in family} == {"yes"}
    ends = [e for e in entries if e["variable"] == "dyad_outcome" and e["language"] == "en"]
    assert [(e["value"], e["label"]) for e in ends] == [("0", "Worse"), ("1", "Better")]
    assert any(e["variable"] == "location" for e in entries)

    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.data["purpose"] == "working"


def test_csv_zip_holds_the_data_and_the_codebook(campaign_stories, client_for):
    objs, _stories = campaign_stories
    response = client_for("rco").get(_url(objs, "zip") + "?purpose=working")
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert "codebook.csv" in names
        data = next(n for n in names if n != "codebook.csv")
        rows = list(csv.reader(io.StringIO(archive.read(data).decode("utf-8-sig"))))
        codebook = archive.read("codebook.csv").decode("utf-8-sig")
    assert "triad_who_myself" in rows[0] and len(rows) == 1 + 6
    assert "Moi-même" in codebook and "Qui vous a aidé ?" in codebook


@pytest.mark.parametrize(
    "role, asked, purpose, rare_visible",
    [
        ("rco", "working", "working", True),
        ("rco", "publication", "publication", False),
        ("unct", "working", "publication", False),  # only RCO staff get a working export
        ("partner_own", "working", "publication", False),
    ],
)
def test_working_and_publication_exports_per_role(
    campaign_stories, client_for, role, asked, purpose, rare_visible
):
    objs, stories = campaign_stories
    response = client_for(role).get(_url(objs, "csv") + f"?purpose={asked}")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 6
    ages = {row["age_band"] for row in rows}
    assert ("65_plus" in ages) is rare_visible
    assert ("(fewer than 5)" in ages) is not rare_visible
    sources = {row["source_id"] for row in rows}
    texts = {row["story_id"]: row["text"] for row in rows}
    if purpose == "publication":
        # Complementary suppression: the 65+ cell alone would be derivable from the total.
        assert ages == {"(fewer than 5)"}
        assert sources == {""}
        assert texts[str(stories[1].pk)] == ""  # no consent to quotation
        assert texts[str(stories[0].pk)].startswith("Export story 0")
        assert len(rows[0]["submitted"]) == len("2026-05")
    else:
        assert "uuid:kobo-1" in sources
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.data["purpose"] == purpose
    assert purpose in event.summary


def test_the_export_form_says_which_export_it_is(campaign_stories, client_for):
    objs, _stories = campaign_stories
    analysis = reverse("consultations:campaign_analysis", args=[objs.campaign.pk])
    rco = client_for("rco").get(analysis).content.decode()
    assert "Working file for RCO analysts" in rco and "Publication or sharing" in rco
    unct = client_for("unct").get(analysis).content.decode()
    assert "Working file for RCO analysts" not in unct
    assert "suppressed for sharing" in unct


def test_working_export_can_include_stories_waiting_for_review(campaign_stories, client_for):
    objs, _stories = campaign_stories  # objs.narrative waits for review
    rows = list(
        csv.DictReader(
            io.StringIO(
                client_for("rco")
                .get(_url(objs, "csv") + "?purpose=working&statuses=all")
                .content.decode("utf-8-sig")
            )
        )
    )
    assert {row["review_status"] for row in rows} == {"approved", "pending"}
    assert len(rows) == 7


def test_multiple_choice_gets_a_column_per_choice_and_the_other_words(campaign_stories):
    from consultations.exports import WORKING, build_export
    from consultations.models import Instrument, Narrative

    objs, stories = campaign_stories
    help_from = services.signifier_add(
        instrument=objs.instrument,
        key="help",
        kind="multiple",
        question={"en": "Who did you ask?", "fr": "À qui avez-vous demandé ?"},
        labels=[
            {"value": "nurse", "label": {"en": "A nurse", "fr": "Une infirmière"}},
            {"value": "chief", "label": {"en": "The chief", "fr": "Le chef"}},
        ],
        allow_other=True,
    )
    story = stories[2]
    story.answers = {**story.answers, "help": ["chief"], "help_other": "my aunt"}
    story.save()
    # A second instrument asking "who" too: its columns are told apart by instrument.
    other = Instrument.objects.create(campaign=objs.campaign, name="Second round")
    services.signifier_add(
        instrument=other,
        key="who",
        kind="dyad",
        question={"en": "Alone or together?"},
        labels=[{"en": "Alone"}, {"en": "Together"}],
    )
    export = build_export(
        campaign=objs.campaign,
        narratives=Narrative.objects.filter(pk__in=[s.pk for s in stories]).order_by("pk"),
        signifiers=list(objs.campaign.instruments.all()[0].signifiers.all())
        + list(other.signifiers.all()),
        purpose=WORKING,
    )
    header = export.header
    for column in ("choice_help", "choice_help_nurse", "choice_help_chief", "choice_help_other"):
        assert column in header
    assert f"dyad_who_i{other.pk}" in header
    assert f"triad_who_i{objs.instrument.pk}_family" in header
    row = dict(zip(header, export.rows[2], strict=True))
    assert (row["choice_help"], row["choice_help_nurse"], row["choice_help_chief"]) == (
        "chief",
        0,
        1,
    )
    assert row["choice_help_other"] == "my aunt" and row["version_help"] == 1
    unanswered = dict(zip(header, export.rows[0], strict=True))
    assert unanswered["choice_help_nurse"] == "" and unanswered["version_help"] == ""
    labels = {
        (r[0], r[4]): r[7] for r in export.codebook if r[1] == "help" and r[0] != "version_help"
    }
    assert labels[("choice_help_chief", "fr")] == "Le chef"
    assert ("choice_help_other", "en") in labels
    assert help_from.pk


def test_publication_export_leaves_out_own_words_without_consent_to_quotation(campaign_stories):
    """The "other" answer is the teller's own words, like the story: a publication export
    holds it only where the teller agreed to quotation or publication."""
    from consultations.exports import PUBLICATION, build_export
    from consultations.models import Narrative

    objs, stories = campaign_stories
    services.signifier_add(
        instrument=objs.instrument,
        key="help",
        kind="single",
        question={"en": "Who did you ask?"},
        labels=[{"value": "nurse", "label": {"en": "A nurse"}}],
        allow_other=True,
    )
    unquotable, quotable = stories[1], stories[2]  # index 1: no consent to quotation
    for story, words in ((unquotable, "my neighbour Ana Quispe"), (quotable, "my aunt")):
        story.answers = {**story.answers, "help": "other", "help_other": words}
        story.save()
    export = build_export(
        campaign=objs.campaign,
        narratives=Narrative.objects.filter(pk__in=[s.pk for s in stories]).order_by("pk"),
        signifiers=list(objs.instrument.signifiers.all()),
        purpose=PUBLICATION,
    )
    rows = {row[0]: dict(zip(export.header, row, strict=True)) for row in export.rows}
    assert rows[unquotable.pk]["choice_help_other"] == ""
    assert rows[quotable.pk]["choice_help_other"] == "my aunt"
