"""Partner uploads: Kobo CSV, Kobo XLSX with a repeat sheet, ODK CSV; all or nothing; no
duplicates on re-import; the mapping is saved and reused."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consultations.models import ColumnMapping, Narrative, Upload
from consultations.uploads import (
    upload_import,
    upload_import_start,
    upload_inspect,
    upload_set_mapping,
    upload_store,
    upload_validate,
)

DATA = Path(__file__).parent / "data"
KOBO = {
    "story": ["story_group/story"],
    "title": ["story_group/story_title"],
    "consent": ["consent"],
    "date": ["story_group/story_date"],
    "triad_1": ["triad_1/money", "triad_1/family", "triad_1/luck"],
    "dyad_1": ["dyad_1"],
    "dyad_1:scale": ["0-100"],
    "groups": ["identity/groups"],
    "sex": ["identity/sex"],
    "age_band": ["identity/age_band"],
    "language": ["language"],
}
ODK = {key: [c.replace("/", "-") for c in columns] for key, columns in KOBO.items()}


def stored(name, instrument, people) -> Upload:
    """Stored, then inspected as the worker would (on_commit does not fire inside a test)."""
    upload = upload_store(
        uploaded=SimpleUploadedFile(name, (DATA / name).read_bytes()),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    return upload_inspect(upload=upload)


def run(upload, mapping):
    assert upload_set_mapping(upload=upload, mapping=mapping) == []
    upload_validate(upload=upload)
    if upload.status != "preview" or upload.problems or not upload.rows_ok:
        return upload
    upload_import_start(upload=upload)
    return upload_import(upload=upload)


def test_kobo_csv_imports_and_reimport_adds_nothing(instrument, people):
    upload = run(stored("kobo_export.csv", instrument, people), KOBO)
    assert upload.status == "imported", upload.problems
    stories = Narrative.objects.filter(instrument=instrument)
    assert stories.count() == upload.rows_imported >= 2
    first = stories.get(external_key="0b7c2f4e-6a1d-4d3e-9f4b-2a8e1c7d5b90")
    assert first.answers["triad_1"] == pytest.approx([0.7, 0.2, 0.1])
    assert first.answers["dyad_1"] == pytest.approx(0.35)
    assert {g.name for g in first.groups.all()} == {"Women & girls", "Persons with disabilities"}
    assert first.channel == "upload" and first.organisation == people.partner_org
    again = run(stored("kobo_export.csv", instrument, people), KOBO)
    assert again.status == "preview" and again.rows_ok == 0
    assert again.rows_imported == 0 and again.rows_duplicate == upload.rows_imported
    with pytest.raises(ValidationError, match="nothing to import"):
        upload_import_start(upload=again)
    assert stories.count() == upload.rows_imported


def test_kobo_xlsx_with_a_repeat_sheet(instrument, people):
    upload = stored("kobo_export.xlsx", instrument, people)
    from consultations.uploads import upload_columns

    assert any(c.startswith("household_members/") for c in upload_columns(upload))
    upload = run(upload, KOBO)
    assert upload.status == "imported", upload.problems
    assert Narrative.objects.filter(instrument=instrument).count() == 2
    second = Narrative.objects.get(external_key="8d0f2b4c-6e8a-4c1e-b3d5-7f9a1c3e5b22")
    assert second.language == "fr" and second.groups_none


def test_odk_csv_imports(instrument, people):
    upload = run(stored("odk_export.csv", instrument, people), ODK)
    assert upload.status == "imported", upload.problems
    story = Narrative.objects.get(external_key="7d3f9a21-5c2e-4b8f-9a1d-6e4c2b8f0a13")
    assert story.answers["triad_1"] == pytest.approx([0.15, 0.7, 0.15])


def test_a_file_with_bad_rows_imports_nothing_and_names_them(instrument, people):
    upload = run(stored("kobo_bad_rows.csv", instrument, people), KOBO)
    assert upload.status == "preview" and upload.problems
    with pytest.raises(ValidationError, match="Nothing in this upload can be imported"):
        upload_import_start(upload=upload)
    rows = {p["row"] for p in upload.problems}
    assert rows and all(isinstance(r, int) for r in rows)
    assert any("consent" in reason for p in upload.problems for reason in p["reasons"])
    assert not Narrative.objects.filter(instrument=instrument).exists()


def test_unreadable_file_fails_with_its_own_name_and_leaves_no_file(instrument, people):
    upload = upload_store(
        uploaded=SimpleUploadedFile("x.csv", b"\x00\x01\x02garbage"),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    path = Path(upload.file.path)
    assert path.exists()
    upload = upload_inspect(upload=upload)
    assert upload.status == "failed" and "'x.csv'" in upload.message
    assert not path.exists() and not upload.file


def test_browser_flow_saves_and_reuses_the_mapping(
    instrument, people, client_for, django_capture_on_commit_callbacks
):
    client = client_for("partner_own")
    url = reverse("consultations:upload_new", args=[instrument.campaign_id])
    with django_capture_on_commit_callbacks() as enqueued:
        response = client.post(
            url,
            {
                "instrument": instrument.pk,
                "organisation": people.partner_org.pk,
                "consent_how": "verbal",
                "file": SimpleUploadedFile("kobo.csv", (DATA / "kobo_export.csv").read_bytes()),
            },
        )
    upload = Upload.objects.get()
    assert response.status_code == 302 and upload.status == "stored" and len(enqueued) == 1
    waiting = client.get(upload.get_absolute_url()).content.decode()
    assert "hx-trigger" in waiting and "reload it" in waiting  # polls; a link without JS
    enqueued[0]()  # the worker reads the header
    page = client.get(upload.get_absolute_url()).content.decode()
    assert "story_group/story" in page  # the columns are offered
    assert "hx-trigger" not in page
    assert 'name="scale_dyad_1"' in page  # the dyad's scale is asked, never guessed
    data = {"action": "map", "scale_dyad_1": "0-100"} | {
        f"map_{k}": v for k, v in KOBO.items() if ":" not in k
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload.get_absolute_url(), data)
    upload.refresh_from_db()
    assert upload.status == "preview" and upload.rows_ok >= 2 and upload.preview
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload.get_absolute_url(), {"action": "import"})
    upload.refresh_from_db()
    assert upload.status == "imported"
    assert ColumnMapping.objects.get().mapping["story"] == ["story_group/story"]
    other = client_for("partner_other")
    assert other.get(upload.get_absolute_url()).status_code == 404


def test_kobo_xlsx_nested_repeat_feeds_groups_per_submission_and_never_a_single_field(
    instrument, people, tmp_path
):
    from .kobo_nested import build

    build(tmp_path / "nested.xlsx")
    content = (tmp_path / "nested.xlsx").read_bytes()

    def stored_nested():
        upload = upload_store(
            uploaded=SimpleUploadedFile("household voices.xlsx", content),
            instrument=instrument,
            organisation=people.partner_org,
            user=people.partner_own,
            consent_how="verbal",
        )
        return upload_inspect(upload=upload)

    base = {"story": ["story"], "consent": ["consent"], "language": ["language"]}
    refused = run(stored_nested(), base | {"age_band": ["member/household/member/age"]})
    # a list, even of one answer, never feeds a one-value field: every row is refused
    assert refused.status == "preview" and refused.rows_ok == 0
    by_row = {p["row"]: p["reasons"] for p in refused.problems}
    assert set(by_row) == {2, 3, 4}
    assert "holds 1 answer of a repeat group (household 1 › member 1: 8)" in by_row[4][0]
    assert "holds 2 answers of a repeat group" in by_row[2][0]
    assert "60" in by_row[3][0] and "40" in by_row[3][0] and "12" not in by_row[3][0]
    upload = run(stored_nested(), base | {"groups": ["member/household/member/groups"]})
    assert upload.status == "imported", upload.problems
    second = Narrative.objects.get(external_key="22222222-0000-4000-8000-000000000002")
    assert {g.name for g in second.groups.all()} == {
        "Women & girls",
        "Migrants",
        "Persons with disabilities",
    }
    first = Narrative.objects.get(external_key="11111111-0000-4000-8000-000000000001")
    assert {g.name for g in first.groups.all()} == {"Women & girls", "Migrants"}


def test_stories_without_a_language_column_take_the_campaign_first_language(instrument, people):
    campaign = instrument.campaign
    campaign.languages = ["es", "en"]
    campaign.save(update_fields=["languages"])
    mapping = {k: v for k, v in KOBO.items() if k != "language"}
    upload = run(stored("kobo_export.csv", instrument, people), mapping)
    assert upload.status == "imported", upload.problems
    languages = set(
        Narrative.objects.filter(instrument=instrument).values_list("language", flat=True)
    )
    assert languages == {"es"}


def _store_bytes(name, content, instrument, people):
    upload = upload_store(
        uploaded=SimpleUploadedFile(name, content),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    return upload_inspect(upload=upload)


def test_odk_central_zip_imports_with_its_nested_repeats(instrument, people, tmp_path):
    from .odk_zip import build

    content = build(tmp_path / "voices.zip").read_bytes()
    upload = _store_bytes("voices.zip", content, instrument, people)
    assert upload.status == "mapping" and upload.export_format == "odk_zip", upload.message
    assert "member/groups" in upload.columns and "member/PARENT_KEY" not in upload.columns
    mapping = {"story": ["story"], "consent": ["consent"], "groups": ["member/groups"]}
    upload = run(upload, mapping)
    assert upload.status == "imported", upload.problems
    second = Narrative.objects.get(external_key="odk-2")
    assert {g.name for g in second.groups.all()} == {"Migrants", "Persons with disabilities"}
    first = Narrative.objects.get(external_key="odk-1")
    assert {g.name for g in first.groups.all()} == {"Women & girls"}


def test_a_lone_odk_repeat_table_is_refused_naming_the_uploaded_file(instrument, people, tmp_path):
    from .odk_zip import repeat_table

    content = repeat_table(tmp_path / "x.csv").read_bytes()
    upload = _store_bytes("voices-household.csv", content, instrument, people)
    assert upload.status == "failed"
    assert "'voices-household.csv' is a repeat table" in upload.message
    assert "main table" in upload.message and "ZIP" in upload.message


def test_an_excel_lock_file_is_refused_saying_what_it_is(instrument, people):
    with pytest.raises(ValidationError, match="Excel lock file") as caught:
        upload_store(
            uploaded=SimpleUploadedFile("~$stories.xlsx", b"\x0bUser Name  " + b"\x00" * 150),
            instrument=instrument,
            organisation=people.partner_org,
            user=people.partner_own,
            consent_how="verbal",
        )
    assert "“stories.xlsx”" in " ".join(caught.value.messages)
    assert not Upload.objects.exists()
