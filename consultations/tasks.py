"""Thin tasks: load by id, call one service. Upload tasks record any failure on the upload
(status "failed" with a message a person can act on) and delete its file."""

from celery import shared_task

from .services import retention_purge

# Reading a partner's export is bounded by the archive check and the CSV limits; the soft
# limit lets the task mark the upload failed (and delete the file) before it is killed.
UPLOAD_SOFT_LIMIT = 60 * 25
UPLOAD_HARD_LIMIT = 60 * 30


@shared_task(name="consultations.retention_purge", time_limit=60 * 30)
def retention_purge_task() -> int:
    """Run daily by Celery beat (see CELERY_BEAT_SCHEDULE)."""
    from .uploads import uploads_raw_purge

    return retention_purge() + uploads_raw_purge()


@shared_task(name="consultations.uploads_raw_purge", time_limit=60 * 10)
def uploads_raw_purge_task() -> int:
    """Run hourly: raw upload files kept for UPLOAD_RAW_RETENTION_HOURS, stale uploads."""
    from .uploads import uploads_raw_purge

    return uploads_raw_purge()


def _run(service, upload_id: int, **kwargs) -> str:
    from .models import Upload
    from .uploads import upload_fail

    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None:
        return "gone"
    try:
        return service(upload=upload, **kwargs).status
    except Exception as exc:  # the person sees a message, never a traceback
        return upload_fail(upload=upload, exc=exc).status


@shared_task(
    name="consultations.upload_inspect",
    soft_time_limit=UPLOAD_SOFT_LIMIT,
    time_limit=UPLOAD_HARD_LIMIT,
)
def upload_inspect_task(upload_id: int) -> str:
    from .uploads import upload_inspect

    return _run(upload_inspect, upload_id)


@shared_task(
    name="consultations.upload_validate",
    soft_time_limit=UPLOAD_SOFT_LIMIT,
    time_limit=UPLOAD_HARD_LIMIT,
)
def upload_validate_task(upload_id: int) -> str:
    from .uploads import upload_validate

    return _run(upload_validate, upload_id)


@shared_task(
    name="consultations.upload_import",
    soft_time_limit=UPLOAD_SOFT_LIMIT,
    time_limit=UPLOAD_HARD_LIMIT,
)
def upload_import_task(upload_id: int, user_id: int | None = None) -> str:
    from accounts.models import User

    from .models import Upload
    from .notifications import notify_upload_finished
    from .uploads import upload_import

    user = User.objects.filter(pk=user_id).first() if user_id else None
    status = _run(upload_import, upload_id, user=user)
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is not None:
        notify_upload_finished(upload=upload)
    return status


@shared_task(name="consultations.review_digest", time_limit=60 * 10)
def review_digest_task() -> int:
    """Run daily by Celery beat: yesterday's review outcomes to each partner organisation."""
    from .notifications import review_digest_send

    return review_digest_send()


@shared_task(
    name="consultations.partner_syncs_run",
    soft_time_limit=UPLOAD_SOFT_LIMIT,
    time_limit=UPLOAD_HARD_LIMIT,
)
def partner_syncs_run_task() -> int:
    from .sync import partner_syncs_run_all

    return partner_syncs_run_all()


@shared_task(
    name="consultations.partner_sync_pull",
    soft_time_limit=UPLOAD_SOFT_LIMIT,
    time_limit=UPLOAD_HARD_LIMIT,
)
def partner_sync_pull_task(
    sync_id: int, user_id: int | None = None, seen_stamp: str | None = None
) -> bool:
    """ "Pull now" on a sync's page: one sync, in the background; the outcome is stored on it."""
    from accounts.models import User

    from .models import PartnerSync
    from .sync import partner_sync_run

    sync = PartnerSync.objects.filter(pk=sync_id).first()
    if sync is None:
        return False
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return partner_sync_run(sync=sync, user=user, seen_stamp=seen_stamp)
