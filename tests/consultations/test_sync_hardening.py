# ruff: noqa: F811  (the stub-server fixtures are imported from the other sync tests)
"""The partner sync under hostile or broken input: one broken sync never stops the hourly
run, "Pull now" runs in the background without holding the sync's row, a pull is bounded
in bytes and time, an ODK ZIP is checked before anything is inflated, a mistyped address
is a form error (never a server error whose report would carry the token), and keys of
the built Kobo workbook stay text."""

import io
import json
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.utils import timezone
from django.views.debug import ExceptionReporter
from openpyxl import load_workbook

from consultations import sync as sync_module
from consultations.models import PartnerSync, Upload
from consultations.sync import (
    KoboSource,
    KoboTables,
    OdkCentralSource,
    PullBudget,
    SyncError,
    odk_zip_submissions,
    partner_sync_run,
    partner_sync_save,
    partner_syncs_run_all,
)

from .factories import consultation_objects
from .test_sync import ASSET, TOKEN, _Stub, stub  # noqa: F401
from .test_sync_page import _connect, _KoboServer, _sync, kobo  # noqa: F401

pytestmark = pytest.mark.django_db

ODK_HEADER = "SubmissionDate,story_group-story,consent,meta-instanceID,KEY\n"


def _odk_zip(text: str, *, encoding: str = "utf-8") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("voices.csv", text.encode(encoding))
    return out.getvalue()


def _odk_sync(people, server):
    sync = _sync(people, server=server)
    PartnerSync.objects.filter(pk=sync.pk).update(kind="odk", project_id=7, form_id="voices")
    sync.refresh_from_db()
    return sync


# --- one broken sync, the others still pulled ----------------------------------------------


def test_a_long_story_in_one_odk_export_does_not_stop_the_hourly_run(kobo, people, monkeypatch):
    broken = _odk_sync(people, kobo)
    healthy = _sync(people, server=kobo)
    long_story = _odk_zip(ODK_HEADER + f"2024-06-01,{'a' * 150_000},yes,uuid:1,uuid:1\n")
    monkeypatch.setattr(OdkCentralSource, "export_zip", lambda self: long_story)

    assert partner_syncs_run_all() == 2

    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert "voices.csv.zip" in broken.last_message and "Row 2" in broken.last_message
    assert broken.last_message_data["template"].startswith("Row %(row)s")
    assert healthy.last_upload is not None and healthy.last_message == ""


def test_an_unexpected_failure_is_logged_and_said_on_that_sync_only(
    kobo, people, monkeypatch, caplog
):
    broken = _odk_sync(people, kobo)
    healthy = _sync(people, server=kobo)

    def export(self):  # the ODK sync's reading breaks in a way nobody foresaw
        raise AttributeError("'list' object has no attribute 'get'")

    monkeypatch.setattr(sync_module.OdkCentralSource, "export", export)
    partner_syncs_run_all()
    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert broken.last_message.startswith("The pull failed on the portal's side")
    assert broken.last_pulled_at is not None and broken.pulling_since is None
    assert healthy.last_upload is not None
    assert "could not be pulled" in caplog.text and "AttributeError" in caplog.text


def test_odk_exports_that_cannot_be_read_are_a_message_naming_the_file():
    with pytest.raises(SyncError) as latin:
        odk_zip_submissions(
            _odk_zip(ODK_HEADER + "2024-06-01,café fermé,yes,uuid:1,uuid:1\n", encoding="latin-1"),
            name="voices.csv.zip",
        )
    assert "Row 2 of voices.csv in the pulled file voices.csv.zip" in str(latin.value)
    ok = ODK_HEADER + "2024-06-01,The well dried up.,yes,uuid:1,uuid:1\n"
    assert odk_zip_submissions(_odk_zip(ok)) == 1


def test_an_odk_zip_bomb_is_refused_before_it_is_inflated():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("voices.csv", "w") as member:
            member.write(ODK_HEADER.encode())
            for _ in range(100):
                member.write(b"\n" * (1 << 20))
    started = time.monotonic()
    with pytest.raises(SyncError) as refused:
        odk_zip_submissions(out.getvalue(), name="voices.csv.zip")
    assert time.monotonic() - started < 2  # inflating it took 40 s of CPU
    assert "was refused" in str(refused.value) and "compressed" in str(refused.value)


