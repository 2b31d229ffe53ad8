"""The partner sync pages: who sees which connected form, connecting one (the token stored
encrypted and never rendered), pulling now from a local server that answers as kpi's v2 data
API does, pausing, disconnecting, and the queue of submissions the checks rejected, which
empties when the partner fixes them at the source."""

import json
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from accounts.models import AuditEvent
from consultations.models import PartnerSync, SyncRowIssue, Upload
from consultations.sync import (
    partner_sync_save,
    partner_syncs_run_all,
    sync_issues_waiting,
    token_decrypt,
)
from consultations.uploads import upload_set_mapping

from .factories import consultation_objects
from .test_sync import ASSET, TOKEN, _kobo_result, _Stub

pytestmark = pytest.mark.django_db

MAPPING = {
    "story": ["story_group/story"],
    "title": ["story_group/story_title"],
    "consent": ["consent"],
    "groups": ["identity/groups"],
}


#: ``GET /api/v2/assets/{uid}/?format=json`` (kpi), the fields a deployed survey has.
KOBO_ASSET = {
    "uid": ASSET,
    "name": "Community voices 2024",
    "asset_type": "survey",
    "owner__username": "womens_network",
    "date_created": "2024-02-20T08:12:44.102385Z",
    "date_modified": "2024-03-05T07:15:32.918272Z",
    "version_id": "vHq3kZp8yXw2",
    "has_deployment": True,
    "deployment__active": True,
    "deployment__submission_count": 2,
    "permissions": [],
}

#: ``GET /v1/projects/7/forms/voices`` (ODK Central).
ODK_FORM = {
    "projectId": 7,
    "xmlFormId": "voices",
    "name": "Voices",
    "version": "v1",
    "enketoId": "xyz123abc",
    "hash": "51a93eab3a1974dbffc4c7913fa5a16a",
    "keyId": None,
    "state": "open",
    "publishedAt": "2024-05-01T09:00:00.000Z",
    "createdAt": "2024-05-01T08:55:00.000Z",
    "updatedAt": None,
}


class _KoboServer(_Stub):
    """kpi's ``GET /api/v2/assets/{uid}/data/?format=json``, one page, whose results the test
    changes between pulls (a submission edited at the source); the rest as ``_Stub``."""

    results: list = []

    def do_GET(self):  # noqa: N802
        path = urlsplit(self.path).path
        base = f"http://127.0.0.1:{self.server.server_port}"
        if path == f"/api/v2/assets/{ASSET}/":  # the project's description (kpi)
            self.seen.append((self.path, self.headers.get("Authorization")))
            if self.headers.get("Authorization") != f"Token {TOKEN}":
                return self._send(401, {"detail": "Invalid token."})
            return self._send(200, KOBO_ASSET | {"url": f"{base}/api/v2/assets/{ASSET}/"})
        if path == "/v1/projects/7/forms/voices":  # the form's description (ODK Central)
            self.seen.append((self.path, self.headers.get("Authorization")))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"code": 401.2, "message": "Could not authenticate."})
            return self._send(200, ODK_FORM)
        if path != f"/api/v2/assets/{ASSET}/data/":
            return super().do_GET()
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != f"Token {TOKEN}":
            return self._send(401, {"detail": "Invalid token."})
        results = list(self.results)
        return self._send(
            200, {"count": len(results), "next": None, "previous": None, "results": results}
        )


