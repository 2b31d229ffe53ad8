"""Partner sync carries repeat groups with the fidelity of a file upload.

A local stub server answers as the vendors document:

* KoboToolbox kpi v2 ``GET /api/v2/assets/{uid}/data/?format=json`` (``Authorization: Token
  …``), paged by ``next``. A result holds a repeat as a list of objects under the repeat's full
  path, a nested repeat inside its parent's objects (kpi's shape, as in formpack's
  ``nested_grouped_repeatable`` fixture): here ``household`` with ``household/member`` nested
  in it, and a group inside the repeat (``household/hh_info/head_sex``). The answers are those
  of the Kobo XLSX fixture ``kobo_nested.py``, so the pull can be compared with the upload of
  that file.
* ODK Central ``GET /v1/projects/{id}/forms/{xmlFormId}/submissions.csv.zip?attachments=false``
  (``Authorization: Bearer …``): the CSV ZIP of ``odk_zip.py`` (main table, ``household`` and
  the nested ``member`` repeat tables), without ``media/`` when ``attachments=false``.

Each story is checked row by row (which submission and which enclosing repeat row it belongs
to) with each submission or a (nested) repeat group as the unit, and the pull's preview is
compared with the preview of the same data uploaded as a file.
"""

import copy
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consultations.ingest import UNIT_KEY, open_export
from consultations.models import ColumnMapping, Narrative, Upload
from consultations.sync import KoboSource, KoboTables, OdkCentralSource, SyncError, sync_pull
from consultations.uploads import (
    upload_import,
    upload_import_start,
    upload_inspect,
    upload_set_mapping,
    upload_store,
)

from . import kobo_nested, odk_zip

TOKEN = "f3e2d1c0b9a8kobotoken"
ASSET = "aHhVoicesK9pQ2vXw7mZ3"
U1, U2, U3 = (uuid for _id, uuid in kobo_nested.SUBMISSIONS.values())
U4 = "44444444-0000-4000-8000-000000000004"


def _result(id_, uuid, n, households) -> dict:
    """One result of the kpi v2 data API, as kpi returns it (answers as text, an unanswered
    question left out, metadata lists and objects beside the answers)."""
    result = {
        "_id": id_,
        "formhub/uuid": "5d3f0c3a1b2c4d5e8f9a0b1c2d3e4f50",
        "start": f"2024-06-0{n}T09:41:12.000+03:00",
        "end": f"2024-06-0{n}T09:58:40.000+03:00",
        "consent": "yes",
        "story": f"Story {n}",
        "language": "en",
        "__version__": "vK3sZr9QpXhYw2",
        "meta/instanceID": f"uuid:{uuid}",
        "meta/rootUuid": f"uuid:{uuid}",
        "_xform_id_string": ASSET,
        "_uuid": uuid,
        "_attachments": [],
        "_status": "submitted_via_web",
        "_geolocation": [None, None],
        "_submission_time": f"2024-06-0{n}T10:00:00",
        "_tags": [],
        "_notes": [],
        "_validation_status": {},
        "_submitted_by": None,
    }
    if households:
        result["household"] = households
    return result


def _household(village, head_sex, members) -> dict:
    return {
        "household/village": village,
        "household/hh_info/head_sex": head_sex,  # a group inside the repeat
        "household/member": [
            {"household/member/age": age} | ({"household/member/groups": g} if g else {})
            for age, g in members
        ],
    }


#: The answers of kobo_nested.py (households Alto, Bajo | Centro | Delta; members under them).
KOBO_RESULTS = [
    _result(
        501,
        U1,
        1,
        [
            _household("Alto", "female", [("12", "women")]),
            _household("Bajo", "male", [("36", "migrants")]),
        ],
    ),
    _result(
        502,
        U2,
        2,
        [
            _household(
                "Centro", "female", [("60", "women migrants"), ("40", "persons_with_disabilities")]
            )
        ],
    ),
    _result(503, U3, 3, [_household("Delta", "male", [("8", "")])]),
]


