"""The unit of a story: each submission (main sheet) or each row of one repeat group.

Fixtures in the shape of real exports: a KoboToolbox XLSX with ``member`` nested in
``household`` (``kobo_nested.py``) and an ODK Central CSV ZIP with the same nesting
(``odk_zip.py``). Each story is checked row by row: which submission and which enclosing
household it belongs to, and its key (stable across re-imports).
"""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from consultations.ingest import UNIT_KEY, open_export
from consultations.models import ColumnMapping, Narrative, Upload
from consultations.uploads import upload_inspect, upload_store

from . import kobo_nested, odk_zip

U1, U2, U3 = (uuid for _id, uuid in kobo_nested.SUBMISSIONS.values())


# ---- the parser (no database)


def test_each_kobo_member_row_is_a_story_under_its_own_household_and_submission(tmp_path):
    export = open_export(kobo_nested.build(tmp_path / "nested.xlsx"))
    assert export.repeat_row_counts() == {"household": 4, "member": 5}
    stories = list(export.unit_rows("member", ["household"]))
    # (sheet row, submission _index, path, household village, age, story of the submission)
    got = [
        (
            s.row_number,
            s.submission_index,
            s.path,
            s.values["household/household/village"],
            s.values["member/household/member/age"],
            s.values["story"],
            s.reasons,
        )
        for s in stories
    ]
    assert got == [
        (2, "1", "household[1]/member[1]", "Alto", "12", "Story 1", ()),
        (3, "1", "household[2]/member[1]", "Bajo", "36", "Story 1", ()),
        (4, "2", "household[1]/member[1]", "Centro", "60", "Story 2", ()),
        (5, "3", "household[1]/member[1]", "Delta", "8", "Story 3", ()),
        (6, "2", "household[1]/member[2]", "Centro", "40", "Story 2", ()),
    ]


def test_a_household_story_gets_only_its_own_members_as_a_labelled_list(tmp_path):
    export = open_export(kobo_nested.build(tmp_path / "nested.xlsx"))
    stories = {
        s.path + "@" + s.submission_index: s for s in export.unit_rows("household", ["member"])
    }
    assert set(stories) == {"household[1]@1", "household[2]@1", "household[1]@2", "household[1]@3"}
    centro = stories["household[1]@2"].values["member/household/member/age"]
    assert centro.values == ("60", "40")  # both members of Centro, nobody else's
    assert str(stories["household[2]@1"].values["member/household/member/age"]) == (
        "household 2 › member 1: 36"
    )


def test_a_member_row_that_cannot_be_placed_is_rejected_not_lost(tmp_path):
    path = kobo_nested.build(
        tmp_path / "nested.xlsx",
        member_uuid_override={"4": "99999999-0000-4000-8000-000000000009"},
    )
    stories = list(open_export(path).unit_rows("member"))
    assert [s.row_number for s in stories] == [2, 3, 4, 5, 6]
    bad = stories[3]
    assert bad.values == {} and "belongs to submission" in bad.reasons[0]
    assert all(not s.reasons for i, s in enumerate(stories) if i != 3)


def test_odk_zip_member_rows_are_stories_of_their_own_submission(tmp_path):
    export = open_export(odk_zip.build(tmp_path / "voices.zip"))
    got = [
        (s.row_number, s.submission_index, s.path, s.values["household/village"], s.values["story"])
        for s in export.unit_rows("member")
    ]
    assert got == [
        (2, "uuid:odk-1", "household[1]/member[1]", "Alto", "Story one"),
        (3, "uuid:odk-2", "household[2]/member[1]", "Centro", "Story two"),
        (4, "uuid:odk-2", "household[1]/member[1]", "Bajo", "Story two"),
    ]


def test_an_unknown_unit_is_refused_with_the_groups_of_the_file(tmp_path):
    export = open_export(odk_zip.build(tmp_path / "voices.zip"))
    with pytest.raises(ValueError, match="household, member"):
        list(export.unit_rows("visits"))


# ---- the command line, through the upload services


def _run(capsys, path, instrument, people, *extra):
    call_command(
        "import_submissions",
        str(path),
        "--instrument",
        str(instrument.pk),
        "--organisation",
        str(people.partner_org.pk),
        "--format",
        "json",
        "--map=story=story",
        "--map=consent=consent",
        *extra,
    )
    return json.loads(capsys.readouterr().out)


@pytest.mark.django_db
def test_unit_member_imports_one_story_per_member_and_again_nothing(
    instrument, people, capsys, tmp_path
):
    path = kobo_nested.build(tmp_path / "household voices.xlsx")
    extra = ("--unit=member", "--map=age_band=member/household/member/age")
    report = _run(
        capsys, path, instrument, people, *extra, "--map=groups=member/household/member/groups"
    )
    assert report["unit"] == "member" and report["rejected"] == []
    assert report["rows_in"] == 5 and report["imported"] == 5
    got = [(r["key"], r["submission"], r["values"].get("age_band")) for r in report["accepted"]]
    assert got == [
        (f"{U1}/household[1]/member[1]", U1, "12"),
        (f"{U1}/household[2]/member[1]", U1, "36"),
        (f"{U2}/household[1]/member[1]", U2, "60"),
        (f"{U3}/household[1]/member[1]", U3, "8"),
        (f"{U2}/household[1]/member[2]", U2, "40"),
    ]
    stored = Narrative.objects.filter(instrument=instrument)
    assert stored.count() == 5
    centro_2 = stored.get(external_key=f"{U2}/household[1]/member[2]")
    assert centro_2.age_band == "40" and centro_2.story == "Story 2"
    assert {g.name for g in centro_2.groups.all()} == {"Persons with disabilities"}
    assert ColumnMapping.objects.get().mapping[UNIT_KEY] == ["member"]

    # The same export again: the same keys, every row skipped as already there.
    again = _run(capsys, path, instrument, people, *extra)
    assert again["accepted"] == [] and again["rejected"] == []
    assert sorted(r["key"] for r in again["skipped"]) == sorted(k for k, _s, _a in got)
    assert all(r["reasons"] == ["already in the portal"] for r in again["skipped"])
    assert stored.count() == 5