@pytest.fixture
def kobo():
    _KoboServer.seen = []
    _KoboServer.results = [_kobo_result(1, "The clinic closed.", "women")]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KoboServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _sync(people, server="http://127.0.0.1:9", organisation=None, instrument=None, asset_uid=ASSET):
    return partner_sync_save(
        instrument=instrument or consultation_objects(people).instrument,
        organisation=organisation or people.partner_org,
        kind="kobo",
        server=server,
        token=TOKEN,
        asset_uid=asset_uid,
        user=people.partner_own,
    )


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("partner_own", 200),
        ("partner_other", 404),  # not invited to the campaign
        ("unct", 404),  # sees the campaign, never a partner's connected forms
        ("rco", 200),
        ("foreign_rco", 404),
        ("foreign_partner", 404),
    ],
)
def test_who_reaches_the_sync_pages(role, expected, people, client):
    sync = _sync(people)
    user = people.user(role)
    campaign = consultation_objects(people).campaign
    assert _get(client, user, f"/consultations/campaigns/{campaign.pk}/syncs/").status_code == (
        expected
    )
    assert _get(client, user, f"/consultations/syncs/{sync.pk}/").status_code == expected
    assert _get(client, user, f"/consultations/syncs/{sync.pk}/disconnect/").status_code == (
        expected
    )
    response = client.post(f"/consultations/syncs/{sync.pk}/", {"action": "pause"})
    assert response.status_code == (302 if expected == 200 else 404)
    sync.refresh_from_db()
    assert sync.active is (expected != 200)


def test_a_partner_sees_only_its_own_organisations_forms(people, client):
    campaign = consultation_objects(people).campaign
    campaign.partners.add(people.other_partner_org)
    own = _sync(people)
    other = _sync(people, organisation=people.other_partner_org)
    SyncRowIssue.objects.create(
        sync=other,
        campaign=campaign,
        organisation=people.other_partner_org,
        submission_key="uuid:other-1",
        reasons=["required field 'story' is empty"],
    )
    page = _get(client, people.partner_own, f"/consultations/campaigns/{campaign.pk}/syncs/")
    assert f"/consultations/syncs/{own.pk}/" in page.content.decode()
    assert f"/consultations/syncs/{other.pk}/" not in page.content.decode()
    assert "waits for a fix" not in page.content.decode()
    assert client.get(f"/consultations/syncs/{other.pk}/").status_code == 404
    assert not sync_issues_waiting(people.partner_own, other).exists()
    # the other partner, now invited, sees its own form and its waiting submission
    page = _get(client, people.partner_other, f"/consultations/campaigns/{campaign.pk}/syncs/")
    assert f"/consultations/syncs/{other.pk}/" in page.content.decode()
    assert f"/consultations/syncs/{own.pk}/" not in page.content.decode()
    assert "1 submission waits for a fix at source" in page.content.decode()
    # RCO staff of the country see both
    page = _get(client, people.rco, f"/consultations/campaigns/{campaign.pk}/syncs/")
    assert f"/consultations/syncs/{own.pk}/" in page.content.decode()
    assert f"/consultations/syncs/{other.pk}/" in page.content.decode()


# --- connecting a form ----------------------------------------------------------------------


def _connect(client, people, server, **extra):
    objs = consultation_objects(people)
    data = {
        "instrument": objs.instrument.pk,
        "organisation": people.partner_org.pk,
        "kind": "kobo",
        "server": server,
        "asset_uid": ASSET,
        "token": TOKEN,
    } | extra
    return client.post(f"/consultations/campaigns/{objs.campaign.pk}/syncs/", data, follow=True)


