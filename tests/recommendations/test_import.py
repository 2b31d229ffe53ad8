"""Importing recommendations: keyed on the external id, all or nothing, vocabularies that
grow with flagged entries, UHRI JSON/XLSX, the China UPR matrix, the portal template."""

import datetime
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent, Organisation, Role
from recommendations import services
from recommendations.importer import ImportRejected, recommendations_import
from recommendations.models import Change, ImportJob, Recommendation, Theme
from taxonomy.models import PopulationGroup
from tests.factories import MembershipFactory

from .factories import Record

CHINA = Path(__file__).parent / "parsers" / "data" / "upr_matrix_china_2018.docx"

pytestmark = pytest.mark.django_db


def records(n=3, **changes):
    return [
        Record(
            external_id=f"id-{i}",
            text=f"{i}.1 Recommendation number {i} on birth registration",
            paragraph=f"{i}.1",
            themes=("Right to education",),
            affected_persons=("Children",),
            sdg_targets=("16.9",),
            sdg_goals=(16,),
        ).but(**changes)
        for i in range(1, n + 1)
    ]


def test_first_import_adds_and_maps_vocabularies(vocabularies):
    report = recommendations_import(country="Demoland", records=records(3))
    assert (report.added, report.updated, report.unchanged) == (3, 0, 0)
    rec = Recommendation.objects.get(external_id="id-2")
    assert rec.mechanism.code == "UPR" and rec.mechanism.kind == "upr"
    assert rec.document.symbol == "A/HRC/52/10" and rec.document.upr_cycle == 4
    assert [g.name for g in rec.groups.all()] == ["Children"]
    assert [t.code for t in rec.sdg_targets.all()] == ["16.9"]
    assert [g.number for g in rec.sdg_goals.all()] == [16]
    assert rec.recommending_states == ["Norway"] and rec.upr_position == "Supported"
    assert Change.objects.filter(recommendation=rec, verb="imported").count() == 1


def test_reimport_updates_changed_adds_new_and_never_duplicates(vocabularies):
    recommendations_import(country="Demoland", records=records(3))
    newer = records(4)
    newer[0] = newer[0].but(
        upr_position="Noted", publication_date_on_uhri=datetime.date(2024, 1, 1)
    )
    report = recommendations_import(country="Demoland", records=newer)
    assert (report.added, report.updated, report.unchanged) == (1, 1, 2)
    assert Recommendation.objects.filter(country="Demoland").count() == 4
    assert Recommendation.objects.get(external_id="id-1").upr_position == "Noted"
    change = Change.objects.filter(verb="updated by import").get()
    assert change.fields["upr_position"] == ["Supported", "Noted"]


def test_a_changed_text_under_the_same_uhri_date_is_updated(vocabularies):
    """UHRI corrects texts without moving PublicationDateOnUhri: the content decides."""
    recommendations_import(country="Demoland", records=records(1))
    same_date = records(1, text="1.1 A corrected text")
    report = recommendations_import(country="Demoland", records=same_date)
    assert (report.updated, report.unchanged) == (1, 0)
    assert Recommendation.objects.get(external_id="id-1").text == "1.1 A corrected text"
    report = recommendations_import(country="Demoland", records=same_date)
    assert (report.updated, report.unchanged) == (0, 1)
    # a newer date alone, same content: unchanged
    newer_date = records(
        1, text="1.1 A corrected text", publication_date_on_uhri=datetime.date(2030, 1, 1)
    )
    report = recommendations_import(country="Demoland", records=newer_date)
    assert (report.updated, report.unchanged) == (0, 1)


def test_records_missing_from_a_newer_export_are_reported_never_deleted(vocabularies):
    dated = datetime.date(2024, 5, 1)
    recommendations_import(country="Demoland", records=records(3, publication_date_on_uhri=dated))
    newer = records(3, publication_date_on_uhri=dated)[1:]
    report = recommendations_import(country="Demoland", records=newer, report_missing=True)
    assert report.missing_from_file == 1 and report.counts()["missing_from_file"] == 1
    assert [m["external_id"] for m in report.missing] == ["id-1"]
    assert report.missing[0]["status"] == "missing from file"
    assert Recommendation.objects.filter(country="Demoland").count() == 3
    assert any("not in this file" in w for w in report.warnings)


