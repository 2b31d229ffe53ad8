"""Item 7: /media/ is served only through the access policy, never as static files."""

import importlib

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import clear_url_caches

import lnob_portal.urls
from consultations.models import Upload
from tests.consultations.factories import consultation_objects


@pytest.fixture
def partner_export(people, vocabularies):
    objs = consultation_objects(people)
    upload = Upload(
        campaign=objs.campaign,
        instrument=objs.instrument,
        organisation=people.partner_org,
        uploaded_by=people.partner_own,
        original_name="kobo-export.csv",
    )
    upload.file.save("kobo-export.csv", ContentFile(b"name,village\nA,B\n"), save=True)
    yield upload
    upload.file.delete(save=False)


def test_partner_export_is_served_to_its_organisation_only(partner_export, client_for):
    url = partner_export.file.url
    assert url.startswith("/media/")
    statuses = {}
    for role in ("anonymous", "partner_other", "unct", "partner_own", "rco"):
        statuses[role] = client_for(role).get(url).status_code
    assert statuses == {
        "anonymous": 404,
        "partner_other": 404,
        "unct": 404,
        "partner_own": 200,
        "rco": 200,
    }


def test_download_is_an_attachment_with_its_original_name(partner_export, client_for):
    response = client_for("partner_own").get(partner_export.file.url)
    assert b"".join(response.streaming_content) == b"name,village\nA,B\n"
    assert response["Content-Disposition"].startswith("attachment")
    assert "kobo-export.csv" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_path_traversal_is_404(partner_export, client_for):
    assert client_for("rco").get("/media/../manage.py").status_code == 404
    assert client_for("rco").get("/media/uploads/../../manage.py").status_code == 404


@pytest.fixture
def debug_urlconf():
    """`make run` uses DEBUG; the URLconf must not add static serving of MEDIA_ROOT then."""
    with override_settings(DEBUG=True):
        importlib.reload(lnob_portal.urls)
        clear_url_caches()
        yield
    importlib.reload(lnob_portal.urls)
    clear_url_caches()


def test_media_is_not_served_statically_with_debug(debug_urlconf, partner_export, client_for):
    assert client_for("anonymous").get(partner_export.file.url).status_code == 404
    assert client_for("partner_other").get(partner_export.file.url).status_code == 404