def test_connecting_stores_the_token_encrypted_and_never_renders_it(kobo, people, client):
    client.force_login(people.partner_own)
    response = _connect(client, people, kobo)
    sync = PartnerSync.objects.get()
    assert response.redirect_chain[-1][0] == f"/consultations/syncs/{sync.pk}/"
    assert TOKEN not in sync.token_encrypted and token_decrypt(sync.token_encrypted) == TOKEN
    assert sync.organisation == people.partner_org and sync.created_by == people.partner_own
    pages = [
        response,
        client.get(f"/consultations/campaigns/{sync.campaign_id}/syncs/"),
        client.get(f"/consultations/syncs/{sync.pk}/disconnect/"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert TOKEN not in page.content.decode()
    assert "stored encrypted; never shown" in response.content.decode()
    event = AuditEvent.objects.get(target_type="consultations.partnersync")
    assert TOKEN not in json.dumps(event.data) and event.actor == people.partner_own


def test_a_form_with_errors_does_not_send_the_token_back(people, client):
    client.force_login(people.partner_own)
    response = _connect(client, people, "https://kf.kobotoolbox.org", asset_uid="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "needs the project" in html and TOKEN not in html
    assert 'type="password"' in html and "API key" in html  # where to find the token
    assert not PartnerSync.objects.exists()
    odk = _connect(client, people, "https://central.example.org", kind="odk", asset_uid="")
    assert "needs the project number" in odk.content.decode()
    assert "needs the form ID" in odk.content.decode()


@pytest.mark.parametrize("server", ["http://10.0.0.5", "http://169.254.169.254"])
def test_a_private_address_is_a_form_error(server, settings, people, client):
    settings.PARTNER_SYNC_ALLOW_PRIVATE = False
    client.force_login(people.partner_own)
    response = _connect(client, people, server)
    assert response.status_code == 400
    assert "inside this network" in response.content.decode()
    assert TOKEN not in response.content.decode()
    assert not PartnerSync.objects.exists()


def test_a_partner_cannot_connect_for_another_organisation(people, client):
    client.force_login(people.partner_own)
    response = _connect(
        client, people, "https://kf.kobotoolbox.org", organisation=people.other_partner_org.pk
    )
    assert response.status_code == 400 and not PartnerSync.objects.exists()


# --- pulling, the queue, pause and disconnect --------------------------------------------


def _pull(client, sync, django_capture_on_commit_callbacks, seen=None):
    """Press "Pull now" on the sync's page, then read the page it sends back to."""
    page = client.get(f"/consultations/syncs/{sync.pk}/")
    stamp = seen if seen is not None else page.context["stamp"]
    with django_capture_on_commit_callbacks(execute=True):  # the row check, as on commit
        response = client.post(
            f"/consultations/syncs/{sync.pk}/", {"action": "pull", "seen": stamp}
        )
    assert response.status_code == 302
    return client.get(response["Location"])


def test_pull_now_and_the_queue_of_rejected_submissions(
    kobo, people, instrument, client, django_capture_on_commit_callbacks
):
    sync = _sync(people, server=kobo, instrument=instrument)
    client.force_login(people.partner_own)
    # A submission without its story is rejected by the checks.
    _KoboServer.results = [
        _kobo_result(1, "The clinic closed.", "women"),
        _kobo_result(3, "", "migrants"),
    ]
    first = _pull(client, sync, django_capture_on_commit_callbacks)
    sync.refresh_from_db()
    upload = sync.last_upload
    assert upload.status == Upload.Status.MAPPING  # the first pull: map its columns once
    assert f'href="/consultations/uploads/{upload.pk}/"' in first.content.decode()
    assert upload.uploaded_by == people.partner_own
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_set_mapping(upload=upload, mapping=MAPPING) == []
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PREVIEW and upload.rows_ok == 1

    issue = SyncRowIssue.objects.get()
    assert "00000003-6a1d-4d3e-9f4b-2a8e1c7d5b90" in issue.submission_key
    assert issue.reasons == ["required field 'story' is empty"]
    assert issue.organisation == people.partner_org and issue.resolved_at is None
    page = client.get(f"/consultations/syncs/{sync.pk}/").content.decode()
    assert "1 submission waits for a fix at source" in page
    assert issue.submission_key in page and "required field &#x27;story&#x27; is empty" in page
    assert "waiting since" in page
    # the partner's list shows the count; the other partner cannot see the queue
    listing = client.get(f"/consultations/campaigns/{sync.campaign_id}/syncs/").content.decode()
    assert "1 submission waits for a fix at source" in listing
    assert not sync_issues_waiting(people.partner_other, sync).exists()
    assert sync_issues_waiting(people.rco, sync).count() == 1
    assert not sync_issues_waiting(people.unct, sync).exists()

    # Pulled again before the fix: still waiting, since the same moment.
    first_seen = issue.first_seen
    _pull(client, sync, django_capture_on_commit_callbacks)
    issue.refresh_from_db()
    assert issue.resolved_at is None and issue.first_seen == first_seen
    assert issue.last_seen > first_seen

    # The partner fills the story in Kobo; the next pull (saved mapping) accepts it.
    _KoboServer.results = [
        _kobo_result(1, "The clinic closed.", "women"),
        _kobo_result(3, "The bus stopped coming.", "migrants"),
    ]
    fixed = _pull(client, sync, django_capture_on_commit_callbacks)
    sync.refresh_from_db()
    assert sync.last_upload.status == Upload.Status.PREVIEW and sync.last_upload.rows_ok == 2
    issue.refresh_from_db()
    assert issue.resolved_at is not None
    html = fixed.content.decode()
    assert "0 submissions wait for a fix at source" in html and "fixed on" in html
    assert "2 new stories wait for you to import them" in html


def test_a_second_click_on_pull_now_pulls_nothing(
    kobo, people, client, django_capture_on_commit_callbacks
):
    sync = _sync(people, server=kobo)
    client.force_login(people.partner_own)
    page = client.get(f"/consultations/syncs/{sync.pk}/")
    stamp = page.context["stamp"]
    _pull(client, sync, django_capture_on_commit_callbacks, seen=stamp)
    assert Upload.objects.count() == 1
    again = _pull(client, sync, django_capture_on_commit_callbacks, seen=stamp)
    assert "already" in again.content.decode()
    assert Upload.objects.count() == 1 and len(_KoboServer.seen) == 1


def test_a_refused_token_is_shown_on_the_page(
    kobo, people, client, django_capture_on_commit_callbacks
):
    sync = partner_sync_save(
        instrument=consultation_objects(people).instrument,
        organisation=people.partner_org,
        kind="kobo",
        server=kobo,
        token="expired-token-789",
        asset_uid=ASSET,
    )
    client.force_login(people.partner_own)
    stamp = client.get(f"/consultations/syncs/{sync.pk}/").context["stamp"]
    with django_capture_on_commit_callbacks(execute=True):  # the pull task (eager here)
        response = client.post(
            f"/consultations/syncs/{sync.pk}/", {"action": "pull", "seen": stamp}, follow=True
        )
    assert "Pull started" in response.content.decode()
    html = client.get(f"/consultations/syncs/{sync.pk}/").content.decode()
    assert "refused the token" in html and "expired-token-789" not in html
    assert not Upload.objects.exists()


def test_pause_resume_and_disconnect_are_audited(
    kobo, people, client, django_capture_on_commit_callbacks
):
    sync = _sync(people, server=kobo)
    client.force_login(people.partner_own)
    client.post(f"/consultations/syncs/{sync.pk}/", {"action": "pause"})
    sync.refresh_from_db()
    assert not sync.active
    assert "Paused" in client.get(f"/consultations/syncs/{sync.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert partner_syncs_run_all() == 0  # the schedule skips a paused form
    assert _KoboServer.seen == []
    client.post(f"/consultations/syncs/{sync.pk}/", {"action": "resume"})
    sync.refresh_from_db()
    assert sync.active
    summaries = list(
        AuditEvent.objects.filter(target_type="consultations.partnersync")
        .order_by("pk")
        .values_list("summary", flat=True)
    )
    assert summaries[-2:] == [
        f"KoboToolbox sync {sync.pk} paused",
        f"KoboToolbox sync {sync.pk} resumed",
    ]

    # without the confirmation box nothing is deleted
    client.post(f"/consultations/syncs/{sync.pk}/disconnect/")
    assert PartnerSync.objects.filter(pk=sync.pk).exists()
    response = client.post(f"/consultations/syncs/{sync.pk}/disconnect/", {"confirm": "yes"})
    assert response.status_code == 302
    assert not PartnerSync.objects.filter(pk=sync.pk).exists()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.DELETE).get()
    assert event.actor == people.partner_own and TOKEN not in json.dumps(event.data)
    assert event.target_id == str(sync.pk)


def test_a_waiting_submission_imported_from_a_corrected_export_is_fixed(
    kobo, people, instrument, django_capture_on_commit_callbacks
):
    """The partner corrected the submission and uploaded the export by hand: once its story
    is imported, it leaves the sync's queue."""
    from consultations.sync import KoboSource, sync_pull
    from consultations.uploads import upload_import, upload_import_start

    sync = _sync(people, server=kobo, instrument=instrument)
    key = "00000003-6a1d-4d3e-9f4b-2a8e1c7d5b90"
    other = SyncRowIssue.objects.create(
        sync=sync,
        campaign=sync.campaign,
        organisation=sync.organisation,
        submission_key="uuid:not-in-this-export",
        reasons=["required field 'story' is empty"],
    )
    _KoboServer.results = [_kobo_result(3, "The bus stopped coming.", "migrants")]
    with django_capture_on_commit_callbacks(execute=True):
        upload = sync_pull(
            source=KoboSource(server=kobo, asset_uid=ASSET, token=TOKEN),
            instrument=instrument,
            organisation=people.partner_org,
        )
        upload_set_mapping(upload=upload, mapping=MAPPING)
    upload.refresh_from_db()
    stored_key = upload.preview[0]["_key"]
    assert key in stored_key
    waiting = SyncRowIssue.objects.create(
        sync=sync,
        campaign=sync.campaign,
        organisation=sync.organisation,
        submission_key=stored_key,
        reasons=["required field 'story' is empty"],
    )
    # another partner's sync waits for a submission with the same id on its own server
    their_sync = PartnerSync.objects.create(
        campaign=sync.campaign,
        instrument=instrument,
        organisation=people.other_partner_org,
        kind="kobo",
        server="https://kf.kobotoolbox.org",
        asset_uid=ASSET,
        token_encrypted=sync.token_encrypted,
    )
    elsewhere = SyncRowIssue.objects.create(
        sync=their_sync,
        campaign=sync.campaign,
        organisation=people.other_partner_org,
        submission_key=stored_key,
        reasons=["required field 'story' is empty"],
    )
    upload_import_start(upload=upload, enqueue=False)
    upload_import(upload=upload)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.IMPORTED
    waiting.refresh_from_db()
    other.refresh_from_db()
    elsewhere.refresh_from_db()
    assert waiting.resolved_at is not None
    assert other.resolved_at is None  # not in that export: still waits
    assert elsewhere.resolved_at is None  # that story is this partner's, not the other's


def test_the_list_page_reads_in_a_fixed_number_of_queries(
    people, client, django_assert_max_num_queries
):
    campaign = consultation_objects(people).campaign
    syncs = [_sync(people, asset_uid=f"{ASSET}{n}") for n in range(5)]
    for sync in syncs:
        SyncRowIssue.objects.create(
            sync=sync,
            campaign=campaign,
            organisation=people.partner_org,
            submission_key=f"uuid:{sync.pk}",
            reasons=["consent is missing — a story without consent cannot be stored"],
        )
    client.force_login(people.partner_own)
    client.get(f"/consultations/campaigns/{campaign.pk}/syncs/")  # warm the session
    with django_assert_max_num_queries(15):
        page = client.get(f"/consultations/campaigns/{campaign.pk}/syncs/")
    assert page.content.decode().count("1 submission waits for a fix at source") == 5


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"token": "expired-token-789"}, "refused the token"),
        ({"asset_uid": "aNoSuchProject"}, "no such project or form"),
        ({"kind": "odk", "project_id": 7, "form_id": "voices", "token": "nope-123"}, "refused"),
    ],
)
def test_connecting_checks_the_token_and_the_ids_with_the_server(
    extra, message, kobo, people, client
):
    client.force_login(people.partner_own)
    response = _connect(client, people, kobo, **extra)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert extra.get("token", TOKEN) not in html
    assert not PartnerSync.objects.exists()
    # only the form's description was read, never its submissions
    assert all("/data/" not in path and ".svc" not in path for path, _auth in _KoboServer.seen)