def test_same_external_id_in_two_countries_is_two_recommendations(vocabularies):
    recommendations_import(country="Demoland", records=records(1))
    recommendations_import(country="Elsewhere", records=records(1, countries=("Elsewhere",)))
    assert Recommendation.objects.filter(external_id="id-1").count() == 2


def test_unknown_theme_and_affected_person_are_created_and_flagged(vocabularies):
    report = recommendations_import(
        country="Demoland",
        records=records(
            2,
            themes=("Right to education", "Digital rights & online freedoms"),
            affected_persons=("- children", "Ex-bonded labourers (Kamaiya)"),
        ),
    )
    assert report.new_themes == ["Digital rights & online freedoms"]
    assert report.new_groups == ["Ex-bonded labourers (Kamaiya)"]
    theme = Theme.objects.get(name="Digital rights & online freedoms")
    assert theme.needs_review and theme.recommendations.count() == 2
    group = PopulationGroup.objects.get(name="Ex-bonded labourers (Kamaiya)")
    assert group.needs_review and group.source == PopulationGroup.Source.IMPORT
    assert group.synonyms.exists()
    assert group.recommendations.count() == 2
    # "- children" (older wording) went to the existing group through its synonym
    assert PopulationGroup.objects.get(name="Children").recommendations.count() == 2
    assert not Theme.objects.get(name="Right to education").needs_review


def test_coded_matrix_themes_match_by_words_and_sdg_themes_become_goals(vocabularies):
    recommendations_import(
        country="Demoland",
        records=records(
            1,
            themes=("A12 Acceptance of international norms", "S05 SDG 5 - gender equality"),
            sdg_goals=(),
            sdg_targets=(),
        ),
    )
    rec = Recommendation.objects.get()
    assert [t.name for t in rec.themes.all()] == ["Acceptance of international norms"]
    assert [g.number for g in rec.sdg_goals.all()] == [5]


def test_a_bad_record_rejects_the_whole_import(vocabularies):
    batch = records(3)
    batch[1] = batch[1].but(text="  ", upr_position="Maybe")
    with pytest.raises(ImportRejected) as caught:
        recommendations_import(country="Demoland", records=batch)
    errors = caught.value.report.errors
    assert errors == [
        {
            "row": 2,
            "external_id": "id-2",
            "message": "no recommendation text; unknown UPR position “Maybe”",
        }
    ]
    assert not Recommendation.objects.exists()
    assert not Theme.objects.filter(needs_review=True).exists()


def test_preview_reports_and_imports_nothing(vocabularies):
    report = recommendations_import(country="Demoland", records=records(2), dry_run=True)
    assert report.added == 2 and len(report.preview) == 2
    assert not Recommendation.objects.exists()


# --- files through the import service (upload → preview → confirm) ------------------------