class _Stub(BaseHTTPRequestHandler):
    seen: list = []
    kobo_results: list = []
    page_size = 2

    def log_message(self, *args):  # quiet
        pass

    def _send(self, code: int, body: bytes, content_type: str, **headers) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, body: dict) -> None:
        self._send(code, json.dumps(body).encode(), "application/json")

    def do_GET(self):  # noqa: N802
        self.seen.append((self.path, self.headers.get("Authorization")))
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        base = f"http://127.0.0.1:{self.server.server_port}"
        if url.path == f"/api/v2/assets/{ASSET}/data/" and query.get("format") == ["json"]:
            if self.headers.get("Authorization") != f"Token {TOKEN}":
                return self._json(401, {"detail": "Invalid token."})
            start = int(query.get("start", ["0"])[0])
            results = self.kobo_results[start : start + self.page_size]
            after = start + self.page_size
            nxt = (
                f"{base}{url.path}?format=json&start={after}"
                if after < len(self.kobo_results)
                else None
            )
            return self._json(
                200,
                {
                    "count": len(self.kobo_results),
                    "next": nxt,
                    "previous": None,
                    "results": results,
                },
            )
        if url.path == "/v1/projects/7/forms/voices/submissions.csv.zip":
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._json(401, {"code": 401.2, "message": "Could not authenticate."})
            buffer = io.BytesIO()
            odk_zip.build(buffer)
            data = buffer.getvalue()
            if query.get("attachments") == ["false"]:
                data = _without_media(data)
            return self._send(
                200,
                data,
                "application/zip",
                Content_Disposition='attachment; filename="voices.zip"',
            )
        if url.path == "/v1/projects/7/forms/wrong/submissions.csv.zip":
            return self._send(200, b"<html>Sign in</html>", "text/html")
        return self._json(404, {"code": 404.1, "message": "Could not find the resource."})


def _without_media(data: bytes) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if not name.startswith("media/"):
                target.writestr(name, source.read(name))
    return out.getvalue()


@pytest.fixture
def stub():
    _Stub.seen = []
    _Stub.kobo_results = copy.deepcopy(KOBO_RESULTS)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _kobo(stub) -> KoboSource:
    return KoboSource(server=stub, asset_uid=ASSET, token=TOKEN)


def _odk(stub, form="voices") -> OdkCentralSource:
    return OdkCentralSource(server=stub, project_id=7, form_id=form, token=TOKEN)


# ---- the pulled export, without the database


def test_kobo_results_are_laid_out_as_kobos_xlsx_export(stub):
    tables = _kobo(stub).tables()
    assert [s.title for s in tables.sheets] == ["submissions", "household", "member"]
    assert [auth for _path, auth in _Stub.seen] == [f"Token {TOKEN}"] * 2  # two pages
    assert "start=2" in _Stub.seen[1][0]
    main = tables.main.rows
    assert [(r["_index"], r["_uuid"]) for r in main] == [(1, U1), (2, U2), (3, U3)]
    assert "household" not in tables.main.columns and "_attachments" not in tables.main.columns
    household = tables.repeats["household"]
    assert [
        (
            r["_index"],
            r["household/village"],
            r["household/hh_info/head_sex"],
            r["_parent_table_name"],
            r["_parent_index"],
            r["_submission__uuid"],
            r["_submission__id"],
        )
        for r in household.rows
    ] == [
        (1, "Alto", "female", "submissions", 1, U1, 501),
        (2, "Bajo", "male", "submissions", 1, U1, 501),
        (3, "Centro", "female", "submissions", 2, U2, 502),
        (4, "Delta", "male", "submissions", 3, U3, 503),  # from the second page
    ]
    member = tables.repeats["household/member"]
    assert member.title == "member"
    # _parent_index is a household _index (the parent table), never a main-sheet one
    assert [
        (
            r["household/member/age"],
            r["_parent_table_name"],
            r["_parent_index"],
            r["_submission__uuid"],
        )
        for r in member.rows
    ] == [
        ("12", "household", 1, U1),
        ("36", "household", 2, U1),
        ("60", "household", 3, U2),
        ("40", "household", 3, U2),
        ("8", "household", 4, U3),
    ]
    assert "household/member/groups" in member.header()  # absent from one row, still a column


