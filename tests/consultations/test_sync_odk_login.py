"""An ODK Central sync that keeps working: Central ends a session token after 24 hours and an
app user cannot read submissions, so a sync may store a web user's e-mail and password
(encrypted, never shown again) and sign in with HTTP Basic on every request, as Central's
API documents for web users ("Users can authenticate using Session Bearer Tokens or using
HTTPS Basic authentication"). A sync saved with a session token still sends it as Bearer.

The stub answers as ODK Central does: ``GET /v1/projects/{id}/forms/{xmlFormId}`` (the form's
description) and ``GET …/submissions.csv.zip?attachments=false`` (the CSV ZIP export), for a
web user's Basic credentials or a session token, and 401 (``{"code": 401.2}``) otherwise."""

import base64
import io
import json
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import AuditEvent
from consultations.models import PartnerSync, Upload
from consultations.sync import (
    OdkCentralSource,
    SyncError,
    login_decrypt,
    partner_sync_run,
    partner_sync_save,
)

from . import odk_zip
from .test_sync_page import ODK_FORM
from .test_sync_repeats import _Stub, _without_media

pytestmark = pytest.mark.django_db

EMAIL = "portal-sync@womensnetwork.example.org"
PASSWORD = "correct horse: battery staple"
SESSION = "lSpAIeksRu1CNZs7!qjAot2T17dPzkrw9B4iTtpj7OoIJBmXvnHM8z8Ka4QPEjR7"


def _basic(email: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()


class _Central(_Stub):
    def do_GET(self):  # noqa: N802
        self.seen.append((self.path, self.headers.get("Authorization")))
        url = urlsplit(self.path)
        if self.headers.get("Authorization") not in (
            _basic(EMAIL, PASSWORD),
            f"Bearer {SESSION}",
        ):
            return self._json(401, {"code": 401.2, "message": "Could not authenticate."})
        if url.path == "/v1/projects/7/forms/voices":
            return self._json(200, ODK_FORM)
        if url.path == "/v1/projects/7/forms/voices/submissions.csv.zip":
            buffer = io.BytesIO()
            odk_zip.build(buffer)
            data = buffer.getvalue()
            if parse_qs(url.query).get("attachments") == ["false"]:
                data = _without_media(data)
            return self._send(200, data, "application/zip")
        return self._json(404, {"code": 404.1, "message": "Could not find the resource."})


@pytest.fixture
def central():
    _Central.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Central)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_export_is_read_with_the_web_users_basic_credentials(central):
    source = OdkCentralSource(
        server=central, project_id=7, form_id="voices", email=EMAIL, password=PASSWORD
    )
    name, _data, count = source.export()
    assert (name, count) == ("voices.csv.zip", 2)
    assert _Central.seen == [
        (
            "/v1/projects/7/forms/voices/submissions.csv.zip?attachments=false",
            _basic(EMAIL, PASSWORD),
        )
    ]
    assert PASSWORD not in repr(source) and EMAIL not in repr(source)
    wrong = OdkCentralSource(
        server=central, project_id=7, form_id="voices", email=EMAIL, password="old password"
    )
    with pytest.raises(SyncError, match="refused the web user's e-mail and password") as no:
        wrong.export()
    assert "old password" not in str(no.value) and "HTTP 401" in str(no.value)


def _connect(client, people, server, **extra):
    from .factories import consultation_objects

    objs = consultation_objects(people)
    data = {
        "instrument": objs.instrument.pk,
        "organisation": people.partner_org.pk,
        "kind": "odk",
        "server": server,
        "project_id": 7,
        "form_id": "voices",
    } | extra
    return client.post(f"/consultations/campaigns/{objs.campaign.pk}/syncs/", data, follow=True)


def test_a_partner_connects_odk_central_with_a_web_user_and_pulls_with_it(
    central, people, client, django_capture_on_commit_callbacks
):
    client.force_login(people.partner_own)
    response = _connect(client, people, central, email=EMAIL, password=PASSWORD)
    sync = PartnerSync.objects.get()
    assert response.redirect_chain[-1][0] == f"/consultations/syncs/{sync.pk}/"
    # the form's description was read with Basic before the sync was saved
    assert _Central.seen == [("/v1/projects/7/forms/voices", _basic(EMAIL, PASSWORD))]
    assert sync.login == PartnerSync.Login.PASSWORD
    assert PASSWORD not in sync.token_encrypted and EMAIL not in sync.token_encrypted
    assert login_decrypt(sync.token_encrypted) == (EMAIL, PASSWORD)
    event = AuditEvent.objects.get(target_type="consultations.partnersync")
    assert event.data["login"] == "password"
    assert PASSWORD not in json.dumps(event.data) and EMAIL not in json.dumps(event.data)

    _Central.seen = []
    with django_capture_on_commit_callbacks(execute=True):
        partner_sync_run(sync=sync, user=people.partner_own)
    sync.refresh_from_db()
    assert sync.last_message == "" and sync.last_upload.export_format == "odk_zip"
    assert sync.last_upload.status == Upload.Status.MAPPING
    assert _Central.seen == [
        (
            "/v1/projects/7/forms/voices/submissions.csv.zip?attachments=false",
            _basic(EMAIL, PASSWORD),
        )
    ]
    for url in (
        f"/consultations/syncs/{sync.pk}/",
        f"/consultations/campaigns/{sync.campaign_id}/syncs/",
    ):
        html = client.get(url).content.decode()
        assert PASSWORD not in html and EMAIL not in html
    assert "an ODK Central web user (e-mail and password, stored encrypted; never shown)" in (
        client.get(f"/consultations/syncs/{sync.pk}/").content.decode()
    )