class _Page(BaseHTTPRequestHandler):
    body = b"[]"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def page_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("body", [b"[]", b'"results"', b'{"results": [1, 2]}'])
def test_a_kpi_page_that_is_not_an_object_is_a_message(page_server, body):
    _Page.body = body
    with pytest.raises(SyncError) as wrong:
        KoboSource(server=page_server, asset_uid=ASSET, token=TOKEN).tables()
    assert "did not answer with JSON" in str(wrong.value)


# --- bytes and time --------------------------------------------------------------------------


def test_a_pull_stops_when_its_pages_together_pass_the_byte_cap(stub, settings):
    measured = PullBudget(bytes_left=10**9, deadline=time.monotonic() + 60)
    token = sync_module._budget.set(measured)
    try:
        KoboSource(server=stub, asset_uid=ASSET, token=TOKEN).tables()
    finally:
        sync_module._budget.reset(token)
    both_pages = 10**9 - measured.bytes_left
    settings.PARTNER_SYNC_MAX_BYTES = both_pages - 10  # each page fits, both do not
    token = sync_module._budget.set(PullBudget.fresh())
    try:
        with pytest.raises(SyncError) as large:
            KoboSource(server=stub, asset_uid=ASSET, token=TOKEN).tables()
    finally:
        sync_module._budget.reset(token)
    assert "larger than" in str(large.value)
    assert [path for path, _auth in _Stub.seen][-1].endswith("page=2")


def test_a_pull_past_its_deadline_is_stopped(kobo, people, settings):
    settings.PARTNER_SYNC_DEADLINE_SECONDS = 0
    sync = _sync(people, server=kobo)
    assert partner_sync_run(sync=sync)
    sync.refresh_from_db()
    assert "took longer than" in sync.last_message and not Upload.objects.exists()


# --- "Pull now" in the background, no lock ---------------------------------------------------


def test_pull_now_enqueues_the_pull_and_says_it_started(
    kobo, people, client, django_capture_on_commit_callbacks
):
    sync = _sync(people, server=kobo)
    client.force_login(people.partner_own)
    stamp = client.get(f"/consultations/syncs/{sync.pk}/").context["stamp"]
    _KoboServer.seen = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            f"/consultations/syncs/{sync.pk}/", {"action": "pull", "seen": stamp}, follow=True
        )
    assert "Pull started" in response.content.decode()
    assert _KoboServer.seen == [] and len(callbacks) == 1  # nothing read in the request
    callbacks[0]()  # the worker runs the task
    sync.refresh_from_db()
    assert sync.last_upload is not None and sync.pulling_since is None


def test_a_sync_being_pulled_is_not_pulled_twice_until_its_marker_is_stale(kobo, people):
    sync = _sync(people, server=kobo)
    PartnerSync.objects.filter(pk=sync.pk).update(pulling_since=timezone.now())
    assert partner_sync_run(sync=sync) is False
    assert not Upload.objects.exists()
    stale = timezone.now() - timezone.timedelta(seconds=sync_module.PULL_STALE_SECONDS + 60)
    PartnerSync.objects.filter(pk=sync.pk).update(pulling_since=stale)
    assert partner_sync_run(sync=sync) is True
    sync.refresh_from_db()
    assert sync.last_upload is not None and sync.pulling_since is None


def test_the_pull_holds_no_row_lock_while_reading_the_server(kobo, people, monkeypatch):
    sync = _sync(people, server=kobo)
    locks = []
    real = PartnerSync.objects.select_for_update

    def spy(*args, **kwargs):
        locks.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(PartnerSync.objects, "select_for_update", spy)
    assert partner_sync_run(sync=sync)
    assert locks == []


def test_the_server_is_read_before_the_pull_opens_a_transaction(kobo, people, monkeypatch):
    # A big form takes minutes to read: no transaction of the pull may stay open meanwhile
    # (on PostgreSQL an open transaction holds back vacuum and every lock it took).
    from django.db import connection

    sync = _sync(people, server=kobo)
    depth_outside = len(connection.atomic_blocks)  # the test's own transaction
    depths = []
    real_export = sync_module.KoboSource.export

    def export(self):
        depths.append(len(connection.atomic_blocks))
        return real_export(self)

    monkeypatch.setattr(sync_module.KoboSource, "export", export)
    assert partner_sync_run(sync=sync)
    assert depths == [depth_outside]
    sync.refresh_from_db()
    assert sync.last_upload is not None  # and the pull still became an upload


