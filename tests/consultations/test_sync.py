"""Pulling submissions from KoboToolbox (kpi v2 data API) and ODK Central (OData) against a
local stub server that answers as those APIs document, with real-shaped payloads; the pulled
rows go through the upload pipeline like a downloaded export."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditEvent
from consultations.models import Narrative, Upload
from consultations.sync import KoboSource, OdkCentralSource, SyncError, sync_pull
from consultations.uploads import upload_import, upload_import_start, upload_set_mapping

pytestmark = pytest.mark.django_db

TOKEN = "a1b2c3d4e5f6kobotoken"
ASSET = "aSAvYreNzVEkrWg5Gdcvg"


def _kobo_result(n: int, story: str, groups: str) -> dict:
    """One result of GET /api/v2/assets/{uid}/data/?format=json (kpi), as kpi returns it."""
    return {
        "_id": 1000 + n,
        "formhub/uuid": "0c8d6e4b5b1d4d9f8e0f3c3a2b1a0f9e",
        "start": "2024-03-05T09:58:11.000+03:00",
        "end": "2024-03-05T10:14:02.000+03:00",
        "consent": "yes",
        "story_group/story_title": f"Story {n}",
        "story_group/story": story,
        "identity/groups": groups,
        "language": "en",
        "__version__": "vHq3kZp8yXw2",
        "meta/instanceID": f"uuid:0000000{n}-6a1d-4d3e-9f4b-2a8e1c7d5b90",
        "meta/rootUuid": f"uuid:0000000{n}-6a1d-4d3e-9f4b-2a8e1c7d5b90",
        "_xform_id_string": ASSET,
        "_uuid": f"0000000{n}-6a1d-4d3e-9f4b-2a8e1c7d5b90",
        "_attachments": [],
        "_status": "submitted_via_web",
        "_geolocation": [None, None],
        "_submission_time": "2024-03-05T07:15:32",
        "_tags": [],
        "_notes": [],
        "_validation_status": {},
        "_submitted_by": None,
        "household": [{"household/village": "Alto"}],  # a repeat group: not pulled
    }


ODK_VALUES = [
    {
        "__id": "uuid:odk-1",
        "__system": {
            "submissionDate": "2024-06-01T10:00:00.000Z",
            "updatedAt": None,
            "submitterId": "5",
            "submitterName": "partner",
            "attachmentsPresent": 0,
            "attachmentsExpected": 0,
            "status": None,
            "reviewState": None,
            "deviceId": None,
            "edits": 0,
            "formVersion": "v1",
        },
        "meta": {"instanceID": "uuid:odk-1"},
        "consent": "yes",
        "story_group": {"story": "El pozo se secó en marzo."},
        "language": "es",
        "household@odata.navigationLink": "Submissions('uuid%3Aodk-1')/household",
    },
    {
        "__id": "uuid:odk-2",
        "__system": {"submissionDate": "2024-06-02T10:00:00.000Z", "formVersion": "v1"},
        "meta": {"instanceID": "uuid:odk-2"},
        "consent": "yes",
        "story_group": {"story": "La escuela cerró."},
        "language": "es",
    },
]


class _Stub(BaseHTTPRequestHandler):
    seen: list = []

    def log_message(self, *args):  # quiet
        pass

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        self.seen.append((self.path, self.headers.get("Authorization")))
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        base = f"http://127.0.0.1:{self.server.server_port}"
        if url.path == f"/api/v2/assets/{ASSET}/data/":
            if self.headers.get("Authorization") != f"Token {TOKEN}":
                return self._send(401, {"detail": "Invalid token."})
            page = int(query.get("page", ["1"])[0])
            results = {
                1: [_kobo_result(1, "The clinic closed.", "women")],
                2: [_kobo_result(2, "No water since March.", "migrants women")],
            }[page]
            nxt = f"{base}/api/v2/assets/{ASSET}/data/?format=json&page=2" if page == 1 else None
            prev = None if page == 1 else f"{base}/api/v2/assets/{ASSET}/data/?format=json"
            return self._send(200, {"count": 2, "next": nxt, "previous": prev, "results": results})
        if url.path == "/v1/projects/7/forms/voices.svc/Submissions":
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"code": 401.2, "message": "Could not authenticate."})
            skip = int(query.get("$skiptoken", ["0"])[0])
            body = {
                "@odata.context": f"{base}/v1/projects/7/forms/voices.svc/$metadata#Submissions",
                "value": ODK_VALUES[skip : skip + 1],
            }
            if skip == 0:
                body["@odata.nextLink"] = (
                    f"{base}/v1/projects/7/forms/voices.svc/Submissions?%24top=250&%24skiptoken=1"
                )
            return self._send(200, body)
        return self._send(404, {"detail": "Not found."})


@pytest.fixture
def stub():
    _Stub.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_kobo_pages_are_followed_and_rows_have_the_csv_columns(stub):
    rows = list(KoboSource(server=stub, asset_uid=ASSET, token=TOKEN).rows())
    assert [row["_uuid"] for row in rows] == [
        "00000001-6a1d-4d3e-9f4b-2a8e1c7d5b90",
        "00000002-6a1d-4d3e-9f4b-2a8e1c7d5b90",
    ]
    assert rows[1]["identity/groups"] == "migrants women"
    assert "household" not in rows[0] and "_attachments" not in rows[0]
    assert [auth for _path, auth in _Stub.seen] == [f"Token {TOKEN}"] * 2
    assert "page=2" in _Stub.seen[1][0]


def test_odk_central_odata_pages_are_flattened_like_its_csv(stub):
    rows = list(OdkCentralSource(server=stub, project_id=7, form_id="voices", token=TOKEN).rows())
    assert [row["KEY"] for row in rows] == ["uuid:odk-1", "uuid:odk-2"]
    assert rows[0]["story_group-story"] == "El pozo se secó en marzo."
    assert rows[0]["meta-instanceID"] == "uuid:odk-1"
    assert rows[0]["SubmissionDate"] == "2024-06-01T10:00:00.000Z"
    assert rows[0]["SubmitterName"] == "partner"
    assert not any("odata" in column for column in rows[0])


@pytest.mark.parametrize("kind", ["kobo", "odk"])
def test_a_refused_token_gets_a_message_without_the_token(stub, kind):
    wrong = "not-the-token-123"
    source = (
        KoboSource(server=stub, asset_uid=ASSET, token=wrong)
        if kind == "kobo"
        else OdkCentralSource(server=stub, project_id=7, form_id="voices", token=wrong)
    )
    with pytest.raises(SyncError, match="refused the token") as refused:
        list(source.rows())
    assert wrong not in str(refused.value)


def test_an_unknown_form_and_an_unreachable_server(stub):
    with pytest.raises(SyncError, match="HTTP 404"):
        list(OdkCentralSource(server=stub, project_id=7, form_id="nope", token=TOKEN).rows())
    with pytest.raises(SyncError, match="could not be reached"):
        list(KoboSource(server="http://127.0.0.1:9", asset_uid=ASSET, token=TOKEN).rows())
    with pytest.raises(SyncError, match="Only http"):
        list(KoboSource(server="file:///etc", asset_uid=ASSET, token=TOKEN).rows())


def test_a_kobo_pull_goes_through_the_upload_pipeline(
    stub, instrument, people, django_capture_on_commit_callbacks
):
    source = KoboSource(server=stub, asset_uid=ASSET, token=TOKEN)
    with django_capture_on_commit_callbacks(execute=True):
        upload = sync_pull(source=source, instrument=instrument, organisation=people.partner_org)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.MAPPING and upload.export_format == "kobo_xlsx"
    assert TOKEN not in upload.original_name
    mapping = {
        "story": ["story_group/story"],
        "title": ["story_group/story_title"],
        "consent": ["consent"],
        "groups": ["identity/groups"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_set_mapping(upload=upload, mapping=mapping) == []
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PREVIEW and upload.rows_ok == 2, upload.problems
    upload_import_start(upload=upload, enqueue=False)
    upload_import(upload=upload)
    stories = Narrative.objects.filter(source_upload=upload)
    second = stories.get(external_key="00000002-6a1d-4d3e-9f4b-2a8e1c7d5b90")
    assert second.story == "No water since March."
    assert {g.name for g in second.groups.all()} == {"Migrants", "Women & girls"}
    # pulling again brings nothing new: every row is already in the portal
    with django_capture_on_commit_callbacks(execute=True):
        again = sync_pull(source=source, instrument=instrument, organisation=people.partner_org)
    again.refresh_from_db()
    assert again.status == Upload.Status.PREVIEW  # the saved mapping was applied
    assert again.rows_ok == 0 and again.rows_duplicate == 2


def test_only_an_invited_partner_can_pull(stub, instrument, people):
    source = KoboSource(server=stub, asset_uid=ASSET, token=TOKEN)
    with pytest.raises(PermissionDenied):
        sync_pull(source=source, instrument=instrument, organisation=people.other_partner_org)
    assert _Stub.seen == []  # refused before any request


def test_the_command_reads_the_token_from_the_environment_and_never_prints_it(
    stub, instrument, people, monkeypatch, capsys
):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    args = ["--kobo", stub, "--asset", ASSET, "--token-env", "PARTNER_KOBO_TOKEN"]
    args += ["--instrument", str(instrument.pk), "--organisation", str(people.partner_org.pk)]
    with pytest.raises(CommandError, match="holds no token"):
        call_command("sync_submissions", *args)
    monkeypatch.setenv("PARTNER_KOBO_TOKEN", "wrong-token-456")
    with pytest.raises(CommandError, match="refused the token") as refused:
        call_command("sync_submissions", *args)
    assert "wrong-token-456" not in str(refused.value)
    monkeypatch.setenv("PARTNER_KOBO_TOKEN", TOKEN)
    call_command("sync_submissions", *args)
    out = capsys.readouterr().out
    upload = Upload.objects.get()
    assert f"Upload {upload.pk}" in out and TOKEN not in out
    assert upload.export_format == "kobo_xlsx" and upload.status == Upload.Status.MAPPING


# --- stored syncs: the token encrypted, never shown; pulled on a schedule -------------------


def _connect(client, stub, instrument, organisation, token=TOKEN):
    return client.post(
        "/api/partner-syncs/",
        {
            "instrument": instrument.pk,
            "organisation": organisation.pk,
            "kind": "kobo",
            "server": stub,
            "asset_uid": ASSET,
            "token": token,
        },
        "application/json",
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [("partner_own", 201), ("partner_other", 400), ("unct", 403), ("rco", 201)],
)
def test_who_may_connect_a_form(role, expected, stub, instrument, people, client):
    from consultations.models import PartnerSync

    client.force_login(people.user(role))
    response = _connect(client, stub, instrument, people.partner_org)
    assert response.status_code == expected, response.content
    assert PartnerSync.objects.count() == (1 if expected == 201 else 0)


def test_the_token_is_stored_encrypted_and_never_shown(
    stub, instrument, people, client, django_capture_on_commit_callbacks
):
    from consultations.models import PartnerSync
    from consultations.tasks import partner_syncs_run_task

    client.force_login(people.partner_own)
    created = _connect(client, stub, instrument, people.partner_org)
    assert created.status_code == 201
    sync = PartnerSync.objects.get()
    assert TOKEN not in sync.token_encrypted and sync.token_encrypted
    for response in (
        created,
        client.get("/api/partner-syncs/"),
        client.get(f"/api/partner-syncs/{sync.pk}/"),
    ):
        assert TOKEN not in response.content.decode()
        body = response.json()
        for item in body if isinstance(body, list) else body.get("results", [body]):
            # the credentials are write-only; only how the sync signs in is said
            assert not {"token", "password", "email"} & set(item) and item["login"] == "token"
    event = AuditEvent.objects.get(target_type="consultations.partnersync")
    assert event.actor == people.partner_own and TOKEN not in json.dumps(event.data)
    client.force_login(people.partner_other)
    assert client.get(f"/api/partner-syncs/{sync.pk}/").status_code == 404
    assert client.delete(f"/api/partner-syncs/{sync.pk}/").status_code == 404

    # the hourly task pulls it (with the stored token) into an upload
    with django_capture_on_commit_callbacks(execute=True):
        assert partner_syncs_run_task() == 1
    sync.refresh_from_db()
    assert sync.last_upload is not None and sync.last_message == ""
    assert sync.last_upload.organisation == people.partner_org
    assert ("/api/v2/assets/" + ASSET + "/data/?format=json", f"Token {TOKEN}") in _Stub.seen
    client.force_login(people.partner_own)
    assert client.delete(f"/api/partner-syncs/{sync.pk}/").status_code == 204
    assert not PartnerSync.objects.exists()
    # disconnected through the service: audited with where it pulled from, never the token
    deleted = AuditEvent.objects.get(
        target_type="consultations.partnersync", action=AuditEvent.Action.DELETE
    )
    assert deleted.actor == people.partner_own and deleted.target_id == str(sync.pk)
    assert deleted.summary == f"KoboToolbox sync {sync.pk} disconnected"
    assert deleted.data["server"] == stub.split("//", 1)[1]
    assert deleted.data["organisation"] == people.partner_org.pk
    assert TOKEN not in json.dumps(deleted.data)


def test_a_refused_token_is_reported_on_the_sync(
    stub, instrument, people, client, django_capture_on_commit_callbacks
):
    from consultations.models import PartnerSync

    client.force_login(people.partner_own)
    _connect(client, stub, instrument, people.partner_org, token="expired-token")
    sync = PartnerSync.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        pulled = client.post(f"/api/partner-syncs/{sync.pk}/pull/")
    # the pull runs in the background; the sync says how it went
    assert pulled.status_code == 202 and pulled.json() == {"status": "started", "sync": sync.pk}
    read = client.get(f"/api/partner-syncs/{sync.pk}/")
    assert "refused the token" in read.json()["last_message"]
    assert "expired-token" not in read.content.decode()
    assert not Upload.objects.exists()


def test_an_api_pull_while_one_runs_starts_no_second(
    stub, instrument, people, client, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from consultations.models import PartnerSync

    client.force_login(people.partner_own)
    _connect(client, stub, instrument, people.partner_org)
    sync = PartnerSync.objects.get()
    PartnerSync.objects.filter(pk=sync.pk).update(pulling_since=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        pulled = client.post(f"/api/partner-syncs/{sync.pk}/pull/")
    assert pulled.status_code == 202 and pulled.json()["status"] == "running"
    assert callbacks == [] and not Upload.objects.exists()


class _Elsewhere(BaseHTTPRequestHandler):
    """Another host: whatever reaches it (and which Authorization header) is recorded."""

    seen: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        self.seen.append((self.path, self.headers.get("Authorization")))
        data = json.dumps({"count": 0, "next": None, "results": [], "value": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Pointing(BaseHTTPRequestHandler):
    """A partner server whose next link (or a redirect) points at another host."""

    elsewhere = ""
    redirect = False

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if self.redirect:
            self.send_response(302)
            self.send_header("Location", f"{self.elsewhere}/steal")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = json.dumps(
            {"count": 2, "next": f"{self.elsewhere}/steal?page=2", "results": [{"_uuid": "x"}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.mark.parametrize("redirect", [False, True])
def test_the_token_is_never_sent_to_another_host(redirect):
    """A next link or a redirect to another host must not carry the partner's token there."""
    servers = []
    try:
        for handler in (_Elsewhere, _Pointing):
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
        _Elsewhere.seen = []
        _Pointing.elsewhere = f"http://localhost:{servers[0].server_port}"
        _Pointing.redirect = redirect
        source = KoboSource(
            server=f"http://127.0.0.1:{servers[1].server_port}", asset_uid=ASSET, token=TOKEN
        )
        with pytest.raises(SyncError) as stopped:
            list(source.rows())
        assert TOKEN not in str(stopped.value)
        assert not any(TOKEN in (auth or "") for _path, auth in _Elsewhere.seen)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def test_credentials_written_into_the_server_address_are_not_repeated_in_a_message():
    source = KoboSource(
        server="http://partner:s3cret-pass@127.0.0.1:9", asset_uid=ASSET, token=TOKEN
    )
    with pytest.raises(SyncError, match="could not be reached") as failed:
        list(source.rows())
    assert "s3cret-pass" not in str(failed.value) and TOKEN not in str(failed.value)
    assert "127.0.0.1:9" in str(failed.value)


@pytest.mark.parametrize(
    "server",
    [
        "http://169.254.169.254",  # a cloud's metadata service
        "http://127.0.0.1:8000",  # the portal itself
        "http://10.0.0.5",
        "http://[::1]:5432",
    ],
)
def test_a_sync_cannot_point_at_an_internal_address(server, settings, instrument, people, client):
    from consultations.models import PartnerSync

    settings.PARTNER_SYNC_ALLOW_PRIVATE = False
    client.force_login(people.user("partner_own"))
    response = _connect(client, server, instrument, people.partner_org)
    assert response.status_code == 400, response.content
    assert "inside this network" in response.content.decode()
    assert PartnerSync.objects.count() == 0
