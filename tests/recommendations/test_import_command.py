"""`manage.py import_recommendations`: the web import's services from the command line."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recommendations.models import ImportJob, Recommendation

from .test_import import CHINA, UHRI

pytestmark = pytest.mark.django_db


def _run(capsys, path, country, *extra):
    call_command(
        "import_recommendations", str(path), "--country", country, "--format", "json", *extra
    )
    return json.loads(capsys.readouterr().out)


def test_dry_run_then_import_then_unchanged(tmp_path, capsys, vocabularies, people):
    path = tmp_path / "export-full-en.json"
    path.write_text(json.dumps(UHRI))
    report = _run(capsys, path, "Guinea-Bissau", "--dry-run")
    assert (report["added"], report["updated"], report["unchanged"]) == (2, 0, 0)
    assert report["errors"] == [] and report["dry_run"] is True
    assert not Recommendation.objects.exists() and not ImportJob.objects.exists()

    report = _run(capsys, path, "Guinea-Bissau", "--user", people.rco.email)
    assert report["status"] == "succeeded" and report["added"] == 2
    assert Recommendation.objects.filter(country="Guinea-Bissau").count() == 2
    job = ImportJob.objects.get()
    assert job.created_by == people.rco and job.records.count() == 2  # undoable as a batch

    newer = json.loads(json.dumps(UHRI))
    del newer[0]
    path.write_text(json.dumps(newer))
    report = _run(capsys, path, "Guinea-Bissau")
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 1)
    assert report["missing_from_file"] == 1 and report["missing"] == [UHRI[0]["AnnotationId"]]


def test_row_errors_exit_non_zero_and_store_nothing(tmp_path, capsys, vocabularies):
    rows = json.loads(json.dumps(UHRI))
    rows.append(json.loads(json.dumps(rows[0])))  # the same AnnotationId twice
    path = tmp_path / "export-full-en.json"
    path.write_text(json.dumps(rows))
    with pytest.raises(CommandError, match="Nothing was imported"):
        _run(capsys, path, "Guinea-Bissau")
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "failed"
    assert report["errors"][0]["external_id"] == UHRI[0]["AnnotationId"]
    assert "appears more than once" in report["errors"][0]["message"]
    assert not Recommendation.objects.exists()


def test_an_unreadable_record_exits_non_zero(tmp_path, capsys, vocabularies):
    rows = json.loads(json.dumps(UHRI))
    rows[0]["Text"] = ""
    path = tmp_path / "export-full-en.json"
    path.write_text(json.dumps(rows))
    with pytest.raises(CommandError, match="Text is missing"):
        _run(capsys, path, "Guinea-Bissau")
    assert json.loads(capsys.readouterr().out)["status"] == "failed"
    assert not Recommendation.objects.exists()


def test_a_matrix_of_another_state_exits_non_zero(tmp_path, vocabularies):
    with pytest.raises(CommandError, match="is the UPR matrix of China, not of Demoland"):
        call_command("import_recommendations", str(CHINA), "--country", "Demoland")
    assert not Recommendation.objects.exists()


def test_an_unknown_country_names_the_closest(tmp_path, vocabularies):
    path = tmp_path / "export-full-en.json"
    path.write_text(json.dumps(UHRI))
    with pytest.raises(CommandError, match="“Guinea-Bissau”"):
        call_command("import_recommendations", str(path), "--country", "Guinea Bissau")