def test_an_odk_central_form_is_connected_after_its_description_is_read(kobo, people, client):
    client.force_login(people.partner_own)
    response = _connect(client, people, kobo, kind="odk", project_id=7, form_id="voices")
    sync = PartnerSync.objects.get()
    assert response.redirect_chain[-1][0] == f"/consultations/syncs/{sync.pk}/"
    assert (sync.kind, sync.project_id, sync.form_id, sync.asset_uid) == ("odk", 7, "voices", "")
    assert _KoboServer.seen == [("/v1/projects/7/forms/voices", f"Bearer {TOKEN}")]


# --- the accepted rows of a pull are imported; the rejected ones wait --------------------


def _import(client, upload, django_capture_on_commit_callbacks):
    """Press the upload page's import button (the import task runs eagerly on commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/consultations/uploads/{upload.pk}/", {"action": "import"})
    assert response.status_code == 302
    upload.refresh_from_db()
    return upload


def test_a_rejected_submission_does_not_block_the_others_and_is_imported_once_fixed(
    kobo, people, instrument, client, django_capture_on_commit_callbacks
):
    from consultations.models import Narrative

    sync = _sync(people, server=kobo, instrument=instrument)
    client.force_login(people.partner_own)
    good = "00000001-6a1d-4d3e-9f4b-2a8e1c7d5b90"
    bad = "00000003-6a1d-4d3e-9f4b-2a8e1c7d5b90"
    _KoboServer.results = [
        _kobo_result(1, "The clinic closed.", "women"),
        _kobo_result(3, "", "migrants"),  # no story: rejected
    ]
    _pull(client, sync, django_capture_on_commit_callbacks)
    sync.refresh_from_db()
    first = sync.last_upload
    assert first.sync == sync
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_set_mapping(upload=first, mapping=MAPPING) == []
    first.refresh_from_db()
    assert (first.status, first.rows_ok, len(first.problems)) == (Upload.Status.PREVIEW, 1, 1)

    # The preview says what will be imported and what waits, and offers the import.
    page = client.get(f"/consultations/uploads/{first.pk}/").content.decode()
    assert "1 story will be imported; 1 submission waits in the queue for a fix at source." in (
        page
    )
    assert f'href="/consultations/syncs/{sync.pk}/#waiting"' in page
    assert bad in page and "required field &#x27;story&#x27; is empty" in page
    assert "Import 1 story" in page and "so nothing will be imported" not in page
    detail = client.get(f"/consultations/syncs/{sync.pk}/").content.decode()
    assert "1 new story waits for you to import it" in detail

    first = _import(client, first, django_capture_on_commit_callbacks)
    assert first.status == Upload.Status.IMPORTED and first.rows_imported == 1
    assert "1 submission waits in the sync's queue for a fix at source" in first.message
    stories = Narrative.objects.filter(campaign=sync.campaign, channel=Narrative.Channel.UPLOAD)
    assert list(stories.values_list("external_key", flat=True)) == [good]
    assert stories.get().story == "The clinic closed."
    issue = SyncRowIssue.objects.get(sync=sync)
    assert issue.submission_key == bad and issue.resolved_at is None
    assert issue.reasons == ["required field 'story' is empty"]

    # The partner writes the story in Kobo; the next pull takes it, skips the imported one.
    _KoboServer.results = [
        _kobo_result(1, "The clinic closed.", "women"),
        _kobo_result(3, "The bus stopped coming.", "migrants"),
    ]
    _pull(client, sync, django_capture_on_commit_callbacks)
    sync.refresh_from_db()
    second = sync.last_upload
    assert second.pk != first.pk and second.status == Upload.Status.PREVIEW
    assert (second.rows_ok, second.rows_duplicate, second.problems) == (1, 1, [])
    issue.refresh_from_db()
    assert issue.resolved_at is not None
    second = _import(client, second, django_capture_on_commit_callbacks)
    assert second.status == Upload.Status.IMPORTED and second.rows_imported == 1
    assert "wait in the sync" not in second.message and "waits in the sync" not in second.message
    assert sorted(stories.values_list("external_key", flat=True)) == [good, bad]
    assert stories.get(external_key=bad).story == "The bus stopped coming."

    # A third pull brings nothing new: both are already in the portal, nothing is duplicated.
    _pull(client, sync, django_capture_on_commit_callbacks)
    sync.refresh_from_db()
    assert (sync.last_upload.rows_ok, sync.last_upload.rows_duplicate) == (0, 2)
    assert stories.count() == 2


def test_an_upload_by_hand_or_of_a_disconnected_sync_is_still_all_or_nothing(
    kobo, people, instrument, client, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    from consultations.sync import partner_sync_delete
    from consultations.uploads import upload_import_start

    sync = _sync(people, server=kobo, instrument=instrument)
    client.force_login(people.partner_own)
    _KoboServer.results = [
        _kobo_result(1, "The clinic closed.", "women"),
        _kobo_result(3, "", "migrants"),
    ]
    _pull(client, sync, django_capture_on_commit_callbacks)
    sync.refresh_from_db()
    upload = sync.last_upload
    with django_capture_on_commit_callbacks(execute=True):
        upload_set_mapping(upload=upload, mapping=MAPPING)
    # Disconnected, the sync's queue is gone: the rejected row would be listed nowhere.
    partner_sync_delete(sync=sync, user=people.partner_own)
    upload.refresh_from_db()
    assert upload.sync is None and upload.rows_ok == 1 and upload.problems
    page = client.get(f"/consultations/uploads/{upload.pk}/").content.decode()
    assert "so nothing will be imported" in page and "Import 1 story" not in page
    with pytest.raises(ValidationError, match="Nothing in this upload can be imported"):
        upload_import_start(upload=upload, enqueue=False)


# --- the sync's messages in the viewer's language ----------------------------------------


def test_a_french_partner_reads_the_pull_messages_and_the_queue_in_french(
    kobo, people, instrument, client, django_capture_on_commit_callbacks
):
    from django.conf import settings

    client.force_login(people.partner_own)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    # Connecting with a refused token: the server's answer, in French, on the form.
    form = _connect(client, people, kobo, token="expired-token-789")
    assert form.status_code == 400
    assert "a refusé le jeton (HTTP 401)" in form.content.decode()
    assert "refused the token" not in form.content.decode()

    sync = partner_sync_save(
        instrument=instrument,
        organisation=people.partner_org,
        kind="kobo",
        server=kobo,
        token="expired-token-789",
        asset_uid=ASSET,
    )
    pulled = _pull(client, sync, django_capture_on_commit_callbacks).content.decode()
    sync.refresh_from_db()
    # stored in English with its template; shown in the viewer's language
    assert "refused the token" in sync.last_message
    assert sync.last_message_data["template"].startswith("%(where)s refused the token")
    assert f"{kobo} a refusé le jeton (HTTP 401). Créez un nouveau jeton d’API" in pulled
    listing = client.get(f"/consultations/campaigns/{sync.campaign_id}/syncs/").content.decode()
    assert "a refusé le jeton" in listing and "refused the token" not in listing
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    detail = client.get(f"/consultations/syncs/{sync.pk}/").content.decode()
    assert "rechazó el token (HTTP 401)" in detail

    # A rejected submission's reason in the queue.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    sync.delete()  # connected again with a valid token (one sync per form)
    good = _sync(people, server=kobo, instrument=instrument)
    _KoboServer.results = [
        _kobo_result(1, "Le dispensaire a fermé.", "women"),
        _kobo_result(3, "", "women"),
    ]
    _pull(client, good, django_capture_on_commit_callbacks)
    good.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_set_mapping(upload=good.last_upload, mapping=MAPPING) == []
    issue = SyncRowIssue.objects.get(sync=good)
    assert issue.reasons == ["required field 'story' is empty"]
    assert issue.reason_data[0]["template"] == "required field '%(field)s' is empty"
    page = client.get(f"/consultations/syncs/{good.pk}/").content.decode()
    assert "1 soumission attend une correction à la source" in page
    assert "le champ obligatoire « story » est vide" in page
    assert "required field" not in page