@pytest.mark.django_db
def test_unit_member_of_an_odk_zip(instrument, people, capsys, tmp_path):
    path = odk_zip.build(tmp_path / "voices.zip")
    report = _run(
        capsys, path, instrument, people, "--unit=member", "--map=groups=member/groups", "--dry-run"
    )
    got = [(r["key"], r["submission"], r["values"]["groups"]) for r in report["accepted"]]
    assert got == [
        ("odk-1/household[1]/member[1]", "odk-1", ["women"]),
        ("odk-2/household[2]/member[1]", "odk-2", ["migrants"]),
        ("odk-2/household[1]/member[1]", "odk-2", ["persons_with_disabilities"]),
    ]
    assert not Narrative.objects.filter(instrument=instrument).exists()


@pytest.mark.django_db
def test_an_unplaceable_unit_row_is_rejected_with_its_sheet_and_row(
    instrument, people, capsys, tmp_path
):
    path = kobo_nested.build(
        tmp_path / "nested.xlsx",
        member_uuid_override={"4": "99999999-0000-4000-8000-000000000009"},
    )
    with pytest.raises(CommandError, match="1 rows cannot be accepted"):
        _run(capsys, path, instrument, people, "--unit=member", "--dry-run")
    report = json.loads(capsys.readouterr().out)
    assert report["rows_in"] == 5 and len(report["accepted"]) == 4
    assert [(r["sheet"], r["row"]) for r in report["rejected"]] == [("member", 5)]


@pytest.mark.django_db
def test_a_unit_that_is_not_a_repeat_group_of_the_file_is_refused(
    instrument, people, capsys, tmp_path
):
    path = kobo_nested.build(tmp_path / "nested.xlsx")
    with pytest.raises(CommandError, match="not a repeat group of this file"):
        _run(capsys, path, instrument, people, "--unit=visits")
    assert not Narrative.objects.filter(instrument=instrument).exists()


# ---- the mapping page


@pytest.mark.django_db
def test_the_mapping_form_offers_each_repeat_group_with_its_rows(
    instrument, people, client_for, tmp_path, django_capture_on_commit_callbacks
):
    path = kobo_nested.build(tmp_path / "nested.xlsx")
    upload = upload_store(
        uploaded=SimpleUploadedFile("household voices.xlsx", Path(path).read_bytes()),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
        enqueue=False,
    )
    upload_inspect(upload=upload)
    client = client_for("partner_own")
    page = client.get(upload.get_absolute_url()).content.decode()
    assert 'name="unit"' in page
    assert "Each submission (a row of the main sheet)" in page
    assert "Each row of the repeat group “household” (4 rows)" in page
    assert "Each row of the repeat group “member” (5 rows)" in page
    data = {
        "action": "map",
        "unit": "member",
        "map_story": "story",
        "map_consent": "consent",
        "map_age_band": "member/household/member/age",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(upload.get_absolute_url(), data)
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PREVIEW, upload.problems
    assert upload.rows_total == 5 and upload.rows_ok == 5
    assert upload.preview[0]["_key"] == f"{U1}/household[1]/member[1]"
    # Back to the mapping: the chosen unit is selected.
    client.post(upload.get_absolute_url(), {"action": "remap"})
    page = client.get(upload.get_absolute_url()).content.decode()
    assert '<option value="member" selected>' in page


@pytest.mark.django_db
def test_sample_values_are_read_once_used_for_suggestions_and_deleted_with_the_file(
    instrument, people, tmp_path
):
    from consultations.uploads import upload_discard, upload_mapping_initial

    path = kobo_nested.build(tmp_path / "nested.xlsx")
    upload = upload_store(
        uploaded=SimpleUploadedFile("household voices.xlsx", Path(path).read_bytes()),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
        enqueue=False,
    )
    upload = upload_inspect(upload=upload)
    samples = upload.inspection["samples"]
    assert samples["story"] == ["Story 1", "Story 2", "Story 3"]
    assert samples["member/household/member/age"] == ["12", "36", "60", "8", "40"]
    assert "_uuid" not in samples and "_submission_time" not in samples
    assert upload.inspection["units"] == [["household", 4], ["member", 5]]
    # The member ages are numbers: never proposed as the story or the sex.
    suggested = upload_mapping_initial(upload)
    assert suggested["story"] == ["story"]
    assert "member/household/member/age" not in suggested.get("sex", [])
    upload_discard(upload=upload)
    upload.refresh_from_db()
    assert upload.inspection == {} and not upload.file  # answers go with the file


def test_a_deeply_nested_key_stays_unique_within_the_stored_length():
    from consultations.ingest import unit_key

    uuid = "11111111-0000-4000-8000-000000000001"
    deep = "a_very_long_repeat_group_name[1]/another_very_long_nested_group_name[{}]/x[3]"
    keys = {unit_key(uuid, deep.format(n)) for n in range(1, 30)}
    assert len(keys) == 29 and all(len(k) <= 100 and k.startswith(uuid) for k in keys)
    assert unit_key(uuid, deep.format(1)) == unit_key(uuid, deep.format(1))
    assert unit_key(uuid, "household[2]/member[1]") == f"{uuid}/household[2]/member[1]"
