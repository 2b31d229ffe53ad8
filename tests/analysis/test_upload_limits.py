"""Survey uploads cannot exhaust a worker: wide headers, long fields and XLSX bombs are refused
with a message, the request only does cheap checks, and every failure in the worker marks the
dataset failed with a message naming the uploaded file (security review, finding M5).

Malicious files are built here, streaming, in a few MB of disk."""

import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from analysis import services, surveyio
from analysis.models import Dataset
from analysis.surveyio import (
    SurveyFileError,
    SurveyLimits,
    check_survey_upload,
    profile_survey,
    read_survey_metadata,
)

MiB = 1024 * 1024


def _wide_csv(path: Path, columns: int) -> Path:
    with path.open("w") as handle:
        for start in range(0, columns, 100_000):
            handle.write(",".join(f"v{i}" for i in range(start, min(columns, start + 100_000))))
            handle.write("," if start + 100_000 < columns else "\n")
        handle.write(",".join("1" for _ in range(min(columns, 10))) + "\n")
    return path


def _xlsx_bomb(path: Path, megabytes: int = 20) -> Path:
    chunk = b"0" * MiB
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            for _ in range(megabytes):
                out.write(chunk)
    return path


def _stored_surveys() -> set[Path]:
    folder = Path(settings.MEDIA_ROOT) / "surveys"
    return set(folder.glob("*")) if folder.exists() else set()


def _post(client, name: str, content: bytes):
    return client.post(
        reverse("analysis:dataset_upload"),
        {
            "file": SimpleUploadedFile(name, content),
            "title": "Survey",
            "survey_kind": "DHS",
            "survey_round": "2022",
            "country": "Demoland",
        },
    )


def _upload(user, name: str, content: bytes, capture) -> Dataset:
    with capture(execute=True):
        dataset = services.dataset_upload(
            uploaded=SimpleUploadedFile(name, content),
            title="Survey",
            country="Demoland",
            survey_kind="DHS",
            survey_round="2022",
            user=user,
        )
    dataset.refresh_from_db()
    return dataset


def _assert_failed_for_a_person(dataset: Dataset, name: str) -> None:
    assert dataset.status == Dataset.Status.FAILED
    assert name in dataset.message
    assert str(settings.MEDIA_ROOT) not in dataset.message and "surveys/" not in dataset.message
    assert not dataset.file, "the stored file is removed"


# --- header width ------------------------------------------------------------------------------


def test_a_three_million_column_header_is_refused_from_its_first_line(tmp_path):
    path = tmp_path / "wide.csv"
    with path.open("w") as handle:  # 6 MB: "c,c,c,…"
        for _ in range(30):
            handle.write("c," * 100_000)
        handle.write("c\n1\n")
    started = time.monotonic()
    with pytest.raises(SurveyFileError, match="more than 10,000 columns"):
        check_survey_upload(path)
    with pytest.raises(SurveyFileError, match="more than 10,000 columns"):
        profile_survey(path)
    assert time.monotonic() - started < 5


def test_a_real_width_survey_passes(tmp_path):
    path = _wide_csv(tmp_path / "ir.csv", 5_000)  # a wide DHS IR file
    assert check_survey_upload(path) == "csv"
    assert len(read_survey_metadata(path)[0]) == 5_000


def test_a_too_wide_csv_upload_is_refused_in_the_request(people, client_for, tmp_path):
    before = _stored_surveys()
    content = _wide_csv(tmp_path / "wide.csv", 20_000).read_bytes()
    response = _post(client_for("rco"), "wide.csv", content)
    assert response.status_code == 200
    page = response.content.decode()
    assert "more than 10,000 columns" in page and "wide.csv" in page
    assert not Dataset.objects.exists() and _stored_surveys() == before


def test_the_column_limit_applies_to_stata_files(tmp_path):
    frame = pd.DataFrame({f"v{i}": [1, 2] for i in range(12)})
    path = tmp_path / "wide.dta"
    frame.to_stata(path, write_index=False)
    limits = SurveyLimits(max_columns=10)
    with pytest.raises(SurveyFileError, match="12 columns"):
        check_survey_upload(path, limits=limits)
    with pytest.raises(SurveyFileError, match="12 columns"):
        profile_survey(path, limits=limits)
    assert check_survey_upload(path) == "dta"


