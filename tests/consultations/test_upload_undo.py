"""A partner upload's import is one batch that RCO staff of the campaign's country can undo:
exactly its stories go, and only if nobody worked on them since."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from consultations import services
from consultations.models import Narrative, SubmissionTombstone, Upload
from consultations.uploads import upload_undo, upload_undo_blockers
from taxonomy.models import Factor

from .test_uploads import KOBO, ODK, run, stored

pytestmark = pytest.mark.django_db


def _imported(name, mapping, instrument, people) -> Upload:
    upload = run(stored(name, instrument, people), mapping)
    assert upload.status == "imported", upload.problems
    return upload


def test_undo_deletes_exactly_one_upload_and_the_file_can_be_uploaded_again(instrument, people):
    kobo = _imported("kobo_export.csv", KOBO, instrument, people)
    odk = _imported("odk_export.csv", ODK, instrument, people)
    kobo_keys = set(
        Narrative.objects.filter(source_upload=kobo).values_list("external_key", flat=True)
    )
    odk_keys = set(
        Narrative.objects.filter(source_upload=odk).values_list("external_key", flat=True)
    )
    assert kobo_keys and odk_keys and not kobo_keys & odk_keys

    assert upload_undo(upload=kobo, user=people.rco) == len(kobo_keys)
    left = set(
        Narrative.objects.filter(instrument=instrument).values_list("external_key", flat=True)
    )
    assert left == odk_keys
    kobo.refresh_from_db()
    assert kobo.status == Upload.Status.UNDONE and kobo.undone_by == people.rco
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, data__undo=True)
    assert event.actor == people.rco and event.data["deleted"] == len(kobo_keys)
    assert not SubmissionTombstone.objects.exists()  # an undo is not a withdrawal
    with pytest.raises(ValidationError, match="Only an imported upload"):
        upload_undo(upload=kobo, user=people.rco)

    again = _imported("kobo_export.csv", KOBO, instrument, people)
    assert again.rows_imported == len(kobo_keys) and again.rows_duplicate == 0


def test_undo_is_refused_when_a_story_was_reviewed_since(instrument, people):
    upload = _imported("kobo_export.csv", KOBO, instrument, people)
    stories = Narrative.objects.filter(source_upload=upload)
    reviewed = stories.order_by("pk").first()
    services.submission_review(obj=reviewed, user=people.rco, status="approved", note="fine")
    reasons = upload_undo_blockers(upload)
    assert len(reasons) == 1 and reviewed.external_key in reasons[0]
    others = [s.external_key for s in stories.exclude(pk=reviewed.pk)]
    assert others and not any(key in reasons[0] for key in others)
    count = stories.count()
    with pytest.raises(ValidationError):
        upload_undo(upload=upload, user=people.rco)
    assert stories.count() == count
    upload.refresh_from_db()
    assert upload.status == Upload.Status.IMPORTED


def test_undo_is_refused_when_a_story_was_tagged_since(instrument, people):
    upload = _imported("kobo_export.csv", KOBO, instrument, people)
    story = Narrative.objects.filter(source_upload=upload).order_by("pk").last()
    story.factors.add(Factor.objects.first())
    assert story.factors.exists()
    assert story.external_key in " ".join(upload_undo_blockers(upload))


def test_undo_page_only_for_rco_staff_of_the_country(instrument, people, client):
    upload = _imported("kobo_export.csv", KOBO, instrument, people)
    count = upload.rows_imported
    url = reverse("consultations:upload_undo", args=[upload.pk])
    for user, status in (
        (people.partner_own, 403),
        (people.partner_other, 404),
        (people.unct, 404),
        (people.foreign_rco, 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user
        assert client.post(url).status_code == status, user
    assert Narrative.objects.filter(source_upload=upload).count() == count
    client.force_login(people.partner_own)
    assert url not in client.get(upload.get_absolute_url()).content.decode()
    client.force_login(people.rco)
    assert url in client.get(upload.get_absolute_url()).content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert f"deletes the {count} stories this upload imported" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert not Narrative.objects.filter(source_upload=upload).exists()
    assert "Undone by" in client.get(upload.get_absolute_url()).content.decode()
