"""Why an import was refused — a malformed UHRI field, a template missing a column — is shown
to RCO staff in their own language: the parser and the template reader raise Messages, the
job stores their template and parameters beside the English text, the page translates them.
English readers read the English text unchanged."""

import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Organisation, Role
from recommendations.models import ImportJob
from tests.factories import MembershipFactory

from .test_import import UHRI, upload


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.deactivate()


def _rco(country: str):
    organisation = Organisation.objects.create(
        name=f"RCO {country}", country=country, kind=Organisation.Kind.RCO
    )
    return MembershipFactory(organisation=organisation, role=Role.RCO_STAFF).user


def _page(client, job, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("recommendations:import_detail", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_french_rco_reads_a_malformed_uhri_field_in_french(
    vocabularies, client, django_capture_on_commit_callbacks
):
    rows = json.loads(json.dumps(UHRI))
    rows[0]["UprSession"] = "quarante-huit"
    rco = _rco("Guinea-Bissau")
    job = upload(
        rco,
        "export-full-fr.json",
        json.dumps(rows).encode(),
        "uhri_json",
        "Guinea-Bissau",
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.FAILED
    # Stored in English, with its template beside it.
    assert job.message == "record 0: UprSession should be a number, not 'quarante-huit'."
    assert job.message_data["params"]["where"]["template"] == "record %(index)s"
    client.force_login(rco)
    french = _page(client, job, "fr")
    assert (
        "enregistrement 0 : UprSession devrait être un nombre, et non &#x27;quarante-huit&#x27;."
        in french
    )
    assert "should be a number" not in french
    english = _page(client, job, "en")
    assert "record 0: UprSession should be a number, not &#x27;quarante-huit&#x27;." in english


def test_a_french_rco_reads_in_french_that_the_template_lacks_a_column(
    vocabularies, client, django_capture_on_commit_callbacks
):
    rco = _rco("Peru")
    job = upload(
        rco,
        "modèle-ilo.csv",
        b"external_id,text\nILO-1,Ratify Convention 189.\n",
        "template",
        "Peru",
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.FAILED
    assert job.message == (
        "“modèle-ilo.csv” is not in the portal template: missing column(s) mechanism"
    )
    # The file name is stored as the person's name for it, never the server's.
    assert job.message_data["params"]["name"] == "“modèle-ilo.csv”"
    client.force_login(rco)
    french = _page(client, job, "fr")
    assert (
        "“modèle-ilo.csv” ne suit pas le modèle du portail : colonne(s) manquante(s) mechanism"
        in french
    )
    assert "is not in the portal template" not in french
    assert "is not in the portal template: missing column(s) mechanism" in _page(client, job, "en")


def test_the_encoding_note_of_a_windows_1252_template_names_the_file_in_french(
    vocabularies, client, django_capture_on_commit_callbacks
):
    rco = _rco("Peru")
    job = upload(
        rco,
        "modele.csv",
        "external_id,mechanism,text\nILO-1,CEACR,Protéger les employées.\n".encode("cp1252"),
        "template",
        "Peru",
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert any(w.startswith("“modele.csv”: The file is not in UTF-8") for w in job.warnings)
    client.force_login(rco)
    french = _page(client, job, "fr")
    assert "“modele.csv” : Le fichier" in french
    assert "The file is not in UTF-8" not in french
