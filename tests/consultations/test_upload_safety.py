"""Partner uploads that cannot hurt the web tier, and deletion that deletes (issue 9: H3, H4,
M4 upload half). Zip bombs are built streaming inside the tests (a few MB of disk)."""

import datetime
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import AuditEvent
from consultations import services
from consultations.models import (
    Narrative,
    Signifier,
    SubmissionTombstone,
    Theme,
    Upload,
    receipt_hash,
)
from consultations.uploads import (
    upload_import,
    upload_import_start,
    upload_inspect,
    upload_remap,
    upload_set_mapping,
    upload_store,
    upload_validate,
    uploads_raw_purge,
)

from .factories import consultation_objects
from .test_uploads import DATA, KOBO, run, stored

FIRST_KEY = "0b7c2f4e-6a1d-4d3e-9f4b-2a8e1c7d5b90"


def _files_left() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "uploads"
    return [p for p in folder.iterdir()] if folder.exists() else []


@pytest.fixture(autouse=True)
def own_media_root(settings, tmp_path):
    """Each test gets an empty MEDIA_ROOT, so "no file remains" means exactly that."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _bomb(tmp_path, name="partner-export.xlsx", *, part="xl/worksheets/sheet1.xml", mb=1024):
    path = tmp_path / name
    chunk = b"0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open(part, "w", force_zip64=True) as out:
            for _ in range(mb):
                out.write(chunk)
    return path


def _post(client, campaign_id, instrument_id, org_id, upload):
    return client.post(
        reverse("consultations:upload_new", args=[campaign_id]),
        {
            "instrument": instrument_id,
            "organisation": org_id,
            "consent_how": "verbal",
            "file": upload,
        },
    )


@pytest.fixture
def no_parsing(monkeypatch):
    """Any parse of an export fails the test: the request may only store and enqueue."""

    def refuse(*args, **kwargs):
        raise AssertionError("an export was parsed outside the worker")

    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr("consultations.ingest.open_export", refuse)
    monkeypatch.setattr("consultations.uploads.open_export", refuse)
    monkeypatch.setattr("consultations.ingest.detect_format", refuse)


# ---------------------------------------------------------------------------- H3


@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"], ids=["sheet", "strings"]
)
def test_a_zip_bomb_xlsx_is_refused_quickly_by_name_and_leaves_nothing(
    instrument, people, client_for, tmp_path, part, no_parsing
):
    path = _bomb(tmp_path, part=part)
    assert path.stat().st_size < 5 * 1024 * 1024
    client = client_for("partner_own")
    started = time.perf_counter()
    with path.open("rb") as handle:
        response = _post(
            client, instrument.campaign_id, instrument.pk, people.partner_org.pk, handle
        )
    assert time.perf_counter() - started < 5
    page = response.content.decode()
    assert response.status_code == 400
    assert "partner-export.xlsx" in page and part in page
    assert str(settings.MEDIA_ROOT) not in page
    assert not Upload.objects.exists() and not _files_left()


def test_a_damaged_xlsx_gets_a_message_not_a_500(instrument, people, client_for, no_parsing):
    client = client_for("partner_own")
    damaged = SimpleUploadedFile("answers.xlsx", b"PK\x03\x04 this is not really a workbook")
    response = _post(client, instrument.campaign_id, instrument.pk, people.partner_org.pk, damaged)
    assert response.status_code == 400
    assert "answers.xlsx is damaged" in response.content.decode()
    assert not Upload.objects.exists() and not _files_left()


def test_the_request_only_stores_and_enqueues_and_pages_never_parse(
    instrument, people, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    client = client_for("partner_own")
    xlsx = (DATA / "kobo_export.xlsx").read_bytes()
    import openpyxl

    real = openpyxl.load_workbook
    calls = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: calls.append(1) or real(*a, **k))
    with django_capture_on_commit_callbacks() as enqueued:
        response = _post(
            client,
            instrument.campaign_id,
            instrument.pk,
            people.partner_org.pk,
            SimpleUploadedFile("kobo.xlsx", xlsx),
        )
    upload = Upload.objects.get()
    assert response.status_code == 302 and upload.status == "stored"
    assert calls == [] and len(enqueued) == 1
    assert client.get(upload.get_absolute_url()).status_code == 200
    assert calls == []
    enqueued[0]()  # the worker
    assert calls  # the worker parsed it
    upload.refresh_from_db()
    assert (
        upload.status == "mapping"
        and "household_members/household_members/member_age" in upload.columns
    )
    calls.clear()
    for _ in range(3):
        page = client.get(upload.get_absolute_url()).content.decode()
        assert "story_group/story" in page
    assert calls == []  # columns come from the upload, never from the file again


def test_a_workbook_that_openpyxl_cannot_read_fails_in_the_worker(instrument, people):
    # Passes the central-directory check, but the parts are nonsense.
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<not-a-workbook")
    upload = upload_store(
        uploaded=SimpleUploadedFile("my answers.xlsx", buffer.getvalue()),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    stored_name = Path(upload.file.name).name
    upload = upload_inspect(upload=upload)
    assert upload.status == "failed"
    assert "my answers.xlsx" in upload.message or "my_answers.xlsx" in upload.message
    assert stored_name not in upload.message and str(settings.MEDIA_ROOT) not in upload.message
    assert "Traceback" not in upload.message
    assert not upload.file and not _files_left()


def _csv(tmp_name: str, header: list[str], row: list[str]) -> SimpleUploadedFile:
    line = lambda cells: ";".join(f'"{c}"' for c in cells)  # noqa: E731
    return SimpleUploadedFile(tmp_name, (line(header) + "\n" + line(row) + "\n").encode())


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (
            ["_uuid", "_submission_time", "story", "consent"]
            + [f"extra_{i}" for i in range(2_000)],
            ["u1", "2026-05-01", "A story", "yes"] + [""] * 2_000,
            "2,004 columns; at most 2,000",
        ),
        (
            ["_uuid", "_submission_time", "story", "consent"],
            ["u1", "2026-05-01", "x" * 100_001, "yes"],
            "longer than 100,000 characters",
        ),
        (
            ["_uuid", "_submission_time", "story", "consent"],
            ["u1", "2026-05-01", "x" * 300_000, "yes"],
            "longer than 100,000 characters",
        ),
    ],
    ids=["wide", "long-field", "beyond-csv-limit"],
)
def test_csv_limits_fail_with_a_clear_message_and_no_file(
    instrument, people, header, row, expected
):
    upload = upload_store(
        uploaded=_csv("wide.csv", header, row),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    upload = upload_inspect(upload=upload)
    if upload.status == "mapping":  # a long field is found when the rows are read
        assert (
            upload_set_mapping(upload=upload, mapping={"story": ["story"], "consent": ["consent"]})
            == []
        )
        upload = upload_validate(upload=upload)
    assert upload.status == "failed", upload.message
    assert expected in upload.message
    assert "wide.csv" in upload.message or expected in upload.message
    assert not upload.file and not _files_left()


# ---------------------------------------------------------------------------- M4


def _previewed(instrument, people) -> Upload:
    upload = stored("kobo_export.csv", instrument, people)
    assert upload_set_mapping(upload=upload, mapping=KOBO) == []
    return upload_validate(upload=upload)


def test_a_second_import_click_is_refused_and_starts_no_second_task(
    instrument, people, client_for, django_capture_on_commit_callbacks
):
    upload = _previewed(instrument, people)
    client = client_for("partner_own")
    with django_capture_on_commit_callbacks() as enqueued:
        first = client.post(upload.get_absolute_url(), {"action": "import"})
        second = client.post(upload.get_absolute_url(), {"action": "import"}, follow=True)
    assert first.status_code == 302 and len(enqueued) == 1
    page = second.content.decode()
    assert "being imported already" in page
    assert "Import 2 stories" not in page and 'value="import"' not in page
    upload.refresh_from_db()
    assert upload.status == "importing"
    enqueued[0]()
    upload.refresh_from_db()
    assert upload.status == "imported"
    with pytest.raises(ValidationError, match="imported already"):
        upload_import_start(upload=upload)
    assert Narrative.objects.filter(instrument=instrument).count() == upload.rows_imported


def test_the_import_task_does_nothing_unless_started(instrument, people):
    upload = _previewed(instrument, people)
    assert upload_import(upload=upload).status == "preview"
    assert not Narrative.objects.filter(instrument=instrument).exists()


def test_a_database_error_is_logged_and_the_person_sees_a_reference(
    instrument, people, monkeypatch, caplog
):
    upload = _previewed(instrument, people)
    upload_import_start(upload=upload)

    def clash(batch):
        raise IntegrityError(
            'duplicate key value violates unique constraint "unique_external_submission"'
        )

    monkeypatch.setattr(services, "narratives_bulk_store", clash)
    upload = upload_import(upload=upload)
    assert upload.status == "failed"
    assert upload.message.startswith("The import failed; nothing was imported.")
    assert f"reference U{upload.pk}" in upload.message
    assert "constraint" not in upload.message and "duplicate key" not in upload.message
    assert "unique_external_submission" in caplog.text
    assert not Narrative.objects.filter(instrument=instrument).exists()
    assert not upload.file and not upload.preview and not _files_left()


def test_remap_and_mapping_after_import_are_refused(instrument, people):
    upload = run(stored("kobo_export.csv", instrument, people), KOBO)
    assert upload.status == "imported"
    with pytest.raises(ValidationError, match="cannot be changed or imported again"):
        upload_remap(upload=upload)
    assert upload_set_mapping(upload=upload, mapping=KOBO) != []
    upload.refresh_from_db()
    assert upload.status == "imported"


def test_remap_posted_after_import_is_refused_in_the_page(instrument, people, client_for):
    upload = run(stored("kobo_export.csv", instrument, people), KOBO)
    client = client_for("partner_own")
    response = client.post(upload.get_absolute_url(), {"action": "remap"}, follow=True)
    assert "cannot be changed or imported again" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == "imported"


# ---------------------------------------------------------------------------- H4


def test_the_raw_file_and_preview_are_deleted_when_the_import_ends(instrument, people):
    upload = stored("kobo_export.csv", instrument, people)
    path = Path(upload.file.path)
    upload = run(upload, KOBO)
    assert upload.status == "imported"
    assert not path.exists() and not upload.file and upload.preview == []
    assert not _files_left()


def test_with_a_retention_period_only_mapped_columns_are_kept_then_purged(
    instrument, people, settings
):
    settings.UPLOAD_RAW_RETENTION_HOURS = 24
    upload = stored("kobo_export.csv", instrument, people)
    original = Path(upload.file.path)
    upload = run(upload, KOBO)
    assert upload.status == "imported" and upload.raw_delete_after
    kept = Path(upload.file.path)
    assert kept.exists() and not original.exists()
    text = kept.read_text()
    assert "widows" not in text and "partner_a" not in text  # unmapped columns are gone
    assert "_submitted_by" not in text and "meta/rootUuid" in text
    assert "0-100" not in text.splitlines()[0]  # a dyad's stated scale is not a column
    assert uploads_raw_purge(now=upload.raw_delete_after + datetime.timedelta(seconds=1)) == 1
    upload.refresh_from_db()
    assert not upload.file and not upload.preview and not kept.exists()


def _purge_first_story(instrument):
    story = Narrative.objects.get(instrument=instrument, external_key=FIRST_KEY)
    story.retain_until = datetime.date(2000, 1, 1)
    story.save(update_fields=["retain_until"])
    return services.retention_purge()


def _withdraw_first_story(instrument):
    story = Narrative.objects.get(instrument=instrument, external_key=FIRST_KEY)
    story.receipt_hash = receipt_hash("ABCD-EFGH-JKLM")
    story.save(update_fields=["receipt_hash"])
    assert services.narrative_withdraw(code="ABCD-EFGH-JKLM")


def _delete_first_story(instrument, people):
    story = Narrative.objects.get(instrument=instrument, external_key=FIRST_KEY)
    services.narrative_delete(narrative=story, user=people.rco, reason="teller_asked")


@pytest.mark.parametrize("how", ["purge", "withdraw", "staff"])
def test_a_deleted_story_is_not_imported_again_from_the_same_file(instrument, people, how):
    first = run(stored("kobo_export.csv", instrument, people), KOBO)
    assert first.status == "imported"
    {
        "purge": lambda: _purge_first_story(instrument),
        "withdraw": lambda: _withdraw_first_story(instrument),
        "staff": lambda: _delete_first_story(instrument, people),
    }[how]()
    assert not Narrative.objects.filter(external_key=FIRST_KEY).exists()
    tombstone = SubmissionTombstone.objects.get()
    assert FIRST_KEY not in tombstone.key_hash and len(tombstone.key_hash) == 64
    again = stored("kobo_export.csv", instrument, people)
    assert upload_set_mapping(upload=again, mapping=KOBO) == []
    again = upload_validate(upload=again)
    assert again.rows_deleted_earlier == 1 and again.rows_ok == 0
    assert all(row["_key"] != FIRST_KEY for row in again.preview)
    assert "will not be imported" in _page(people, again)
    assert not Narrative.objects.filter(external_key=FIRST_KEY).exists()


def _page(people, upload) -> str:
    from django.test import Client

    client = Client()
    client.force_login(people.partner_own)
    return client.get(upload.get_absolute_url()).content.decode()


def test_deleting_a_story_removes_its_copies_in_uploads(instrument, people, settings):
    settings.UPLOAD_RAW_RETENTION_HOURS = 24
    imported = run(stored("kobo_export.csv", instrument, people), KOBO)
    assert imported.file and imported.preview
    # A second upload of the same export, waiting in its preview, shows the story too.
    pending = stored("kobo_export.csv", instrument, people)
    ColumnMappingless = upload_set_mapping(upload=pending, mapping=KOBO)
    assert ColumnMappingless == []
    pending = upload_validate(upload=pending)
    pending.preview = [{"_key": FIRST_KEY, "story": "copied text"}, *pending.preview]
    pending.save(update_fields=["preview"])
    story = Narrative.objects.get(external_key=FIRST_KEY)
    story.themes.add(Theme.objects.create(name="walk 12 km with my 3 children"))
    Theme.objects.create(name="Health")  # used by nobody else, but not this story's
    services.narrative_delete(narrative=story, user=people.rco, reason="teller_asked")
    imported.refresh_from_db()
    pending.refresh_from_db()
    assert not imported.file and imported.preview == []
    assert all(row.get("_key") != FIRST_KEY for row in pending.preview)
    assert not Theme.objects.filter(name__startswith="walk 12 km").exists()
    assert Theme.objects.filter(name="Health").exists()
    event = AuditEvent.objects.filter(summary__contains="deleted by RCO staff").get()
    assert "12 km" not in str(event.data) + event.summary
    assert event.data["reason"] == "teller_asked"


def test_narrative_delete_needs_a_reason_and_rco_staff(instrument, people, client_for):
    run(stored("kobo_export.csv", instrument, people), KOBO)
    story = Narrative.objects.get(external_key=FIRST_KEY)
    url = reverse("consultations:narrative_delete", args=[story.pk])
    assert client_for("partner_own").post(url, {"reason": "other"}).status_code == 403
    rco = client_for("rco")
    assert "Delete the story" in rco.get(story.get_absolute_url()).content.decode()
    rco.post(url, {"reason": ""})
    assert Narrative.objects.filter(pk=story.pk).exists()
    assert rco.post(url, {"reason": "teller_asked"}).status_code == 400  # not confirmed
    assert Narrative.objects.filter(pk=story.pk).exists()
    response = rco.post(url, {"reason": "teller_asked", "confirm": "yes"})
    assert response.status_code == 302
    assert not Narrative.objects.filter(pk=story.pk).exists()


def test_an_export_audit_event_keeps_no_search_words(people, client_for):
    objs = consultation_objects(people)
    client = client_for("rco")
    url = reverse("consultations:campaign_export", args=[objs.campaign.pk, "csv"])
    client.get(url, {"q": "walk 12 km with my children"})
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).get()
    assert "walk" not in str(event.data)
    assert event.data["filter"]["q"] == "(text search)"


def test_a_stale_pending_upload_is_failed_and_its_file_deleted(instrument, people):
    upload = stored("kobo_export.csv", instrument, people)
    Upload.objects.filter(pk=upload.pk).update(
        status_changed_at=upload.status_changed_at - datetime.timedelta(days=8)
    )
    assert uploads_raw_purge() == 1
    upload.refresh_from_db()
    assert upload.status == "failed" and not upload.file and not _files_left()


# ---------------------------------------------------------------------------- low


def test_an_invalid_choice_on_the_respondent_form_shows_its_error(people, client_for):
    objs = consultation_objects(people)
    Signifier.objects.create(
        instrument=objs.instrument,
        key="helped",
        kind="single",
        order=3,
        question={"en": "Who helped most?"},
        labels=[{"value": "family", "label": {"en": "Family"}}],
    )
    client = client_for("partner_own")
    url = reverse("consultations:narrative_new", args=[objs.instrument.pk, people.partner_org.pk])
    form_page = client.get(url)
    assert form_page.status_code == 200
    response = client.post(
        url,
        {
            "story": "The road was closed.",
            "sig_helped": "nobody-such",
            "consent": "on",
            "consent_how": "verbal",
            "submission_token": "t",
        },
    )
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert 'id="id_sig_helped_errors"' in page


def test_old_export_events_lose_their_search_words(people):
    import importlib

    from django.apps import apps

    objs = consultation_objects(people)
    from accounts.services import audit_record

    event = audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=people.rco,
        target=objs.campaign,
        data={"filter": {"q": "my neighbour Jane", "group": "3"}, "format": "csv"},
    )
    migration = importlib.import_module("consultations.migrations.0003_scrub_export_search_words")
    migration.scrub(apps, None)
    event.refresh_from_db()
    assert event.data["filter"] == {"group": "3", "q": "(text search)"}


def test_rows_refused_at_import_keep_their_reasons_and_nothing_is_stored(instrument, people):
    from consultations.models import ColumnMapping

    upload = _previewed(instrument, people)
    upload_import_start(upload=upload)
    # The saved mapping changed between the preview and the import (another tab).
    ColumnMapping.objects.update(mapping=KOBO | {"consent": ["story_group/story_title"]})
    upload = upload_import(upload=upload)
    assert upload.status == "failed" and "rows cannot be accepted" in upload.message
    upload.refresh_from_db()
    assert upload.problems and not upload.file and not _files_left()
    assert not Narrative.objects.filter(instrument=instrument).exists()


def test_a_late_failure_does_not_turn_an_imported_upload_into_a_failed_one(instrument, people):
    from consultations.uploads import upload_fail

    upload = run(stored("kobo_export.csv", instrument, people), KOBO)
    upload_fail(upload=upload, message="The worker stopped; upload the file again.")
    upload.refresh_from_db()
    assert upload.status == "imported" and "stories imported" in upload.message


def test_raw_files_kept_by_the_old_code_are_deleted_by_the_migration(instrument, people):
    import importlib

    from django.apps import apps

    ended = stored("kobo_export.csv", instrument, people)
    Upload.objects.filter(pk=ended.pk).update(status="imported", preview=[{"story": "text"}])
    waiting = stored("kobo_export.csv", instrument, people)
    Upload.objects.filter(pk=waiting.pk).update(status="mapping", columns=[])
    mapped = stored("kobo_export.csv", instrument, people)  # has its columns: left alone
    migration = importlib.import_module("consultations.migrations.0004_delete_kept_raw_uploads")
    migration.delete_raw(apps, None)
    ended.refresh_from_db()
    waiting.refresh_from_db()
    mapped.refresh_from_db()
    assert not ended.file and ended.preview == [] and ended.status == "imported"
    assert (
        waiting.status == "failed"
        and not waiting.file
        and "upload the file again" in (waiting.message)
    )
    assert mapped.file and mapped.status == "mapping"
    assert _files_left() == [Path(mapped.file.path)]