UHRI = [
    {
        "AnnotationId": "aaaaaaaa-0000-4000-8000-000000000001",
        "AnnotationType": "- Recommendations",
        "Body": "- UPR",
        "Countries": ["Guinea-Bissau"],
        "DocumentId": "d1",
        "Symbol": "A/HRC/58/5",
        "PublicationDate": "2024-12-01",
        "PublicationDateOnUhri": "2025-01-15",
        "Regions": ["African States"],
        "Sdgs": ["16 - PEACE, JUSTICE AND STRONG INSTITUTIONS", "16.9 - Provide legal identity"],
        "Text": "<p>120.4 Ensure birth registration for all children &amp; adolescents "
        "(Timor-Leste) (Portugal);</p>",
        "Themes": ["Birth registration & right to a name & nationality"],
        "AffectedPersons": ["Children", "Stateless persons"],
        "UprCycle": 4,
        "UprSession": 48,
        "UprPositions": "Supported",
        "UprRecommendingCountry": ["Timor-Leste", "Portugal"],
        "UprRecommendingRegions": ["Asia-Pacific Group", "WEOG"],
    },
    {
        "AnnotationId": "aaaaaaaa-0000-4000-8000-000000000002",
        "AnnotationType": "- Concerns/Observations",
        "Body": "- CRC",
        "Countries": ["Guinea", "Guinea-Bissau"],
        "DocumentId": "d2",
        "Symbol": "CRC/C/GNB/CO/5-6",
        "PublicationDate": "2023-06-01",
        "PublicationDateOnUhri": "2023-08-01",
        "Regions": ["African States"],
        "Sdgs": ["8.7 - Eradicate forced labour"],
        "Text": "<p>31. The Committee is concerned about child labour in cashew&nbsp;farms.</p>",
        "Themes": ["Children's rights"],
        "AffectedPersons": ["Children"],
        "UprCycle": None,
        "UprSession": [],
        "UprPositions": [],
        "UprRecommendingCountry": [],
        "UprRecommendingRegions": [],
    },
    {
        "AnnotationId": "aaaaaaaa-0000-4000-8000-000000000003",
        "AnnotationType": "- Recommendations",
        "Body": "- CEDAW",
        "Countries": ["Guinea"],
        "DocumentId": "d3",
        "Symbol": "CEDAW/C/GIN/CO/9",
        "PublicationDate": "2024-02-01",
        "PublicationDateOnUhri": "2024-03-01",
        "Regions": ["African States"],
        "Sdgs": [],
        "Text": "<p>12. Another country&#39;s recommendation.</p>",
        "Themes": ["Women's rights"],
        "AffectedPersons": ["Women & girls"],
        "UprCycle": None,
        "UprSession": [],
        "UprPositions": [],
        "UprRecommendingCountry": [],
        "UprRecommendingRegions": [],
    },
]


def _xlsx(rows: list[dict]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    fields = list(rows[0])
    sheet.append(fields)
    for row in rows:
        values = []
        for field in fields:
            value = row[field]
            if value in (None, []):
                values.append(None)
            elif isinstance(value, list):
                values.append("\n".join(f"- {v}" for v in value))
            else:
                values.append(str(value) if str(value).startswith("- ") else f"- {value}")
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def bissau_rco(people):
    organisation = Organisation.objects.create(
        name="RCO Guinea-Bissau", country="Guinea-Bissau", kind=Organisation.Kind.RCO
    )
    return MembershipFactory(organisation=organisation, role=Role.RCO_STAFF).user


def upload(user, name, content, kind, country, capture) -> ImportJob:
    with capture(execute=True):
        job = services.import_upload(
            uploaded=SimpleUploadedFile(name, content), kind=kind, country=country, user=user
        )
    job.refresh_from_db()
    return job


def confirm(job, user, capture) -> ImportJob:
    with capture(execute=True):
        services.import_confirm(job=job, user=user)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    "kind,name,content",
    [
        ("uhri_json", "export-full-en.json", json.dumps(UHRI).encode()),
        ("uhri_xlsx", "export-full-en.xlsx", _xlsx(UHRI)),
    ],
)
def test_uhri_export_imports_one_country_and_reimports_without_duplicates(
    kind, name, content, bissau_rco, vocabularies, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    job = upload(bissau_rco, name, content, kind, "Guinea-Bissau", capture)
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert job.counts["added"] == 2 and not Recommendation.objects.exists()
    job = confirm(job, bissau_rco, capture)
    assert job.status == ImportJob.Status.SUCCEEDED
    upr = Recommendation.objects.get(external_id="aaaaaaaa-0000-4000-8000-000000000001")
    assert upr.recommending_states == ["Timor-Leste", "Portugal"]
    assert upr.paragraph == "120.4" and "children & adolescents" in upr.text
    assert upr.document.upr_cycle == 4 and upr.upr_position == "Supported"
    assert {g.name for g in upr.groups.all()} == {"Children", "Stateless persons"}
    assert [t.code for t in upr.sdg_targets.all()] == ["16.9"]
    concern = Recommendation.objects.get(external_id__endswith="0002")
    assert concern.type == "concern"
    assert "cashew" in concern.text
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert event.data["added"] == 2
    # a newer export: one record changed on UHRI, one unchanged
    newer = json.loads(json.dumps(UHRI))
    newer[0]["UprPositions"] = "Noted"
    newer[0]["PublicationDateOnUhri"] = "2025-06-01"
    content = json.dumps(newer).encode() if kind == "uhri_json" else _xlsx(newer)
    job = confirm(upload(bissau_rco, name, content, kind, "Guinea-Bissau", capture), None, capture)
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.counts["added"], job.counts["updated"], job.counts["unchanged"]) == (0, 1, 1)
    assert Recommendation.objects.count() == 2
    upr.refresh_from_db()
    assert upr.upr_position == "Noted"