def test_the_pulled_workbook_is_read_as_a_kobo_xlsx_with_each_member_under_its_household(
    stub, tmp_path
):
    name, data, count = _kobo(stub).export()
    assert name == f"kobo-{ASSET}.xlsx" and count == 3
    path = tmp_path / name
    path.write_bytes(data)
    export = open_export(path)
    assert export.format == "kobo_xlsx" and export.key_column == "meta/rootUuid"
    assert export.repeat_row_counts() == {"household": 4, "member": 5}
    got = [
        (
            s.submission_index,
            s.path,
            s.values["household/household/village"],
            s.values["household/household/hh_info/head_sex"],
            s.values["member/household/member/age"],
            s.values["story"],
            s.reasons,
        )
        for s in export.unit_rows("member")
    ]
    assert got == [
        ("1", "household[1]/member[1]", "Alto", "female", "12", "Story 1", ()),
        ("1", "household[2]/member[1]", "Bajo", "male", "36", "Story 1", ()),
        ("2", "household[1]/member[1]", "Centro", "female", "60", "Story 2", ()),
        ("2", "household[1]/member[2]", "Centro", "female", "40", "Story 2", ()),
        ("3", "household[1]/member[1]", "Delta", "male", "8", "Story 3", ()),
    ]


def test_three_levels_of_repeats_inside_groups_keep_their_parents(tmp_path):
    """formpack's ``nested_grouped_repeatable`` shape: trees › nests › eggs, one level in each
    other, two submissions; a repeat name used twice gets a sheet of its own."""
    tables = KoboTables()
    for id_, uuid, trees in [
        (123, "f16d9a3f-0892-413e-81d4-758ab188ea0b", [("pine", [["medium", "large"], ["cream"]])]),
        (124, "790af158-7b24-4651-b584-27bf65b9e397", [("maple", [["grey"]]), ("oak", [])]),
    ]:
        tables.add(
            {
                "_id": id_,
                "_uuid": uuid,
                "_submission_time": "2017-12-27T20:58:25",
                "start": "2017-12-27T15:53:26.000-05:00",
                "group_tree": [
                    {
                        "group_tree/What_kind_of_tree_is_this": kind,
                        "group_tree/group_nest": [
                            {
                                "group_tree/group_nest/How_many_eggs_are_in_the_nest": str(
                                    len(eggs)
                                ),
                                "group_tree/group_nest/group_egg": [
                                    {"group_tree/group_nest/group_egg/Describe_the_egg": egg}
                                    for egg in eggs
                                ],
                            }
                            for eggs in nests
                        ],
                    }
                    for kind, nests in trees
                ],
                "other/group_tree": [{"other/group_tree/note": "same repeat name elsewhere"}],
            }
        )
    assert [s.title for s in tables.sheets] == [
        "submissions",
        "group_tree",
        "group_nest",
        "group_egg",
        "group_tree (1)",
    ]
    path = tmp_path / "birds.xlsx"
    path.write_bytes(tables.xlsx())
    export = open_export(path)
    eggs = [
        (
            s.submission_index,
            s.path,
            s.values["group_egg/group_tree/group_nest/group_egg/Describe_the_egg"],
        )
        for s in export.unit_rows("group_egg")
    ]
    assert eggs == [
        ("1", "group_tree[1]/group_nest[1]/group_egg[1]", "medium"),
        ("1", "group_tree[1]/group_nest[1]/group_egg[2]", "large"),
        ("1", "group_tree[1]/group_nest[2]/group_egg[1]", "cream"),
        ("2", "group_tree[1]/group_nest[1]/group_egg[1]", "grey"),
    ]
    notes = [(s.submission_index, s.path) for s in export.unit_rows("group_tree (1)")]
    assert notes == [("1", "group_tree (1)[1]"), ("2", "group_tree (1)[1]")]


