"""A partner's zip-bomb workbook is refused in the partner's language: the archive check
raises a Message, the upload form shows it translated; English readers read it as before."""

import zipfile

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from consultations.models import Upload


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    translation.deactivate()


def _bomb(path, mb=20):
    """An .xlsx whose sheet is 20 MB of zeros compressed about a thousand times."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (mb * 1024 * 1024))
    return path


def _post(client, instrument, people, path, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with path.open("rb") as handle:
        return client.post(
            reverse("consultations:upload_new", args=[instrument.campaign_id]),
            {
                "instrument": instrument.pk,
                "organisation": people.partner_org.pk,
                "consent_how": "verbal",
                "file": handle,
            },
        )


def test_a_spanish_partner_reads_the_zip_bomb_refusal_in_spanish(
    instrument, people, client_for, tmp_path
):
    path = _bomb(tmp_path / "exportacion-socio.xlsx")
    client = client_for("partner_own")
    response = _post(client, instrument, people, path, "es")
    page = response.content.decode()
    assert response.status_code == 400
    assert "exportacion-socio.xlsx: la parte xl/worksheets/sheet1.xml está comprimida" in page
    assert "El archivo se rechazó para proteger el portal" in page
    assert "which real office files never are" not in page
    assert not Upload.objects.exists()

    english = _post(client, instrument, people, path, "en").content.decode()
    assert "exportacion-socio.xlsx: the part xl/worksheets/sheet1.xml is compressed" in english
    assert "which real office files never are" in english
