"""The upload API: the partner upload page's steps, with the same access rules, per role."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consultations.models import Narrative, Upload

from .test_uploads import DATA, KOBO

pytestmark = pytest.mark.django_db

URL = "/api/uploads/"


def _post(client, instrument, organisation, name="kobo_export.csv"):
    return client.post(
        URL,
        {
            "instrument": instrument.pk,
            "organisation": organisation.pk,
            "consent_how": "verbal",
            "file": SimpleUploadedFile(name, (DATA / name).read_bytes()),
        },
    )


def test_partner_uploads_maps_previews_imports_and_reads_the_result(
    instrument, people, client, django_capture_on_commit_callbacks
):
    client.force_login(people.partner_own)
    with django_capture_on_commit_callbacks(execute=True):
        created = _post(client, instrument, people.partner_org)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["original_name"] == "kobo_export.csv"
    mapping = client.get(f"{URL}{pk}/mapping/")
    assert mapping.status_code == 200
    body = mapping.json()
    assert "story_group/story" in body["columns"]
    assert {"story", "consent", "dyad_1"} <= {f["key"] for f in body["fields"]}
    assert body["mapping"].get("story") == ["story_group/story"]  # suggested from the names

    bad = client.put(
        f"{URL}{pk}/mapping/", {"mapping": {"story": ["no such column"]}}, "application/json"
    )
    assert bad.status_code == 400 and bad.json()["problems"]
    with django_capture_on_commit_callbacks(execute=True):
        checked = client.put(f"{URL}{pk}/mapping/", {"mapping": KOBO}, "application/json")
    assert checked.status_code == 202, checked.content
    preview = client.get(f"{URL}{pk}/").json()
    assert preview["status"] == "preview" and preview["rows_ok"] >= 2
    assert preview["problems"] == [] and preview["preview"][0]["story"]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"{URL}{pk}/import/")
    assert started.status_code == 202
    result = client.get(f"{URL}{pk}/").json()
    assert result["status"] == "imported" and result["rows_imported"] == preview["rows_ok"]
    assert Narrative.objects.filter(source_upload_id=pk).count() == result["rows_imported"]
    # a second click is refused with the page's message
    again = client.post(f"{URL}{pk}/import/")
    assert again.status_code == 400 and again.json()["problems"]
    # the partner may not undo; RCO staff of the country may
    assert client.post(f"{URL}{pk}/undo/").status_code == 403
    client.force_login(people.rco)
    undone = client.post(f"{URL}{pk}/undo/")
    assert undone.status_code == 200 and undone.json() == {"deleted": result["rows_imported"]}
    assert not Narrative.objects.filter(source_upload_id=pk).exists()


@pytest.mark.parametrize(
    ("role", "organisation", "expected"),
    [
        ("partner_own", "partner_org", 201),
        ("partner_other", "partner_org", 400),  # the campaign is not visible to it
        ("partner_other", "other_partner_org", 400),  # not invited to the campaign
        ("unct", "partner_org", 403),  # UNCT members do not upload
        ("rco", "partner_org", 201),  # RCO staff upload on a partner's behalf
        ("foreign_rco", "partner_org", 400),
    ],
)
def test_who_may_upload(role, organisation, expected, instrument, people, client):
    client.force_login(people.user(role))
    response = _post(client, instrument, getattr(people, organisation))
    assert response.status_code == expected, response.content
    assert Upload.objects.count() == (1 if expected == 201 else 0)


def test_anonymous_gets_401(instrument, people, client):
    assert _post(client, instrument, people.partner_org).status_code == 401
    assert client.get(URL).status_code == 401


def test_a_partner_token_sees_only_its_organisations_uploads(instrument, people, client):
    client.force_login(people.partner_own)
    pk = _post(client, instrument, people.partner_org).json()["id"]
    for role, listed, detail in (
        ("partner_own", [pk], 200),
        ("partner_other", [], 404),
        ("unct", [], 404),
        ("rco", [pk], 200),
        ("foreign_rco", [], 404),
    ):
        client.force_login(people.user(role))
        assert [u["id"] for u in client.get(URL).json()["results"]] == listed, role
        assert client.get(f"{URL}{pk}/").status_code == detail, role
        assert client.post(f"{URL}{pk}/import/").status_code in (detail, 400), role


def test_a_refused_file_gets_the_pages_message(instrument, people, client):
    client.force_login(people.partner_own)
    response = client.post(
        URL,
        {
            "instrument": instrument.pk,
            "organisation": people.partner_org.pk,
            "consent_how": "verbal",
            "file": SimpleUploadedFile("~$stories.xlsx", b"\x0bUser Name  " + b"\x00" * 150),
        },
    )
    assert response.status_code == 400
    assert "Excel lock file" in " ".join(response.json()["problems"])
    assert not Upload.objects.exists()
