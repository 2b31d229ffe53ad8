"""Uploads from RCO staff cannot exhaust a worker, and every failure ends as a failed job with a
message a person can act on (security review, finding M5 and related findings).

Malicious files are built here, streaming, in a few MB of disk."""

import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from recommendations import services
from recommendations.models import ImportJob
from recommendations.parsers import ParseError, iter_uhri_json, iter_uhri_xlsx, parse_upr_matrix
from recommendations.tasks import import_preview_task

MiB = 1024 * 1024
TEMPLATE_HEADER = "mechanism,text,publication_date\n"


def _zip_bomb(path: Path, member: str, megabytes: int) -> Path:
    """A ZIP-based office file whose ``member`` inflates to ``megabytes`` MB of zeros."""
    chunk = b"0" * MiB
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w", force_zip64=True) as out:
            for _ in range(megabytes):
                out.write(chunk)
    return path


def _stored_files() -> set[Path]:
    folder = Path(settings.MEDIA_ROOT) / "recommendations" / "imports"
    return set(folder.glob("*")) if folder.exists() else set()


def _upload(user, name, content, kind, capture, country="Demoland") -> ImportJob:
    with capture(execute=True):
        job = services.import_upload(
            uploaded=SimpleUploadedFile(name, content), kind=kind, country=country, user=user
        )
    job.refresh_from_db()
    return job


def _assert_failed_for_a_person(job: ImportJob, name: str) -> None:
    assert job.status == ImportJob.Status.FAILED
    assert name in job.message
    assert str(settings.MEDIA_ROOT) not in job.message and "/" + "imports" not in job.message
    assert not job.file, "the stored file is removed"


# --- JSON nesting ------------------------------------------------------------------------------


def test_a_uhri_json_nested_deeper_than_the_limit_is_refused_with_a_message(tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(b"[" * 2_000 + b"]" * 2_000)
    with pytest.raises(ParseError, match="more than 32 levels deep"):
        list(iter_uhri_json(path, country=None))


def test_200000_nested_brackets_stop_at_once_with_little_memory(tmp_path):
    path = tmp_path / "export.json"  # the 400 KB file of the review
    path.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ParseError, match="levels deep"):
            list(iter_uhri_json(path, country=None))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 50 * MiB