def test_an_answer_that_looks_like_a_formula_stays_text(tmp_path):
    tables = KoboTables()
    tables.add({"_id": 1, "_uuid": "u-1", "story": '=HYPERLINK("x")\x0b said', "consent": "yes"})
    path = tmp_path / "pulled.xlsx"
    path.write_bytes(tables.xlsx())
    [(_number, row)] = list(open_export(path).iter_rows())
    assert row["story"] == '=HYPERLINK("x") said'


def test_odk_central_is_pulled_as_its_csv_zip_without_media(stub):
    name, data, count = _odk(stub).export()
    assert name == "voices.csv.zip" and count == 2
    [(path, auth)] = _Stub.seen
    assert path == "/v1/projects/7/forms/voices/submissions.csv.zip?attachments=false"
    assert auth == f"Bearer {TOKEN}"
    import zipfile

    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == [
        "voices-household.csv",
        "voices-member.csv",
        "voices.csv",
    ]


def test_odk_refusals_are_messages_without_the_token(stub):
    wrong = OdkCentralSource(server=stub, project_id=7, form_id="voices", token="expired-99")
    with pytest.raises(SyncError, match="refused the token") as refused:
        wrong.export()
    assert "expired-99" not in str(refused.value)
    with pytest.raises(SyncError, match="HTTP 404"):
        _odk(stub, "nope").export()
    with pytest.raises(SyncError, match="did not answer with the form's CSV ZIP export"):
        _odk(stub, "wrong").export()


# ---- through the upload pipeline


def _map(upload, mapping, capture) -> Upload:
    with capture(execute=True):
        assert upload_set_mapping(upload=upload, mapping=mapping) == []
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PREVIEW, (upload.message, upload.problems)
    return upload


def _pull(source, instrument, people, capture) -> Upload:
    with capture(execute=True):
        upload = sync_pull(source=source, instrument=instrument, organisation=people.partner_org)
    upload.refresh_from_db()
    return upload


def _file(path: Path, name: str, instrument, people) -> Upload:
    upload = upload_store(
        uploaded=SimpleUploadedFile(name, path.read_bytes()),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
        enqueue=False,
    )
    return upload_inspect(upload=upload)


KOBO_MAPPINGS = {
    "": {
        "story": ["story"],
        "consent": ["consent"],
        "groups": ["member/household/member/groups"],
    },
    "household": {
        UNIT_KEY: ["household"],
        "story": ["story"],
        "consent": ["consent"],
        "title": ["household/household/village"],
        "groups": ["member/household/member/groups"],
    },
    "member": {
        UNIT_KEY: ["member"],
        "story": ["story"],
        "consent": ["consent"],
        "title": ["household/household/village"],
        "age_band": ["member/household/member/age"],
        "groups": ["member/household/member/groups"],
    },
}


@pytest.mark.django_db
def test_a_kobo_pull_with_a_member_as_the_story_row_by_row(
    stub, instrument, people, django_capture_on_commit_callbacks
):
    upload = _pull(_kobo(stub), instrument, people, django_capture_on_commit_callbacks)
    assert upload.status == Upload.Status.MAPPING and upload.export_format == "kobo_xlsx"
    assert upload.inspection["units"] == [["household", 4], ["member", 5]]
    assert "household/household/hh_info/head_sex" in upload.columns
    upload = _map(upload, KOBO_MAPPINGS["member"], django_capture_on_commit_callbacks)
    assert upload.rows_total == 5 and upload.rows_ok == 5 and upload.problems == []
    got = [(p["_key"], p["title"], p["age_band"], p["story"]) for p in upload.preview]
    assert got == [
        (f"{U1}/household[1]/member[1]", "Alto", "12", "Story 1"),
        (f"{U1}/household[2]/member[1]", "Bajo", "36", "Story 1"),
        (f"{U2}/household[1]/member[1]", "Centro", "60", "Story 2"),
        (f"{U2}/household[1]/member[2]", "Centro", "40", "Story 2"),
        (f"{U3}/household[1]/member[1]", "Delta", "8", "Story 3"),
    ]
    upload_import_start(upload=upload, enqueue=False)
    upload_import(upload=upload)
    stored = Narrative.objects.filter(source_upload=upload)
    assert stored.count() == 5
    centro_2 = stored.get(external_key=f"{U2}/household[1]/member[2]")
    assert (centro_2.title, centro_2.age_band, centro_2.story) == ("Centro", "40", "Story 2")
    assert {g.name for g in centro_2.groups.all()} == {"Persons with disabilities"}