@pytest.mark.parametrize(
    ("kind", "name", "encode"),
    [
        ("uhri_json", "export-full-en.json", lambda rows: json.dumps(rows).encode()),
        ("uhri_xlsx", "export-full-en.xlsx", lambda rows: _xlsx(rows)),
    ],
)
def test_uhri_reimport_treaty_body_records_text_change_missing_and_regions(
    kind, name, encode, bissau_rco, vocabularies, django_capture_on_commit_callbacks
):
    """Non-UPR records carry "UprSession": [], "UprCycle": null, "UprPositions": []; a text
    corrected under the same UHRI date is updated; a record gone from the newer export is
    reported, not deleted; Regions is stored."""
    capture = django_capture_on_commit_callbacks
    assert UHRI[1]["UprSession"] == [] and UHRI[1]["UprPositions"] == []
    job = confirm(
        upload(bissau_rco, name, encode(UHRI), kind, "Guinea-Bissau", capture), None, capture
    )
    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    concern = Recommendation.objects.get(external_id__endswith="0002")
    assert concern.upr_position == "" and concern.document.upr_session is None
    assert concern.regions == ["African States"]
    newer = json.loads(json.dumps(UHRI))
    newer[1]["Text"] = "<p>31. The Committee is concerned about child labour in cashew farms "
    newer[1]["Text"] += "and mines.</p>"  # same PublicationDateOnUhri
    del newer[0]
    job = upload(bissau_rco, name, encode(newer), kind, "Guinea-Bissau", capture)
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert (job.counts["added"], job.counts["updated"], job.counts["unchanged"]) == (0, 1, 0)
    assert job.counts["missing_from_file"] == 1
    assert [m["external_id"] for m in job.counts["missing"]] == [UHRI[0]["AnnotationId"]]
    job = confirm(job, None, capture)
    assert job.status == ImportJob.Status.SUCCEEDED
    assert Recommendation.objects.count() == 2
    assert "mines" in Recommendation.objects.get(external_id__endswith="0002").text