def test_the_depth_limit_comes_from_the_caller(tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(b'[{"AnnotationId": "a", "Text": "t", "Themes": [[["deep"]]]}]')
    with pytest.raises(ParseError, match="more than 3 levels"):
        list(iter_uhri_json(path, country=None, max_depth=3))


# --- archives ----------------------------------------------------------------------------------


@pytest.mark.parametrize("megabytes,reason", [(20, "compressed"), (1024, "would expand")])
def test_a_docx_whose_document_inflates_is_refused_before_python_docx(tmp_path, megabytes, reason):
    path = _zip_bomb(tmp_path / "matrix.docx", "word/document.xml", megabytes)
    assert path.stat().st_size < 5 * MiB
    started = time.monotonic()
    with pytest.raises(ParseError, match=reason):
        parse_upr_matrix(path)
    assert time.monotonic() - started < 5


def test_a_uhri_xlsx_whose_sheet_inflates_is_refused_before_openpyxl(tmp_path):
    path = _zip_bomb(tmp_path / "export.xlsx", "xl/worksheets/sheet1.xml", 20)
    with pytest.raises(ParseError, match="compressed"):
        list(iter_uhri_xlsx(path, country=None))


@pytest.mark.parametrize(
    "kind,name,member",
    [
        ("upr_matrix", "matrix.docx", "word/document.xml"),
        ("uhri_xlsx", "export.xlsx", "xl/worksheets/sheet1.xml"),
        ("template", "template.xlsx", "xl/worksheets/sheet1.xml"),
    ],
)
def test_a_zip_bomb_is_refused_in_the_request_and_leaves_nothing(
    people, client_for, tmp_path, kind, name, member
):
    before = _stored_files()
    content = _zip_bomb(tmp_path / name, member, 20).read_bytes()
    response = client_for("rco").post(
        reverse("recommendations:import_list"),
        {"kind": kind, "country": "Demoland", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    assert "compressed" in response.content.decode()
    assert name in response.content.decode()
    assert not ImportJob.objects.exists()
    assert _stored_files() == before


# --- the portal template: encodings and long fields ----------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"], ids=lambda e: e or "none"
)
def test_the_template_is_read_in_the_encodings_we_support(
    people, vocabularies, encoding, django_capture_on_commit_callbacks
):
    text = TEMPLATE_HEADER + "CEACR,Protéger les défenseurs des droits humains,2024-01-01\n"
    job = _upload(
        people.rco, "ilo.csv", text.encode(encoding), "template", django_capture_on_commit_callbacks
    )
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert "Protéger les défenseurs" in job.preview[0]["text"]
    # a guessed encoding is said in the preview's warnings, naming the person's file
    guessed = [w for w in job.warnings if "was read as" in w]
    if encoding == "cp1252":
        assert guessed and "ilo.csv" in guessed[0] and "Windows-1252" in guessed[0]
    else:
        assert not guessed


def test_a_template_no_encoding_reads_is_refused_not_read_as_latin1(
    people, django_capture_on_commit_callbacks
):
    # 0x81 is no Windows-1252 character; read as Latin-1 it would be a control character
    content = (TEMPLATE_HEADER + "CEACR,Protéger,\n").encode("cp1252") + b"CEACR,x\x81y,\n"
    job = _upload(people.rco, "ilo.csv", content, "template", django_capture_on_commit_callbacks)
    _assert_failed_for_a_person(job, "ilo.csv")
    assert "could not be decoded" in job.message


def test_utf16_without_a_byte_order_mark_is_read(people, django_capture_on_commit_callbacks):
    # the portal's one reading policy (common.spreadsheets): UTF-16 is recognised by the NUL
    # beside each ASCII letter, with or without a byte-order mark
    text = TEMPLATE_HEADER + "CEACR,Protéger les défenseurs des droits humains,\n"
    job = _upload(
        people.rco,
        "ilo.csv",
        text.encode("utf-16-le"),
        "template",
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert "Protéger les défenseurs" in job.preview[0]["text"]
    assert any("without a byte-order mark" in w for w in job.warnings)


@pytest.mark.parametrize("size", [70_000, 128 * 1024 + 10])
def test_a_template_field_over_the_limit_fails_the_job_with_a_message(
    people, django_capture_on_commit_callbacks, size
):
    content = (TEMPLATE_HEADER + f'CEACR,"{"x" * size}",\n').encode()
    job = _upload(people.rco, "ilo.csv", content, "template", django_capture_on_commit_callbacks)
    _assert_failed_for_a_person(job, "ilo.csv")
    assert "65,536" in job.message and "row 2" in job.message


def test_a_template_row_wider_than_the_limit_fails_the_job(
    people, django_capture_on_commit_callbacks, settings
):
    settings.UPLOAD_MAX_COLUMNS = 100
    content = (TEMPLATE_HEADER + "CEACR,Text," + "," * 200 + "\n").encode()
    job = _upload(people.rco, "ilo.csv", content, "template", django_capture_on_commit_callbacks)
    _assert_failed_for_a_person(job, "ilo.csv")
    assert "columns" in job.message


# --- every failure: failed, readable, file removed, no server path or database detail ----------


def test_a_malformed_uhri_json_fails_the_job_and_removes_the_file(
    people, django_capture_on_commit_callbacks
):
    job = _upload(
        people.rco, "export-full-en.json", b'[{"AnnotationId": ', "uhri_json",
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert job.status == ImportJob.Status.FAILED and "malformed or truncated" in job.message
    assert not job.file


def test_a_database_error_is_logged_and_never_shown(
    people, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def explode(**kwargs):
        raise IntegrityError(
            'duplicate key value violates unique constraint "recommendations_uniq_country_id"'
        )

    monkeypatch.setattr(services, "recommendations_import", explode)
    content = (TEMPLATE_HEADER + "CEACR,Text,\n").encode()
    job = _upload(people.rco, "ilo.csv", content, "template", django_capture_on_commit_callbacks)
    _assert_failed_for_a_person(job, "ilo.csv")
    assert "constraint" not in job.message and "duplicate key" not in job.message
    assert "recommendations_uniq_country_id" in caplog.text


def test_a_vanished_file_fails_without_showing_the_server_path(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.import_upload(
            uploaded=SimpleUploadedFile("export.json", b"[]"),
            kind="uhri_json",
            country="Demoland",
            user=people.rco,
        )
    Path(job.file.path).unlink()
    import_preview_task(job.pk)
    job.refresh_from_db()
    _assert_failed_for_a_person(job, "export.json")


@pytest.mark.parametrize(
    "kind,name,content",
    [
        ("uhri_json", "export.json", b"<html>not json</html>"),
        ("upr_matrix", "matrix.docx", b"%PDF-1.4 renamed"),
        ("template", "template.csv", b"PK\x03\x04 a workbook renamed to csv"),
    ],
)
def test_a_file_that_is_not_its_format_is_refused_in_the_request(
    people, client_for, kind, name, content
):
    before = _stored_files()
    response = client_for("rco").post(
        reverse("recommendations:import_list"),
        {"kind": kind, "country": "Demoland", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400 and name in response.content.decode()
    assert not ImportJob.objects.exists() and _stored_files() == before


# --- rows and values inside workbooks and JSON --------------------------------------------------


def _workbook(rows, long_text: str = "") -> bytes:
    """A workbook of ``rows``; ``LONG`` in a cell becomes ``long_text`` in the sheet XML (Excel
    and openpyxl cut cells at 32,767 characters, a crafted file need not)."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not long_text:
        return buffer.getvalue()
    crafted = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(crafted, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b">LONG<", b">" + long_text.encode() + b"<")
            target.writestr(item, data)
    return crafted.getvalue()


def test_a_uhri_xlsx_row_wider_than_the_export_is_refused_before_openpyxl(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(_workbook([["AnnotationId", "Text", *(f"x{i}" for i in range(1_500))]]))
    with pytest.raises(ParseError, match="more than 1,000 cells"):
        list(iter_uhri_xlsx(path, country=None))


def test_a_uhri_json_text_over_the_field_limit_is_refused(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('[{"AnnotationId": "a", "Text": "' + "x" * 70_000 + '"}]')
    with pytest.raises(ParseError, match="70,000 characters"):
        list(iter_uhri_json(path, country=None))


def test_a_template_workbook_cell_over_the_limit_fails_the_job(
    people, django_capture_on_commit_callbacks
):
    content = _workbook([["mechanism", "text"], ["CEACR", "LONG"]], long_text="x" * 70_000)
    job = _upload(people.rco, "ilo.xlsx", content, "template", django_capture_on_commit_callbacks)
    _assert_failed_for_a_person(job, "ilo.xlsx")
    assert "70,000 characters" in job.message


def test_an_import_stopped_by_its_time_limit_fails_with_a_message(
    people, django_capture_on_commit_callbacks, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    def too_slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "recommendations_import", too_slow)
    content = (TEMPLATE_HEADER + "CEACR,Text,\n").encode()
    job = _upload(people.rco, "ilo.csv", content, "template", django_capture_on_commit_callbacks)
    _assert_failed_for_a_person(job, "ilo.csv")
    assert "took too long" in job.message
