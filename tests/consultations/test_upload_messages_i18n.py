"""A partner reads the upload checks in their own language: the mapping's problems and the
reasons a row is refused are built in English by the pure-Python checks (and stored by the
worker), then shown in the viewer's language."""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from consultations.uploads import upload_inspect, upload_set_mapping, upload_store, upload_validate

DATA = Path(__file__).parent / "data"
MAPPING = {
    "story": ["story_group/story"],
    "title": ["story_group/story_title"],
    "consent": ["consent"],
    "date": ["story_group/story_date"],
    "triad_1": ["triad_1/money", "triad_1/family", "triad_1/luck"],
    "dyad_1": ["dyad_1"],
    "dyad_1:scale": ["0-100"],
    "language": ["language"],
}


def _checked_upload(instrument, people):
    """Kobo's export with the first submission's consent left empty and its dyad at 350 on a
    0–100 scale, checked as the worker checks it (in English)."""
    data = (DATA / "kobo_export.csv").read_bytes()
    first = b'"2024-03-05";"yes";'
    assert data.count(first) == 1 and data.count(b'"10";"35";') == 1
    data = data.replace(first, b'"2024-03-05";"";').replace(b'"10";"35";', b'"10";"350";')
    upload = upload_store(
        uploaded=SimpleUploadedFile("récits.csv", data),
        instrument=instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    upload = upload_inspect(upload=upload)
    with translation.override("en"):  # the worker has no viewer: it stores English text
        assert upload_set_mapping(upload=upload, mapping=MAPPING) == []
        upload_validate(upload=upload)
    upload.refresh_from_db()
    (problem,) = upload.problems
    assert problem["reasons"] == [
        "consent is missing — a story without consent cannot be stored",
        "dyad 'dyad_1' value '350' is outside its scale 0–100",
    ]
    return upload


def _page(client, upload, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("consultations:upload_detail", args=[upload.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_french_partner_reads_the_rejection_reasons_in_french(instrument, people, client_for):
    upload = _checked_upload(instrument, people)
    html = _page(client_for("partner_own"), upload, "fr")
    assert "le consentement manque — un récit sans consentement ne peut pas être enregistré" in html
    assert "dyade « dyad_1 » : la valeur « 350 » est hors de son échelle 0–100" in html
    assert "consent is missing" not in html


def test_the_same_stored_reasons_in_spanish_and_english(instrument, people, client_for):
    upload = _checked_upload(instrument, people)
    client = client_for("partner_own")
    spanish = _page(client, upload, "es")
    assert "falta el consentimiento: un relato sin consentimiento no se puede guardar" in spanish
    assert "díada «dyad_1»: el valor «350» está fuera de su escala 0–100" in spanish
    english = _page(client, upload, "en")
    assert "consent is missing — a story without consent cannot be stored" in english


def test_reasons_stored_before_templates_were_kept_are_shown_as_stored(
    instrument, people, client_for
):
    upload = _checked_upload(instrument, people)
    upload.problems = [{"row": 3, "key": "k", "reasons": ["an older English reason"]}]
    upload.save(update_fields=["problems"])
    assert "an older English reason" in _page(client_for("partner_own"), upload, "fr")


def test_the_mapping_problems_are_shown_in_the_partners_language(instrument, people, client_for):
    upload = upload_inspect(
        upload=upload_store(
            uploaded=SimpleUploadedFile("kobo.csv", (DATA / "kobo_export.csv").read_bytes()),
            instrument=instrument,
            organisation=people.partner_org,
            user=people.partner_own,
            consent_how="verbal",
        )
    )
    client = client_for("partner_own")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post(
        reverse("consultations:upload_detail", args=[upload.pk]),
        {"action": "map", "map_consent": "consent", "map_dyad_1": "dyad_1"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "le champ obligatoire « story » n’est associé à aucune colonne" in html
    assert "Indiquez l’échelle de la dyade « dyad_1 » dans le fichier" in html
