"""`manage.py import_submissions`: the partner upload's services from the command line."""

import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consultations.models import Narrative, Upload

from . import odk_zip
from .test_uploads import DATA, KOBO

pytestmark = pytest.mark.django_db


def _maps(mapping: dict[str, list[str]]) -> list[str]:
    return [f"--map={field}={column}" for field, columns in mapping.items() for column in columns]


def _run(capsys, *files, instrument, organisation, extra=()):
    call_command(
        "import_submissions",
        *map(str, files),
        "--instrument",
        str(instrument.pk),
        "--organisation",
        str(organisation.pk),
        "--format",
        "json",
        *extra,
    )
    return json.loads(capsys.readouterr().out)


def test_dry_run_reports_every_row_and_stores_nothing(instrument, people, capsys):
    report = _run(
        capsys,
        DATA / "kobo_export.csv",
        instrument=instrument,
        organisation=people.partner_org,
        extra=[*_maps(KOBO), "--dry-run"],
    )
    assert report["rows_in"] == len(report["accepted"]) + len(report["rejected"]) + len(
        report["skipped"]
    )
    assert report["rejected"] == [] and report["rows_in"] >= 2
    first = next(
        row for row in report["accepted"] if row["key"] == "0b7c2f4e-6a1d-4d3e-9f4b-2a8e1c7d5b90"
    )
    assert first["submission"] == first["key"]
    assert first["values"]["title"] == "The clinic closed"
    assert first["values"]["dyad_1"] == pytest.approx(0.35)
    assert not Narrative.objects.filter(instrument=instrument).exists()
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.FAILED and not upload.file  # discarded, file gone


def test_import_then_again_skips_every_row_as_already_there(instrument, people, capsys):
    report = _run(
        capsys,
        DATA / "kobo_export.csv",
        instrument=instrument,
        organisation=people.partner_org,
        extra=_maps(KOBO),
    )
    assert report["status"] == "imported"
    assert (
        Narrative.objects.filter(instrument=instrument).count()
        == report["imported"]
        == len(report["accepted"])
    )
    again = _run(
        capsys,
        DATA / "kobo_export.csv",
        instrument=instrument,
        organisation=people.partner_org,
        extra=_maps(KOBO),
    )
    assert again["accepted"] == [] and again["imported"] == 0
    assert {row["key"] for row in again["skipped"]} == {row["key"] for row in report["accepted"]}
    assert all(row["reasons"] == ["already in the portal"] for row in again["skipped"])
    assert Narrative.objects.filter(instrument=instrument).count() == report["imported"]


def test_map_overrides_the_saved_mapping(instrument, people, capsys):
    others = {field: columns for field, columns in KOBO.items() if field != "title"}
    report = _run(
        capsys,
        DATA / "kobo_export.csv",
        instrument=instrument,
        organisation=people.partner_org,
        extra=[*_maps(others), "--map=title=identity/groups_other", "--dry-run"],
    )
    assert report["mapping"]["title"] == ["identity/groups_other"]
    assert "widows" in {row["values"].get("title") for row in report["accepted"]}


def test_bad_rows_exit_non_zero_and_import_nothing(instrument, people, capsys):
    with pytest.raises(CommandError, match="rows cannot be accepted"):
        _run(
            capsys,
            DATA / "kobo_bad_rows.csv",
            instrument=instrument,
            organisation=people.partner_org,
            extra=_maps(KOBO),
        )
    report = json.loads(capsys.readouterr().out)
    assert report["rejected"] and all(row["reasons"] for row in report["rejected"])
    assert not Narrative.objects.filter(instrument=instrument).exists()


def test_an_odk_csv_set_given_as_several_files_is_joined(instrument, people, capsys, tmp_path):
    archive = odk_zip.build(tmp_path / "voices.zip")
    files = []
    with zipfile.ZipFile(archive) as z:
        for name in ("voices.csv", "voices-household.csv", "voices-member.csv"):
            files.append(tmp_path / name)
            files[-1].write_bytes(z.read(name))
    report = _run(
        capsys,
        *files,
        instrument=instrument,
        organisation=people.partner_org,
        extra=["--map=story=story", "--map=consent=consent", "--map=groups=member/groups"],
    )
    assert report["status"] == "imported" and report["imported"] == 2
    second = Narrative.objects.get(external_key="odk-2")
    assert {g.name for g in second.groups.all()} == {"Migrants", "Persons with disabilities"}


def test_a_lone_repeat_table_exits_non_zero(instrument, people, tmp_path):
    path = odk_zip.repeat_table(tmp_path / "voices-household.csv")
    with pytest.raises(CommandError, match="repeat table"):
        call_command(
            "import_submissions",
            str(path),
            "--instrument",
            str(instrument.pk),
            "--organisation",
            str(people.partner_org.pk),
        )
    assert not Narrative.objects.filter(instrument=instrument).exists()


def test_an_organisation_that_is_not_a_partner_is_refused(instrument, people):
    with pytest.raises(CommandError, match="not a partner"):
        call_command(
            "import_submissions",
            str(DATA / "kobo_export.csv"),
            "--instrument",
            str(instrument.pk),
            "--organisation",
            str(people.foreign_partner_org.pk),
        )
    assert not Upload.objects.exists()
