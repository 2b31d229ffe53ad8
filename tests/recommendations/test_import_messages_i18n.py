"""RCO staff read why an import was refused, and its warnings, in their own language: the
parsers and the import build them in English, the job keeps their templates, and the import
page translates them. Jobs stored before (English text only) still show their text."""

import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Organisation, Role
from recommendations.models import ImportJob
from tests.factories import MembershipFactory

from .parsers.builders import build_matrix
from .test_import import UHRI, upload

UNCODED_HEADER = ["Recommendation", "Position", "Full list of themes", "Assessment/comments"]


def _rco(country: str):
    organisation = Organisation.objects.create(
        name=f"RCO {country}", country=country, kind=Organisation.Kind.RCO
    )
    return MembershipFactory(organisation=organisation, role=Role.RCO_STAFF).user


@pytest.fixture(autouse=True)
def _english_after():
    """A page request leaves its language active in this thread: later tests read English."""
    yield
    translation.deactivate()


def _page(client, job, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("recommendations:import_detail", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_french_rco_reads_in_french_that_the_uhri_file_is_for_other_countries(
    vocabularies, client, django_capture_on_commit_callbacks
):
    rows = json.loads(json.dumps(UHRI))
    rows[0]["Countries"] = ["Iran (Islamic Republic of)"]
    rows[1]["Countries"] = ["Iraq"]
    rco = _rco("Iran")
    job = upload(
        rco,
        "export-full-en.json",
        json.dumps(rows).encode(),
        "uhri_json",
        "Iran",
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.FAILED
    assert "holds no record for “Iran”" in job.message  # stored in English
    client.force_login(rco)
    french = _page(client, job, "fr")
    assert "« export-full-en.json » ne contient aucun enregistrement pour « Iran »" in french
    assert "Les noms de pays les plus proches dans le fichier" in french
    assert "“Iran (Islamic Republic of)”" in french
    assert "holds no record" not in french
    assert "holds no record for “Iran”" in _page(client, job, "en")


def test_a_french_rco_reads_the_upr_matrix_warnings_in_french(
    tmp_path, vocabularies, client, django_capture_on_commit_callbacks
):
    path = build_matrix(
        tmp_path / "matrice.docx",
        title="UPR of Peru (4th Cycle – 41st session)",
        header=UNCODED_HEADER,
        rows=[
            ["75.1 Do something (Chile);", "Maybe", "- Right to health", ""],
            ["75.2 Do something else (Chile);", "Supported", "- Right to health", ""],
        ],
    )
    rco = _rco("Peru")
    job = upload(
        rco,
        "matrice.docx",
        path.read_bytes(),
        "upr_matrix",
        "Peru",
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert any("'Maybe', not Supported/Noted" in w for w in job.warnings)
    client.force_login(rco)
    french = _page(client, job, "fr")
    assert (
        "tableau 1, ligne 2 : la recommandation 75.1 a la position « Maybe », "
        "ni Supported ni Noted ; laissée vide." in french
    )
    assert "Aucune cote de rapport trouvée" in french
    assert "not Supported/Noted" not in french


def test_a_upr_matrix_of_another_state_is_refused_in_french(
    tmp_path, vocabularies, client, django_capture_on_commit_callbacks
):
    path = build_matrix(
        tmp_path / "matrix.docx",
        title="UPR of Peru (4th Cycle – 41st session)",
        header=UNCODED_HEADER,
        rows=[["75.1 Do something (Chile);", "Supported", "- Right to health", ""]],
    )
    rco = _rco("Chile")
    job = upload(
        rco,
        "matrix.docx",
        path.read_bytes(),
        "upr_matrix",
        "Chile",
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.FAILED
    client.force_login(rco)
    french = _page(client, job, "fr")
    assert "« matrix.docx » est la matrice de" in french and "Peru, et non de Chile" in french


def test_a_job_stored_with_english_text_only_still_shows_it(
    vocabularies, client, django_capture_on_commit_callbacks
):
    rco = _rco("Iran")
    job = upload(
        rco,
        "export.json",
        json.dumps(UHRI).encode(),
        "uhri_json",
        "Iran",
        django_capture_on_commit_callbacks,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED,
        message="An older refusal, in English.",
        message_data=None,
        warnings=["An older warning."],
        warnings_data=[],
    )
    client.force_login(rco)
    french = _page(client, job, "fr")
    assert "An older refusal, in English." in french
    assert "An older warning." in french
