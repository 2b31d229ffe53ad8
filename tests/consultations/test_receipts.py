"""Receipt cards for offline collection: a partner prints cards, the enumerator records the
code in the Kobo form, the import links the code to the story, the teller withdraws it."""

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consultations.models import Narrative, ReceiptBatch, ReceiptCard, Upload
from consultations.receipts import receipt_batch_issue
from consultations.uploads import (
    upload_import,
    upload_import_start,
    upload_inspect,
    upload_mapping_initial,
    upload_set_mapping,
    upload_store,
    upload_validate,
)

from .factories import consultation_objects

CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b")
HEADER = (
    '"start";"end";"consent";"story_group/story_title";"story_group/story";'
    '"story_group/receipt_code";"_id";"_uuid";"_submission_time";"_validation_status";'
    '"_notes";"_status";"_submitted_by";"__version__";"_tags";"meta/rootUuid";"_index"'
)

MAPPING = {
    "story": ["story_group/story"],
    "title": ["story_group/story_title"],
    "consent": ["consent"],
    "receipt_code": ["story_group/receipt_code"],
}


def kobo_csv(rows) -> bytes:
    """A Kobo CSV export (semicolons, every field quoted, metadata columns) with the receipt
    card's code recorded by the enumerator in ``story_group/receipt_code``."""
    lines = [HEADER]
    for i, (story, code) in enumerate(rows, start=1):
        digest = hashlib.md5(story.encode()).hexdigest()
        uuid = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
        lines.append(
            ";".join(
                f'"{v}"'
                for v in [
                    "2026-05-02T09:00:00.000+03:00",
                    "2026-05-02T09:20:00.000+03:00",
                    "yes",
                    f"Story {i}",
                    story,
                    code,
                    str(2000 + i),
                    uuid,
                    "2026-05-02T06:30:00",
                    "",
                    "",
                    "submitted_via_web",
                    "enumerator_1",
                    "vHq3kZp8yXw2",
                    "",
                    f"uuid:{uuid}",
                    str(i),
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


def upload_rows(people, rows, organisation=None):
    objs = consultation_objects(people)
    upload = upload_store(
        uploaded=SimpleUploadedFile("kobo_receipts.csv", kobo_csv(rows)),
        instrument=objs.instrument,
        organisation=organisation or people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    upload = upload_inspect(upload=upload)
    # The receipt column is found by its name; the mapping is configurable like any other.
    assert upload_mapping_initial(upload)["receipt_code"] == ["story_group/receipt_code"]
    assert upload_set_mapping(upload=upload, mapping=MAPPING) == []
    upload_validate(upload=upload)
    if upload.status == "preview" and not upload.problems:
        upload_import_start(upload=upload)
        upload = upload_import(upload=upload)
    return upload


def test_printing_cards_shows_codes_once_and_stores_only_hashes(client_for, people):
    objs = consultation_objects(people)
    objs.campaign.languages = ["en", "fr", "es"]
    objs.campaign.save()
    client = client_for("partner_own")
    url = reverse("consultations:receipt_cards", args=[objs.campaign.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"organisation": people.partner_org.pk, "count": 12})
    assert response.status_code == 200
    html = response.content.decode()
    codes = CODE.findall(html)
    assert len(codes) == len(set(codes)) == 12
    assert html.count('class="receipt-card"') == 12
    assert "http://testserver/consultations/withdraw/" in html
    # Each card in each campaign language, marked with its language.
    assert html.count('lang="fr"') == 12 and html.count('lang="es"') == 12
    assert "Conservez cette carte" in html and "Guarde esta tarjeta" in html
    batch = ReceiptBatch.objects.get()
    assert batch.organisation == people.partner_org and batch.count == 12
    stored = set(ReceiptCard.objects.values_list("code_hash", flat=True))
    assert len(stored) == 12 and not any(code in h for code in codes for h in stored)
    # The history lists the batch but never the codes again.
    again = client.get(url).content.decode()
    assert "12" in again and not CODE.search(again)


def test_a_partner_cannot_print_cards_of_a_campaign_it_is_not_invited_to(client_for, people):
    objs = consultation_objects(people)
    url = reverse("consultations:receipt_cards", args=[objs.campaign.pk])
    assert client_for("partner_other").get(url).status_code == 404
    assert client_for("unct").get(url).status_code == 403
    response = client_for("partner_own").post(
        url, {"organisation": people.other_partner_org.pk, "count": 3}
    )
    assert response.status_code == 400 and not ReceiptCard.objects.exists()


def test_imported_story_with_a_card_code_is_withdrawn_by_its_teller(client, people):
    _batch, codes = receipt_batch_issue(
        campaign=consultation_objects(people).campaign,
        organisation=people.partner_org,
        user=people.partner_own,
        count=3,
    )
    # Enumerators type codes as they read them: lower case, spaces instead of dashes.
    typed = codes[1].lower().replace("-", " ")
    upload = upload_rows(people, [("The well ran dry.", codes[0]), ("The bus stopped.", typed)])
    assert upload.status == "imported", upload.problems
    assert "2 stories carry a receipt card code" in upload.message
    assert ReceiptCard.objects.filter(used_at__isnull=False).count() == 2
    story = Narrative.objects.get(story="The bus stopped.")
    response = client.post(reverse("consultations:withdraw"), {"code": codes[1]})
    assert response.status_code == 200
    assert not Narrative.objects.filter(pk=story.pk).exists()
    assert Narrative.objects.filter(story="The well ran dry.").exists()


def test_unknown_and_reused_codes_are_reported_and_nothing_is_imported(people):
    objs = consultation_objects(people)
    _b, codes = receipt_batch_issue(
        campaign=objs.campaign, organisation=people.partner_org, user=people.rco, count=2
    )
    # A code issued to another organisation of the same campaign is unknown to this one.
    objs.campaign.partners.add(people.other_partner_org)
    _b, other_codes = receipt_batch_issue(
        campaign=objs.campaign, organisation=people.other_partner_org, user=people.rco, count=1
    )
    first = upload_rows(people, [("First story.", codes[0])])
    assert first.status == "imported"
    before = Narrative.objects.count()
    upload = upload_rows(
        people,
        [
            ("A new story.", codes[0]),  # already used by the first upload
            ("Twice in the file.", codes[1]),
            ("Twice again.", codes[1]),
            ("Another partner's card.", other_codes[0]),
            ("A typo.", "ABCD-EFGH-JKLM"),
            ("No card at all.", ""),
        ],
    )
    assert upload.status == "preview"
    reasons = {p["row"]: " ".join(p["reasons"]) for p in upload.problems}
    assert "already used" in reasons[2]
    assert "more than one row" in reasons[4]
    assert "not issued to this organisation" in reasons[5]
    assert "not issued to this organisation" in reasons[6]
    assert 3 not in reasons and 7 not in reasons
    assert Narrative.objects.count() == before
    assert Upload.objects.get(pk=upload.pk).rows_imported == 0


def test_the_preview_hides_the_code_and_shows_labels(client_for, people):
    _b, codes = receipt_batch_issue(
        campaign=consultation_objects(people).campaign,
        organisation=people.partner_org,
        user=people.partner_own,
        count=1,
    )
    objs = consultation_objects(people)
    upload = upload_store(
        uploaded=SimpleUploadedFile("kobo_receipts.csv", kobo_csv([("A story.", codes[0])])),
        instrument=objs.instrument,
        organisation=people.partner_org,
        user=people.partner_own,
        consent_how="verbal",
    )
    upload = upload_inspect(upload=upload)
    upload_set_mapping(upload=upload, mapping=MAPPING)
    upload_validate(upload=upload)
    html = client_for("partner_own").get(upload.get_absolute_url()).content.decode()
    assert codes[0] not in str(upload.preview) and codes[0] not in html
    assert "<dt>Receipt card</dt><dd>yes (code hidden)</dd>" in html
    assert "<dt>Consent</dt><dd>yes</dd>" in html
    assert "consent: True" not in html and "True" not in html


@pytest.mark.parametrize("count", ["0", "201", "x"])
def test_card_count_is_bounded(client_for, people, count):
    objs = consultation_objects(people)
    response = client_for("partner_own").post(
        reverse("consultations:receipt_cards", args=[objs.campaign.pk]),
        {"organisation": people.partner_org.pk, "count": count},
    )
    assert response.status_code == 400 and not ReceiptBatch.objects.exists()
