"""Role × URL entries for community voice (merged into tests/test_url_matrix.py)."""

from tests.url_matrix_base import API_MEMBERS, MEMBERS, PUBLIC, RCO_ONLY, Entry, statuses

from .factories import consultation_objects


def campaign(p):
    return {"pk": consultation_objects(p).campaign.pk}


def instrument(p):
    return {"pk": consultation_objects(p).instrument.pk}


def story(p):
    return {"pk": consultation_objects(p).narrative.pk}


def focus_group(p):
    return {"pk": consultation_objects(p).focus_group.pk}


def signifier(p):
    return {"pk": consultation_objects(p).instrument.signifiers.first().pk}


def upload(p):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consultations.uploads import upload_store

    csv = (
        b'"_uuid";"meta/rootUuid";"_submission_time";"story";"consent"\n'
        b'"u1";"uuid:1";"2026-05-01T10:00:00";"A story";"yes"\n'
    )
    return upload_store(
        uploaded=SimpleUploadedFile("kobo.csv", csv),
        instrument=consultation_objects(p).instrument,
        organisation=p.partner_org,
        user=p.partner_own,
        consent_how="verbal",
    )


def partner_sync(p):
    from consultations.sync import partner_sync_save

    sync = partner_sync_save(
        instrument=consultation_objects(p).instrument,
        organisation=p.partner_org,
        kind="kobo",
        server="http://127.0.0.1:9",  # nothing listens: a pull fails at once, with a message
        token="matrix-token",
        asset_uid="aMatrix",
    )
    return {"pk": sync.pk}


# The campaign invites the "own" partner only; its story and focus group wait for review.
INVITED = statuses(302, 200, 404, 200, 200)
RCO_CHANGE = statuses(302, 403, 404, 403, 200)
RCO_CHANGE_POST = statuses(302, 403, 404, 403, 302)
OWN_RAW = statuses(302, 200, 404, 404, 200)
REVIEW_POST = statuses(302, 403, 404, 404, 302)
RCO_DELETE_PAGE = statuses(302, 403, 404, 404, 200)
API_INVITED = statuses(401, 200, 404, 200, 200)
API_OWN_RAW = statuses(401, 200, 404, 404, 200)