# --- the connect form ------------------------------------------------------------------------


def test_a_port_out_of_range_is_an_error_on_the_server_field(people, client, settings):
    settings.PARTNER_SYNC_ALLOW_PRIVATE = False
    client.force_login(people.partner_own)
    response = _connect(client, people, "https://kf.kobotoolbox.org:99999")
    assert response.status_code == 400
    assert "port" in str(response.context["form"].errors["server"])
    assert not PartnerSync.objects.exists()


def test_credentials_in_the_address_are_refused(people, client):
    client.force_login(people.partner_own)
    response = _connect(client, people, "https://user:secret-pw@kf.kobotoolbox.org")
    assert response.status_code == 400
    assert "not in the address" in str(response.context["form"].errors["server"])
    assert "secret-pw" not in response.content.decode()


def test_the_error_report_of_a_failed_connect_holds_no_token(people, rf, monkeypatch):
    from consultations.views import syncs

    def broken(**kwargs):
        raise RuntimeError("the server's answer could not be read")

    monkeypatch.setattr(syncs, "partner_sync_probe", broken)
    objs = consultation_objects(people)
    request = rf.post(
        f"/consultations/campaigns/{objs.campaign.pk}/syncs/",
        {
            "instrument": objs.instrument.pk,
            "organisation": people.partner_org.pk,
            "kind": "kobo",
            "server": "https://kf.kobotoolbox.org",
            "asset_uid": ASSET,
            "token": TOKEN,
        },
    )
    request.user = people.partner_own
    request.session = {}
    request._messages = FallbackStorage(request)
    monkeypatch.setattr(syncs, "server_address_check", lambda *a, **k: None)
    with pytest.raises(RuntimeError):
        try:
            syncs.sync_list(request, pk=objs.campaign.pk)
        except RuntimeError:
            report = ExceptionReporter(request, *sys.exc_info(), is_email=True)
            text = report.get_traceback_text()
            raise
    assert "the server's answer could not be read" in text  # the report itself was built
    assert TOKEN not in text


# --- the built Kobo workbook -----------------------------------------------------------------


def test_keys_of_the_kobo_workbook_stay_text():
    tables = KoboTables()
    tables.add(
        {
            "_id": 1,
            "_uuid": "u-1",
            '=HYPERLINK("http://evil.example")': "x",
            "bad\x01key": "y",
        }
    )
    workbook = load_workbook(io.BytesIO(tables.xlsx()))
    header = [cell.value for cell in next(workbook.worksheets[0].iter_rows())]
    assert '=HYPERLINK("http://evil.example")' in header and "badkey" in header
    cell = next(workbook.worksheets[0].iter_rows())[header.index(header[2])]
    assert cell.data_type == "s"


def test_json_is_read_as_the_server_sent_it(page_server):
    _Page.body = json.dumps({"results": [], "next": None}).encode()
    assert KoboSource(server=page_server, asset_uid=ASSET, token=TOKEN).tables().count == 0


# --- one sync per form -----------------------------------------------------------------------


def test_connecting_a_form_twice_leads_to_the_existing_sync(kobo, people, client):
    client.force_login(people.partner_own)
    first = _connect(client, people, kobo)
    sync = PartnerSync.objects.get()
    again = _connect(client, people, kobo)
    assert PartnerSync.objects.count() == 1
    assert again.redirect_chain[-1][0] == f"/consultations/syncs/{sync.pk}/"
    assert "already connected" in again.content.decode()
    assert first.redirect_chain[-1][0] == again.redirect_chain[-1][0]


def test_the_database_refuses_a_second_sync_of_the_same_form(people):
    from django.db import IntegrityError, transaction

    sync = _sync(people)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerSync.objects.create(
            campaign=sync.campaign,
            instrument=sync.instrument,
            organisation=sync.organisation,
            kind=sync.kind,
            server=sync.server,
            asset_uid=sync.asset_uid,
            token_encrypted=sync.token_encrypted,
        )


