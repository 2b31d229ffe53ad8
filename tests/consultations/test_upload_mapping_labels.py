"""A French partner maps and previews an upload by the instrument's wording in French: the
mapping shows each question in the reader's language (the key stays, small, for the command
line), the export format by its name, and the preview shows choice labels, not codes. The
partner's upload list explains a refused file in the reader's language."""

import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from consultations.models import Signifier, Upload
from consultations.uploads import upload_inspect, upload_set_mapping, upload_store, upload_validate

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.deactivate()


@pytest.fixture
def choices(instrument):
    Signifier.objects.create(
        instrument=instrument,
        key="sector",
        kind="single",
        question={"en": "Which service was it about?", "fr": "De quel service s’agissait-il ?"},
        labels=[
            {"value": "health", "label": {"en": "Health", "fr": "Santé"}},
            {"value": "education", "label": {"en": "Education", "fr": "Éducation"}},
        ],
    )
    Signifier.objects.create(
        instrument=instrument,
        key="who_helped",
        kind="multiple",
        question={"en": "Who was affected?", "fr": "Qui était concerné ?"},
        labels=[
            {"value": "women", "label": {"en": "Women", "fr": "Femmes"}},
            {
                "value": "persons_with_disabilities",
                "label": {"en": "Persons with disabilities", "fr": "Personnes handicapées"},
            },
            {"value": "none", "label": {"en": "Nobody", "fr": "Personne"}},
        ],
    )
    return instrument


def _stored(instrument, people, data: bytes, name="récits.csv") -> Upload:
    return upload_inspect(
        upload=upload_store(
            uploaded=SimpleUploadedFile(name, data),
            instrument=instrument,
            organisation=people.partner_org,
            user=people.partner_own,
            consent_how="verbal",
        )
    )


def _page(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_mapping_shows_the_french_wording_and_the_format_by_name(choices, people, client_for):
    upload = _stored(choices, people, (DATA / "kobo_export.csv").read_bytes())
    assert upload.status == Upload.Status.MAPPING
    page = _page(client_for("partner_own"), upload.get_absolute_url(), "fr")
    assert "De quel service s’agissait-il ?" in page
    assert "Qui était concerné ?" in page
    assert "Which service was it about?" not in page
    assert "<code>sector</code>" in page  # the key, small, for the command line
    assert "un seul choix" in page and "plusieurs choix" in page
    assert "Export CSV de KoboToolbox" in page
    assert "kobo_csv" not in page


def test_the_preview_shows_french_choice_labels_with_the_codes_beside(choices, people, client_for):
    data = (DATA / "kobo_export.csv").read_bytes()
    assert data.count(b'"widows"') == 1
    upload = _stored(choices, people, data.replace(b'"widows"', b'"health"'))
    mapping = {
        "story": ["story_group/story"],
        "consent": ["consent"],
        "triad_1": ["triad_1/money", "triad_1/family", "triad_1/luck"],
        "dyad_1": ["dyad_1"],
        "dyad_1:scale": ["0-100"],
        "sector": ["identity/groups_other"],
        "who_helped": ["identity/groups"],
    }
    with translation.override("en"):
        assert upload_set_mapping(upload=upload, mapping=mapping) == []
        upload_validate(upload=upload)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PREVIEW
    page = _page(client_for("partner_own"), upload.get_absolute_url(), "fr")
    assert '<dd title="health">Santé</dd>' in page
    assert '<dd title="women, persons_with_disabilities">Femmes, Personnes handicapées</dd>' in page
    assert "<dt>De quel service s’agissait-il ?</dt>" in page


def test_the_upload_list_explains_an_english_refusal_in_french(instrument, people, client_for):
    header = "Timestamp,Your story,Your age\n2024-03-05 10:00:00,The well dried up,34\n"
    upload = _stored(instrument, people, header.encode(), name="respuestas.csv")
    assert upload.status == Upload.Status.FAILED
    assert "looks like a Google Forms export" in upload.message
    page = _page(client_for("partner_own"), reverse("consultations:our_uploads"), "fr")
    assert "'respuestas.csv' ressemble à un export de Google Forms" in page
    assert "looks like a Google Forms export" not in page
