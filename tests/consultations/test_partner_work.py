"""Partners see their own work: "our submissions" (every status, filters, search), upload
history, and e-mail (invitation, daily review digest, upload finished). Each role sees
only what it may: the own partner its organisation's records, nobody else any."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.models import Campaign, Narrative, ReviewStatus, Upload
from consultations.notifications import notify_upload_finished, review_digest_send

from .factories import consultation_objects


def other_partner_story(people):
    """A story of the second partner organisation, in the same campaign."""
    objs = consultation_objects(people)
    objs.campaign.partners.add(people.other_partner_org)
    narrative, _code = services.narrative_submit(
        instrument=objs.instrument,
        values={"story": "Youth forum story about the bridge.", "title": "The bridge"},
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=people.other_partner_org,
        user=people.partner_other,
    )
    return narrative


def own_story(people, text, status):
    objs = consultation_objects(people)
    narrative, _code = services.narrative_submit(
        instrument=objs.instrument,
        values={"story": text, "title": text[:20]},
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=people.partner_org,
        user=people.partner_own,
    )
    if status != ReviewStatus.PENDING:
        services.submission_review(obj=narrative, status=status, note="", user=people.rco)
    return narrative


@pytest.mark.parametrize(
    ("role", "sees_own", "sees_other"),
    [
        ("partner_own", True, False),
        ("partner_other", False, True),
        ("rco", False, False),
        ("unct", False, False),
    ],
)
def test_our_submissions_lists_only_the_viewers_organisation(
    client_for, people, role, sees_own, sees_other
):
    objs = consultation_objects(people)  # the own partner's pending story and focus group
    other = other_partner_story(people)
    services.submission_review(obj=other, status="approved", note="", user=people.rco)
    response = client_for(role).get(reverse("consultations:our_submissions"))
    assert response.status_code == 200
    html = response.content.decode()
    assert (objs.narrative.get_absolute_url() in html) is sees_own
    assert (objs.focus_group.get_absolute_url() in html) is sees_own
    assert (other.get_absolute_url() in html) is sees_other
    stories = list(response.context["page"])
    assert all(
        n.organisation_id in {people.partner_org.pk, people.other_partner_org.pk} for n in stories
    )
    if role in ("rco", "unct"):
        assert stories == [] and "not a member of a partner organisation" in html


def test_our_submissions_filters_by_status_campaign_and_search(client_for, people):
    objs = consultation_objects(people)
    approved = own_story(people, "The market moved far away.", ReviewStatus.APPROVED)
    held = own_story(people, "Water came back after two days.", ReviewStatus.ON_HOLD)
    client = client_for("partner_own")
    url = reverse("consultations:our_submissions")

    def listed(**params):
        return {n.pk for n in client.get(url, params).context["page"]}

    assert listed() == {objs.narrative.pk, approved.pk, held.pk}
    assert listed(status="pending") == {objs.narrative.pk}
    assert listed(status="on_hold") == {held.pk}
    assert listed(q="market") == {approved.pk}
    assert listed(q="MARKET", status="approved") == {approved.pk}
    assert listed(campaign=str(objs.campaign.pk)) == {objs.narrative.pk, approved.pk, held.pk}
    other_campaign = Campaign.objects.create(
        title="Other",
        purpose="p",
        country="Demoland",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        status="open",
    )
    other_campaign.partners.add(people.partner_org)
    assert listed(campaign=str(other_campaign.pk)) == set()
    assert listed(status="nonsense") == {objs.narrative.pk, approved.pk, held.pk}
    html = client.get(url, {"status": "on_hold"}).content.decode()
    assert "On hold" in html and "Water came back" in html


def _upload(people, organisation, status, message=""):
    objs = consultation_objects(people)
    return Upload.objects.create(
        campaign=objs.campaign,
        instrument=objs.instrument,
        organisation=organisation,
        uploaded_by=people.partner_own,
        original_name=f"{organisation.name}.csv",
        status=status,
        rows_total=4,
        rows_imported=4 if status == "imported" else 0,
        message=message,
    )


@pytest.mark.parametrize(
    ("role", "sees_own", "sees_other"),
    [
        ("partner_own", True, False),
        ("partner_other", False, True),
        ("rco", False, False),
        ("unct", False, False),
    ],
)
def test_upload_history_shows_only_the_organisations_uploads(
    client_for, people, role, sees_own, sees_other
):
    consultation_objects(people).campaign.partners.add(people.other_partner_org)
    own = _upload(people, people.partner_org, "imported", "4 stories imported.")
    other = _upload(people, people.other_partner_org, "failed", "Nothing was imported.")
    html = client_for(role).get(reverse("consultations:our_uploads")).content.decode()
    assert (own.get_absolute_url() in html) is sees_own
    assert ("4 stories imported." in html) is sees_own
    assert (other.get_absolute_url() in html) is sees_other


def test_invitation_e_mail_goes_to_newly_invited_partners_only(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        objs = consultation_objects(people)  # an open campaign inviting partner_org
    assert [m.to for m in mail.outbox] == [[people.partner_own.email]]
    assert "Voices" in mail.outbox[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_save(
            campaign=objs.campaign,
            consent_text="We keep your story safely.",
            user=people.rco,
            partners=[people.partner_org, people.other_partner_org],
        )
    assert [m.to for m in mail.outbox] == [[people.partner_other.email]]
    assert objs.campaign.get_absolute_url() in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_save(campaign=objs.campaign, consent_text="Changed.", user=people.rco)
    assert mail.outbox == []


def test_a_draft_campaign_invites_nobody_until_it_opens(people, django_capture_on_commit_callbacks):
    campaign = Campaign(
        title="Draft",
        purpose="p",
        country="Demoland",
        languages=["en"],
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_save(
            campaign=campaign, consent_text="c", user=people.rco, partners=[people.partner_org]
        )
    assert mail.outbox == []
    campaign.status = Campaign.Status.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_save(campaign=campaign, consent_text="c", user=people.rco)
    assert [m.to for m in mail.outbox] == [[people.partner_own.email]]


def test_daily_digest_counts_each_organisations_own_review_outcomes(people):
    objs = consultation_objects(people)
    other = other_partner_story(people)
    approved = own_story(people, "Approved story text", ReviewStatus.APPROVED)
    own_story(people, "Another approved one", ReviewStatus.APPROVED)
    services.submission_review(obj=objs.narrative, status="not_approved", note="", user=people.rco)
    services.submission_review(obj=objs.focus_group, status="on_hold", note="", user=people.rco)
    services.submission_review(obj=other, status="approved", note="", user=people.rco)
    mail.outbox.clear()
    today = timezone.localdate()
    assert review_digest_send(day=today) == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    own = by_recipient[people.partner_own.email].body
    assert "Voices — stories: Approved: 2, Not approved: 1" in own
    assert "Voices — focus-group records: On hold: 1" in own
    assert approved.story not in own  # counts, never content
    other_body = by_recipient[people.partner_other.email].body
    assert "Voices — stories: Approved: 1" in other_body and "Not approved" not in other_body
    # Nothing reviewed yesterday: nothing sent.
    mail.outbox.clear()
    call_command("send_review_digest", day=(today - datetime.timedelta(days=1)).isoformat())
    assert mail.outbox == []


def test_upload_finished_e_mail_goes_to_the_uploader(people):
    upload = _upload(people, people.partner_org, "imported", "4 stories imported.")
    mail.outbox.clear()
    assert notify_upload_finished(upload=upload) == 1
    assert mail.outbox[0].to == [people.partner_own.email]
    assert "imported" in mail.outbox[0].subject and "4 stories imported." in mail.outbox[0].body
    running = _upload(people, people.partner_org, "importing")
    assert notify_upload_finished(upload=running) == 0


def test_the_import_task_sends_the_upload_finished_e_mail(people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consultations.tasks import upload_import_task
    from consultations.uploads import (
        upload_import_start,
        upload_inspect,
        upload_set_mapping,
        upload_store,
        upload_validate,
    )

    from .test_receipts import MAPPING, kobo_csv

    objs = consultation_objects(people)
    upload = upload_inspect(
        upload=upload_store(
            uploaded=SimpleUploadedFile("field.csv", kobo_csv([("One story.", "")])),
            instrument=objs.instrument,
            organisation=people.partner_org,
            user=people.partner_own,
            consent_how="verbal",
        )
    )
    upload_set_mapping(upload=upload, mapping=MAPPING)
    upload_validate(upload=upload)
    upload_import_start(upload=upload)
    mail.outbox.clear()
    assert upload_import_task(upload.pk) == "imported"
    assert [m.to for m in mail.outbox] == [[people.partner_own.email]]
    assert Narrative.objects.filter(story="One story.").exists()


def test_our_submissions_query_count_does_not_grow_with_the_list(
    client_for, people, django_assert_max_num_queries
):
    consultation_objects(people)
    client = client_for("partner_own")
    url = reverse("consultations:our_submissions")
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for i in range(15):
        own_story(people, f"Story {i} about the road", ReviewStatus.APPROVED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 16


def test_the_digest_runs_daily_from_celery_beat(settings, people):
    from consultations.tasks import review_digest_task

    entry = settings.CELERY_BEAT_SCHEDULE["consultations-review-digest"]
    assert entry["task"] == review_digest_task.name and entry["schedule"] == 60 * 60 * 24
    objs = consultation_objects(people)
    services.submission_review(obj=objs.narrative, status="approved", note="", user=people.rco)
    Narrative.objects.filter(pk=objs.narrative.pk).update(
        reviewed_at=timezone.now() - datetime.timedelta(days=1)
    )
    mail.outbox.clear()
    assert review_digest_task() == 1  # yesterday's outcomes
    assert mail.outbox[0].to == [people.partner_own.email]


def test_partner_e_mails_are_written_in_the_campaigns_language(people):
    from consultations.notifications import notify_campaign_invitation

    campaign = consultation_objects(people).campaign
    mail.outbox.clear()
    campaign.languages = ["fr", "en"]
    notify_campaign_invitation(campaign=campaign, organisation_ids=[people.partner_org.pk])
    [message] = mail.outbox
    assert message.subject.startswith("Votre organisation")  # French, not English
    assert "Ouvrir" in message.body or "Ouvrez" in message.body