# --- a new token ---------------------------------------------------------------------------


def test_a_refused_token_is_replaced_after_the_server_accepts_the_new_one(kobo, people, client):
    from accounts.models import AuditEvent
    from consultations.sync import token_decrypt

    sync = partner_sync_save(
        instrument=consultation_objects(people).instrument,
        organisation=people.partner_org,
        kind="kobo",
        server=kobo,
        token="expired-token-789",
        asset_uid=ASSET,
    )
    client.force_login(people.partner_own)
    page = client.get(f"/consultations/syncs/{sync.pk}/").content.decode()
    assert "Replace the token" in page and "expired-token-789" not in page

    wrong = client.post(
        f"/consultations/syncs/{sync.pk}/login/", {"token": "still-wrong"}, follow=True
    )
    assert "refused the token" in wrong.content.decode()
    sync.refresh_from_db()
    assert token_decrypt(sync.token_encrypted) == "expired-token-789"

    right = client.post(f"/consultations/syncs/{sync.pk}/login/", {"token": TOKEN}, follow=True)
    assert "accepted the new sign-in" in right.content.decode()
    assert TOKEN not in right.content.decode()
    sync.refresh_from_db()
    assert token_decrypt(sync.token_encrypted) == TOKEN
    event = AuditEvent.objects.filter(summary__contains="credentials replaced").get()
    assert TOKEN not in str(event.data)


def test_only_who_manages_the_sync_may_replace_its_token(kobo, people, client):
    sync = _sync(people, server=kobo)
    client.force_login(people.partner_other)
    response = client.post(f"/consultations/syncs/{sync.pk}/login/", {"token": "mine"})
    assert response.status_code == 404


# --- the queue when the unit of a story changes ----------------------------------------------


def test_a_change_of_story_unit_does_not_mark_the_waiting_submissions_fixed(kobo, people):
    from consultations.models import ColumnMapping, SyncRowIssue
    from consultations.sync import sync_issues_record

    def mapped(mapping):
        ColumnMapping.objects.update_or_create(
            campaign_id=upload.campaign_id,
            organisation_id=upload.organisation_id,
            instrument_id=upload.instrument_id,
            export_format=upload.export_format,
            defaults={"mapping": mapping},
        )

    sync = _sync(people, server=kobo)
    assert partner_sync_run(sync=sync)
    sync.refresh_from_db()
    upload = sync.last_upload
    uuid = "00000001-6a1d-4d3e-9f4b-2a8e1c7d5b90"
    # checked with each submission a story: the submission was rejected
    mapped({"story": ["story_group/story"]})
    upload.problems = [{"row": 2, "key": uuid, "reasons": ["required field 'story' is empty"]}]
    sync_issues_record(sync=sync, upload=upload)
    # the partner maps a repeat group as the unit: the keys are now the repeat rows'
    mapped({"story": ["member/said"], ":unit": ["member"]})
    upload.problems = [
        {"row": 2, "key": f"{uuid}/member[1]", "reasons": ["required field 'story' is empty"]}
    ]
    sync_issues_record(sync=sync, upload=upload)
    main = SyncRowIssue.objects.get(sync=sync, submission_key=uuid)
    member = SyncRowIssue.objects.get(sync=sync, submission_key=f"{uuid}/member[1]")
    assert main.resolved_at is None and main.unit == ""  # not "fixed at source"
    assert member.resolved_at is None and member.unit == "member"
    # back to the submissions as stories, the submission accepted: now it is fixed
    mapped({"story": ["story_group/story"]})
    upload.problems = []
    sync_issues_record(sync=sync, upload=upload)
    main.refresh_from_db()
    assert main.resolved_at is not None


def test_the_api_answers_409_with_the_existing_sync_when_a_form_is_connected_twice(
    stub, instrument, people, client
):
    from .test_sync import _connect as api_connect

    client.force_login(people.partner_own)
    first = api_connect(client, stub, instrument, people.partner_org)
    assert first.status_code == 201
    again = api_connect(client, stub, instrument, people.partner_org)
    assert again.status_code == 409 and again.json()["id"] == first.json()["id"]
    assert TOKEN not in again.content.decode()