@pytest.mark.django_db
def test_a_kobo_pull_with_each_submission_as_the_story_lists_its_members(
    stub, instrument, people, django_capture_on_commit_callbacks
):
    upload = _pull(_kobo(stub), instrument, people, django_capture_on_commit_callbacks)
    upload = _map(upload, KOBO_MAPPINGS[""], django_capture_on_commit_callbacks)
    got = [(p["_key"], p["story"], sorted(p.get("groups", []))) for p in upload.preview]
    assert got == [
        (U1, "Story 1", ["migrants", "women"]),
        (U2, "Story 2", ["migrants", "persons_with_disabilities", "women"]),
        (U3, "Story 3", []),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("unit", ["", "household", "member"])
def test_a_kobo_pull_previews_what_the_upload_of_kobos_xlsx_gives(
    unit, stub, instrument, people, django_capture_on_commit_callbacks, tmp_path
):
    mapping = KOBO_MAPPINGS[unit]
    pulled = _map(
        _pull(_kobo(stub), instrument, people, django_capture_on_commit_callbacks),
        mapping,
        django_capture_on_commit_callbacks,
    )
    path = kobo_nested.build(tmp_path / "household voices.xlsx")
    uploaded = _map(
        _file(path, "household voices.xlsx", instrument, people),
        mapping,
        django_capture_on_commit_callbacks,
    )
    assert uploaded.inspection["units"] == pulled.inspection["units"]
    assert (pulled.rows_total, pulled.rows_ok, pulled.problems) == (
        uploaded.rows_total,
        uploaded.rows_ok,
        uploaded.problems,
    )
    # The same stories with the same values. (The fixture lists the member rows in another
    # order than formpack writes them, so the stories are compared by key.)
    assert {p["_key"]: p for p in pulled.preview} == {p["_key"]: p for p in uploaded.preview}
    assert len(pulled.preview) == {"": 3, "household": 4, "member": 5}[unit]


@pytest.mark.django_db
def test_the_saved_member_mapping_is_applied_to_the_next_pulls(
    stub, instrument, people, django_capture_on_commit_callbacks
):
    first = _map(
        _pull(_kobo(stub), instrument, people, django_capture_on_commit_callbacks),
        KOBO_MAPPINGS["member"],
        django_capture_on_commit_callbacks,
    )
    upload_import_start(upload=first, enqueue=False)
    upload_import(upload=first)
    # A new submission arrives on the server; the next pull needs no mapping.
    _Stub.kobo_results.append(_result(504, U4, 4, [_household("Este", "female", [("27", "")])]))
    second = _pull(_kobo(stub), instrument, people, django_capture_on_commit_callbacks)
    assert second.status == Upload.Status.PREVIEW, second.message
    assert (second.rows_total, second.rows_ok, second.rows_duplicate) == (6, 1, 5)
    [new] = second.preview
    assert (new["_key"], new["title"], new["age_band"], new["story"]) == (
        f"{U4}/household[1]/member[1]",
        "Este",
        "27",
        "Story 4",
    )


@pytest.mark.django_db
def test_a_mapping_saved_for_earlier_csv_pulls_is_used(
    stub, instrument, people, django_capture_on_commit_callbacks
):
    ColumnMapping.objects.create(
        campaign=instrument.campaign,
        organisation=people.partner_org,
        instrument=instrument,
        export_format="kobo_csv",
        mapping={"story": ["story"], "consent": ["consent"]},
    )
    upload = _pull(_kobo(stub), instrument, people, django_capture_on_commit_callbacks)
    assert upload.status == Upload.Status.PREVIEW and upload.rows_ok == 3, upload.message
    assert ColumnMapping.objects.get(export_format="kobo_xlsx").mapping == {
        "story": ["story"],
        "consent": ["consent"],
    }


@pytest.mark.django_db
def test_a_saved_repeat_unit_without_rows_in_the_pull_says_so(
    stub, instrument, people, django_capture_on_commit_callbacks
):
    ColumnMapping.objects.create(
        campaign=instrument.campaign,
        organisation=people.partner_org,
        instrument=instrument,
        export_format="kobo_xlsx",
        mapping=KOBO_MAPPINGS["member"],
    )
    _Stub.kobo_results = [_result(504, U4, 4, [])]  # no household answered
    upload = _pull(_kobo(stub), instrument, people, django_capture_on_commit_callbacks)
    assert upload.status == Upload.Status.MAPPING
    assert "repeat group “member”" in upload.message
    assert "no submission in this pull has rows in that group" in upload.message


ODK_MAPPINGS = {
    "": {"story": ["story"], "consent": ["consent"], "groups": ["member/groups"]},
    "member": {
        UNIT_KEY: ["member"],
        "story": ["story"],
        "consent": ["consent"],
        "title": ["household/village"],
        "groups": ["member/groups"],
    },
}


@pytest.mark.django_db
def test_an_odk_pull_with_a_member_as_the_story_row_by_row(
    stub, instrument, people, django_capture_on_commit_callbacks
):
    upload = _pull(_odk(stub), instrument, people, django_capture_on_commit_callbacks)
    assert upload.export_format == "odk_zip" and upload.original_name == "voices.csv.zip"
    assert upload.inspection["units"] == [["household", 3], ["member", 3]]
    upload = _map(upload, ODK_MAPPINGS["member"], django_capture_on_commit_callbacks)
    got = [(p["_key"], p["title"], p["groups"], p["story"]) for p in upload.preview]
    assert got == [
        ("odk-1/household[1]/member[1]", "Alto", ["women"], "Story one"),
        ("odk-2/household[2]/member[1]", "Centro", ["migrants"], "Story two"),
        ("odk-2/household[1]/member[1]", "Bajo", ["persons_with_disabilities"], "Story two"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("unit", ["", "member"])
def test_an_odk_pull_previews_what_the_upload_of_the_zip_gives(
    unit, stub, instrument, people, django_capture_on_commit_callbacks, tmp_path
):
    mapping = ODK_MAPPINGS[unit]
    pulled = _map(
        _pull(_odk(stub), instrument, people, django_capture_on_commit_callbacks),
        mapping,
        django_capture_on_commit_callbacks,
    )
    path = odk_zip.build(tmp_path / "voices.zip")  # as downloaded, with its media
    uploaded = _map(
        _file(path, "voices.zip", instrument, people), mapping, django_capture_on_commit_callbacks
    )
    assert (pulled.rows_total, pulled.rows_ok, pulled.problems, pulled.preview) == (
        uploaded.rows_total,
        uploaded.rows_ok,
        uploaded.problems,
        uploaded.preview,
    )
    if not unit:
        assert [(p["_key"], sorted(p["groups"])) for p in pulled.preview] == [
            ("odk-1", ["women"]),
            ("odk-2", ["migrants", "persons_with_disabilities"]),
        ]


@pytest.mark.django_db
def test_a_pulled_export_the_upload_checks_refuse_is_a_sync_message(
    stub, instrument, people, settings
):
    settings.UPLOAD_ARCHIVE_LIMITS = {"max_entry_bytes": 2_000}
    with pytest.raises(SyncError, match=f"kobo-{ASSET}.xlsx") as refused:
        sync_pull(source=_kobo(stub), instrument=instrument, organisation=people.partner_org)
    assert TOKEN not in str(refused.value)
    assert not Upload.objects.exists()