MATRIX = {
    "consultations:index": Entry(MEMBERS),
    "consultations:campaign_create": Entry(RCO_ONLY),
    "consultations:campaign_detail": Entry(INVITED, kwargs=campaign),
    "consultations:campaign_edit": Entry(RCO_CHANGE, kwargs=campaign),
    "consultations:campaign_analysis": Entry(INVITED, kwargs=campaign),
    # The matrix campaign has fewer than 5 approved stories: everyone but RCO staff of the
    # country is sent back to the analysis page (M3: an export never lists a small cell).
    "consultations:campaign_export": Entry(
        statuses(302, 302, 404, 302, 200), kwargs=lambda p: {**campaign(p), "fmt": "csv"}
    ),
    "consultations:instrument_create": Entry(RCO_CHANGE, kwargs=campaign),
    "consultations:review_queue": Entry(RCO_CHANGE, kwargs=campaign),
    "consultations:focus_group_new": Entry(statuses(302, 200, 404, 403, 200), kwargs=campaign),
    "consultations:instrument_detail": Entry(INVITED, kwargs=instrument),
    "consultations:instrument_edit": Entry(RCO_CHANGE, kwargs=instrument),
    # An empty question is shown again with its errors (400), not redirected.
    "consultations:signifier_add": Entry(
        statuses(302, 403, 404, 403, 400), kwargs=instrument, method="post"
    ),
    "consultations:narrative_new": Entry(
        statuses(302, 200, 404, 403, 403),
        kwargs=lambda p: {**instrument(p), "org": p.partner_org.pk},
    ),
    "consultations:signifier_delete": Entry(RCO_CHANGE_POST, kwargs=signifier, method="post"),
    "consultations:signifier_edit": Entry(RCO_CHANGE, kwargs=signifier),
    "consultations:signifier_move": Entry(RCO_CHANGE_POST, kwargs=signifier, method="post"),
    "consultations:instrument_preview": Entry(RCO_CHANGE, kwargs=instrument),
    "consultations:narrative_detail": Entry(OWN_RAW, kwargs=story),
    "consultations:narrative_review": Entry(REVIEW_POST, kwargs=story, method="post"),
    "consultations:narrative_redact": Entry(REVIEW_POST, kwargs=story, method="post"),
    "consultations:narrative_tag": Entry(REVIEW_POST, kwargs=story, method="post"),
    # The deletion pages: a confirmation page (GET) for RCO staff; the POST needs a reason.
    "consultations:narrative_delete": Entry(RCO_DELETE_PAGE, kwargs=story),
    "consultations:focus_group_delete": Entry(RCO_DELETE_PAGE, kwargs=focus_group),
    "consultations:focus_group_edit": Entry(OWN_RAW, kwargs=focus_group),
    "consultations:our_submissions": Entry(MEMBERS),
    "consultations:our_uploads": Entry(MEMBERS),
    "consultations:receipt_cards": Entry(statuses(302, 200, 404, 403, 200), kwargs=campaign),
    "consultations:focus_group_detail": Entry(OWN_RAW, kwargs=focus_group),
    "consultations:focus_group_review": Entry(REVIEW_POST, kwargs=focus_group, method="post"),
    "consultations:public_tell": Entry(
        PUBLIC, kwargs=lambda p: {"token": consultation_objects(p).campaign.public_token}
    ),
    "consultations:withdraw": Entry(PUBLIC),
    "consultations:upload_new": Entry(statuses(302, 200, 404, 403, 200), kwargs=campaign),
    "consultations:upload_detail": Entry(OWN_RAW, kwargs=lambda p: {"pk": upload(p).pk}),
    "consultations:upload_undo": Entry(
        statuses(302, 403, 404, 404, 200), kwargs=lambda p: {"pk": upload(p).pk}
    ),
    # Partner sync pages: the partner's own organisation and RCO staff of the country only.
    "consultations:sync_list": Entry(OWN_RAW, kwargs=campaign),
    "consultations:sync_detail": Entry(OWN_RAW, kwargs=partner_sync),
    "consultations:sync_delete": Entry(OWN_RAW, kwargs=partner_sync),
    # POST only: a GET goes back to the sync's page for who may see it
    "consultations:sync_login": Entry(statuses(302, 302, 404, 404, 302), kwargs=partner_sync),
    "api:upload-list": Entry(API_MEMBERS),
    "api:upload-detail": Entry(API_OWN_RAW, kwargs=lambda p: {"pk": upload(p).pk}),
    # the matrix's upload waits for its check: no mapping yet (409), nothing to import (400)
    "api:upload-mapping": Entry(
        statuses(401, 409, 404, 404, 409), kwargs=lambda p: {"pk": upload(p).pk}
    ),
    "api:upload-start-import": Entry(
        statuses(401, 400, 404, 404, 400), kwargs=lambda p: {"pk": upload(p).pk}, method="post"
    ),
    "api:upload-undo": Entry(
        statuses(401, 403, 404, 404, 400), kwargs=lambda p: {"pk": upload(p).pk}, method="post"
    ),
    "api:partner-sync-list": Entry(API_MEMBERS),
    "api:partner-sync-detail": Entry(API_OWN_RAW, kwargs=partner_sync),
    # the pull is queued (202); the sync says its outcome
    "api:partner-sync-pull": Entry(
        statuses(401, 202, 404, 404, 202), kwargs=partner_sync, method="post"
    ),
    "api:campaign-list": Entry(API_MEMBERS),
    "api:campaign-detail": Entry(API_INVITED, kwargs=campaign),
    "api:instrument-list": Entry(API_MEMBERS),
    "api:instrument-detail": Entry(API_INVITED, kwargs=instrument),
    "api:story-list": Entry(API_MEMBERS),
    "api:story-detail": Entry(API_OWN_RAW, kwargs=story),
    "api:focus-group-list": Entry(API_MEMBERS),
    "api:focus-group-detail": Entry(API_OWN_RAW, kwargs=focus_group),
}