# --- long fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [70_000, 128 * 1024 + 10])
def test_a_field_over_the_limit_fails_the_dataset_with_a_message(
    people, django_capture_on_commit_callbacks, size
):
    content = f'hv025,note\n1,short\n2,"{"x" * size}"\n'.encode()
    dataset = _upload(people.rco, "survey.csv", content, django_capture_on_commit_callbacks)
    _assert_failed_for_a_person(dataset, "survey.csv")
    assert "longer than 65,536 characters" in dataset.message and "'note'" in dataset.message


def test_a_header_name_over_the_limit_is_refused_in_the_request(people, client_for):
    response = _post(client_for("rco"), "survey.csv", b'a,"' + b"x" * 140_000 + b'"\n1,2\n')
    assert response.status_code == 200
    assert "longer than 65,536" in response.content.decode()
    assert not Dataset.objects.exists()


# --- archives ----------------------------------------------------------------------------------


def test_an_xlsx_bomb_is_refused_in_the_request_and_by_the_reader(people, client_for, tmp_path):
    path = _xlsx_bomb(tmp_path / "survey.xlsx")
    with pytest.raises(SurveyFileError, match="compressed"):
        profile_survey(path)
    before = _stored_surveys()
    response = _post(client_for("rco"), "survey.xlsx", path.read_bytes())
    assert response.status_code == 200
    assert "compressed" in response.content.decode()
    assert not Dataset.objects.exists() and _stored_surveys() == before


# --- the request does not read the whole file; the worker always ends the job ------------------


def test_the_request_does_not_decode_the_whole_file(people, monkeypatch):
    head_only = surveyio.detect_encoding

    def whole_file_read(head, **kwargs):
        # the kernel decodes the whole file when it is given the open file (``stream``)
        assert kwargs.get("stream") is None, "the whole file was decoded in the request"
        return head_only(head, **kwargs)

    monkeypatch.setattr(surveyio, "detect_encoding", whole_file_read)
    dataset = services.dataset_upload(  # on_commit not run: the profile is the worker's
        uploaded=SimpleUploadedFile("survey.csv", b"hv025,hv270\n1,2\n2,3\n"),
        title="Survey",
        country="Demoland",
        survey_kind="DHS",
        survey_round="2022",
        user=people.rco,
    )
    assert dataset.status == Dataset.Status.PROFILING


def test_an_unexpected_error_in_the_profile_fails_the_dataset_without_details(
    people, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def explode(path, **kwargs):
        raise RuntimeError(f"parser crashed on {path}")

    monkeypatch.setattr(services, "profile_survey", explode)
    dataset = _upload(
        people.rco, "survey.csv", b"hv025,hv270\n1,2\n", django_capture_on_commit_callbacks
    )
    _assert_failed_for_a_person(dataset, "survey.csv")
    assert "crashed" not in dataset.message
    assert "parser crashed" in caplog.text


def test_a_readable_failure_names_the_uploaded_file_not_the_stored_one(
    people, django_capture_on_commit_callbacks
):
    dataset = _upload(
        people.rco, "survey.csv", b"a,a\n1,2\n", django_capture_on_commit_callbacks
    )  # duplicate names are found by the worker
    _assert_failed_for_a_person(dataset, "survey.csv")
    assert "duplicate column names" in dataset.message
    assert "-survey.csv" not in dataset.message  # the stored name has a uuid prefix


def test_an_xlsx_row_wider_than_the_limit_is_refused_before_openpyxl_builds_it(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append([f"v{i}" for i in range(12_000)])
    workbook.active.append([1] * 12_000)
    path = tmp_path / "wide.xlsx"
    workbook.save(path)
    with pytest.raises(SurveyFileError, match="more than 10,000"):
        profile_survey(path)


def test_a_profile_stopped_by_its_time_limit_fails_with_a_message(
    people, django_capture_on_commit_callbacks, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    def too_slow(path, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "profile_survey", too_slow)
    dataset = _upload(
        people.rco, "survey.csv", b"hv025,hv270\n1,2\n", django_capture_on_commit_callbacks
    )
    _assert_failed_for_a_person(dataset, "survey.csv")
    assert "took too long" in dataset.message
