"""A partner reads why a file was refused, and the notes on how it was read, in their own
language: the reading kernel and the export checks build them in English (pure Python), the
upload keeps their templates, and the upload page translates them."""

import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from consultations.models import Upload
from consultations.uploads import upload_inspect, upload_store

DATA = Path(__file__).parent / "data"


def _stored(name: str, content: bytes, instrument, people) -> Upload:
    return upload_inspect(
        upload=upload_store(
            uploaded=SimpleUploadedFile(name, content),
            instrument=instrument,
            organisation=people.partner_org,
            user=people.partner_own,
            consent_how="verbal",
        )
    )


@pytest.fixture(autouse=True)
def _english_after():
    """A page request leaves its language active in this thread: later tests read English."""
    yield
    translation.deactivate()


def _page(client, upload, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("consultations:upload_detail", args=[upload.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_spanish_partner_reads_that_an_excel_lock_file_holds_no_data(
    instrument, people, client_for
):
    client = client_for("partner_own")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.post(
        reverse("consultations:upload_new", args=[instrument.campaign.pk]),
        {
            "instrument": instrument.pk,
            "organisation": people.partner_org.pk,
            "consent_how": "verbal",
            # what Excel leaves beside an open workbook: the owner's name, then NUL bytes
            "file": SimpleUploadedFile("~$relatos.xlsx", b"\x0bUser Name  " + b"\x00" * 150),
        },
    )
    page = response.content.decode()
    assert "es un archivo de bloqueo de Excel" in page
    assert "relatos.xlsx" in page
    assert "is an Excel lock file" not in page
    assert not Upload.objects.exists()


def test_a_spanish_partner_reads_the_guessed_encoding_note_in_spanish(
    instrument, people, client_for
):
    text = (DATA / "kobo_export.csv").read_text(encoding="utf-8")
    assert "é" in text or "ñ" in text  # accented letters that cp1252 stores as single bytes
    upload = _stored("relatos.csv", text.encode("cp1252", errors="replace"), instrument, people)
    assert upload.status == Upload.Status.MAPPING
    assert "it was read as Windows-1252" in upload.message  # stored in English
    client = client_for("partner_own")
    spanish = _page(client, upload, "es")
    assert "El archivo no está en UTF-8; se leyó como Windows-1252" in spanish
    assert "it was read as Windows-1252" not in spanish
    assert "it was read as Windows-1252" in _page(client, upload, "en")


def test_a_refused_file_is_explained_in_the_partners_language(instrument, people, client_for):
    header = "Timestamp,Your story,Your age\n2024-03-05 10:00:00,The well dried up,34\n"
    upload = _stored("respuestas.csv", header.encode(), instrument, people)
    assert upload.status == Upload.Status.FAILED
    assert "looks like a Google Forms export" in upload.message
    client = client_for("partner_own")
    spanish = _page(client, upload, "es")
    assert "'respuestas.csv' parece una exportación de Google Forms" in spanish
    french = _page(client, upload, "fr")
    assert "'respuestas.csv' ressemble à un export de Google Forms" in french


def test_a_message_stored_before_its_template_was_kept_is_shown_as_stored(
    instrument, people, client_for
):
    upload = _stored("vide.csv", b"   \n", instrument, people)
    assert upload.status == Upload.Status.FAILED
    Upload.objects.filter(pk=upload.pk).update(
        message="'vide.csv' is empty (an older message).", message_data=[]
    )
    page = _page(client_for("partner_own"), upload, "es")
    assert "'vide.csv' is empty (an older message)." in page
