"""Issue 15: every upload stream goes through Django's storage API, so a deployment can keep
files in S3-compatible storage. Here the default storage is Django's InMemoryStorage, which
(like S3) has no local paths: each stream must store, read, import and clean up through the
storage, and nothing may be written under MEDIA_ROOT."""

import datetime
import json

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis import services as analysis_services
from analysis.indicators import ESCAP_PRESETS
from analysis.models import Dataset, Run
from consultations.models import Narrative
from demo.synthetic import generate_dhs_like
from recommendations import services as recommendation_services
from recommendations.models import ImportJob, Recommendation
from tests.consultations.conftest import instrument  # noqa: F401 - a fixture
from tests.consultations.test_uploads import DATA, KOBO, run
from tests.recommendations.test_import import UHRI, bissau_rco  # noqa: F401 - a fixture


@pytest.fixture
def remote_storage(settings, tmp_path):
    """Default storage in memory (no file on this machine), MEDIA_ROOT an empty folder to watch."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert isinstance(default_storage, InMemoryStorage)  # the setting took
    yield default_storage
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))


def test_survey_dataset_is_profiled_and_analysed_from_remote_storage(
    remote_storage, people, tmp_path, client_for, django_capture_on_commit_callbacks
):
    source = tmp_path / "DEMOHR.dta"
    generate_dhs_like(seed=7, n_households=1500)["HR"].write_dta(source)
    with django_capture_on_commit_callbacks(execute=True):
        dataset = analysis_services.dataset_upload(
            uploaded=SimpleUploadedFile("DEMOHR.dta", source.read_bytes()),
            title="Demo HR",
            country="Demoland",
            survey_kind="DHS",
            survey_round="2022",
            user=people.rco,
        )
    dataset.refresh_from_db()
    assert dataset.status == Dataset.Status.READY, dataset.message
    assert remote_storage.exists(dataset.file.name)
    assert {"hv001", "hv005"} <= {column["name"] for column in dataset.profile}
    with django_capture_on_commit_callbacks(execute=True):
        (run_,) = analysis_services.runs_start(
            dataset=dataset, definition=ESCAP_PRESETS["dhs-electricity"].to_dict(), user=people.rco
        )
    run_.refresh_from_db()
    assert run_.status == Run.Status.SUCCEEDED, run_.message
    assert 0 < run_.result["d_index"] < 1
    # the download streams the stored file from the storage
    response = client_for("rco").get(dataset.file.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == source.read_bytes()
    run_.delete()
    dataset.delete()  # the signal cleaning the Parquet cache must cope with a remote file


def test_partner_kobo_upload_imports_from_remote_storage_and_leaves_no_raw_file(
    remote_storage,
    instrument,  # noqa: F811
    people,
):
    from consultations.uploads import upload_inspect, upload_store

    upload = upload_store(
        uploaded=SimpleUploadedFile("kobo_export.csv", (DATA / "kobo_export.csv").read_bytes()),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    stored_name = upload.file.name
    assert remote_storage.exists(stored_name)
    upload = run(upload_inspect(upload=upload), KOBO)
    assert upload.status == "imported", (upload.message, upload.problems)
    assert Narrative.objects.filter(instrument=instrument).count() == upload.rows_imported >= 2
    assert not upload.file and not remote_storage.exists(stored_name)  # raw file deleted


def test_recommendation_import_reads_from_remote_storage(
    remote_storage,
    bissau_rco,  # noqa: F811
    vocabularies,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        job = recommendation_services.import_upload(
            uploaded=SimpleUploadedFile("export-full-en.json", json.dumps(UHRI).encode()),
            kind="uhri_json",
            country="Guinea-Bissau",
            user=bissau_rco,
        )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert remote_storage.exists(job.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        recommendation_services.import_confirm(job=job, user=bissau_rco)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    assert Recommendation.objects.filter(document__country="Guinea-Bissau").count() == 2


def test_a_damaged_upload_is_refused_and_removed_from_remote_storage(
    remote_storage,
    bissau_rco,  # noqa: F811
    vocabularies,
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not an Excel"):
        recommendation_services.import_upload(
            uploaded=SimpleUploadedFile("export-full-en.xlsx", b"not a workbook"),
            kind="uhri_xlsx",
            country="Guinea-Bissau",
            user=bissau_rco,
        )
    assert not remote_storage.listdir("recommendations/imports")[1]


def test_a_damaged_partner_workbook_fails_without_naming_the_temporary_copy(
    remote_storage,
    instrument,  # noqa: F811
    people,
):
    import io
    import tempfile
    import zipfile

    from consultations.uploads import upload_inspect, upload_store

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # passes the archive check, not openpyxl
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<not-a-workbook")
    upload = upload_store(
        uploaded=SimpleUploadedFile("my answers.xlsx", buffer.getvalue()),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    stored_name = upload.file.name
    upload = upload_inspect(upload=upload)
    assert upload.status == "failed"
    assert "my answers.xlsx" in upload.message or "my_answers.xlsx" in upload.message
    assert tempfile.gettempdir() not in upload.message and "lnob-" not in upload.message
    assert not upload.file and not remote_storage.exists(stored_name)


def test_kept_raw_files_are_rewritten_to_mapped_columns_in_remote_storage(
    remote_storage,
    instrument,  # noqa: F811
    people,
    settings,
):
    from consultations.uploads import upload_inspect, upload_store, uploads_raw_purge

    settings.UPLOAD_RAW_RETENTION_HOURS = 24
    upload = upload_store(
        uploaded=SimpleUploadedFile("kobo_export.csv", (DATA / "kobo_export.csv").read_bytes()),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    original = upload.file.name
    upload = run(upload_inspect(upload=upload), KOBO)
    assert upload.status == "imported" and upload.raw_delete_after
    kept = upload.file.name
    assert kept != original and not remote_storage.exists(original)
    with remote_storage.open(kept, "rb") as handle:
        text = handle.read().decode()
    assert "widows" not in text and "meta/rootUuid" in text  # unmapped columns are gone
    assert uploads_raw_purge(now=upload.raw_delete_after + datetime.timedelta(seconds=1)) == 1
    assert not remote_storage.exists(kept)