def test_a_wrong_password_is_said_on_the_form_and_nothing_is_saved(central, people, client):
    client.force_login(people.partner_own)
    response = _connect(client, people, central, email=EMAIL, password="not-the-password")
    assert response.status_code == 400
    html = response.content.decode()
    assert "refused the web user&#x27;s e-mail and password" in html
    assert "not-the-password" not in html and 'type="password"' in html
    assert "Project Viewer" in html  # the help text: a dedicated, read-only web user
    assert not PartnerSync.objects.exists()
    # an e-mail without a password (and an ODK sync with no login at all) is a form error
    response = _connect(client, people, central, email=EMAIL)
    assert "Give the web user&#x27;s password." in response.content.decode()
    response = _connect(client, people, central)
    assert "needs a web user&#x27;s e-mail and password" in response.content.decode()
    assert not PartnerSync.objects.exists() and _Central.seen == [
        ("/v1/projects/7/forms/voices", _basic(EMAIL, "not-the-password"))
    ]


def test_a_sync_saved_with_a_session_token_still_sends_it_as_bearer(
    central, people, django_capture_on_commit_callbacks
):
    from .factories import consultation_objects

    sync = partner_sync_save(
        instrument=consultation_objects(people).instrument,
        organisation=people.partner_org,
        kind="odk",
        server=central,
        token=SESSION,
        project_id=7,
        form_id="voices",
    )
    assert sync.login == PartnerSync.Login.TOKEN
    with django_capture_on_commit_callbacks(execute=True):
        partner_sync_run(sync=sync)
    sync.refresh_from_db()
    assert sync.last_message == "" and sync.last_upload is not None
    assert [auth for _path, auth in _Central.seen] == [f"Bearer {SESSION}"]


def test_the_api_connects_with_a_web_user_and_never_returns_it(
    central, people, client, django_capture_on_commit_callbacks
):
    from .factories import consultation_objects

    objs = consultation_objects(people)
    client.force_login(people.partner_own)
    created = client.post(
        "/api/partner-syncs/",
        {
            "instrument": objs.instrument.pk,
            "organisation": people.partner_org.pk,
            "kind": "odk",
            "server": central,
            "project_id": 7,
            "form_id": "voices",
            "email": EMAIL,
            "password": PASSWORD,
        },
        "application/json",
    )
    assert created.status_code == 201, created.content
    sync = PartnerSync.objects.get()
    assert created.json()["login"] == "password"
    for response in (created, client.get(f"/api/partner-syncs/{sync.pk}/")):
        assert PASSWORD not in response.content.decode()
        assert EMAIL not in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        pulled = client.post(f"/api/partner-syncs/{sync.pk}/pull/")
    assert pulled.status_code == 202
    read = client.get(f"/api/partner-syncs/{sync.pk}/").json()
    assert read["last_message"] == "" and read["last_upload"] is not None
    assert _Central.seen[-1][1] == _basic(EMAIL, PASSWORD)
    # neither a token nor a web user: refused
    missing = client.post(
        "/api/partner-syncs/",
        {
            "instrument": objs.instrument.pk,
            "organisation": people.partner_org.pk,
            "kind": "odk",
            "server": central,
            "project_id": 7,
            "form_id": "voices",
        },
        "application/json",
    )
    assert missing.status_code == 400 and "token" in missing.json()


def test_a_password_is_never_sent_over_plain_http(central, settings):
    """Outside a private deployment (PARTNER_SYNC_ALLOW_PRIVATE), the e-mail and password go
    to an https:// server only; nothing is sent to an http:// one."""
    settings.PARTNER_SYNC_ALLOW_PRIVATE = False
    source = OdkCentralSource(
        server=central, project_id=7, form_id="voices", email=EMAIL, password=PASSWORD
    )
    with pytest.raises(SyncError, match="only over https") as refused:
        source.export()
    assert PASSWORD not in str(refused.value) and _Central.seen == []