@pytest.mark.parametrize("chosen", ["Iran", "iran islamic republic"])
def test_a_country_the_file_does_not_name_is_refused_with_the_closest_names(
    chosen, people, vocabularies, django_capture_on_commit_callbacks
):
    rows = json.loads(json.dumps(UHRI))
    rows[0]["Countries"] = ["Iran (Islamic Republic of)"]
    rows[1]["Countries"] = ["Iraq"]
    organisation = Organisation.objects.create(
        name="RCO Iran", country=chosen, kind=Organisation.Kind.RCO
    )
    user = MembershipFactory(organisation=organisation, role=Role.RCO_STAFF).user
    job = upload(
        user,
        "export-full-en.json",
        json.dumps(rows).encode(),
        "uhri_json",
        chosen,
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.FAILED
    assert "export-full-en.json" in job.message and f"no record for “{chosen}”" in job.message
    assert "“Iran (Islamic Republic of)”" in job.message
    assert "Ready" not in job.message


def test_china_matrix_imports_every_recommendation(
    people, vocabularies, django_capture_on_commit_callbacks
):
    organisation = Organisation.objects.create(
        name="RCO China", country="China", kind=Organisation.Kind.RCO
    )
    rco = MembershipFactory(organisation=organisation, role=Role.RCO_STAFF).user
    capture = django_capture_on_commit_callbacks
    job = upload(rco, CHINA.name, CHINA.read_bytes(), "upr_matrix", "China", capture)
    assert job.status == ImportJob.Status.PREVIEWED, (job.message, job.errors[:3])
    job = confirm(job, rco, capture)
    assert job.status == ImportJob.Status.SUCCEEDED
    china = Recommendation.objects.filter(country="China")
    assert china.count() == 346 == job.counts["added"]
    first = china.get(paragraph="28.1")
    assert first.upr_position == "Supported" and first.recommending_states == ["Senegal"]
    assert first.document.symbol == "A/HRC/40/6" and first.document.upr_cycle == 3
    assert first.source_of_position == "A/HRC/40/6/Add.1 - Para. 2"
    assert [t.name for t in first.themes.all()] == ["Acceptance of international norms"]
    assert [g.number for g in first.sdg_goals.all()] == [16]
    assert [g.name for g in first.groups.all()] == ["General"]
    positions = dict((p, china.filter(upr_position=p).count()) for p in ("Supported", "Noted"))
    assert positions["Supported"] > 250 and positions["Noted"] > 0
    assert sum(positions.values()) + china.filter(upr_position="Supported/Noted").count() == 346
    assert china.filter(groups__name="Persons with disabilities").exists()
    assert china.filter(groups__name="Women & girls").exists()
    # importing the same matrix again changes nothing
    again = confirm(
        upload(rco, CHINA.name, CHINA.read_bytes(), "upr_matrix", "China", capture), rco, capture
    )
    assert again.counts["unchanged"] == 346 and china.count() == 346


def test_template_import_and_download(
    people, client_for, vocabularies, django_capture_on_commit_callbacks
):
    client = client_for("rco")
    response = client.get(reverse("recommendations:import_template", args=["csv"]))
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("external_id,mechanism,mechanism_kind")
    rows = response.content.decode("utf-8-sig")
    rows += "\n,African Commission,regional,recommendation,ACHPR/Res.1,2024-05-01,3," + (
        '"Protect human rights defenders",,,,,Human rights defenders,Civil society,16.10,16\n'
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("recommendations:import_list"),
            {
                "kind": "template",
                "country": "Demoland",
                "file": SimpleUploadedFile("ilo.csv", rows.encode()),
            },
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == ImportJob.Status.PREVIEWED, (job.message, job.errors)
    page = client.get(job.get_absolute_url())
    assert "Confirm the import" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("recommendations:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    ilo = Recommendation.objects.get(mechanism__code="CEACR")
    assert ilo.mechanism.kind == "ilo" and ilo.type == "concern"
    regional = Recommendation.objects.get(mechanism__code="African Commission")
    assert regional.mechanism.kind == "regional"
    assert regional.external_id == "ACHPR/Res.1 para 3"


def test_template_with_bad_rows_imports_nothing_and_lists_each_error(
    people, client_for, django_capture_on_commit_callbacks
):
    content = (
        b"mechanism,text,publication_date,upr_position\n"
        b"CEACR,Fine row,2024-01-01,\n"
        b"CEACR,,yesterday,\n"
        b",Another,,Perhaps\n"
    )
    client = client_for("rco")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("recommendations:import_list"),
            {
                "kind": "template",
                "country": "Demoland",
                "file": SimpleUploadedFile("x.csv", content),
            },
        )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert [e["row"] for e in job.errors] == [3, 4]  # spreadsheet rows (header is row 1)
    assert "not a date" in job.errors[0]["message"]
    assert "no mechanism" in job.errors[1]["message"]
    assert not Recommendation.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Rows to fix" in page and "Confirm the import" not in page


def test_wrong_file_type_is_refused(people, client_for):
    response = client_for("rco").post(
        reverse("recommendations:import_list"),
        {
            "kind": "upr_matrix",
            "country": "Demoland",
            "file": SimpleUploadedFile("matrix.pdf", b"%PDF"),
        },
    )
    assert response.status_code == 400 and not ImportJob.objects.exists()


def test_rco_cannot_import_for_another_country(people, client_for):
    response = client_for("rco").post(
        reverse("recommendations:import_list"),
        {
            "kind": "template",
            "country": "Elsewhere",
            "file": SimpleUploadedFile("x.csv", b"mechanism,text\nCEACR,t\n"),
        },
    )
    assert response.status_code == 400 and not ImportJob.objects.exists()
