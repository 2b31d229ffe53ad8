"""The recommendation import API: only RCO staff of the country; same services as the page."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recommendations.models import ImportJob, Recommendation

from .test_import import UHRI

pytestmark = pytest.mark.django_db

URL = "/api/recommendation-imports/"


def _rows():
    rows = json.loads(json.dumps(UHRI))
    for row in rows:
        row["Countries"] = ["Demoland"]
    return rows


def _post(client, country="Demoland", kind="uhri_json", rows=None):
    content = json.dumps(rows if rows is not None else _rows()).encode()
    return client.post(
        URL,
        {"kind": kind, "country": country, "file": SimpleUploadedFile("export.json", content)},
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [("partner_own", 403), ("unct", 403), ("foreign_rco", 400), ("rco", 201)],
)
def test_only_rco_staff_of_the_country_import(role, expected, people, client, vocabularies):
    client.force_login(people.user(role))
    assert _post(client).status_code == expected
    assert ImportJob.objects.count() == (1 if expected == 201 else 0)


def test_upload_preview_confirm_result_and_undo(
    people, client, vocabularies, django_capture_on_commit_callbacks
):
    client.force_login(people.rco)
    with django_capture_on_commit_callbacks(execute=True):
        created = _post(client)
    assert created.status_code == 201
    pk = created.json()["id"]
    job = client.get(f"{URL}{pk}/").json()
    assert job["status"] == "previewed" and job["counts"]["added"] == 3
    assert not Recommendation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{URL}{pk}/confirm/")
    assert confirmed.status_code == 202
    job = client.get(f"{URL}{pk}/").json()
    assert job["status"] == "succeeded" and Recommendation.objects.count() == 3
    assert client.post(f"{URL}{pk}/confirm/").status_code == 400
    for role in ("partner_own", "unct", "foreign_rco"):
        client.force_login(people.user(role))
        assert client.get(f"{URL}{pk}/").status_code == 404
        assert client.post(f"{URL}{pk}/undo/").status_code == 404
        assert client.get(URL).json()["results"] == []
    client.force_login(people.rco)
    undone = client.post(f"{URL}{pk}/undo/")
    assert undone.status_code == 200 and undone.json() == {"deleted": 3, "restored": 0}
    assert not Recommendation.objects.exists()
    again = client.post(f"{URL}{pk}/undo/")
    assert again.status_code == 400 and "Only a finished import" in again.json()["problems"][0]


def test_a_file_of_the_wrong_format_gets_the_pages_message(people, client):
    client.force_login(people.rco)
    response = client.post(
        URL,
        {
            "kind": "upr_matrix",
            "country": "Demoland",
            "file": SimpleUploadedFile("matrix.pdf", b"%PDF"),
        },
    )
    assert response.status_code == 400
    assert "matrix.pdf" in " ".join(response.json()["problems"])
